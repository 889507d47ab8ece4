"""What the high-level API (`Codex`, `Thread`) binds itself, per request.

The `*Options` TypedDicts type the `**options` of the high-level methods. An argument the
method takes positionally or sets itself (`thread_resume(thread_id, ...)`, `Thread.run(input,
output_schema=...)`) is left out of its options, so a type checker refuses it there as the
method does at run time.
"""

from __future__ import annotations

# wire method -> Python names of the params fields the high-level method binds itself
BOUND_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "thread/resume": ("thread_id",),
    "thread/fork": ("thread_id",),
    "turn/start": ("thread_id", "input", "output_schema", "tool_output"),
    "turn/steer": ("thread_id", "expected_turn_id", "input"),
}


def bound_arguments(wire: str) -> tuple[str, ...]:
    """The fields the high-level method for `wire` binds itself (none for most requests)."""
    return BOUND_ARGUMENTS.get(wire, ())
