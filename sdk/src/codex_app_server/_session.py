"""The JSON-RPC core: request ids, the pending table, timeouts, response matching, the
incoming loop (with its backlog while reading is paused or a response's waiter runs first) and
server-to-client request dispatch. It works on raw JSON (dicts), is given an open
:class:`~codex_app_server._transport.Transport` and knows nothing of processes, sockets or
configs. Its neighbours, each with one job:

* :mod:`~codex_app_server._wire`: bytes to messages and back;
* :mod:`~codex_app_server._routing`: notifications to subscriptions, and backpressure;
* :mod:`~codex_app_server._subscription`: the streams consumers read;
* :mod:`~codex_app_server._startup`: a config to a started session (spawning the process).

Everything here runs on one asyncio event loop ("the loop"). What other threads may call:
:class:`Subscription` consumers (``get``, ``get_batch``, iteration, ``close``) and
:meth:`Session.request_from_thread` (the sync API's plain requests); the sync API drives the
rest through :class:`~codex_app_server._loop_thread.LoopThread`.

Routing of server notifications
-------------------------------
* A notification whose ``params.turnId`` (or ``params.turn.id``) names a turn goes to that
  turn's subscription. The subscription ends after the turn's ``turn/completed``.
  :meth:`Session.request_turn` (for ``turn/start`` and the like) subscribes while the response
  is read, so nothing can slip between. Notifications for a turn nobody subscribed to *yet*
  (they can arrive before the ``turn/start`` response) are held, per turn id, in a bounded
  area and handed to the subscription when it is made (:meth:`Session.subscribe_turn`); when
  the area is full the oldest turn's held notifications are evicted (counted in
  :attr:`Session.stats`). After delivering a response the session routes nothing more until
  the waiting task has run, so ``await request(...)`` then ``subscribe_turn(...)`` in one task
  misses nothing either.
* Every other notification goes to each global subscription
  (:meth:`Session.subscribe_notifications`); with no subscriber it is dropped and counted.
* ``subscribe_notifications(all_turns=True)`` is a tap that also sees every turn notification.

Bounds and backpressure (the trade-off)
---------------------------------------
A *global* subscription never slows the connection down: when its consumer is ``maxsize``
messages behind, it is finished with :class:`StreamOverflowError` (raised to the consumer after
the buffered messages) and later messages are not buffered for it.

A *turn* subscription applies backpressure instead: when it holds ``high`` undelivered
notifications the session stops reading the server's stdout (the server then blocks on its
pipe), and reads again once the consumer has drained the buffer to ``low``; so a slow consumer
of a million deltas keeps memory flat and loses nothing. The cost: while reading is paused,
*nothing* is read, including responses to other requests. To keep a consumer that awaits a
request inside its loop from deadlocking, reading is not paused while any request is pending;
in that state the buffer may grow to ``max(4 * high, high + 4096)`` (room for what the pipe
and the server's own queue hold ahead of the response), past which the subscription
overflows. A turn subscription whose consumer takes nothing for ``stall_timeout`` seconds
while reading waits on it is taken as abandoned and overflows, so a forgotten subscription
cannot stall every other stream forever. Close subscriptions you stop reading.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import logging
import sys
import threading
import warnings
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, TypeAlias, cast

from . import _fork
from ._blocking import ThreadWaiter
from ._not_given import NOT_GIVEN, NotGiven
from ._redact import configure_from_env, redact, redact_bytes, trace
from ._routing import Router, copy_closed
from ._stats import SessionStats
from ._subscription import Subscription
from ._wire import dumps_bytes, encode_message, loads_strict, parse_messages
from .errors import (
    INTERNAL_ERROR,
    METHOD_NOT_FOUND,
    ForkedClientError,
    JsonRpcError,
    ProtocolError,
    RequestTimeoutError,
    ThreadBusyError,
    TransportClosedError,
    error_from_response,
)

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = [
    "DEFAULT",
    "ServerRequestHandler",
    "Session",
    "SessionStats",
    "Subscription",
]

logger = logging.getLogger("codex_app_server")

#: ``async def handler(method, params) -> result`` for server-to-client requests. Raise a
#: :class:`JsonRpcError` to answer with that code; any other exception answers -32603.
ServerRequestHandler = Callable[[str, Any], Awaitable[Any]]


# One "left out" sentinel for the whole SDK (see codex_app_server._not_given).
_Default: TypeAlias = NotGiven
#: Use the session's configured default (e.g. for ``timeout``): ``NOT_GIVEN``.
DEFAULT: Final = NOT_GIVEN

_FINISHED_IDS_LIMIT = 1024
_PROTOCOL_WARNINGS = 20  # then further protocol errors are logged at DEBUG


def _warn_unclosed(what: str) -> None:
    # never raises (warnings may be errors): the cleanup after it must still run
    with contextlib.suppress(Exception):
        warnings.warn(
            f"an unclosed codex_app_server {what}: its app-server was stopped for you; close "
            "the client (`with Codex()`, `async with AsyncCodex()`, or close()) to do it "
            "yourself",
            ResourceWarning,
            stacklevel=2,
        )


#: Every session not yet collected: at interpreter exit, one whose loop can no longer run has
#: its process killed (one whose loop still runs is closed by its client's exit hook first).
_live_sessions: weakref.WeakSet[Session] = weakref.WeakSet()


def _stop_orphans_at_exit() -> None:
    for session in list(_live_sessions):
        if not session.closed and not session.forked:
            loop = session._loop
            if loop.is_closed() or not loop.is_running():
                _warn_unclosed("session")
                session.abandon()


atexit.register(_stop_orphans_at_exit)


class _Pending:
    __slots__ = ("future", "method", "on_result", "timer")

    def __init__(
        self,
        future: asyncio.Future[Any] | ThreadWaiter,
        method: str,
        on_result: Callable[[Any], Any] | None = None,
    ) -> None:
        self.future = future  # a ThreadWaiter for a request sent from another thread
        self.method = method
        self.on_result = on_result  # runs as the response is read; its value is the result
        self.timer: asyncio.TimerHandle | None = None


class Session:
    """A JSON-RPC 2.0 session with one app-server over an open :class:`Transport`.

    ``Session(transport, ...)`` starts receiving at once; subscribe, then
    ``await session.initialize()`` (the server sends notifications such as
    ``configWarning`` right after it). :func:`codex_app_server._startup.start_session` spawns
    an app-server for a config and does all of it. Create and use a session on one running
    event loop; only :class:`Subscription` consumers and :meth:`request_from_thread` may be
    called from other threads (see :mod:`codex_app_server._loop_thread`).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        request_timeout: float | None = 60.0,
        notification_buffer: int = 10_000,
        server_request_timeout: float | None = 300.0,
        handler: ServerRequestHandler | None = None,
        stall_timeout: float | None = 30.0,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._transport = transport
        self.request_timeout = request_timeout
        self.server_request_timeout = server_request_timeout
        self._handler = handler
        self.on_protocol_error: Callable[[ProtocolError], None] | None = None
        self.stats: SessionStats = SessionStats()
        self.initialize_result: dict[str, Any] | None = None

        self._ids = itertools.count(1)  # next() is atomic: threads take ids too
        self._pending: dict[int, _Pending] = {}
        self._finished_ids: OrderedDict[int, str] = OrderedDict()
        self._router = Router(
            self,
            self._loop,
            self._loop_thread,
            self.stats,
            notification_buffer=notification_buffer,
            stall_timeout=stall_timeout,
        )
        self._handler_tasks: set[asyncio.Task[None]] = set()
        self._yielding = False  # a response was delivered: let its waiter run first
        self._stalled = False  # paused or yielding: messages go to the backlog
        self._backlog: list[bytes] | None = None
        self._closing = False
        self._closed_error: TransportClosedError | None = None
        self._closed_event = asyncio.Event()
        self._close_task: asyncio.Task[None] | None = None
        self._fork_generation = _fork.generation()
        configure_from_env()
        self._log_wire = logger.isEnabledFor(logging.DEBUG)
        self._loop_watcher: AsyncIterator[None] | None = None
        transport.open(self)
        _live_sessions.add(self)

    # ------------------------------------------------------------------ lifecycle

    async def watch_loop_end(self) -> None:
        """Close this session if its event loop ends first (``asyncio.run()`` returning with
        the client still open, or the client dropped while the loop runs), with a
        ResourceWarning: a suspended async generator is closed by the loop's
        ``shutdown_asyncgens()`` and by its finalizer hook when it is collected."""

        async def watcher() -> AsyncIterator[None]:
            try:
                yield
            finally:
                if self._loop_watcher is not None:
                    self._loop_watcher = None
                    if not self.closed:
                        _warn_unclosed("session")
                        await self.close()

        agen = watcher()
        self._loop_watcher = agen
        await agen.__anext__()

    def abandon(self) -> None:
        """Stop the process of a session nobody will close (finalizers, interpreter exit),
        from any thread, without waiting: closed on its loop when that loop still runs,
        killed at once otherwise. A forked child never touches its parent's process."""
        if self.closed or self.forked:
            return
        loop = self._loop
        if loop.is_closed() or not loop.is_running() or sys.is_finalizing():
            kill = getattr(self._transport, "kill_from_any_thread", None)
            if callable(kill):
                kill()
            return
        try:
            if threading.get_ident() == self._loop_thread:
                loop.create_task(self.close())
            else:
                loop.call_soon_threadsafe(lambda: loop.create_task(self.close()))
        except RuntimeError:  # closed meanwhile
            kill = getattr(self._transport, "kill_from_any_thread", None)
            if callable(kill):
                kill()

    async def initialize(
        self,
        *,
        client_name: str = "codex_app_server_sdk",
        client_version: str = "0",
        capabilities: Mapping[str, Any] | None = None,
        timeout: float | _Default | None = DEFAULT,
    ) -> dict[str, Any]:
        """The handshake: ``initialize`` request, then the ``initialized`` notification.

        ``timeout`` defaults to ``request_timeout``. Returns (and keeps in
        :attr:`initialize_result`) the raw result."""
        params: dict[str, Any] = {"clientInfo": {"name": client_name, "version": client_version}}
        if capabilities is not None:
            params["capabilities"] = dict(capabilities)
        result = await self.request("initialize", params, timeout=timeout)
        if not isinstance(result, dict):
            raise ProtocolError(f"initialize returned {type(result).__name__}, not an object")
        await self.notify("initialized")
        self.initialize_result = cast("dict[str, Any]", result)
        return self.initialize_result

    @property
    def closed(self) -> bool:
        """The session is over (closed by us, or the process is gone)."""
        return self._closed_error is not None or self._closing

    @property
    def closed_error(self) -> TransportClosedError | None:
        """Why the session ended (``None`` while it is open)."""
        return self._closed_error

    @property
    def exit_code(self) -> int | None:
        """The app-server process's exit status (``None`` while it runs, or when the
        transport is not a process)."""
        code: int | None = getattr(self._transport, "exit_code", None)
        return code

    def stderr_tail(self) -> str:
        """The last lines the app-server process wrote to stderr (``""`` when the transport
        is not a process)."""
        tail = getattr(self._transport, "stderr_tail", None)
        return str(tail()) if callable(tail) else ""

    @property
    def transport(self) -> Transport:
        return self._transport

    async def wait_closed(self) -> None:
        """Wait until the connection is over (the process exited or close() was called)."""
        await self._closed_event.wait()

    async def close(self) -> None:
        """Close the session and stop the process (idempotent, concurrency-safe): pending
        requests and turn subscriptions fail with :class:`TransportClosedError`, global
        subscriptions end normally, handler tasks are cancelled, the process is reaped."""
        if self._close_task is None:
            self._close_task = self._loop.create_task(self._close())
        await asyncio.shield(self._close_task)

    async def _close(self) -> None:
        self._closing = True
        self._backlog = None
        if self._closed_error is None:
            self.connection_lost(TransportClosedError("the app-server session was closed"))
        tasks = list(self._handler_tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
        await self._transport.close()
        watcher, self._loop_watcher = self._loop_watcher, None
        if watcher is not None:
            with contextlib.suppress(Exception):
                await cast("Any", watcher).aclose()

    # ------------------------------------------------------------------ outgoing

    def set_handler(self, handler: ServerRequestHandler | None) -> None:
        """Install the handler for server-to-client requests (``None``: answer -32601)."""
        self._handler = handler

    @property
    def forked(self) -> bool:
        """True in a child process forked after this session was made: there it refuses
        every use (:class:`ForkedClientError`); its process and pipes are the parent's."""
        return self._fork_generation != _fork.generation()

    @property
    def secrets(self) -> tuple[str, ...]:
        """What is redacted from this session's errors and log lines."""
        return cast("tuple[str, ...]", getattr(self._transport, "secrets", ()))

    def add_secret(self, value: str) -> None:
        """Redact ``value`` (an API key given to the server) wherever the SDK reports."""
        add = getattr(self._transport, "add_secret", None)
        if callable(add):
            add(value)

    def running_turn(self, thread_id: str) -> str | None:
        """The turn of ``thread_id`` this client knows to be running (None: none known)."""
        return self._router.running_turns.get(thread_id)

    # ------------------------------------------------------------------ subscriptions

    def subscribe_turn(self, thread_id: str | None, turn_id: str) -> Subscription:
        """The stream of notifications for ``turn_id``, ending after its ``turn/completed``
        (see :meth:`Router.subscribe_turn <codex_app_server._routing.Router.subscribe_turn>`)."""
        return self._router.subscribe_turn(thread_id, turn_id)

    def subscribe_notifications(
        self, maxsize: int | None = None, *, all_turns: bool = False
    ) -> Subscription:
        """The stream of notifications not tied to a turn (``all_turns=True``: every one).
        Bounded by ``maxsize`` (default ``notification_buffer``): a consumer that falls that
        far behind gets :class:`StreamOverflowError`. Ends normally on :meth:`close`."""
        return self._router.subscribe_notifications(maxsize, all_turns=all_turns)

    @property
    def stall_timeout(self) -> float | None:
        """Seconds a turn subscription may hold reading paused without its consumer taking
        anything before it overflows (``None``: forever)."""
        return self._router.stall_timeout

    @stall_timeout.setter
    def stall_timeout(self, value: float | None) -> None:
        self._router.stall_timeout = value

    # ------------------------------------------------------------------ the router's host

    def check_open(self) -> None:
        """Raise :class:`TransportClosedError` (or :class:`ForkedClientError`) once unusable."""
        self._check_open()

    def requests_pending(self) -> bool:
        """Some request awaits its response."""
        return bool(self._pending)

    @property
    def pending_requests(self) -> int:
        """How many requests await their response (timed-out and answered ones are gone)."""
        return len(self._pending)

    def pause_reading(self) -> None:
        """Backpressure: queue what arrives from now on, and stop receiving."""
        self._stalled = True
        self._transport.pause_receiving()

    def resume_reading(self) -> None:
        """Process what was queued, then receive again unless that paused anew."""
        self._unstall()
        if not self._router.paused:
            self._transport.resume_receiving()

    def _check_open(self) -> None:
        if self._fork_generation != _fork.generation():
            raise ForkedClientError()
        if self._closed_error is not None:
            raise copy_closed(self._closed_error)
        if self._closing:
            raise TransportClosedError("the app-server session was closed")

    async def notify(
        self,
        method: str,
        params: Any = None,
        *,
        timeout: float | _Default | None = DEFAULT,
    ) -> None:
        """Send a notification (no response). ``params=None`` omits the member. ``timeout``
        bounds the wait for room in the server's stdin (default: ``request_timeout``)."""
        if isinstance(timeout, NotGiven):
            timeout = self.request_timeout
        payload: dict[str, Any] = {"method": method}
        if params is not None:
            payload["params"] = params
        data = encode_message(payload, method)
        self._check_open()
        if self._log_wire:
            trace("send:", data, self.secrets)
        if self._transport.send(data):
            try:
                await asyncio.wait_for(self._transport.drain(), timeout)
            except asyncio.TimeoutError:
                raise RequestTimeoutError(method, cast(float, timeout)) from None

    async def _drain_or_answer(self, future: asyncio.Future[Any]) -> None:
        """Wait for room in stdin, unless the request ends first (timeout, process death)."""
        drain = self._loop.create_task(self._transport.drain())
        try:
            await asyncio.wait((drain, future), return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not drain.done():
                drain.cancel()
        if drain.done() and not drain.cancelled() and not future.done():
            drain.result()  # raises TransportClosedError if stdin is gone

    async def request(
        self,
        method: str,
        params: Any = None,
        *,
        timeout: float | _Default | None = DEFAULT,
    ) -> Any:
        """Send a request and return the raw ``result`` of its response.

        ``params=None`` omits the member (methods without params); ``timeout`` defaults to
        the session's ``request_timeout``, ``None`` waits without limit (but never past the
        process's death). Raises a :class:`JsonRpcError` subclass for an error response,
        :class:`RequestTimeoutError`, :class:`TransportClosedError`, or :class:`ProtocolError`
        for a malformed response to it. Cancelling the caller abandons the request.
        """
        return await self._request(method, params, timeout, None)

    async def request_turn(
        self,
        method: str,
        params: Any = None,
        *,
        timeout: float | _Default | None = DEFAULT,
    ) -> tuple[Any, Subscription]:
        """Send a request whose result names a turn (``result["turn"]["id"]``: ``turn/start``,
        ``review/start``, ...) and subscribe to that turn atomically: the subscription is made
        while the response is read, before any later message is routed, so no notification of
        the turn can be missed or evicted. Returns ``(result, subscription)``.

        A result without a turn id fails with :class:`ProtocolError`.

        One turn per thread: ``turn/start`` on a thread whose turn this session knows to be
        running (or being started) raises :class:`ThreadBusyError` before anything is sent.
        The session keeps knowing until the turn's ``turn/completed`` arrives, whether or not
        anyone still reads the turn's stream.
        """
        raw_thread: Any = (
            cast("Mapping[str, Any]", params).get("threadId")
            if isinstance(params, Mapping)
            else None
        )
        tid = raw_thread if isinstance(raw_thread, str) else None
        one_per_thread = method == "turn/start" and tid is not None
        if tid is not None and one_per_thread:
            self._check_open()
            if tid in self._router.running_turns:
                raise ThreadBusyError(tid, self._router.running_turns[tid])
            self._router.running_turns[tid] = None  # reserved while the request runs

        def subscribe(result: Any) -> tuple[Any, Subscription]:
            turn_id: Any = None
            body: Any = result
            if isinstance(body, dict):
                turn: Any = cast("dict[str, Any]", body).get("turn")
                if isinstance(turn, dict):
                    turn_id = cast("dict[str, Any]", turn).get("id")
            if not isinstance(turn_id, str):
                raise ProtocolError(f"the result of {method} names no turn (result.turn.id)")
            sub = self.subscribe_turn(tid, turn_id)
            if (
                one_per_thread
                and not sub.done
                and self._router.running_turns.get(cast(str, tid), 0) is None
            ):
                self._router.running_turns[cast(str, tid)] = turn_id
            return result, sub

        def abandon(value: tuple[Any, Subscription]) -> None:
            value[1].close()

        try:
            return await self._request(method, params, timeout, subscribe, abandon)
        finally:
            if one_per_thread and self._router.running_turns.get(cast(str, tid), 0) is None:
                del self._router.running_turns[cast(str, tid)]  # failed, or the turn already ended

    async def _request(
        self,
        method: str,
        params: Any,
        timeout: float | _Default | None,
        on_result: Callable[[Any], Any] | None,
        on_abandon: Callable[[Any], None] | None = None,
    ) -> Any:
        if isinstance(timeout, NotGiven):
            timeout = self.request_timeout
        if asyncio.get_running_loop() is not self._loop:
            raise RuntimeError("Session.request() must run on the session's event loop")
        rid, data = self._encode_request(method, params)
        self._check_open()
        future: asyncio.Future[Any] = self._loop.create_future()
        pending = _Pending(future, method, on_result)
        self._pending[rid] = pending
        delivered = False
        if self._router.paused:
            # Responses cannot be read while reading is paused: read again (see module doc).
            self._router.resume_reading()
        try:
            if timeout is not None:
                pending.timer = self._loop.call_later(timeout, self._expire, rid, timeout)
            if self._transport.send(data):
                await self._drain_or_answer(future)
            value = await future
            delivered = True
            return value
        finally:
            if self._pending.pop(rid, None) is not None:
                self._remember(rid, "abandoned")
            if pending.timer is not None:
                pending.timer.cancel()
            if (
                on_abandon is not None
                and not delivered
                and future.done()
                and not future.cancelled()
                and future.exception() is None
            ):
                # the response was read, but the caller was cancelled before taking it
                on_abandon(future.result())

    def _encode_request(self, method: str, params: Any) -> tuple[int, bytes]:
        """A fresh id and the request's line (raises here if ``params`` are not JSON)."""
        rid = next(self._ids)
        payload: dict[str, Any] = {"id": rid, "method": method}
        if params is not None:
            payload["params"] = params
        data = encode_message(payload, method)
        if self._log_wire:
            trace("send:", data, self.secrets)
        return rid, data

    def request_from_thread(
        self,
        method: str,
        params: Any = None,
        *,
        timeout: float | _Default | None = DEFAULT,
        on_result: Callable[[Any], Any] | None = None,
    ) -> Any:
        """:meth:`request` for a thread other than the loop's: blocks that thread until the
        response (same results and errors; Ctrl-C on the main thread abandons the request).

        The thread writes the request to stdin itself and the loop's reader hands the answer
        straight to it, so a call costs two thread wake-ups, not the three of running
        :meth:`request` through the loop. The pending table is shared with the loop, which
        is safe because each touch of it is a single dict operation and the loop sets
        ``_closed_error`` before it empties the table.
        """
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError(
                "request_from_thread() on the session's event loop would deadlock; "
                "use `await session.request(...)`"
            )
        if isinstance(timeout, NotGiven):
            timeout = self.request_timeout
        rid, data = self._encode_request(method, params)
        self._check_open()
        waiter = ThreadWaiter()
        self._pending[rid] = _Pending(waiter, method, on_result)
        try:
            # After the insert: the loop either sees this entry or has already set these.
            self._check_open()
            if self._router.paused:
                # Responses cannot be read while reading is paused: read again (module doc).
                self._loop.call_soon_threadsafe(self._router.resume_reading)
            self._transport.send_threadsafe(data)
            if not waiter.wait(timeout):
                if self._pending.pop(rid, None) is not None:
                    self._remember(rid, "timed out")
                    raise RequestTimeoutError(method, cast(float, timeout), rid)
                waiter.wait(None)  # the loop took the response just now: it is being set
        except BaseException:
            if self._pending.pop(rid, None) is not None:
                self._remember(rid, "abandoned")
            raise
        return waiter.outcome()

    def _expire(self, rid: int, timeout: float) -> None:
        pending = self._pending.pop(rid, None)
        if pending is None:
            return
        self._remember(rid, "timed out")
        if not pending.future.done():
            pending.future.set_exception(RequestTimeoutError(pending.method, timeout, rid))

    def _remember(self, rid: int, outcome: str) -> None:
        # threads call this too (request_from_thread): each step is one atomic dict operation
        finished = self._finished_ids
        finished[rid] = outcome
        if len(finished) > _FINISHED_IDS_LIMIT:
            finished.popitem(last=False)

    # ------------------------------------------------------------------ incoming (TransportSink)

    def messages_received(self, messages: list[bytes]) -> None:
        """TransportSink: messages from the server, in order."""
        if self._closed_error is not None:
            return
        self.stats.lines += len(messages)
        if self._log_wire:
            secrets = self.secrets
            for line in messages:
                trace("recv:", line, secrets)
        if self._backlog is not None:
            self._backlog.extend(messages)
            return
        self._process(messages)

    def _process(self, lines: list[bytes]) -> None:
        router = self._router
        route = router.route
        for index, (line, msg) in enumerate(parse_messages(lines)):
            if msg.__class__ is not dict and isinstance(msg, UnicodeDecodeError):
                msg = self._decode_lossy(line, msg)  # noqa: PLW2901
            if msg.__class__ is not dict:
                if isinstance(msg, ValueError):
                    self._bad_line(line, msg)
                else:
                    self._report(
                        ProtocolError(f"expected a JSON object, got {type(msg).__name__}", raw=line)
                    )
                continue
            try:
                if "method" in msg:
                    if msg.get("id") is None:
                        route(msg)
                    else:
                        self._on_server_request(msg, line)
                else:
                    self._on_response(msg, line)
            except Exception as exc:  # a bug or a shape we did not foresee: keep reading
                logger.exception("failed to dispatch a message from app-server")
                self._report(ProtocolError(f"could not dispatch message: {exc!r}", raw=line))
            if self._stalled:
                self._backlog = lines[index + 1 :]  # even empty: later lines queue behind
                break
        if router.wakes:
            router.flush_wakes()

    def _unstall(self) -> None:
        """Process the backlog unless still paused or yielding (loop thread)."""
        while not (self._router.paused or self._yielding) and self._closed_error is None:
            self._stalled = False
            backlog = self._backlog
            if backlog is None:
                return
            self._backlog = None
            self._process(backlog)
            if self._backlog is None:
                return

    def _end_yield(self) -> None:
        self._yielding = False
        self._unstall()

    def _on_response(self, msg: dict[str, Any], line: bytes) -> None:
        rid: Any = msg.get("id")
        pending: _Pending | None = self._pending.pop(rid, None) if rid.__class__ is int else None
        if pending is None:
            outcome = self._finished_ids.get(rid) if rid.__class__ is int else None
            if outcome == "answered":
                self._report(ProtocolError(f"duplicate response for request id {rid}", raw=line))
            elif outcome is not None:
                logger.debug("late response for request %s (%s)", rid, outcome)
            elif "result" in msg or "error" in msg:
                self._report(ProtocolError(f"response to unknown request id {rid!r}", raw=line))
            else:
                self._report(ProtocolError("message with neither method nor result", raw=line))
            return
        self._remember(cast("int", rid), "answered")
        if pending.timer is not None:
            pending.timer.cancel()
        future = pending.future
        if future.done():
            return
        has_error = "error" in msg
        if "result" in msg and not has_error:
            result = msg["result"]
            if pending.on_result is not None:
                try:
                    result = pending.on_result(result)
                except Exception as exc:
                    future.set_exception(exc)
                    return
            future.set_result(result)
            # Route nothing more until the waiter has run: code that subscribes right after
            # `await request(...)` then sees every later notification (see subscribe_turn).
            # (A thread's request subscribes nothing: it has nothing to wait for.)
            if not self._yielding and future.__class__ is not ThreadWaiter:
                self._yielding = True
                self._stalled = True
                self._loop.call_soon(self._end_yield)
        elif has_error and "result" not in msg:
            future.set_exception(
                error_from_response(msg["error"], method=pending.method, request_id=rid)
            )
        else:
            error = ProtocolError(
                f"malformed response to {pending.method} (id {rid}): "
                "needs exactly one of result and error",
                raw=line,
                request_id=cast("int", rid),
            )
            self._report(error)
            future.set_exception(error)

    def _decode_lossy(self, line: bytes, exc: UnicodeDecodeError) -> Any:
        """A line that is not valid UTF-8: parse it with each bad byte replaced by U+FFFD, so
        a response or notification is not lost to one corrupt byte (and its caller does not
        wait for a response that was read). Reported as a protocol error either way."""
        try:
            msg = loads_strict(line.decode("utf-8", "replace"))
        except ValueError:
            return exc
        self._report(
            ProtocolError(f"invalid UTF-8 ({exc.reason} at byte {exc.start}), replaced", raw=line)
        )
        return msg

    def _bad_line(self, line: bytes, exc: ValueError) -> None:
        if not line.strip():
            return  # blank lines are noise, not errors
        self._report(ProtocolError(f"not a JSON line: {exc}", raw=line))

    def _report(self, error: ProtocolError) -> None:
        stats = self.stats
        stats.protocol_errors += 1
        level = logging.WARNING if stats.protocol_errors <= _PROTOCOL_WARNINGS else logging.DEBUG
        raw = None if error.raw is None else redact_bytes(error.raw[:300], self.secrets)
        logger.log(level, "protocol error from app-server: %s (raw: %r)", redact(str(error)), raw)
        hook = self.on_protocol_error
        if hook is not None:
            try:
                hook(error)
            except Exception:
                logger.exception("on_protocol_error hook raised")

    def protocol_error(self, error: ProtocolError) -> None:
        """TransportSink: a framing error (e.g. an over-long line)."""
        self._report(error)

    # ------------------------------------------------------------------ server requests

    def _on_server_request(self, msg: dict[str, Any], line: bytes) -> None:
        rid = msg["id"]
        method = msg["method"]
        self.stats.server_requests += 1
        if method.__class__ is not str or rid.__class__ not in (int, str):
            self._report(ProtocolError("malformed server request", raw=line))
            if rid.__class__ in (int, str):
                self._answer_error(rid, INTERNAL_ERROR, "malformed request")
            return
        handler = self._handler
        if handler is None:
            self._answer_error(rid, METHOD_NOT_FOUND, f"no handler for {method}")
            return
        task = self._loop.create_task(self._run_handler(handler, rid, method, msg.get("params")))
        self._handler_tasks.add(task)
        task.add_done_callback(self._handler_tasks.discard)

    async def _run_handler(
        self, handler: ServerRequestHandler, rid: int | str, method: str, params: Any
    ) -> None:
        timeout = self.server_request_timeout
        try:
            if timeout is None:
                result = await handler(method, params)
            else:
                result = await asyncio.wait_for(handler(method, params), timeout)
        except asyncio.CancelledError:
            if self._closing or self._closed_error is not None:
                raise
            self._answer_error(rid, INTERNAL_ERROR, f"handler for {method} was cancelled")
            return
        except asyncio.TimeoutError:
            logger.warning("handler for server request %s timed out after %s s", method, timeout)
            self._answer_error(
                rid, INTERNAL_ERROR, f"client handler for {method} timed out after {timeout:g} s"
            )
            return
        except JsonRpcError as exc:
            self._answer_error(rid, exc.code, exc.message, exc.data)
            return
        except Exception as exc:
            logger.warning("handler for server request %s raised %r", method, exc)
            self._answer_error(rid, INTERNAL_ERROR, str(exc) or type(exc).__name__)
            return
        try:
            data = dumps_bytes({"id": rid, "result": result})
        except (TypeError, ValueError) as exc:
            self._answer_error(rid, INTERNAL_ERROR, f"handler returned a non-JSON result: {exc}")
            return
        self._write_quietly(data)

    def _answer_error(self, rid: int | str, code: int, message: str, data: Any = None) -> None:
        error: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            error["data"] = data
        try:
            payload = dumps_bytes({"id": rid, "error": error})
        except (TypeError, ValueError):
            error.pop("data", None)
            payload = dumps_bytes({"id": rid, "error": error})
        self._write_quietly(payload)

    def _write_quietly(self, data: bytes) -> None:
        if self._closed_error is not None:
            return
        if self._log_wire:
            trace("send:", data, self.secrets)
        with contextlib.suppress(TransportClosedError):
            self._transport.send(data)

    # ------------------------------------------------------------------ the end

    def connection_lost(self, error: TransportClosedError) -> None:
        """TransportSink: the process is gone (or we closed): fail everything at once."""
        if self._closed_error is not None:
            return
        self._closed_error = error
        self._backlog = None
        pending, self._pending = self._pending, {}
        # a list: a thread may still add to the old table (it then sees _closed_error)
        for rid, entry in list(pending.items()):
            if entry.timer is not None:
                entry.timer.cancel()
            self._remember(rid, "failed")
            if not entry.future.done():
                entry.future.set_exception(copy_closed(error))
        self._router.fail_all(error, self._closing)
        if not self._closing:
            logger.debug("app-server connection lost: %s", error)
            for task in list(self._handler_tasks):
                task.cancel()
        self._closed_event.set()
