"""A connection to a listening app-server: ``ws://``, ``wss://`` or ``unix://`` (WebSocket over
a unix socket), one JSON-RPC message per text frame.

Built on the ``websockets`` library (its asyncio client): it is maintained, typed, has no
dependencies of its own, and does the parts that are easy to get subtly wrong: the opening
handshake, TLS, keepalive pings with a timeout, the closing handshake, a bounded receive queue
that stops reading the socket when full (so backpressure reaches the server), and write flow
control. Only this module imports it, and only when a connection is made, so
``import codex_app_server`` does not pay for it.

Sending writes the frame straight into the connection's buffer (``protocol.send_text`` then
``send_data``, as ``websockets.broadcast`` does), so a request costs no task; receiving is a
task that takes one message at a time from the library's queue and hands it to the session,
and that simply stops taking while the session has paused receiving.

The token is sent as ``Authorization: Bearer <token>`` on the upgrade request and is kept out
of every repr, log line and error: the library's own debug log (which prints the request's
headers) goes through a logger that blanks it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from ._connect_config import ConnectConfig
from ._endpoint import Endpoint, check_token_allowed, parse_endpoint
from ._redact import redact
from ._transport import TransportSink, send_threadsafe_via_loop
from .errors import (
    ConnectionFailedError,
    ConnectionUnauthorizedError,
    TransportClosedError,
)

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["WebSocketTransport"]

logger = logging.getLogger("codex_app_server.websocket")

_REDACTED = "<redacted>"
#: Outgoing bytes buffered before ``send`` asks the caller to drain (the stdio pipe's mark).
_WRITE_HIGH = 64 * 1024


class Secret:
    """A string that never shows itself in a repr or a str."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return _REDACTED

    __str__ = __repr__


#: The library's debug lines that show message content (``> TEXT '{"id":1,...' [111 bytes]``).
_FRAME_PREFIXES = ("> TEXT", "< TEXT", "> BINARY", "< BINARY", "> CONT", "< CONT")


if TYPE_CHECKING:
    _LoggerAdapter = logging.LoggerAdapter[logging.Logger]
else:  # generic at run time only from Python 3.11
    _LoggerAdapter = logging.LoggerAdapter


class _RedactingLogger(_LoggerAdapter):
    """The library's logger, with the token blanked out of every message (its debug log
    prints the handshake's headers, ``Authorization`` included) and without the lines that
    show message content (a ``login_api_key`` request holds an API key)."""

    def __init__(self, base: logging.Logger, owner: WebSocketTransport) -> None:
        super().__init__(base, {})
        self._base = base
        self._owner = owner

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        if isinstance(msg, str) and msg.startswith(_FRAME_PREFIXES):
            return
        text = redact(str(msg) % args if args else str(msg), self._owner.secrets)
        kwargs.setdefault("stacklevel", 2)
        self._base.log(level, "%s", text, **kwargs)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        return msg, kwargs


def _client_ssl_context(config: ConnectConfig) -> ssl.SSLContext:
    """Verification on (hostname and chain); a private CA if ``ca_file`` is set."""
    if config.ssl_context is not None:
        return config.ssl_context
    if config.ca_file is not None:
        return ssl.create_default_context(cafile=str(config.ca_file))
    return ssl.create_default_context()


class WebSocketTransport:
    """One WebSocket connection to an app-server. Build with :meth:`create` (checks the URL
    and the token policy without connecting), then :meth:`connect`, then :meth:`open`."""

    def __init__(self, endpoint: Endpoint, token: Secret | None, config: ConnectConfig) -> None:
        self._endpoint = endpoint
        self._token = token
        self._config = config
        self._ws: ClientConnection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sink: TransportSink | None = None
        self._pump: asyncio.Task[None] | None = None
        self._paused = False
        self._resume: asyncio.Future[None] | None = None
        self._closing = False
        self._closed_error: TransportClosedError | None = None
        self._closed_event: asyncio.Event | None = None
        self._secrets: tuple[str, ...] = (token.reveal(),) if token is not None else ()

    @classmethod
    def create(
        cls, url: str, *, token: str | None = None, config: ConnectConfig | None = None
    ) -> WebSocketTransport:
        """Parse ``url`` and apply the token policy (:class:`InsecureConnectionError` for a
        token over plain ``ws://`` to another machine): nothing is connected yet."""
        config = config or ConnectConfig()
        endpoint = parse_endpoint(url)
        if token is not None and not isinstance(token, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"token must be a str, not {type(token).__name__}")
        if token is not None and not token:
            raise ValueError("token is empty")
        check_token_allowed(endpoint, token, config.allow_insecure_token)
        return cls(endpoint, Secret(token) if token is not None else None, config)

    def __repr__(self) -> str:
        state = "closed" if self._closed_error is not None else "open" if self._ws else "new"
        auth = " token=<redacted>" if self._token is not None else ""
        return f"<WebSocketTransport {self._endpoint.display}{auth} {state}>"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values redacted from what the SDK reports: the token, and what
        :meth:`add_secret` added (an API key given to ``login_api_key()``)."""
        return self._secrets

    def add_secret(self, value: str) -> None:
        """Redact ``value`` too."""
        if value and value not in self._secrets:
            self._secrets = tuple(sorted((*self._secrets, value), key=len, reverse=True))

    @property
    def url(self) -> str:
        """The address connected to (never with a token)."""
        return self._endpoint.display

    # ------------------------------------------------------------------ connecting

    async def _connect(self) -> ClientConnection:
        from websockets.asyncio.client import connect, unix_connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus

        config = self._config
        headers: dict[str, str] = {}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.reveal()}"
        options: dict[str, Any] = {
            "additional_headers": headers,
            "compression": None,  # JSON-RPC on a local or private link: CPU matters more
            "proxy": None,  # never route a token through a proxy picked from the environment
            "open_timeout": config.open_timeout,
            "ping_interval": config.keepalive_interval,
            "ping_timeout": config.keepalive_timeout,
            "close_timeout": config.close_timeout,
            "max_size": config.max_message_bytes,
            "max_queue": config.receive_queue,
            "write_limit": _WRITE_HIGH,
            "logger": _RedactingLogger(logging.getLogger("websockets.client"), self),
            "user_agent_header": "codex-app-server-sdk",
        }
        endpoint = self._endpoint
        url = endpoint.display
        try:
            if endpoint.socket_path is not None:
                del options["proxy"]
                return await unix_connect(endpoint.socket_path, uri=endpoint.uri, **options)
            tls = _client_ssl_context(config) if endpoint.scheme == "wss" else None
            return await connect(endpoint.uri, ssl=tls, **options)
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403):
                raise ConnectionUnauthorizedError(url, status) from None
            raise ConnectionFailedError(
                url, f"HTTP {status}: the server did not accept a WebSocket connection"
            ) from None
        except InvalidHandshake as exc:
            raise ConnectionFailedError(url, f"the WebSocket handshake failed: {exc}") from None
        except ssl.SSLCertVerificationError as exc:
            raise ConnectionFailedError(
                url,
                f"TLS certificate verification failed ({exc.verify_message}); "
                "pass the server's CA with ConnectConfig(ca_file=...)",
            ) from None
        except (TimeoutError, asyncio.TimeoutError):
            raise ConnectionFailedError(
                url, f"no WebSocket handshake within {config.open_timeout:g} s"
            ) from None
        except OSError as exc:
            raise ConnectionFailedError(url, exc.strerror or str(exc) or repr(exc)) from None

    async def connect(self) -> None:
        """Open the connection (:class:`ConnectionFailedError`,
        :class:`ConnectionUnauthorizedError`); nothing is delivered before :meth:`open`."""
        if self._ws is not None:
            raise RuntimeError("already connected")
        self._loop = asyncio.get_running_loop()
        self._closed_event = asyncio.Event()
        self._ws = await self._connect()
        logger.debug("connected to %s", self._endpoint.display)

    def open(self, sink: TransportSink) -> None:
        """Start delivering to ``sink`` (after :meth:`connect`)."""
        if self._sink is not None:
            raise RuntimeError("transport already opened")
        if self._ws is None or self._loop is None:
            raise RuntimeError("connect() first")
        self._sink = sink
        self._pump = self._loop.create_task(self._receive_loop(self._ws))

    # ------------------------------------------------------------------ receiving

    async def _receive_loop(self, ws: ClientConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        sink = self._sink
        assert sink is not None
        error: TransportClosedError
        try:
            while True:
                if self._paused:
                    assert self._loop is not None
                    self._resume = self._loop.create_future()
                    await self._resume
                    continue
                message = await ws.recv(decode=False)
                sink.messages_received([message])
        except ConnectionClosed as exc:
            error = self._error_from_close(exc)
        except asyncio.CancelledError:
            if not self._closing:
                raise
            return
        except Exception as exc:  # a bug below us: the connection is unusable either way
            logger.debug("receiving from %s failed", self._endpoint.display, exc_info=True)
            error = TransportClosedError(
                f"receiving from the app-server at {self._endpoint.display} failed: {exc!r}"
            )
        self._finish(error)

    def _error_from_close(self, exc: Any) -> TransportClosedError:
        where = self._endpoint.display
        if self._closing:
            return TransportClosedError("the app-server session was closed")
        cause = exc.__cause__
        if isinstance(cause, (TimeoutError, asyncio.TimeoutError)):
            timeout = self._config.keepalive_timeout
            return TransportClosedError(
                f"the app-server at {where} did not answer a keepalive ping within "
                f"{timeout:g} s: the connection is taken as dead"
            )
        received = exc.rcvd
        sent = exc.sent
        if received is not None:
            detail = f"code {received.code}" + (f": {received.reason}" if received.reason else "")
            return TransportClosedError(
                f"the app-server at {where} closed the connection ({detail})"
            )
        if sent is not None and sent.code == 1009:
            return TransportClosedError(
                f"the app-server at {where} sent a message over the "
                f"{self._config.max_message_bytes}-byte limit (ConnectConfig.max_message_bytes)"
            )
        return TransportClosedError(f"the connection to the app-server at {where} was lost")

    def _finish(self, error: TransportClosedError) -> None:
        if self._closed_error is not None:
            return
        self._closed_error = error
        if self._resume is not None and not self._resume.done():
            self._resume.cancel()
        if self._closed_event is not None:
            self._closed_event.set()
        logger.debug("connection to %s ended: %s", self._endpoint.display, error.reason)
        sink = self._sink
        if sink is not None:
            sink.connection_lost(error)

    def pause_receiving(self) -> None:
        """Take no more messages from the connection; once its queue is full it stops reading
        the socket and the server's writes wait."""
        self._paused = True

    def resume_receiving(self) -> None:
        if not self._paused:
            return
        self._paused = False
        resume = self._resume
        if resume is not None and not resume.done():
            resume.set_result(None)

    # ------------------------------------------------------------------ sending

    def _send_error(self) -> TransportClosedError:
        if self._closed_error is not None:
            return self._closed_error
        if self._closing:
            return TransportClosedError("the app-server session was closed")
        return TransportClosedError(
            f"the connection to the app-server at {self._endpoint.display} is not open"
        )

    def send(self, message: bytes) -> bool:
        """Write one message as a text frame; True when the caller should :meth:`drain`."""
        from websockets.protocol import State

        ws = self._ws
        if ws is None or self._closed_error is not None or self._closing:
            raise self._send_error()
        if ws.protocol.state is not State.OPEN:
            raise self._send_error()
        try:
            ws.protocol.send_text(message)
            ws.send_data()
        except Exception as exc:
            raise TransportClosedError(
                f"writing to the app-server at {self._endpoint.display} failed: {exc}"
            ) from None
        return bool(ws.transport.get_write_buffer_size() > _WRITE_HIGH)

    def send_threadsafe(self, message: bytes) -> None:
        """:meth:`send` from another thread (through the loop, in call order)."""
        loop = self._loop
        if loop is None:
            raise self._send_error()
        send_threadsafe_via_loop(loop, self.send, lambda: self.closed_error, message)

    async def drain(self) -> None:
        """Wait until the outgoing buffer is below its high-water mark."""
        ws = self._ws
        if ws is None or self._closed_error is not None:
            raise self._send_error()
        try:
            await ws.drain()
        except Exception:
            raise self._send_error() from None
        if self._closed_error is not None:
            raise self._closed_error

    # ------------------------------------------------------------------ the end

    @property
    def closed_error(self) -> TransportClosedError | None:
        """Why the connection ended (``None`` while open)."""
        return self._closed_error

    async def close(self) -> None:
        """Close the connection (closing handshake, at most ``close_timeout``); idempotent.
        The sink is told once."""
        if self._closing:
            if self._closed_event is not None:
                await self._closed_event.wait()
            return
        self._closing = True
        ws = self._ws
        try:
            if ws is not None:
                with contextlib.suppress(Exception):
                    await ws.close()
            pump = self._pump
            if pump is not None and not pump.done():
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pump
        finally:
            self._finish(TransportClosedError("the app-server session was closed"))
            if ws is not None:
                ws.transport.abort()
