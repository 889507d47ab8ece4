"""Progress of long steps on stderr: one rewritten line on a terminal, silence elsewhere.

When asked for explicitly (--progress) and stderr is not a terminal, it prints a plain line
every few seconds instead, so CI logs are not flooded with carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_MB = 1_000_000  # decimal megabytes, as package indexes show sizes


class Progress:
    """Counts bytes of a known total and shows `label: 120/411 MB (29%)`."""

    def __init__(
        self,
        label: str,
        total: int,
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.done_bytes = 0
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.enabled = self.interactive if enabled is None else enabled
        self._interval = 0.2 if self.interactive else 5.0
        self._last = 0.0

    def advance(self, count: int) -> None:
        self.done_bytes += count
        now = time.monotonic()
        if self.enabled and now - self._last >= self._interval:
            self._last = now
            self._show(self.line())

    def note(self, text: str) -> None:
        """Show a free-form status line (e.g. bytes written by a build in a subprocess)."""
        now = time.monotonic()
        if self.enabled and now - self._last >= self._interval:
            self._last = now
            self._show(f"{self.label}: {text}")

    def line(self) -> str:
        percent = f" ({100 * self.done_bytes // self.total}%)" if self.total else ""
        return f"{self.label}: {self.done_bytes // _MB}/{self.total // _MB} MB{percent}"

    def finish(self, summary: str | None = None) -> None:
        if not self.enabled:
            return
        text = f"{self.label}: {summary}" if summary else self.line()
        if self.interactive:
            self.stream.write(f"\r{text}\x1b[K\n")
        else:
            self.stream.write(f"{text}\n")
        self.stream.flush()

    def _show(self, text: str) -> None:
        if self.interactive:
            self.stream.write(f"\r{text}\x1b[K")
        else:
            self.stream.write(f"{text}\n")
        self.stream.flush()
