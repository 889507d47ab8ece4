"""The one JSON-RPC engine: request ids, the pending table, timeouts, notification routing by
turn id, and server-to-client request dispatch. It works on raw JSON (dicts) and knows
nothing of processes: it runs over any :class:`~codex_app_server._transport.Transport`.

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
import json
import logging
import sys
import threading
import time
import warnings
import weakref
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeAlias, cast

from . import _fork
from ._blocking import SIGNAL_SLICE, ThreadWaiter
from ._config import AppServerConfig
from ._not_given import NOT_GIVEN, NotGiven
from ._redact import configure_from_env, redact, redact_bytes, trace
from ._transport import ProcessTransport
from .errors import (
    INTERNAL_ERROR,
    METHOD_NOT_FOUND,
    ForkedClientError,
    JsonRpcError,
    ProtocolError,
    RequestTimeoutError,
    StreamOverflowError,
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

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_FINISHED_IDS_LIMIT = 1024
_DONE_TURNS_LIMIT = 1024
_HELD_TURNS_LIMIT = 64
_PROTOCOL_WARNINGS = 20  # then further protocol errors are logged at DEBUG


def _reject_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (json.loads accepts them)."""
    raise ValueError(f"{name} is not valid JSON")


# json.loads's own C scanner (an instance attribute, so typed by hand): (value, end index).
_scan_once: Callable[[str, int], tuple[Any, int]] = vars(
    json.JSONDecoder(parse_constant=_reject_constant)
)["scan_once"]


def _loads(line: bytes | str) -> Any:
    """``json.loads`` that refuses NaN/Infinity and turns too-deep nesting (RecursionError)
    into a ValueError, so a hostile line is a reported bad line, never a dropped read."""
    try:
        return json.loads(line, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


_PARSE_FIRST = 8
_PARSE_BATCH = 1024


def _parse_lines(lines: list[bytes]) -> Iterator[tuple[bytes, Any]]:
    """``(line, json.loads(line))`` for each line, or ``(line, the ValueError it raises)``.

    Fast path: a batch of lines is decoded into one str, and each line's value is scanned out
    of it by the C scanner that ``json.loads`` itself ends in. That skips the per-call work of
    ``json.loads`` (encoding detection, a decode, two whitespace matches), about half of its
    time on a small notification. A line the scanner does not consume exactly (whitespace
    around the value, a BOM, UTF-16/32, invalid UTF-8, garbage) is parsed by
    ``json.loads(line)`` alone, so every value and error is exactly what ``json.loads`` gives.

    Batches grow from ``_PARSE_FIRST`` to ``_PARSE_BATCH`` lines: the session stops consuming
    after each response (its backlog is parsed again later), and a small first batch keeps
    1,000 responses in one read from being decoded 1,000 times over.
    """
    loads = _loads
    scan = _scan_once
    count = len(lines)
    start = 0
    size = _PARSE_FIRST
    while start < count:
        batch = lines[start : start + size] if start or size < count else lines
        start += size
        size = min(size * 4, _PARSE_BATCH)
        try:
            text = b"\n".join(batch).decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            text = ""  # nothing scans: every line takes the json.loads path
        find = text.find
        pos = 0
        for line in batch:
            end = find("\n", pos)
            if end < 0:
                end = len(text)
            try:
                value, stop = scan(text, pos)
            except Exception:  # StopIteration, JSONDecodeError...: json.loads says what
                value, stop = None, -1
            pos = end + 1
            if stop != end:
                try:
                    value = loads(line)
                except ValueError as exc:
                    value = exc
            yield line, value


def _encode(payload: dict[str, Any], method: str) -> bytes:
    """One message's line; text that cannot be UTF-8 (a lone surrogate) is bad input, refused
    before anything is sent."""
    try:
        return _dumps(payload).encode() + b"\n"
    except UnicodeEncodeError as exc:
        from .inputs import InvalidInputError

        bad = exc.object[exc.start : exc.end]
        raise InvalidInputError(
            f"{method}: the params contain text that is not valid Unicode ({bad!r}, a lone "
            "surrogate) and cannot be sent as UTF-8; nothing was sent"
        ) from None


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


def _copy_closed(error: TransportClosedError) -> TransportClosedError:
    """A fresh instance per waiter, so tracebacks do not pile up on one shared object."""
    return TransportClosedError(
        error.reason, exit_code=error.exit_code, stderr_tail=error.stderr_tail
    )


@dataclass
class SessionStats:
    """Counters of what the session saw (read them any time; they only grow)."""

    lines: int = 0
    notifications_dropped: int = 0  # no global subscriber
    held_evicted: int = 0  # turn notifications evicted from the holding area unclaimed
    late_turn_notifications: int = 0  # for a turn whose subscription had ended
    overflow_dropped: int = 0  # not buffered for a subscriber that overflowed
    protocol_errors: int = 0
    server_requests: int = 0
    pauses: int = 0  # times reading paused for backpressure


class Subscription:
    """A bounded stream of server messages (dicts), consumable from asyncio or a thread.

    * asyncio, on the session's loop: ``async for msg in sub``, ``await sub.aget(timeout)``,
      ``await sub.aget_batch(max_items, timeout)``.
    * any other thread: ``for msg in sub``, ``sub.get(timeout)``, ``sub.get_batch(...)``.

    ``get``/``aget`` return ``None`` once a stream has ended normally (a turn after its
    ``turn/completed``, a global stream after ``Session.close()``), raise the error that ended
    it otherwise (:class:`TransportClosedError`, :class:`StreamOverflowError`), and raise
    ``TimeoutError`` when ``timeout`` passes first. The messages are shared between
    subscribers: do not mutate them. One consumer per subscription.
    """

    __slots__ = (
        "_closed",
        "_cond",
        "_done",
        "_error",
        "_high",
        "_items",
        "_limit",
        "_loop",
        "_loop_thread",
        "_low",
        "_pausing",
        "_session",
        "_waiter",
        "_waiting",
        "_wake_queued",
        "kind",
        "thread_id",
        "turn_id",
    )

    def __init__(
        self,
        session: Session,
        kind: str,
        *,
        limit: int,
        high: int | None = None,
        low: int = 0,
        thread_id: str | None = None,
        turn_id: str | None = None,
    ) -> None:
        self._session = session
        self._loop = session._loop
        self._loop_thread = session._loop_thread
        self.kind: str = kind
        self.thread_id: str | None = thread_id
        self.turn_id: str | None = turn_id
        self._items: deque[dict[str, Any]] = deque()
        self._limit = limit
        # a buffer this long stops reading (turn subscriptions); None: never
        self._high = high if high is not None else limit + 1
        self._low = low
        self._pausing = False  # set by the session when this buffer paused reading
        self._done = False  # nothing more will be appended
        self._error: BaseException | None = None  # raised once the buffer is drained
        self._closed = False  # the consumer closed it
        self._waiter: asyncio.Future[None] | None = None
        self._waiting = False  # a consumer is (about to be) blocked: wake it on append
        self._wake_queued = False
        self._cond = threading.Condition(threading.Lock())

    # ------------------------------------------------------------------ state

    @property
    def done(self) -> bool:
        """No more messages will be added (some may still be buffered)."""
        return self._done

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        """Messages buffered, not yet consumed."""
        return len(self._items)

    def __repr__(self) -> str:
        what = f" turn={self.turn_id!r}" if self.turn_id else ""
        return f"<Subscription {self.kind}{what} buffered={len(self._items)} done={self._done}>"

    # ------------------------------------------------------------------ producer side (loop)

    def _wake(self) -> None:
        """Wake a blocked consumer (loop thread only)."""
        self._wake_queued = False
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
        if self._waiting:
            with self._cond:
                self._cond.notify_all()

    def _finish(self, error: BaseException | None = None) -> None:
        """End the stream after what is buffered (loop thread only)."""
        if not self._done:
            self._done = True
            if error is not None and self._error is None:
                self._error = error
        self._wake()

    # ------------------------------------------------------------------ consumer side

    def _release(self) -> None:
        """The buffer drained below the low watermark: let the session read again."""
        self._pausing = False
        if threading.get_ident() == self._loop_thread:
            self._session._maybe_resume()
        else:
            with contextlib.suppress(RuntimeError):  # loop closed: the session is gone anyway
                self._loop.call_soon_threadsafe(self._session._maybe_resume)

    def _end(self) -> None:
        """Raise the stream's error, if any (the buffer is empty and the stream done)."""
        error = self._error
        if error is not None:
            raise error

    def get_nowait(self) -> dict[str, Any] | None:
        """The next message, or ``None`` if none is buffered (even if the stream is open)."""
        items = self._items
        if not items:
            return None
        msg = items.popleft()
        if self._pausing and len(items) <= self._low:
            self._release()
        return msg

    # sync ------------------------------------------------------------------

    def _wait_sync(self, timeout: float | None) -> None:
        """Block until a message is buffered or the stream is done (or raise TimeoutError)."""
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError(
                "blocking Subscription.get() on the session's event loop would deadlock; "
                "use `await sub.aget()` or `async for`"
            )
        if self._pausing:
            self._release()
        items = self._items
        # The main thread waits in slices: a Ctrl-C that arrives without a real signal
        # (`_thread.interrupt_main`, Windows) is only raised between two waits.
        step = SIGNAL_SLICE if threading.current_thread() is threading.main_thread() else None
        with self._cond:
            self._waiting = True
            try:
                if timeout is None:
                    while not items and not self._done:
                        self._cond.wait(step)
                else:
                    deadline = time.monotonic() + timeout
                    while not items and not self._done:
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            raise TimeoutError(f"no message within {timeout:g} s")
                        self._cond.wait(remaining if step is None else min(step, remaining))
            finally:
                self._waiting = False

    def get(self, timeout: float | None = None) -> dict[str, Any] | None:
        """Blocking: the next message; ``None`` at the normal end of the stream."""
        items = self._items
        if not items:
            if self._done:
                self._end()
                return None
            self._wait_sync(timeout)
            if not items:
                self._end()
                return None
        msg = items.popleft()
        if self._pausing and len(items) <= self._low:
            self._release()
        return msg

    def get_batch(
        self, max_items: int | None = None, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        """Blocking: every buffered message (at least one, at most ``max_items``); an empty
        list at the normal end of the stream."""
        items = self._items
        if not items:
            if self._done:
                self._end()
                return []
            self._wait_sync(timeout)
            if not items:
                self._end()
                return []
        return self._take(max_items)

    def _take(self, max_items: int | None) -> list[dict[str, Any]]:
        items = self._items
        n = len(items) if max_items is None else min(max_items, len(items))
        popleft = items.popleft
        batch = [popleft() for _ in range(n)]
        if self._pausing and len(items) <= self._low:
            self._release()
        return batch

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        items = self._items
        if items:
            msg = items.popleft()
            if self._pausing and len(items) <= self._low:
                self._release()
            return msg
        msg = self.get()
        if msg is None:
            raise StopIteration
        return msg

    # async ------------------------------------------------------------------

    async def _wait_async(self, timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            raise RuntimeError(
                "this subscription belongs to another event loop; use the blocking get() "
                "from a thread instead"
            )
        if self._pausing:
            self._release()
        waiter = loop.create_future()
        self._waiter = waiter
        self._waiting = True
        handle = None
        if timeout is not None:
            handle = loop.call_later(timeout, _set_timeout, waiter, timeout)
        try:
            await waiter
        finally:
            self._waiting = False
            if self._waiter is waiter:
                self._waiter = None
            if handle is not None:
                handle.cancel()

    async def aget(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next message; ``None`` at the normal end of the stream."""
        items = self._items
        while not items:
            if self._done:
                self._end()
                return None
            await self._wait_async(timeout)
        msg = items.popleft()
        if self._pausing and len(items) <= self._low:
            self._release()
        return msg

    async def aget_batch(
        self, max_items: int | None = None, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        """Every buffered message (at least one, at most ``max_items``); ``[]`` at the end."""
        items = self._items
        while not items:
            if self._done:
                self._end()
                return []
            await self._wait_async(timeout)
        return self._take(max_items)

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        items = self._items
        if items:
            msg = items.popleft()
            if self._pausing and len(items) <= self._low:
                self._release()
            return msg
        msg = await self.aget()
        if msg is None:
            raise StopAsyncIteration
        return msg

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Stop receiving (any thread): buffered messages are discarded, a blocked consumer
        sees the end of the stream."""
        if self._closed:
            return
        self._closed = True
        self._items.clear()
        if threading.get_ident() == self._loop_thread:
            self._session._discard(self)
        else:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._session._discard, self)
            # a sync consumer blocked in another thread
            with self._cond:
                self._done = True
                self._cond.notify_all()


def _set_timeout(waiter: asyncio.Future[None], timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError(f"no message within {timeout:g} s"))


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
    """A JSON-RPC 2.0 session with one app-server over a :class:`Transport`.

    Build with ``await Session.start(config)`` (spawn + ``initialize`` + ``initialized``);
    ``await Session.open(config)`` + subscriptions + ``await session.initialize()`` to see the
    notifications sent right after ``initialize``; or ``Session(transport, ...)`` for another
    transport. Create and use it on one running event loop; only :class:`Subscription`
    consumers may live in other threads (see :mod:`codex_app_server._loop_thread`).
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
        self._buffer = notification_buffer
        self._high = notification_buffer
        self._low = notification_buffer // 2
        self._handler = handler
        self.on_protocol_error: Callable[[ProtocolError], None] | None = None
        self.stats: SessionStats = SessionStats()
        self.initialize_result: dict[str, Any] | None = None
        self._config: AppServerConfig | None = None

        self._ids = itertools.count(1)  # next() is atomic: threads take ids too
        self._pending: dict[int, _Pending] = {}
        self._finished_ids: OrderedDict[int, str] = OrderedDict()
        self._turn_subs: dict[str, Subscription] = {}
        self._done_turns: OrderedDict[str, None] = OrderedDict()
        self._held: dict[str, list[dict[str, Any]]] = {}
        self._held_count = 0
        self._evictions = 0  # turns whose held notifications were dropped
        self._global_subs: list[Subscription] = []
        self._taps: list[Subscription] = []
        self._wakes: list[Subscription] = []
        self._handler_tasks: set[asyncio.Task[None]] = set()
        self._paused = False  # reading paused for backpressure
        self._stall_timer: asyncio.TimerHandle | None = None
        self.stall_timeout = stall_timeout
        self._yielding = False  # a response was delivered: let its waiter run first
        self._stalled = False  # _paused or _yielding: lines go to the backlog
        self._backlog: list[bytes] | None = None
        self._closing = False
        self._closed_error: TransportClosedError | None = None
        self._closed_event = asyncio.Event()
        self._close_task: asyncio.Task[None] | None = None
        self._fork_generation = _fork.generation()
        # thread id -> the turn this client knows to be running there (None: being started)
        self._running_turns: dict[str, str | None] = {}
        configure_from_env()
        self._log_wire = logger.isEnabledFor(logging.DEBUG)
        self._loop_watcher: AsyncIterator[None] | None = None
        transport.attach(self)
        _live_sessions.add(self)

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(
        cls,
        config: AppServerConfig | None = None,
        *,
        handler: ServerRequestHandler | None = None,
        transport: Transport | None = None,
    ) -> Session:
        """Spawn ``codex app-server`` for ``config`` (or use ``transport``) and attach a
        session, without the handshake: subscribe first (the server sends notifications such
        as ``configWarning`` right after ``initialize``), then call :meth:`initialize`."""
        config = config or AppServerConfig()
        if transport is None:
            transport = await ProcessTransport.spawn(config)
        session = cls(
            transport,
            request_timeout=config.request_timeout,
            notification_buffer=config.notification_buffer,
            server_request_timeout=config.server_request_timeout,
            handler=handler,
        )
        session._config = config
        await session._watch_loop_end()
        return session

    async def _watch_loop_end(self) -> None:
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

    @classmethod
    async def start(
        cls,
        config: AppServerConfig | None = None,
        *,
        handler: ServerRequestHandler | None = None,
        capabilities: Mapping[str, Any] | None = None,
        transport: Transport | None = None,
    ) -> Session:
        """:meth:`open` then :meth:`initialize`: spawn, send ``initialize`` (``clientInfo``
        from the config) and the ``initialized`` notification, within
        ``config.startup_timeout``. The raw ``initialize`` result is in
        :attr:`initialize_result`. On any failure the process is stopped and the error raised
        (:class:`CodexNotFoundError`, :class:`CodexBinaryError`, :class:`TransportClosedError`
        with the exit code and stderr tail if it died, :class:`RequestTimeoutError`, ...).
        """
        session = await cls.open(config, handler=handler, transport=transport)
        try:
            await session.initialize(capabilities=capabilities)
        except BaseException:
            await session.close()
            raise
        return session

    async def initialize(
        self,
        *,
        client_name: str | None = None,
        client_version: str | None = None,
        capabilities: Mapping[str, Any] | None = None,
        timeout: float | _Default | None = DEFAULT,
    ) -> dict[str, Any]:
        """The handshake: ``initialize`` request, then the ``initialized`` notification.

        Names default to the config's ``client_name``/``client_version``; ``timeout`` to its
        ``startup_timeout`` (to ``request_timeout`` for a session built without a config).
        Returns (and keeps in :attr:`initialize_result`) the raw result."""
        config = self._config
        if client_name is None:
            client_name = config.client_name if config else "codex_app_server_sdk"
        if client_version is None:
            client_version = config.client_version if config else "0"
        if isinstance(timeout, NotGiven) and config is not None:
            timeout = config.startup_timeout
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
        return self._transport.exit_code

    def stderr_tail(self) -> str:
        return self._transport.stderr_tail()

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
        return self._running_turns.get(thread_id)

    def _check_open(self) -> None:
        if self._fork_generation != _fork.generation():
            raise ForkedClientError()
        if self._closed_error is not None:
            raise _copy_closed(self._closed_error)
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
        data = _encode(payload, method)
        self._check_open()
        if self._log_wire:
            trace("send:", data, self.secrets)
        self._transport.write(data)
        if self._transport.writing_paused:
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
            if tid in self._running_turns:
                raise ThreadBusyError(tid, self._running_turns[tid])
            self._running_turns[tid] = None  # reserved while the request runs

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
                and self._running_turns.get(cast(str, tid), 0) is None
            ):
                self._running_turns[cast(str, tid)] = turn_id
            return result, sub

        def abandon(value: tuple[Any, Subscription]) -> None:
            value[1].close()

        try:
            return await self._request(method, params, timeout, subscribe, abandon)
        finally:
            if one_per_thread and self._running_turns.get(cast(str, tid), 0) is None:
                del self._running_turns[cast(str, tid)]  # failed, or the turn already ended

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
        if self._paused:
            # Responses cannot be read while reading is paused: read again (see module doc).
            self._maybe_resume()
        try:
            if timeout is not None:
                pending.timer = self._loop.call_later(timeout, self._expire, rid, timeout)
            self._transport.write(data)
            if self._transport.writing_paused:
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
        data = _encode(payload, method)
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
            if self._paused:
                # Responses cannot be read while reading is paused: read again (module doc).
                self._loop.call_soon_threadsafe(self._maybe_resume)
            self._transport.write_threadsafe(data)
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

    # ------------------------------------------------------------------ subscriptions

    def subscribe_turn(self, thread_id: str | None, turn_id: str) -> Subscription:
        """The stream of notifications for ``turn_id``, ending after its ``turn/completed``.

        Notifications that arrived before this call (held for this turn id) come first.
        Call it on the loop right after reading the turn id (same coroutine as the
        ``turn/start`` request), so nothing can be evicted in between.
        """
        self._check_open()
        if turn_id in self._turn_subs:
            raise RuntimeError(f"turn {turn_id!r} already has a subscription")
        sub = Subscription(
            self,
            "turn",
            limit=max(4 * self._high, self._high + 4096),
            high=self._high,
            low=self._low,
            thread_id=thread_id,
            turn_id=turn_id,
        )
        held = self._held.pop(turn_id, None)
        if held is not None:
            self._held_count -= len(held)
            sub._items.extend(held)
            for msg in held:
                if msg.get("method") == "turn/completed":
                    sub._finish()
                    self._mark_turn_done(turn_id)
                    return sub
        if turn_id in self._done_turns:
            sub._finish()  # completed earlier and its notifications were evicted or consumed
            return sub
        self._turn_subs[turn_id] = sub
        return sub

    def subscribe_notifications(
        self, maxsize: int | None = None, *, all_turns: bool = False
    ) -> Subscription:
        """The stream of notifications not tied to a turn (``all_turns=True``: every
        notification, turn ones included). Bounded by ``maxsize`` (default
        ``notification_buffer``): a consumer that falls that far behind gets
        :class:`StreamOverflowError`. Ends normally on :meth:`close`."""
        self._check_open()
        size = maxsize if maxsize is not None else self._buffer
        if size < 1:
            raise ValueError("maxsize must be >= 1")
        sub = Subscription(self, "all" if all_turns else "global", limit=size)
        (self._taps if all_turns else self._global_subs).append(sub)
        return sub

    def _discard(self, sub: Subscription) -> None:
        """A consumer closed ``sub`` (loop thread)."""
        sub._finish()
        if sub.turn_id is not None and self._turn_subs.get(sub.turn_id) is sub:
            del self._turn_subs[sub.turn_id]
            self._mark_turn_done(sub.turn_id)
        self._global_subs = [s for s in self._global_subs if s is not sub]
        self._taps = [s for s in self._taps if s is not sub]
        if sub._pausing:
            sub._pausing = False
            self._maybe_resume()

    def _mark_turn_done(self, turn_id: str) -> None:
        done = self._done_turns
        done[turn_id] = None
        if len(done) > _DONE_TURNS_LIMIT:
            done.popitem(last=False)

    # ------------------------------------------------------------------ incoming (TransportSink)

    def lines_received(self, lines: list[bytes]) -> None:
        if self._closed_error is not None:
            return
        self.stats.lines += len(lines)
        if self._log_wire:
            secrets = self.secrets
            for line in lines:
                trace("recv:", line, secrets)
        if self._backlog is not None:
            self._backlog.extend(lines)
            return
        self._process(lines)

    def _process(self, lines: list[bytes]) -> None:
        route = self._route
        for index, (line, msg) in enumerate(_parse_lines(lines)):
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
        if self._wakes:
            self._flush_wakes()

    def _unstall(self) -> None:
        """Process the backlog unless still paused or yielding (loop thread)."""
        while not (self._paused or self._yielding) and self._closed_error is None:
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

    def _flush_wakes(self) -> None:
        wakes, self._wakes = self._wakes, []
        for sub in wakes:
            sub._wake()

    def _route(self, msg: dict[str, Any]) -> None:
        params: Any = msg.get("params")
        turn_id: Any = None
        if params.__class__ is dict:
            turn_id = params.get("turnId")
            if turn_id is None:
                turn: Any = params.get("turn")
                if turn.__class__ is dict:
                    turn_id = turn.get("id")
        if self._taps:
            self._push_taps(msg)
        if not isinstance(turn_id, str):
            subs = self._global_subs
            if not subs:
                self.stats.notifications_dropped += 1
                return
            for sub in subs:
                items = sub._items
                if len(items) >= sub._limit:
                    self._overflow(sub)
                    continue
                items.append(msg)
                if sub._waiting and not sub._wake_queued:
                    sub._wake_queued = True
                    self._wakes.append(sub)
            return
        completed = msg.get("method") == "turn/completed"
        if completed and self._running_turns:
            self._turn_ended(params, turn_id)
        sub = self._turn_subs.get(turn_id)
        if sub is None:
            self._hold(turn_id, msg)
            return
        items = sub._items
        items.append(msg)
        if sub._waiting and not sub._wake_queued:
            sub._wake_queued = True
            self._wakes.append(sub)
        if completed:
            del self._turn_subs[turn_id]
            self._mark_turn_done(turn_id)
            sub._finish()
            if sub._pausing:
                sub._pausing = False
                self._maybe_resume()
            return
        if len(items) >= sub._high:
            self._backpressure(sub)

    def _turn_ended(self, params: Any, turn_id: str) -> None:
        """A turn/completed: its thread may start a turn again."""
        thread_id: Any = params.get("threadId")
        if isinstance(thread_id, str) and self._running_turns.get(thread_id) == turn_id:
            del self._running_turns[thread_id]

    def _push_taps(self, msg: dict[str, Any]) -> None:
        for sub in self._taps:
            items = sub._items
            if len(items) >= sub._limit:
                self._overflow(sub)
                continue
            items.append(msg)
            if sub._waiting and not sub._wake_queued:
                sub._wake_queued = True
                self._wakes.append(sub)

    def _backpressure(self, sub: Subscription) -> None:
        items = sub._items
        if sub._closed:
            self._discard(sub)
            return
        if len(items) >= sub._limit:
            self._overflow(sub)
            return
        if self._paused or self._pending:
            return
        sub._pausing = True  # publish before the re-check (see Subscription._release)
        if len(items) > sub._low:
            self._paused = True
            self._stalled = True
            self.stats.pauses += 1
            self._transport.pause_reading()
            if self.stall_timeout is not None:
                self._stall_timer = self._loop.call_later(
                    self.stall_timeout, self._check_stall, sub, len(items)
                )
        else:
            sub._pausing = False

    def _check_stall(self, sub: Subscription, length: int) -> None:
        """Reading has been paused for ``stall_timeout`` on ``sub``: if its consumer took
        nothing in that time it is taken as abandoned, so it cannot block every other stream
        forever: it overflows (explicitly) and reading goes on."""
        self._stall_timer = None
        if self._paused and sub._pausing and not sub._done and len(sub._items) >= length:
            self._overflow(
                sub, f"its consumer took nothing for {self.stall_timeout:g} s while reading waited"
            )

    def _maybe_resume(self) -> None:
        """Read again after a pause (loop thread): first what was already read."""
        if not self._paused:
            return
        self._paused = False
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None
        self._unstall()
        if not self._paused:
            self._transport.resume_reading()

    def _overflow(self, sub: Subscription, reason: str | None = None) -> None:
        self.stats.overflow_dropped += 1
        if sub._done:
            return
        logger.warning("%r overflowed; it is finished with StreamOverflowError", sub)
        what = f"turn {sub.turn_id} subscription" if sub.turn_id else "notification subscription"
        sub._finish(StreamOverflowError(sub._limit, what, reason))
        if sub.kind == "turn":
            if sub.turn_id is not None and self._turn_subs.get(sub.turn_id) is sub:
                del self._turn_subs[sub.turn_id]
                self._mark_turn_done(sub.turn_id)
            if sub._pausing:
                sub._pausing = False
                self._maybe_resume()
        else:
            # new lists: the caller may be iterating over the old one
            self._global_subs = [s for s in self._global_subs if s is not sub]
            self._taps = [s for s in self._taps if s is not sub]

    def _hold(self, turn_id: str, msg: dict[str, Any]) -> None:
        if turn_id in self._done_turns:
            self.stats.late_turn_notifications += 1
            return
        held = self._held.get(turn_id)
        if held is None:
            if len(self._held) >= _HELD_TURNS_LIMIT:
                self._evict_oldest()
            held = self._held[turn_id] = []
        held.append(msg)
        self._held_count += 1
        if self._held_count > self._buffer:
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        turn_id = next(iter(self._held))
        evicted = self._held.pop(turn_id)
        self._held_count -= len(evicted)
        self.stats.held_evicted += len(evicted)
        self._evictions += 1
        # a flood for unknown turns evicts once per notification: do not flood the log too
        level = logging.WARNING if self._evictions <= _PROTOCOL_WARNINGS else logging.DEBUG
        logger.log(
            level,
            "dropped %d notifications held for turn %s: nobody subscribed to it",
            len(evicted),
            turn_id,
        )

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
            msg = _loads(line.decode("utf-8", "replace"))
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
            data = _dumps({"id": rid, "result": result}).encode() + b"\n"
        except (TypeError, ValueError) as exc:
            self._answer_error(rid, INTERNAL_ERROR, f"handler returned a non-JSON result: {exc}")
            return
        self._write_quietly(data)

    def _answer_error(self, rid: int | str, code: int, message: str, data: Any = None) -> None:
        error: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            error["data"] = data
        try:
            payload = _dumps({"id": rid, "error": error}).encode() + b"\n"
        except (TypeError, ValueError):
            error.pop("data", None)
            payload = _dumps({"id": rid, "error": error}).encode() + b"\n"
        self._write_quietly(payload)

    def _write_quietly(self, data: bytes) -> None:
        if self._closed_error is not None:
            return
        if self._log_wire:
            trace("send:", data, self.secrets)
        with contextlib.suppress(TransportClosedError):
            self._transport.write(data)

    # ------------------------------------------------------------------ the end

    def connection_lost(self, error: TransportClosedError) -> None:
        """TransportSink: the process is gone (or we closed): fail everything at once."""
        if self._closed_error is not None:
            return
        self._closed_error = error
        self._backlog = None
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None
        pending, self._pending = self._pending, {}
        # a list: a thread may still add to the old table (it then sees _closed_error)
        for rid, entry in list(pending.items()):
            if entry.timer is not None:
                entry.timer.cancel()
            self._remember(rid, "failed")
            if not entry.future.done():
                entry.future.set_exception(_copy_closed(error))
        turn_subs, self._turn_subs = self._turn_subs, {}
        for sub in turn_subs.values():
            sub._finish(_copy_closed(error))
        for sub in (*self._global_subs, *self._taps):
            sub._finish(None if self._closing else _copy_closed(error))
        self._global_subs = []
        self._taps = []
        self._held.clear()
        self._held_count = 0
        self._wakes = []
        self._running_turns.clear()
        if not self._closing:
            logger.debug("app-server connection lost: %s", error)
            for task in list(self._handler_tasks):
                task.cancel()
        self._closed_event.set()
