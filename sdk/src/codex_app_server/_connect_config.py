"""How to connect to an app-server that is already listening (``Codex.connect``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codex_app_server._config import AppServerConfig, _sdk_version

if TYPE_CHECKING:
    import ssl

__all__ = ["ConnectConfig"]

#: The largest message accepted from the server (as the stdio transport's longest line).
DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class ConnectConfig:
    """Settings for ``Codex.connect(url, token=..., config=ConnectConfig(...))``.

    Security:

    * ``ca_file``: a PEM file of certificate authorities to trust for ``wss://`` (a private
      CA), instead of the system's. Verification is always on.
    * ``ssl_context``: a ready ``ssl.SSLContext`` for ``wss://`` (client certificates...);
      takes precedence over ``ca_file``.
    * ``allow_insecure_token``: send a token over plain ``ws://`` to another machine. Refused
      by default (:class:`InsecureConnectionError`) because the token travels unencrypted.

    The connection:

    * ``open_timeout``: seconds for the TCP/TLS connection and the WebSocket handshake.
    * ``keepalive_interval`` / ``keepalive_timeout``: a ping every ``keepalive_interval``
      seconds; no pong within ``keepalive_timeout`` closes the connection as dead, failing
      pending calls and streams with :class:`TransportClosedError`. ``None`` disables it.
    * ``max_message_bytes``: the largest message accepted from the server.
    * ``receive_queue``: messages the connection holds while the SDK has stopped reading
      (backpressure); past it, the socket is not read and the server waits.
    * ``close_timeout``: seconds to wait for the closing handshake.

    The session (as in :class:`AppServerConfig`): ``client_name``, ``client_version``,
    ``request_timeout``, ``startup_timeout`` (connection + ``initialize``),
    ``notification_buffer``, ``server_request_timeout``, ``handler_threads``, and
    ``experimental_api`` (the experimental API, e.g. for ``thread_start(tools=...)``).
    """

    ca_file: str | os.PathLike[str] | None = None
    ssl_context: ssl.SSLContext | None = None
    allow_insecure_token: bool = False
    open_timeout: float = 10.0
    keepalive_interval: float | None = 20.0
    keepalive_timeout: float | None = 20.0
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    receive_queue: int = 64
    close_timeout: float = 3.0
    client_name: str = "codex_app_server_sdk"
    client_version: str = field(default_factory=_sdk_version)
    request_timeout: float | None = 60.0
    startup_timeout: float | None = 30.0
    notification_buffer: int = 10_000
    server_request_timeout: float | None = 300.0
    handler_threads: int = 8
    experimental_api: bool = False

    def __post_init__(self) -> None:
        for name in ("open_timeout", "close_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")
        for name in ("keepalive_interval", "keepalive_timeout"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be > 0 or None, not {value!r}")
        if self.max_message_bytes < 1024:
            raise ValueError("max_message_bytes must be at least 1024")
        if self.receive_queue < 2:
            raise ValueError("receive_queue must be at least 2")

    def session_config(self) -> AppServerConfig:
        """The session settings as an :class:`AppServerConfig` (its process settings unused)."""
        return AppServerConfig(
            client_name=self.client_name,
            client_version=self.client_version,
            request_timeout=self.request_timeout,
            startup_timeout=self.startup_timeout,
            notification_buffer=self.notification_buffer,
            server_request_timeout=self.server_request_timeout,
            handler_threads=self.handler_threads,
            experimental_api=self.experimental_api,
        )
