"""Connecting a session to a listening app-server (``Codex.connect``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._connect_config import ConnectConfig
from ._transport_base import Transport
from .errors import ProtocolError, TransportClosedError

if TYPE_CHECKING:
    from ._config import AppServerConfig
    from ._transport import TransportSink as LineSink
    from ._ws_transport import WebSocketTransport

__all__ = ["PreparedConnection", "SessionTransportAdapter", "open_transport", "prepare"]


@dataclass(frozen=True)
class PreparedConnection:
    """A checked address and token, not connected yet, and the session's settings."""

    transport: WebSocketTransport
    session_config: AppServerConfig


def prepare(url: str, token: str | None, config: ConnectConfig | None) -> PreparedConnection:
    """Check ``url`` and the token policy without connecting (``ValueError``,
    :class:`InsecureConnectionError`)."""
    from ._ws_transport import WebSocketTransport  # ssl and websockets: only when connecting

    config = config or ConnectConfig()
    transport = WebSocketTransport.create(url, token=token, config=config)
    return PreparedConnection(transport, config.session_config())


async def open_transport(prepared: PreparedConnection) -> SessionTransportAdapter:
    """Connect, and present the connection to the session."""
    adapter = SessionTransportAdapter(prepared.transport)
    await adapter.start()
    return adapter


class SessionTransportAdapter:
    """Presents a narrow :class:`~codex_app_server._transport_base.Transport` to the session
    through the stdio transport's older, wider contract (attach/write/pause_reading...)."""

    def __init__(self, inner: Transport) -> None:
        self._inner = inner
        self._sink: LineSink | None = None
        self._early: list[bytes] = []
        self._early_errors: list[ProtocolError] = []
        self._lost: TransportClosedError | None = None
        self._writing_paused = False

    @property
    def inner(self) -> Transport:
        return self._inner

    async def start(self) -> None:
        await self._inner.open(self)

    # the inner transport's sink ------------------------------------------------

    def messages_received(self, messages: list[bytes]) -> None:
        if self._sink is None:
            self._early.extend(messages)
        else:
            self._sink.lines_received(messages)

    def protocol_error(self, error: ProtocolError) -> None:
        if self._sink is None:
            self._early_errors.append(error)
        else:
            self._sink.protocol_error(error)

    def connection_lost(self, error: TransportClosedError) -> None:
        self._lost = error
        if self._sink is not None:
            self._sink.connection_lost(error)

    # the session's transport -----------------------------------------------------

    def attach(self, sink: LineSink) -> None:
        self._sink = sink
        for error in self._early_errors:
            sink.protocol_error(error)
        early, self._early = self._early, []
        if early:
            sink.lines_received(early)
        if self._lost is not None:
            sink.connection_lost(self._lost)

    def write(self, data: bytes) -> None:
        self._writing_paused = self._inner.send(data)

    def write_threadsafe(self, data: bytes) -> None:
        self._inner.send_threadsafe(data)

    @property
    def writing_paused(self) -> bool:
        return self._writing_paused

    async def drain(self) -> None:
        await self._inner.drain()
        self._writing_paused = False

    def pause_reading(self) -> None:
        self._inner.pause_receiving()

    def resume_reading(self) -> None:
        self._inner.resume_receiving()

    async def close(self) -> None:
        await self._inner.close()

    @property
    def closed(self) -> bool:
        return self._inner.closed_error is not None

    @property
    def exit_code(self) -> int | None:
        return None

    def stderr_tail(self) -> str:
        return ""
