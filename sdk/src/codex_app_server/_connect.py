"""Connecting a session to a listening app-server (``Codex.connect``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._connect_config import ConnectConfig

if TYPE_CHECKING:
    from ._config import AppServerConfig
    from ._ws_transport import WebSocketTransport

__all__ = ["PreparedConnection", "open_transport", "prepare"]


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


async def open_transport(prepared: PreparedConnection) -> WebSocketTransport:
    """Connect; the session then opens the transport."""
    await prepared.transport.connect()
    return prepared.transport
