"""The low-level clients: every protocol method, typed, over one session.

`AsyncAppServerClient` runs the engine on the caller's event loop. `AppServerClient` drives the
very same async client from a private event-loop thread (no second implementation); its plain
requests go through `Session.request_from_thread`, which writes from the caller's thread and
has the loop hand the answer back, saving the loop thread one wake-up per call.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
import warnings
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

from codex_app_server import _tolerant as tolerant
from codex_app_server._arguments import check_client_arguments, validated
from codex_app_server._config import AppServerConfig
from codex_app_server._experimental import capabilities, check_opt_in
from codex_app_server._generated.pagination import AsyncPagingClientMethods, PagingClientMethods
from codex_app_server._generated.registry import CLIENT_REQUESTS
from codex_app_server._listen import listen
from codex_app_server._loop_thread import LoopThread
from codex_app_server._session import Session, Subscription
from codex_app_server._specs import DEFAULT_TIMEOUT, RequestSpec, TimeoutArg, warm_up_models
from codex_app_server._startup import initialize, open_session
from codex_app_server.compat import check_compatible
from codex_app_server.errors import (
    ForkedClientError,
    IncompatibleServerError,
    JsonRpcError,
    ProtocolError,
    TransportClosedError,
)
from codex_app_server.handlers import ServerRequestDispatcher, ServerRequestHandlers
from codex_app_server.notification import Notification

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

    from codex_app_server._connect_config import ConnectConfig
    from codex_app_server._generated.models import InitializeResponse
    from codex_app_server._stats import SessionStats
    from codex_app_server._transport import Transport

T = TypeVar("T")


# The wire params of a call without arguments, by method: they never change, and many calls
# (list, read, status...) take none. Only serialized, never mutated.
_NO_ARGUMENTS: dict[str, Any] = {}


def encode_params(spec: RequestSpec, params: Any) -> Any:
    """Keyword dicts (Python or wire names) and models -> the wire `params`, validated."""
    if spec.params is None:
        return None
    if params is None or params == {}:
        wire = _NO_ARGUMENTS.get(spec.method)
        if wire is None:  # first call, or the method has required params (raises each time)
            wire = spec.params.dump(validated(spec.params, {}, spec.method))
            _NO_ARGUMENTS[spec.method] = wire
        return wire
    to_wire = getattr(params, "to_wire", None)
    if callable(to_wire):
        return to_wire()
    return spec.params.dump(validated(spec.params, params, spec.method))


def decode_result(spec: RequestSpec, raw: Any) -> Any:
    """A response's raw `result` -> its typed model (`ProtocolError` if it does not fit)."""
    return tolerant.validate(spec.result, raw, f"the {spec.method} result")


def engine_timeout(timeout: TimeoutArg) -> TimeoutArg:
    return timeout  # the engine takes the same NOT_GIVEN for "the configured default"


class AsyncAppServerClient(AsyncPagingClientMethods):
    """Every protocol method as an awaitable, typed method (`await client.thread_start(...)`).

    Start with `await AsyncAppServerClient.start(config)` or `async with`.
    """

    def __init__(
        self,
        config: AppServerConfig | None = None,
        *,
        handlers: ServerRequestHandlers | None = None,
        transport: Transport | None = None,
    ) -> None:
        check_client_arguments(config, handlers, type(self).__name__)
        self._config = config
        self._dispatcher = ServerRequestDispatcher(
            handlers, max_threads=(config or AppServerConfig()).handler_threads
        )
        self._session_or_none: Session | None = None
        self._metadata: InitializeResponse | None = None
        # Set by connect(): opens a connection instead of spawning a process.
        self._opener: Callable[[], Awaitable[Transport]] | None = None
        self._transport = transport  # injected (tests): used instead of spawning

    @classmethod
    async def start(
        cls,
        config: AppServerConfig | None = None,
        *,
        handlers: ServerRequestHandlers | None = None,
        transport: Transport | None = None,
    ) -> AsyncAppServerClient:
        """Spawn `codex app-server`, run `initialize` + `initialized`, check the version.

        `transport` (an open `Transport`, e.g. `codex_app_server.testing.MemoryTransport`)
        replaces the process: the client runs over it, for tests with a scripted peer."""
        client = cls(config, handlers=handlers, transport=transport)
        await client._open()
        return client

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        token: str | None = None,
        config: ConnectConfig | None = None,
        handlers: ServerRequestHandlers | None = None,
    ) -> AsyncAppServerClient:
        """Connect to an app-server that is already listening (`ws://`, `wss://`,
        `unix://PATH`) and run the handshake. See `AsyncCodex.connect`."""
        from codex_app_server._connect import open_transport, prepare

        prepared = prepare(url, token, config)  # refusals happen here, before connecting
        client = cls(prepared.session_config, handlers=handlers)
        client._opener = lambda: open_transport(prepared)
        await client._open()
        return client

    async def _open(self) -> None:
        if self._session_or_none is not None:
            return
        transport = await self._opener() if self._opener is not None else self._transport
        session = await open_session(self._config, handler=self._dispatcher, transport=transport)
        warm_up_models()  # while the server starts (see _specs.warm_up_models)
        try:
            try:
                declared = capabilities(
                    self._config,
                    request_attestation=self._dispatcher.handlers.attestation_generate is not None,
                )
                result = await initialize(session, self._config, capabilities=declared)
            except JsonRpcError as exc:
                raise IncompatibleServerError(
                    f"the app-server refused `initialize`: {exc.message}",
                    server_version=None,
                    minimum=_minimum(),
                    sdk_runtime=_runtime(),
                ) from exc
            check_compatible(result)
        except BaseException:
            await session.close()
            raise
        self._session_or_none = session

    @property
    def _session(self) -> Session:
        if self._session_or_none is None:
            raise RuntimeError(
                "the client is not started: use `async with` or AsyncAppServerClient.start()"
            )
        return self._session_or_none

    @property
    def session(self) -> Session:
        """The JSON-RPC engine underneath (raw requests, subscriptions, stats)."""
        return self._session

    @property
    def handlers(self) -> ServerRequestHandlers:
        """Handlers for server-to-client requests; set attributes to install them."""
        return self._dispatcher.handlers

    @handlers.setter
    def handlers(self, handlers: ServerRequestHandlers) -> None:
        self._dispatcher.set(handlers)

    @property
    def metadata(self) -> InitializeResponse:
        """The `initialize` result: userAgent (with the server version), codexHome, platform."""
        metadata = self._metadata
        if metadata is None:
            metadata = tolerant.validate(
                CLIENT_REQUESTS["initialize"].result,
                self._session.initialize_result or {},
                "the initialize result",
            )
            self._metadata = metadata
        return metadata

    @property
    def closed(self) -> bool:
        """True once the app-server has stopped (or before it was started)."""
        return self._session_or_none is None or self._session_or_none.closed

    @property
    def experimental_api(self) -> bool:
        """True when the client opted in to the experimental API (see `AppServerConfig`)."""
        return self._config is not None and self._config.experimental_api

    @property
    def stats(self) -> SessionStats:
        """Counters of what the connection saw (messages, protocol errors, dropped or
        evicted notifications, server requests, backpressure pauses); they only grow."""
        return self._session.stats

    @property
    def pending_requests(self) -> int:
        """How many requests await their response now (answered, failed and timed-out ones
        are gone: a steady client keeps this near zero)."""
        return self._session.pending_requests

    @property
    def pid(self) -> int | None:
        """The app-server's process id when this client spawned it; `None` when it is
        connected to a listening server or runs over an injected transport."""
        pid = getattr(self._session.transport, "pid", None)
        return pid if isinstance(pid, int) else None

    @property
    def exit_code(self) -> int | None:
        """The app-server process's exit status: `None` while it runs, or when there is no
        process (a connection or an injected transport)."""
        return self._session.exit_code

    @property
    def stderr_tail(self) -> str:
        """The last lines the app-server process wrote to stderr, with secrets redacted
        (`""` when there is no process)."""
        return self._session.stderr_tail()

    @property
    def on_protocol_error(self) -> Callable[[ProtocolError], None] | None:
        """Called (on the client's loop) with each `ProtocolError` the connection reports
        without failing a call: a line that is not JSON, a response to no request, a
        duplicate answer. Also logged and counted in `stats.protocol_errors`."""
        return self._session.on_protocol_error

    @on_protocol_error.setter
    def on_protocol_error(self, hook: Callable[[ProtocolError], None] | None) -> None:
        self._session.on_protocol_error = hook

    def _encode(self, spec: RequestSpec, params: Any) -> Any:
        wire = encode_params(spec, params)
        check_opt_in(spec, wire, self.experimental_api)  # before anything is sent
        return wire

    async def _request(self, spec: RequestSpec, params: Any, timeout: TimeoutArg) -> Any:
        raw = await self._session.request(
            spec.method, self._encode(spec, params), timeout=engine_timeout(timeout)
        )
        return decode_result(spec, raw)

    async def request_turn(
        self, method: str, params: Any, timeout: TimeoutArg = DEFAULT_TIMEOUT
    ) -> tuple[Any, Subscription]:
        """Send `turn/start` (or another turn-creating request) and subscribe to the turn
        atomically; returns (typed result, subscription of the turn's raw messages)."""
        spec = CLIENT_REQUESTS[method]
        raw, subscription = await self._session.request_turn(
            method, self._encode(spec, params), timeout=engine_timeout(timeout)
        )
        try:
            return decode_result(spec, raw), subscription
        except BaseException:
            subscription.close()
            raise

    async def request_raw(
        self, method: str, params: Any = None, timeout: TimeoutArg = DEFAULT_TIMEOUT
    ) -> Any:
        """Any method by wire name, untyped (for methods newer than this SDK)."""
        return await self._session.request(method, params, timeout=engine_timeout(timeout))

    def notifications(self, maxsize: int | None = None) -> AsyncIterator[Notification]:
        """Notifications tied to no turn, as they arrive (bounded buffer; a consumer that falls
        more than `maxsize` behind gets `StreamOverflowError`). Ends when the client closes.

        Subscribes at once (not at the first `__anext__`), so nothing sent between this call
        and the first read is missed. `aclose()` it (or let it go) to stop receiving."""
        return AsyncNotificationStream(listen(self, maxsize))

    async def close(self) -> None:
        """Stop the app-server (idempotent)."""
        if self._session_or_none is not None:
            await self._session_or_none.close()

    async def __aenter__(self) -> AsyncAppServerClient:
        await self._open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __del__(self) -> None:
        # Dropped while open: warn (as an unclosed file does) and stop the process anyway.
        session = getattr(self, "_session_or_none", None)
        if session is None or session.closed or session.forked:
            return
        with contextlib.suppress(Exception):  # warnings turned into errors: still clean up
            warnings.warn(
                "unclosed AsyncAppServerClient: its app-server was stopped for you; use "
                "`async with` or `await close()`",
                ResourceWarning,
                stacklevel=2,
            )
        with contextlib.suppress(Exception):
            session.abandon()


class AppServerClient(PagingClientMethods):
    """Every protocol method as a blocking, typed method (`client.thread_start(...)`).

    Starts `codex app-server` in the constructor (or runs over `transport`, see
    `AsyncAppServerClient.start`); use it as a context manager or call `close()`.
    """

    def __init__(
        self,
        config: AppServerConfig | None = None,
        *,
        handlers: ServerRequestHandlers | None = None,
        transport: Transport | None = None,
    ) -> None:
        check_client_arguments(config, handlers, type(self).__name__)
        shutdown_timeout = (config or AppServerConfig()).shutdown_timeout
        self._start(
            AsyncAppServerClient.start(config, handlers=handlers, transport=transport),
            shutdown_timeout,
        )

    def _start(
        self, opening: Coroutine[Any, Any, AsyncAppServerClient], shutdown_timeout: float
    ) -> None:
        self._loop = LoopThread(name="codex-app-server-loop")
        self._shutdown_timeout = shutdown_timeout
        try:
            self._async = self._loop.run(opening)
        except BaseException:
            self._loop.close()
            raise
        _live_clients.add(self)

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        token: str | None = None,
        config: ConnectConfig | None = None,
        handlers: ServerRequestHandlers | None = None,
    ) -> AppServerClient:
        """Connect to an app-server that is already listening (`ws://`, `wss://`,
        `unix://PATH`) and run the handshake. See `Codex.connect`."""
        from codex_app_server._connect import prepare
        from codex_app_server._connect_config import ConnectConfig

        prepare(url, token, config)  # refusals happen here, before a thread or a connection
        client = cls.__new__(cls)
        client._start(
            AsyncAppServerClient.connect(url, token=token, config=config, handlers=handlers),
            (config or ConnectConfig()).close_timeout,
        )
        return client

    @property
    def aio(self) -> AsyncAppServerClient:
        """The async client this one drives (runs on the private loop thread)."""
        return self._async

    @property
    def session(self) -> Session:
        """The JSON-RPC engine underneath (raw requests, subscriptions, stats)."""
        return self._async.session

    @property
    def handlers(self) -> ServerRequestHandlers:
        """Handlers for server-to-client requests; set attributes to install them."""
        return self._async.handlers

    @handlers.setter
    def handlers(self, handlers: ServerRequestHandlers) -> None:
        self._async.handlers = handlers

    @property
    def metadata(self) -> InitializeResponse:
        """The `initialize` result: userAgent (with the server version), codexHome, platform."""
        return self._async.metadata

    @property
    def experimental_api(self) -> bool:
        """True when the client opted in to the experimental API (see `AppServerConfig`)."""
        return self._async.experimental_api

    @property
    def stats(self) -> SessionStats:
        """Counters of what the connection saw (see the async twin)."""
        return self._async.stats

    @property
    def pending_requests(self) -> int:
        """How many requests await their response now (see the async twin)."""
        return self._async.pending_requests

    @property
    def pid(self) -> int | None:
        """The app-server's process id when this client spawned it (see the async twin)."""
        return self._async.pid

    @property
    def exit_code(self) -> int | None:
        """The app-server process's exit status (see the async twin)."""
        return self._async.exit_code

    @property
    def stderr_tail(self) -> str:
        """The last lines the app-server process wrote to stderr (see the async twin)."""
        return self._async.stderr_tail

    @property
    def on_protocol_error(self) -> Callable[[ProtocolError], None] | None:
        """Called with each `ProtocolError` that fails no call (see the async twin); it runs
        on the client's loop thread."""
        return self._async.on_protocol_error

    @on_protocol_error.setter
    def on_protocol_error(self, hook: Callable[[ProtocolError], None] | None) -> None:
        self._async.on_protocol_error = hook

    @property
    def closed(self) -> bool:
        """True once the app-server has stopped (and in a forked child, where the client was
        the parent's)."""
        return self._async.closed or self._async.session.forked

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the client's loop thread and wait for it."""
        if self._async.session.forked:
            coro.close()  # the loop thread is the parent's: it does not exist here
            raise ForkedClientError()
        if self._loop.closed:
            # closed like every other call on a closed client, not "the loop is closed"
            coro.close()
            raise TransportClosedError("the app-server session was closed")
        return self._loop.run(coro)

    def _request(self, spec: RequestSpec, params: Any, timeout: TimeoutArg) -> Any:
        # From this thread, not through the loop thread (see Session.request_from_thread).
        # The result is validated as the loop reads it, as the async client's is: the
        # response is still in cache and this thread wakes to a finished value.
        return self.session.request_from_thread(
            spec.method,
            self._async._encode(spec, params),  # pyright: ignore[reportPrivateUsage]
            timeout=engine_timeout(timeout),
            on_result=lambda raw: decode_result(spec, raw),
        )

    def request_turn(
        self, method: str, params: Any, timeout: TimeoutArg = DEFAULT_TIMEOUT
    ) -> tuple[Any, Subscription]:
        """Send `turn/start` (or another turn-creating request) and subscribe to the turn
        atomically; returns (typed result, subscription of the turn's raw messages)."""
        return self.run(self._async.request_turn(method, params, timeout))

    def request_raw(
        self, method: str, params: Any = None, timeout: TimeoutArg = DEFAULT_TIMEOUT
    ) -> Any:
        """Any method by wire name, untyped (for methods newer than this SDK)."""
        return self.session.request_from_thread(method, params, timeout=engine_timeout(timeout))

    def notifications(self, maxsize: int | None = None) -> Iterator[Notification]:
        """Blocking iterator over notifications tied to no turn (see the async twin);
        subscribed from this call on. `close()` it (or let it go) to stop receiving."""
        return NotificationStream(listen(self, maxsize))

    def close(self) -> None:
        """Stop the app-server and the loop thread (idempotent). In a forked child it returns
        at once and touches nothing: the process and its pipes are the parent's."""
        if self._loop.closed or self._async.session.forked:
            return
        # bounded: stdin EOF, SIGTERM and SIGKILL each wait shutdown_timeout
        limit = 3 * self._shutdown_timeout + 2.0
        try:
            self._loop.run(self._async.close(), timeout=limit)
        except TimeoutError:
            self._async.session.abandon()
        finally:
            self._loop.close()

    def __enter__(self) -> AppServerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # A client dropped without close() must not leave a process or a thread behind, and
        # must never wait on a loop thread that cannot run (interpreter shutdown, or this is
        # the loop thread itself, where the garbage collector may run this).
        loop = getattr(self, "_loop", None)
        client = getattr(self, "_async", None)
        if loop is None or loop.closed or client is None or client.session.forked:
            return
        with contextlib.suppress(Exception):
            warnings.warn(
                "unclosed Codex/AppServerClient: its app-server was stopped for you; use "
                "`with Codex()` or call close()",
                ResourceWarning,
                stacklevel=2,
            )
        with contextlib.suppress(Exception):  # interpreter shutdown: best effort
            if loop.in_loop_thread():
                loop.abandon(client.close())  # close on the loop, then stop it
            elif sys.is_finalizing() or not loop.thread.is_alive():
                client.session.abandon()  # kills: the loop cannot run any more
                loop.abandon()
            else:
                self.close()


#: Blocking clients not yet closed or collected: closed at interpreter exit, while their loop
#: threads still run (after that, daemon threads are frozen and nothing could close them).
_live_clients: weakref.WeakSet[AppServerClient] = weakref.WeakSet()


def _close_clients_at_exit() -> None:
    for client in list(_live_clients):
        if not client.closed:
            with contextlib.suppress(Exception):
                warnings.warn(
                    "a Codex/AppServerClient was still open at interpreter exit: its "
                    "app-server was stopped for you",
                    ResourceWarning,
                    stacklevel=1,
                )
            with contextlib.suppress(Exception):
                client.close()


atexit.register(_close_clients_at_exit)


class NotificationStream(Iterator[Notification]):
    """The blocking iterator `notifications()` returns: already subscribed; ends when the
    client closes; `close()` (or dropping it) unsubscribes."""

    def __init__(self, subscription: Subscription) -> None:
        self._subscription = subscription

    def __iter__(self) -> NotificationStream:
        return self

    def __next__(self) -> Notification:
        message = self._subscription.get()
        if message is None:
            raise StopIteration
        return to_notification(message)

    def close(self) -> None:
        self._subscription.close()

    def __enter__(self) -> NotificationStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._subscription.close()


class AsyncNotificationStream(AsyncIterator[Notification]):
    """The async iterator `notifications()` returns: already subscribed; ends when the
    client closes; `aclose()` (or dropping it) unsubscribes."""

    def __init__(self, subscription: Subscription) -> None:
        self._subscription = subscription

    def __aiter__(self) -> AsyncNotificationStream:
        return self

    async def __anext__(self) -> Notification:
        message = await self._subscription.aget()
        if message is None:
            raise StopAsyncIteration
        return to_notification(message)

    async def aclose(self) -> None:
        self._subscription.close()

    async def __aenter__(self) -> AsyncNotificationStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._subscription.close()


def to_notification(message: dict[str, Any]) -> Notification:
    params: Any = message.get("params")
    raw = cast("dict[str, Any]", params) if isinstance(params, dict) else {}
    return Notification(str(message.get("method")), raw)


def _minimum() -> str:
    from codex_app_server.compat import MINIMUM_RUNTIME

    return MINIMUM_RUNTIME


def _runtime() -> str:
    from codex_app_server._generated.runtime import RUNTIME_VERSION

    return RUNTIME_VERSION
