"""The keyword options of the high-level methods, as TypedDicts (a type checker checks each
key and its type; the SDK checks them again at run time, before anything is sent).

- `ThreadStartOptions`: `Codex.thread_start(**options)`
- `ThreadResumeOptions`: `Codex.thread_resume(thread_id, **options)`
- `ThreadForkOptions`: `Codex.thread_fork(thread_id, **options)`
- `ThreadListOptions`: `Codex.thread_list(**options)`
- `TurnStartOptions`: `Thread.turn(input, **options)` / `Thread.run(input, **options)`

Build options once and reuse them: `opts: ThreadStartOptions = {"model": "gpt-5"}`, then
`codex.thread_start(**opts)`.
"""

from __future__ import annotations

from codex_app_server._generated.options import (
    ThreadForkOptions,
    ThreadListOptions,
    ThreadResumeOptions,
    ThreadStartOptions,
    TurnStartOptions,
)

__all__ = [
    "ThreadForkOptions",
    "ThreadListOptions",
    "ThreadResumeOptions",
    "ThreadStartOptions",
    "TurnStartOptions",
]
