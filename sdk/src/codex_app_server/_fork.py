"""Fork detection: a counter bumped in every child process after ``os.fork()``.

A client remembers the counter when it is created; a different value means it was inherited
by a forked child (gunicorn, celery, multiprocessing's ``fork``), where its app-server, pipes
and event-loop thread belong to the parent. Comparing two ints costs nothing on every call,
unlike ``os.getpid()``.
"""

from __future__ import annotations

import os

__all__ = ["generation"]

_state = [0]  # [generation]: a list, so the fork hook updates it without `global`


def generation() -> int:
    """This process's fork generation (0 in the process that imported the SDK first)."""
    return _state[0]


def _after_fork_in_child() -> None:
    _state[0] += 1


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)
