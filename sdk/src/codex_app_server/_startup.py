"""From a config to a running session: spawn the app-server (or take a ready transport), map
the config's settings onto the session, run the handshake. The session itself knows no config
and no process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._config import AppServerConfig
from ._session import ServerRequestHandler, Session

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["open_session", "start_session"]


async def open_session(
    config: AppServerConfig | None = None,
    *,
    handler: ServerRequestHandler | None = None,
    transport: Transport | None = None,
) -> Session:
    """Spawn ``codex app-server`` for ``config`` (or use ``transport``, already connected) and
    open a session on it, without the handshake: subscribe first (the server sends
    notifications such as ``configWarning`` right after ``initialize``), then
    :func:`initialize`."""
    config = config or AppServerConfig()
    if transport is None:
        from ._process_transport import ProcessTransport

        transport = await ProcessTransport.spawn(config)
    session = Session(
        transport,
        request_timeout=config.request_timeout,
        notification_buffer=config.notification_buffer,
        server_request_timeout=config.server_request_timeout,
        handler=handler,
    )
    await session.watch_loop_end()
    return session


async def initialize(
    session: Session,
    config: AppServerConfig | None = None,
    *,
    capabilities: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The handshake with ``config``'s ``clientInfo``, within its ``startup_timeout``."""
    config = config or AppServerConfig()
    return await session.initialize(
        client_name=config.client_name,
        client_version=config.client_version,
        capabilities=capabilities,
        timeout=config.startup_timeout,
    )


async def start_session(
    config: AppServerConfig | None = None,
    *,
    handler: ServerRequestHandler | None = None,
    capabilities: Mapping[str, Any] | None = None,
    transport: Transport | None = None,
) -> Session:
    """:func:`open_session` then :func:`initialize`. On any failure the process is stopped
    and the error raised (:class:`CodexNotFoundError`, :class:`CodexBinaryError`,
    :class:`TransportClosedError` with the exit code and stderr tail if it died,
    :class:`RequestTimeoutError`, ...)."""
    session = await open_session(config, handler=handler, transport=transport)
    try:
        await initialize(session, config, capabilities=capabilities)
    except BaseException:
        await session.close()
        raise
    return session
