"""The one exception a staging refusal raises: its message is the whole user-facing story."""

from __future__ import annotations


class StagingError(Exception):
    """A refusal: the message names the path or value at fault and what to do about it.

    The command line prints the message and exits non-zero, without a traceback.
    """
