"""A transport with both ends in this process: the engine on one side, a test playing the
app-server on the other. Engine tests run on it without a process or a socket."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any

from ._transport import TransportSink, send_threadsafe_via_loop
from .errors import TransportClosedError

__all__ = ["MemoryTransport"]


class MemoryTransport:
    """The engine's side is the :class:`~codex_app_server._transport_base.Transport`
    interface; the peer's side is :meth:`peer_send`, :meth:`peer_receive` and
    :meth:`peer_close`. While the engine has paused receiving, what the peer sends is held
    (:attr:`held`) and delivered on resume, in order."""

    def __init__(self) -> None:
        self._sink: TransportSink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._paused = False
        self.held: deque[bytes] = deque()
        self._inbox: asyncio.Queue[bytes] | None = None
        self._closed_error: TransportClosedError | None = None
        self.pauses = 0  # times the engine paused receiving

    # ------------------------------------------------------------------ the engine's side

    def open(self, sink: TransportSink) -> None:
        self._loop = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        self._sink = sink
        self._deliver()

    def send(self, message: bytes) -> bool:
        if self._closed_error is not None or self._inbox is None:
            raise self._closed_error or TransportClosedError("the memory transport is not open")
        self._inbox.put_nowait(message.rstrip(b"\n"))
        return False

    def send_threadsafe(self, message: bytes) -> None:
        loop = self._loop
        if loop is None:
            raise TransportClosedError("the memory transport is not open")
        send_threadsafe_via_loop(loop, self.send, lambda: self._closed_error, message)

    async def drain(self) -> None:
        if self._closed_error is not None:
            raise self._closed_error

    def pause_receiving(self) -> None:
        if not self._paused:
            self._paused = True
            self.pauses += 1

    def resume_receiving(self) -> None:
        if self._paused:
            self._paused = False
            self._deliver()

    @property
    def paused(self) -> bool:
        """The engine has paused receiving."""
        return self._paused

    async def close(self) -> None:
        self._finish(TransportClosedError("the app-server session was closed"))

    @property
    def closed_error(self) -> TransportClosedError | None:
        return self._closed_error

    # ------------------------------------------------------------------ the peer's side

    def peer_send(self, message: bytes | dict[str, Any]) -> None:
        """Send the engine one message (a dict is encoded as JSON)."""
        if self._closed_error is not None:
            raise self._closed_error
        data = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.held.append(data)
        self._deliver()

    async def peer_receive(self) -> dict[str, Any]:
        """The next message the engine sent, decoded."""
        if self._inbox is None:
            raise RuntimeError("the transport is not open")
        value: dict[str, Any] = json.loads(await self._inbox.get())
        return value

    def peer_close(self, reason: str = "the peer went away") -> None:
        """End the connection from the peer's side."""
        self._finish(TransportClosedError(reason))

    # ------------------------------------------------------------------ internals

    def _deliver(self) -> None:
        sink = self._sink
        while sink is not None and self.held and not self._paused and self._closed_error is None:
            # one at a time: the engine may pause in the middle of a batch
            sink.messages_received([self.held.popleft()])

    def _finish(self, error: TransportClosedError) -> None:
        if self._closed_error is not None:
            return
        self._closed_error = error
        if self._sink is not None:
            self._sink.connection_lost(error)
