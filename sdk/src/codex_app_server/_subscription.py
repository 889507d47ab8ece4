"""A subscription: a bounded stream of server messages, fed by the router on the event loop
and consumed from asyncio or from any thread."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

from ._blocking import SIGNAL_SLICE

__all__ = ["Subscription", "SubscriptionOwner"]


class SubscriptionOwner(Protocol):
    """What a subscription tells the one who feeds it (the router), on the loop thread."""

    def resume_reading(self) -> None:
        """A consumer drained a buffer that had paused reading below its low watermark."""
        ...

    def discard(self, sub: Subscription, /) -> None:
        """A consumer closed ``sub``: stop feeding it."""
        ...


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
        "_loop",
        "_loop_thread",
        "_owner",
        "_waiter",
        "high",
        "items",
        "kind",
        "limit",
        "low",
        "pausing",
        "thread_id",
        "turn_id",
        "waiting",
        "wake_queued",
    )

    def __init__(
        self,
        owner: SubscriptionOwner,
        loop: asyncio.AbstractEventLoop,
        loop_thread: int,
        kind: str,
        *,
        limit: int,
        high: int | None = None,
        low: int = 0,
        thread_id: str | None = None,
        turn_id: str | None = None,
    ) -> None:
        self._owner = owner
        self._loop = loop
        self._loop_thread = loop_thread
        self.kind: str = kind
        self.thread_id: str | None = thread_id
        self.turn_id: str | None = turn_id
        self.items: deque[dict[str, Any]] = deque()
        self.limit: int = limit
        # a buffer this long stops reading (turn subscriptions); None: never
        self.high: int = high if high is not None else limit + 1
        self.low: int = low
        self.pausing: bool = False  # set by the session when this buffer paused reading
        self._done = False  # nothing more will be appended
        self._error: BaseException | None = None  # raised once the buffer is drained
        self._closed = False  # the consumer closed it
        self._waiter: asyncio.Future[None] | None = None
        self.waiting: bool = False  # a consumer is (about to be) blocked: wake it on append
        self.wake_queued: bool = False
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
        return len(self.items)

    def __repr__(self) -> str:
        what = f" turn={self.turn_id!r}" if self.turn_id else ""
        return f"<Subscription {self.kind}{what} buffered={len(self.items)} done={self._done}>"

    # ------------------------------------------------------------------ producer side (loop)
    # The router appends to `items` and reads `limit`, `high`, `low`, `pausing`, `waiting`
    # and `wake_queued` directly: it touches every notification, where a method call per
    # message costs measurably (see docs/performance.md).

    def wake(self) -> None:
        """Wake a blocked consumer (loop thread only)."""
        self.wake_queued = False
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
        if self.waiting:
            with self._cond:
                self._cond.notify_all()

    def finish(self, error: BaseException | None = None) -> None:
        """End the stream after what is buffered (loop thread only)."""
        if not self._done:
            self._done = True
            if error is not None and self._error is None:
                self._error = error
        self.wake()

    # ------------------------------------------------------------------ consumer side

    def _release(self) -> None:
        """The buffer drained below the low watermark: let the session read again."""
        self.pausing = False
        if threading.get_ident() == self._loop_thread:
            self._owner.resume_reading()
        else:
            with contextlib.suppress(RuntimeError):  # loop closed: the session is gone anyway
                self._loop.call_soon_threadsafe(self._owner.resume_reading)

    def _end(self) -> None:
        """Raise the stream's error, if any (the buffer is empty and the stream done)."""
        error = self._error
        if error is not None:
            raise error

    def get_nowait(self) -> dict[str, Any] | None:
        """The next message, or ``None`` if none is buffered (even if the stream is open)."""
        items = self.items
        if not items:
            return None
        msg = items.popleft()
        if self.pausing and len(items) <= self.low:
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
        if self.pausing:
            self._release()
        items = self.items
        # The main thread waits in slices: a Ctrl-C that arrives without a real signal
        # (`_thread.interrupt_main`, Windows) is only raised between two waits.
        step = SIGNAL_SLICE if threading.current_thread() is threading.main_thread() else None
        with self._cond:
            self.waiting = True
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
                self.waiting = False

    def get(self, timeout: float | None = None) -> dict[str, Any] | None:
        """Blocking: the next message; ``None`` at the normal end of the stream."""
        items = self.items
        if not items:
            if self._done:
                self._end()
                return None
            self._wait_sync(timeout)
            if not items:
                self._end()
                return None
        msg = items.popleft()
        if self.pausing and len(items) <= self.low:
            self._release()
        return msg

    def get_batch(
        self, max_items: int | None = None, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        """Blocking: every buffered message (at least one, at most ``max_items``); an empty
        list at the normal end of the stream."""
        items = self.items
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
        items = self.items
        n = len(items) if max_items is None else min(max_items, len(items))
        popleft = items.popleft
        batch = [popleft() for _ in range(n)]
        if self.pausing and len(items) <= self.low:
            self._release()
        return batch

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        items = self.items
        if items:
            msg = items.popleft()
            if self.pausing and len(items) <= self.low:
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
        if self.pausing:
            self._release()
        waiter = loop.create_future()
        self._waiter = waiter
        self.waiting = True
        handle = None
        if timeout is not None:
            handle = loop.call_later(timeout, _set_timeout, waiter, timeout)
        try:
            await waiter
        finally:
            self.waiting = False
            if self._waiter is waiter:
                self._waiter = None
            if handle is not None:
                handle.cancel()

    async def aget(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next message; ``None`` at the normal end of the stream."""
        items = self.items
        while not items:
            if self._done:
                self._end()
                return None
            await self._wait_async(timeout)
        msg = items.popleft()
        if self.pausing and len(items) <= self.low:
            self._release()
        return msg

    async def aget_batch(
        self, max_items: int | None = None, timeout: float | None = None
    ) -> list[dict[str, Any]]:
        """Every buffered message (at least one, at most ``max_items``); ``[]`` at the end."""
        items = self.items
        while not items:
            if self._done:
                self._end()
                return []
            await self._wait_async(timeout)
        return self._take(max_items)

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        items = self.items
        if items:
            msg = items.popleft()
            if self.pausing and len(items) <= self.low:
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
        self.items.clear()
        if threading.get_ident() == self._loop_thread:
            self._owner.discard(self)
        else:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._owner.discard, self)
            # a sync consumer blocked in another thread
            with self._cond:
                self._done = True
                self._cond.notify_all()


def _set_timeout(waiter: asyncio.Future[None], timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError(f"no message within {timeout:g} s"))
