"""Progress of long steps on stderr: a rewritten line on a terminal, plain lines elsewhere.

On a terminal the line is redrawn as the step advances. Anywhere else (a CI log) a step that
runs longer than 5 s prints a plain line every 5 s and one when it ends, and a shorter step
prints nothing, so logs show what is slow without being flooded. `--no-progress` silences it.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable

_MB = 1_000_000  # decimal megabytes, as package indexes show sizes
LOG_INTERVAL_SECONDS = 5.0  # off a terminal: the first line after this long, then this often
_TERMINAL_INTERVAL_SECONDS = 0.2


class Progress:
    """Counts bytes of a known total and shows `label: 120/411 MB (29%)`."""

    def __init__(
        self,
        label: str,
        total: int,
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.done_bytes = 0
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.enabled = True if enabled is None else enabled
        self._clock = clock
        self._interval = _TERMINAL_INTERVAL_SECONDS if self.interactive else LOG_INTERVAL_SECONDS
        self._started = clock()
        # On a terminal the first update shows at once; in a log only after the interval.
        self._last = float("-inf") if self.interactive else self._started
        self._shown = False

    def advance(self, count: int) -> None:
        self.done_bytes += count
        self._maybe_show(self.line)

    def note(self, text: str) -> None:
        """Show a free-form status line (e.g. bytes written by a build in a subprocess)."""
        self._maybe_show(lambda: f"{self.label}: {text}")

    def line(self) -> str:
        percent = f" ({100 * self.done_bytes // self.total}%)" if self.total else ""
        return f"{self.label}: {self.done_bytes // _MB}/{self.total // _MB} MB{percent}"

    def finish(self, summary: str | None = None) -> None:
        if not self.enabled:
            return
        long_step = self._clock() - self._started >= self._interval
        if not (self.interactive or self._shown or long_step):
            return  # a short step in a log: nothing to say
        text = f"{self.label}: {summary}" if summary else self.line()
        if self.interactive:
            self.stream.write(f"\r{text}\x1b[K\n")
        else:
            self.stream.write(f"{text}\n")
        self.stream.flush()

    def _maybe_show(self, text: Callable[[], str]) -> None:
        now = self._clock()
        if self.enabled and now - self._last >= self._interval:
            self._last = now
            self._shown = True
            if self.interactive:
                self.stream.write(f"\r{text()}\x1b[K")
            else:
                self.stream.write(f"{text()}\n")
            self.stream.flush()
