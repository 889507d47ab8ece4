"""What a session counts (shared by the JSON-RPC core and the router)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SessionStats"]


@dataclass
class SessionStats:
    """Counters of what the session saw (read them any time; they only grow)."""

    lines: int = 0
    notifications_dropped: int = 0  # no global subscriber
    held_evicted: int = 0  # turn notifications evicted from the holding area unclaimed
    late_turn_notifications: int = 0  # for a turn whose subscription had ended
    overflow_dropped: int = 0  # not buffered for a subscriber that overflowed
    protocol_errors: int = 0
    server_requests: int = 0
    pauses: int = 0  # times reading paused for backpressure
