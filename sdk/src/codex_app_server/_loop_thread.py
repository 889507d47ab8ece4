"""The sync bridge: a private event loop in a daemon thread that runs the same async engine.

    lt = LoopThread()
    session = lt.run(Session.start(config))            # blocks this thread, not the loop
    result = lt.run(session.request("model/list", {}))
    sub = lt.run(_start_turn(...))                     # subscriptions: consume with sub.get()
    lt.run(session.close())
    lt.close()

There is no second implementation of the engine: every call is a coroutine submitted with
``asyncio.run_coroutine_threadsafe``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import threading
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._blocking import acquire

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

__all__ = ["LoopThread"]

T = TypeVar("T")

_counter = itertools.count(1)


class LoopThread:
    """An asyncio event loop running forever in a daemon thread (started on construction)."""

    def __init__(self, name: str | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._closed = False
        self._lock = threading.Lock()
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._main,
            args=(ready,),
            name=name or f"codex-app-server-loop-{next(_counter)}",
            daemon=True,
        )
        self._thread.start()
        ready.wait()

    def _main(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(ready.set)
        try:
            self._loop.run_forever()
        finally:
            asyncio.set_event_loop(None)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    @property
    def closed(self) -> bool:
        return self._closed

    def in_loop_thread(self) -> bool:
        return threading.get_ident() == self._thread.ident

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and block until it finishes (its result or its exception).

        ``timeout``: give up after that many seconds: the coroutine is cancelled and
        ``TimeoutError`` raised. A ``KeyboardInterrupt`` while waiting cancels it too.
        """
        if self._closed:
            coro.close()
            raise RuntimeError("the event loop thread is closed")
        if self.in_loop_thread():
            coro.close()
            raise RuntimeError("LoopThread.run() called from its own loop thread would deadlock")
        call = _Call(coro)
        try:
            self._loop.call_soon_threadsafe(call.start, self._loop)
        except RuntimeError:  # the loop was closed meanwhile
            coro.close()
            raise RuntimeError("the event loop thread is closed") from None
        try:
            finished = acquire(call.finished, timeout)
        except BaseException:  # KeyboardInterrupt while waiting
            self._cancel(call)
            raise
        if not finished:
            self._cancel(call)
            raise TimeoutError(f"operation did not finish within {timeout} s")
        return call.outcome()

    def _cancel(self, call: _Call[Any]) -> None:
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(call.cancel)

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Schedule ``callback(*args)`` on the loop (thread-safe, does not wait)."""
        self._loop.call_soon_threadsafe(callback, *args)

    async def _shutdown(self) -> None:
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
        await self._loop.shutdown_asyncgens()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._loop.shutdown_default_executor(), 5.0)

    def close(self, timeout: float = 10.0) -> None:
        """Cancel what still runs on the loop, stop it, join the thread, close the loop.
        Idempotent. Close sessions (``run(session.close())``) before, to stop processes
        gracefully."""
        with self._lock:
            if self._closed:
                return
            if self.in_loop_thread():
                raise RuntimeError("LoopThread.close() called from its own loop thread")
            self._closed = True
        if self._thread.is_alive():
            with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
                asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
        if not self._thread.is_alive() and not self._loop.is_closed():
            self._loop.close()

    def abandon(self, last: Coroutine[Any, Any, Any] | None = None, timeout: float = 10.0) -> None:
        """Stop the loop without waiting for it (for finalizers, which may run on the loop
        thread itself or when nothing can be joined): ``last`` runs first, for at most
        ``timeout`` seconds, if the loop still runs. Marks this closed; idempotent."""
        with self._lock:
            if self._closed:
                if last is not None:
                    last.close()
                return
            self._closed = True
        loop = self._loop

        async def finish() -> None:
            try:
                if last is not None:
                    await asyncio.wait_for(last, timeout)
            finally:
                loop.stop()

        def start() -> None:
            loop.create_task(finish())

        try:
            if self.in_loop_thread():
                start()
            else:
                loop.call_soon_threadsafe(start)
        except RuntimeError:  # the loop is closed already
            if last is not None:
                last.close()

    def __enter__(self) -> LoopThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Call(Generic[T]):
    """One coroutine submitted by :meth:`LoopThread.run`: a task on the loop and a lock the
    caller blocks on (released when the task is done). Lighter than
    ``run_coroutine_threadsafe``'s task + concurrent future + chained callbacks."""

    __slots__ = ("cancelled", "coro", "finished", "task")

    def __init__(self, coro: Coroutine[Any, Any, T]) -> None:
        self.coro = coro
        self.task: asyncio.Task[T] | None = None
        self.cancelled = False
        self.finished = threading.Lock()
        self.finished.acquire()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the loop."""
        if self.cancelled:
            self.coro.close()
            self.finished.release()
            return
        self.task = loop.create_task(self.coro)
        self.task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[T]) -> None:
        if not task.cancelled():
            task.exception()  # retrieved: a caller that gave up must not leave it "never retrieved"
        self.finished.release()

    def cancel(self) -> None:
        """On the loop: the caller gave up."""
        self.cancelled = True
        if self.task is not None:
            self.task.cancel()

    def outcome(self) -> T:
        """In the caller, once ``finished``: the result, or raise the exception."""
        task = self.task
        if task is None or task.cancelled():
            raise concurrent.futures.CancelledError()
        return task.result()
