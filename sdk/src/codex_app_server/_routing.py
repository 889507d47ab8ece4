"""Routing of server notifications to subscriptions, and the backpressure that bounds them.

See :mod:`codex_app_server._session` for the rules (turn subscriptions, the holding area,
global subscriptions and taps; pausing reading when a turn's buffer is full). The router owns
every subscription and the per-turn state; it asks its host (the session) to pause or resume
reading, and whether any request is pending (reading is never paused then).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Protocol

from ._stats import SessionStats
from ._subscription import Subscription
from .errors import StreamOverflowError, TransportClosedError

__all__ = ["Router", "RouterHost", "copy_closed"]

logger = logging.getLogger("codex_app_server")

_DONE_TURNS_LIMIT = 1024
_HELD_TURNS_LIMIT = 64
_EVICTION_WARNINGS = 20  # then further evictions are logged at DEBUG


def copy_closed(error: TransportClosedError) -> TransportClosedError:
    """A fresh instance per waiter, so tracebacks do not pile up on one shared object."""
    return TransportClosedError(
        error.reason, exit_code=error.exit_code, stderr_tail=error.stderr_tail
    )


class RouterHost(Protocol):
    """What the router needs from the session (loop thread)."""

    def check_open(self) -> None:
        """Raise :class:`TransportClosedError` once the session is over."""
        ...

    def requests_pending(self) -> bool:
        """Some request awaits its response (then reading must go on)."""
        ...

    def pause_reading(self) -> None:
        """Stop processing and receiving messages (a turn's buffer is full)."""
        ...

    def resume_reading(self) -> None:
        """Process what was held back, then receive again (unless paused anew)."""
        ...


class Router:
    """Every subscription of one session, fed from :meth:`route` (loop thread)."""

    def __init__(
        self,
        host: RouterHost,
        loop: asyncio.AbstractEventLoop,
        loop_thread: int,
        stats: SessionStats,
        *,
        notification_buffer: int,
        stall_timeout: float | None,
    ) -> None:
        self._host = host
        self._loop = loop
        self._loop_thread = loop_thread
        self.stats = stats
        self._buffer = notification_buffer
        self.high = notification_buffer
        self.low = notification_buffer // 2
        self.stall_timeout = stall_timeout
        self._turn_subs: dict[str, Subscription] = {}
        self._done_turns: OrderedDict[str, None] = OrderedDict()
        self._held: dict[str, list[dict[str, Any]]] = {}
        self._held_count = 0
        self._evictions = 0  # turns whose held notifications were dropped
        self._global_subs: list[Subscription] = []
        self._taps: list[Subscription] = []
        #: subscriptions whose blocked consumer must be woken after this batch
        self.wakes: list[Subscription] = []
        #: reading is paused for backpressure
        self.paused = False
        self._stall_timer: asyncio.TimerHandle | None = None
        #: thread id -> the turn this client knows to be running there (None: being started)
        self.running_turns: dict[str, str | None] = {}

    def subscribe_turn(self, thread_id: str | None, turn_id: str) -> Subscription:
        """The stream of notifications for ``turn_id``, ending after its ``turn/completed``.

        Notifications that arrived before this call (held for this turn id) come first.
        Call it on the loop right after reading the turn id (same coroutine as the
        ``turn/start`` request), so nothing can be evicted in between.
        """
        self._host.check_open()
        if turn_id in self._turn_subs:
            raise RuntimeError(f"turn {turn_id!r} already has a subscription")
        sub = Subscription(
            self,
            self._loop,
            self._loop_thread,
            "turn",
            limit=max(4 * self.high, self.high + 4096),
            high=self.high,
            low=self.low,
            thread_id=thread_id,
            turn_id=turn_id,
        )
        held = self._held.pop(turn_id, None)
        if held is not None:
            self._held_count -= len(held)
            sub.items.extend(held)
            for msg in held:
                if msg.get("method") == "turn/completed":
                    sub.finish()
                    self._mark_turn_done(turn_id)
                    return sub
        if turn_id in self._done_turns:
            sub.finish()  # completed earlier and its notifications were evicted or consumed
            return sub
        self._turn_subs[turn_id] = sub
        return sub

    def subscribe_notifications(
        self, maxsize: int | None = None, *, all_turns: bool = False
    ) -> Subscription:
        """The stream of notifications not tied to a turn (``all_turns=True``: every
        notification, turn ones included). Bounded by ``maxsize`` (default
        ``notification_buffer``): a consumer that falls that far behind gets
        :class:`StreamOverflowError`. Ends normally on :meth:`close`."""
        self._host.check_open()
        size = maxsize if maxsize is not None else self._buffer
        if size < 1:
            raise ValueError("maxsize must be >= 1")
        sub = Subscription(
            self, self._loop, self._loop_thread, "all" if all_turns else "global", limit=size
        )
        (self._taps if all_turns else self._global_subs).append(sub)
        return sub

    def discard(self, sub: Subscription) -> None:
        """A consumer closed ``sub`` (loop thread)."""
        sub.finish()
        if sub.turn_id is not None and self._turn_subs.get(sub.turn_id) is sub:
            del self._turn_subs[sub.turn_id]
            self._mark_turn_done(sub.turn_id)
        self._global_subs = [s for s in self._global_subs if s is not sub]
        self._taps = [s for s in self._taps if s is not sub]
        if sub.pausing:
            sub.pausing = False
            self.resume_reading()

    def _mark_turn_done(self, turn_id: str) -> None:
        done = self._done_turns
        done[turn_id] = None
        if len(done) > _DONE_TURNS_LIMIT:
            done.popitem(last=False)

    def flush_wakes(self) -> None:
        wakes, self.wakes = self.wakes, []
        for sub in wakes:
            sub.wake()

    def route(self, msg: dict[str, Any]) -> None:
        params: Any = msg.get("params")
        turn_id: Any = None
        if params.__class__ is dict:
            turn_id = params.get("turnId")
            if turn_id is None:
                turn: Any = params.get("turn")
                if turn.__class__ is dict:
                    turn_id = turn.get("id")
        if self._taps:
            self._push_taps(msg)
        if not isinstance(turn_id, str):
            subs = self._global_subs
            if not subs:
                self.stats.notifications_dropped += 1
                return
            self._fan_out(subs, msg)
            return
        completed = msg.get("method") == "turn/completed"
        if completed and self.running_turns:
            self._turn_ended(params, turn_id)
        sub = self._turn_subs.get(turn_id)
        if sub is None:
            self._hold(turn_id, msg)
            return
        items = sub.items
        items.append(msg)
        if sub.waiting and not sub.wake_queued:
            sub.wake_queued = True
            self.wakes.append(sub)
        if completed:
            del self._turn_subs[turn_id]
            self._mark_turn_done(turn_id)
            sub.finish()
            if sub.pausing:
                sub.pausing = False
                self.resume_reading()
            return
        if len(items) >= sub.high:
            self._backpressure(sub)

    def _turn_ended(self, params: Any, turn_id: str) -> None:
        """A turn/completed: its thread may start a turn again."""
        thread_id: Any = params.get("threadId")
        if isinstance(thread_id, str) and self.running_turns.get(thread_id) == turn_id:
            del self.running_turns[thread_id]

    def _push_taps(self, msg: dict[str, Any]) -> None:
        self._fan_out(self._taps, msg)

    def _fan_out(self, subs: Iterable[Subscription], msg: dict[str, Any]) -> None:
        """`msg` to every bounded subscriber (global streams, taps); a full one overflows."""
        for sub in subs:
            items = sub.items
            if len(items) >= sub.limit:
                self._overflow(sub)
                continue
            items.append(msg)
            if sub.waiting and not sub.wake_queued:
                sub.wake_queued = True
                self.wakes.append(sub)

    def _backpressure(self, sub: Subscription) -> None:
        items = sub.items
        if sub.closed:
            self.discard(sub)
            return
        if len(items) >= sub.limit:
            self._overflow(sub)
            return
        if self.paused or self._host.requests_pending():
            return
        sub.pausing = True  # publish before the re-check (see Subscription.get)
        if len(items) > sub.low:
            self.paused = True
            self.stats.pauses += 1
            self._host.pause_reading()
            if self.stall_timeout is not None:
                self._stall_timer = self._loop.call_later(
                    self.stall_timeout, self._check_stall, sub, len(items)
                )
        else:
            sub.pausing = False

    def _check_stall(self, sub: Subscription, length: int) -> None:
        """Reading has been paused for ``stall_timeout`` on ``sub``: if its consumer took
        nothing in that time it is taken as abandoned, so it cannot block every other stream
        forever: it overflows (explicitly) and reading goes on."""
        self._stall_timer = None
        if self.paused and sub.pausing and not sub.done and len(sub.items) >= length:
            self._overflow(
                sub, f"its consumer took nothing for {self.stall_timeout:g} s while reading waited"
            )

    def resume_reading(self) -> None:
        """Read again after a pause (loop thread): first what was already read."""
        if not self.paused:
            return
        self.paused = False
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None
        self._host.resume_reading()

    def _overflow(self, sub: Subscription, reason: str | None = None) -> None:
        self.stats.overflow_dropped += 1
        if sub.done:
            return
        logger.warning("%r overflowed; it is finished with StreamOverflowError", sub)
        what = f"turn {sub.turn_id} subscription" if sub.turn_id else "notification subscription"
        sub.finish(StreamOverflowError(sub.limit, what, reason))
        if sub.kind == "turn":
            if sub.turn_id is not None and self._turn_subs.get(sub.turn_id) is sub:
                del self._turn_subs[sub.turn_id]
                self._mark_turn_done(sub.turn_id)
            if sub.pausing:
                sub.pausing = False
                self.resume_reading()
        else:
            # new lists: the caller may be iterating over the old one
            self._global_subs = [s for s in self._global_subs if s is not sub]
            self._taps = [s for s in self._taps if s is not sub]

    def _hold(self, turn_id: str, msg: dict[str, Any]) -> None:
        if turn_id in self._done_turns:
            self.stats.late_turn_notifications += 1
            return
        held = self._held.get(turn_id)
        if held is None:
            if len(self._held) >= _HELD_TURNS_LIMIT:
                self._evict_oldest()
            held = self._held[turn_id] = []
        held.append(msg)
        self._held_count += 1
        if self._held_count > self._buffer:
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        turn_id = next(iter(self._held))
        evicted = self._held.pop(turn_id)
        self._held_count -= len(evicted)
        self.stats.held_evicted += len(evicted)
        self._evictions += 1
        # a flood for unknown turns evicts once per notification: do not flood the log too
        level = logging.WARNING if self._evictions <= _EVICTION_WARNINGS else logging.DEBUG
        logger.log(
            level,
            "dropped %d notifications held for turn %s: nobody subscribed to it",
            len(evicted),
            turn_id,
        )

    def fail_all(self, error: TransportClosedError, closing: bool) -> None:
        """The connection is over: turn streams fail with ``error``; global streams end
        normally when we closed, with ``error`` otherwise."""
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None
        turn_subs, self._turn_subs = self._turn_subs, {}
        for sub in turn_subs.values():
            sub.finish(copy_closed(error))
        for sub in (*self._global_subs, *self._taps):
            sub.finish(None if closing else copy_closed(error))
        self._global_subs = []
        self._taps = []
        self._held.clear()
        self._held_count = 0
        self.wakes = []
        self.running_turns.clear()
