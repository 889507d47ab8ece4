"""Blocking waits for threads outside the event loop: interruptible by Ctrl-C on the main
thread, and a one-shot result slot the loop fills in (:class:`ThreadWaiter`)."""

from __future__ import annotations

import threading
import time
from typing import Any

__all__ = ["SIGNAL_SLICE", "ThreadWaiter", "acquire"]

#: How long the main thread blocks at a time: a Ctrl-C that arrives without a real signal
#: (`_thread.interrupt_main`; any Ctrl-C on Windows, where a blocked lock cannot be
#: interrupted) is only raised between two waits.
SIGNAL_SLICE = 0.1


def acquire(lock: threading.Lock, timeout: float | None) -> bool:
    """``lock.acquire(timeout=...)``; on the main thread in short slices, so KeyboardInterrupt
    is raised while waiting."""
    if threading.current_thread() is not threading.main_thread():
        return lock.acquire(timeout=-1 if timeout is None else timeout)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        step = SIGNAL_SLICE
        if deadline is not None:
            step = min(step, max(0.0, deadline - time.monotonic()))
        if lock.acquire(timeout=step):
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False


class ThreadWaiter:
    """The answer to a request sent from a thread: the event loop sets it (the same
    ``done``/``set_result``/``set_exception`` an asyncio future offers the session), the
    thread blocks in :meth:`wait`. A held lock, released once, is the cheapest wake-up."""

    __slots__ = ("_done", "_error", "_lock", "_value")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None

    def done(self) -> bool:
        return self._done

    def set_result(self, value: Any) -> None:
        """Loop thread, once (the session checks :meth:`done` first)."""
        self._value = value
        self._done = True
        self._lock.release()

    def set_exception(self, error: BaseException) -> None:
        """Loop thread, once (the session checks :meth:`done` first)."""
        self._error = error
        self._done = True
        self._lock.release()

    def wait(self, timeout: float | None) -> bool:
        """Block until set (True) or ``timeout`` passes (False)."""
        return acquire(self._lock, timeout)

    def outcome(self) -> Any:
        """Once set: the value, or raise the error."""
        error = self._error
        if error is not None:
            self._error = None  # no reference cycle through the traceback
            raise error
        return self._value
