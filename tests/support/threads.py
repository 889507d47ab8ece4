"""Threads whose failures reach the test: an assert in a worker fails the test that joins it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Worker(threading.Thread):
    """A thread that keeps what its target raised; `finish()` joins it and raises it."""

    def __init__(self, target: Callable[..., Any], *args: Any) -> None:
        super().__init__(target=self._capture, args=(target, *args), daemon=True)
        self.error: BaseException | None = None

    def _capture(self, target: Callable[..., Any], *args: Any) -> None:
        try:
            target(*args)
        except BaseException as exc:  # handed to the test by finish()
            self.error = exc

    def finish(self, timeout: float = 60.0) -> None:
        """Join; fail if the thread is still running; re-raise what it raised."""
        self.join(timeout)
        if self.is_alive():
            raise AssertionError(f"{self.name} still running after {timeout} s")
        if self.error is not None:
            raise self.error
