"""Goal turns: one objective pursued over as many turns as it takes.

`thread.start_goal(objective)` sets the thread's goal (`thread/goal/set`, status `active`);
codex then starts turns on its own, one after another, until the goal leaves `active`: the
model calls its `update_goal` tool (`complete`, `blocked`), the token budget or the usage limit
is reached, or someone pauses it. The returned handle follows the goal across those turns:

    goal = thread.start_goal("Make the test suite pass", token_budget=200_000)
    for note in goal.stream():          # every notification of the goal's turns, in order
        ...
    result = goal.run()                 # or just this: a GoalResult
    print(result.status, result.tokens_used, result.final_response)

`thread.run_goal(...)` is `start_goal(...).run()`. `interrupt()` pauses the goal (no further
turn starts) and interrupts the running turn. A turn that fails ends the run too: the goal is
paused so codex does not keep retrying it unattended, and the result reports the failed turn.

The handle listens to the thread's notifications from before the goal is set, so nothing is
missed; turn ids are the real ones (a goal is several turns, not one).
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from codex_app_server._client import AppServerClient, AsyncAppServerClient, to_notification
from codex_app_server._listen import listen, unlisten
from codex_app_server._not_given import NOT_GIVEN
from codex_app_server.errors import CodexError
from codex_app_server.notification import Notification
from codex_app_server.turn import INTERRUPT_TIMEOUT, TurnAccumulator, TurnResult

if TYPE_CHECKING:
    from codex_app_server._generated.models import ThreadGoal, ThreadGoalStatus
    from codex_app_server._session import Subscription

__all__ = ["AsyncGoalRun", "GoalResult", "GoalRun", "GoalStartError"]

C = TypeVar("C")

#: Goal statuses after which codex starts no further turn on its own.
TERMINAL_STATUSES = frozenset({"paused", "blocked", "usageLimited", "budgetLimited", "complete"})
#: How long to wait for codex to start the goal's first turn after `thread/goal/set`.
START_TIMEOUT = 60.0
#: The goal's turns stream deltas too: a generous bound before a silent consumer overflows.
BUFFER = 200_000


class GoalStartError(CodexError):
    """The goal was set but codex started no turn for it (e.g. an ephemeral thread)."""


@dataclass
class GoalResult:
    """How a goal run ended: the goal's last state and every turn it took.

    `status` is the goal's final status (`complete`, `paused`, `blocked`, `usageLimited`,
    `budgetLimited`), or None when the goal was cleared. `final_response` is the last turn's
    final response that is not None. `interrupted` is True when `interrupt()` stopped it.
    """

    thread_id: str
    objective: str
    status: ThreadGoalStatus | None
    goal: ThreadGoal | None
    turns: list[TurnResult[Any]]
    interrupted: bool = False

    @property
    def final_response(self) -> str | None:
        """The last final response any of the goal's turns gave (None if none did)."""
        for turn in reversed(self.turns):
            if turn.final_response is not None:
                return turn.final_response
        return None

    @property
    def tokens_used(self) -> int | None:
        """Tokens the goal used, as codex accounts them (None if the goal was cleared)."""
        return self.goal.tokens_used if self.goal is not None else None

    @property
    def time_used_seconds(self) -> int | None:
        """Wall time the goal used, as codex accounts it (None if the goal was cleared)."""
        return self.goal.time_used_seconds if self.goal is not None else None

    @property
    def succeeded(self) -> bool:
        """True when the goal ended `complete`."""
        return self.status == "complete"


class GoalTracker:
    """Follows one thread's goal through its turns from raw messages (pure: no I/O)."""

    def __init__(self, thread_id: str, objective: str) -> None:
        self.thread_id = thread_id
        self.objective = objective
        self.goal: dict[str, Any] | None = None
        self.cleared: bool = False
        self.current: TurnAccumulator | None = None
        self.turns: list[TurnResult[Any]] = []
        self.interrupted: bool = False
        self.failed: bool = False

    @property
    def started(self) -> bool:
        """True once codex has started the goal's first turn."""
        return self.current is not None or bool(self.turns)

    @property
    def status(self) -> str | None:
        return None if self.cleared or self.goal is None else str(self.goal.get("status"))

    @property
    def done(self) -> bool:
        if self.current is not None or not self.turns:
            return False  # a turn is running, or none has run yet
        return self.failed or self.interrupted or self.cleared or self.status in TERMINAL_STATUSES

    def concerns(self, message: dict[str, Any]) -> bool:
        """Whether `message` belongs to this thread (the listener hears every thread)."""
        params = message.get("params")
        return isinstance(params, dict) and cast("dict[str, Any]", params).get("threadId") == (
            self.thread_id
        )

    def add(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        params = cast("dict[str, Any]", message.get("params"))
        if method == "thread/goal/updated":
            goal = params.get("goal")
            if isinstance(goal, dict):
                self.goal = cast("dict[str, Any]", goal)
                self.cleared = False
        elif method == "thread/goal/cleared":
            self.cleared = True
        elif method == "turn/started":
            turn = cast("dict[str, Any]", params.get("turn") or {})
            self.current = TurnAccumulator(self.thread_id, str(turn.get("id")))
        if self.current is None:
            return
        self.current.add(message)
        if self.current.done:
            result: TurnResult[Any] = self.current.result()
            self.turns.append(result)
            self.current = None
            if result.status == "interrupted":
                self.interrupted = True
            elif result.status == "failed":
                self.failed = True

    @property
    def running_turn_id(self) -> str | None:
        return self.current.turn_id if self.current is not None else None

    def result(self) -> GoalResult:
        from codex_app_server._generated.models import ThreadGoal

        goal = None if self.cleared or self.goal is None else ThreadGoal.model_validate(self.goal)
        return GoalResult(
            thread_id=self.thread_id,
            objective=self.objective,
            status=goal.status if goal is not None else None,
            goal=goal,
            turns=list(self.turns),
            interrupted=self.interrupted,
        )


def check_goal(objective: str, token_budget: int | None) -> None:
    """A new goal's objective and budget are usable (`ValueError` otherwise)."""
    if not isinstance(objective, str) or not objective.strip():  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ValueError("a goal needs a non-empty objective")
    if token_budget is not None and (
        not isinstance(token_budget, int) or isinstance(token_budget, bool) or token_budget < 1  # pyright: ignore[reportUnnecessaryIsInstance]
    ):
        raise ValueError(f"token_budget must be a positive int, not {token_budget!r}")


class _GoalRunBase(Generic[C]):
    """What the blocking and the async handle share."""

    def __init__(
        self, client: C, thread_id: str, objective: str, subscription: Subscription
    ) -> None:
        self._client = client
        self.thread_id = thread_id
        self.objective = objective
        self._subscription = subscription
        self._tracker = GoalTracker(thread_id, objective)
        self._interrupt_sent = False
        # A handle dropped unfinished must not keep listening to every notification.
        weakref.finalize(self, subscription.close)

    @property
    def done(self) -> bool:
        """True once the goal has left `active` and its last turn has completed."""
        return self._tracker.done

    @property
    def turn_ids(self) -> list[str]:
        """The ids of the goal's turns so far (finished ones, then the running one)."""
        ids = [turn.id for turn in self._tracker.turns]
        running = self._tracker.running_turn_id
        return [*ids, running] if running is not None else ids

    def _wait_timeout(self) -> float | None:
        return None if self._tracker.started else START_TIMEOUT

    def _no_start(self) -> GoalStartError:
        return GoalStartError(
            f"codex started no turn for the goal of thread {self.thread_id} within "
            f"{START_TIMEOUT:g} s (an ephemeral thread cannot pursue a goal)"
        )

    def _stopped(self) -> CodexError:
        return CodexError(f"the app-server stopped before the goal of {self.thread_id} ended")

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(thread_id={self.thread_id!r}, turns={len(self.turn_ids)}, done={self.done})"


class AsyncGoalRun(_GoalRunBase[AsyncAppServerClient]):
    """A goal being pursued (async API): `async for n in goal.stream()`, `await goal.run()`."""

    @classmethod
    async def start(
        cls,
        client: AsyncAppServerClient,
        thread_id: str,
        objective: str,
        token_budget: int | None,
    ) -> AsyncGoalRun:
        """Set the thread's goal and return the handle that follows it."""
        check_goal(objective, token_budget)
        subscription = listen(client, BUFFER, all_turns=True)
        try:
            await client.thread_goal_clear(thread_id=thread_id)  # a finished goal would block set
            await client.thread_goal_set(
                thread_id=thread_id,
                objective=objective,
                status="active",
                token_budget=NOT_GIVEN if token_budget is None else token_budget,
            )
        except BaseException:
            unlisten(client, subscription)
            raise
        return cls(client, thread_id, objective, subscription)

    async def stream(self) -> AsyncIterator[Notification]:
        """The notifications of the goal's turns (and its `thread/goal/*` updates), ending
        once the goal has stopped. Cancelling the task pauses the goal and interrupts its
        turn first."""
        tracker = self._tracker
        try:
            while not tracker.done:
                try:
                    message = await self._subscription.aget(self._wait_timeout())
                except TimeoutError:
                    self._subscription.close()
                    raise self._no_start() from None
                if message is None:
                    raise self._stopped()
                if not tracker.concerns(message):
                    continue
                tracker.add(message)
                yield to_notification(message)
            if tracker.failed:
                await self._pause_quietly()
        except asyncio.CancelledError:
            await asyncio.shield(self._interrupt_quietly())
            raise
        finally:
            if tracker.done:
                self._subscription.close()

    async def run(self) -> GoalResult:
        """Follow the goal to its end; returns its `GoalResult` (also after a partial
        `stream()`)."""
        async for _ in self.stream():
            pass
        return self._tracker.result()

    async def interrupt(self, timeout: float = INTERRUPT_TIMEOUT) -> None:
        """Pause the goal (no further turn starts) and interrupt its running turn; `run()`
        then returns with `interrupted` True and status `paused`. A no-op once done."""
        if self._tracker.done:
            return
        self._tracker.interrupted = True
        await self._client.thread_goal_set(thread_id=self.thread_id, status="paused")
        turn_id = self._tracker.running_turn_id
        if turn_id is not None:
            with contextlib.suppress(CodexError):  # the turn may have just completed
                await self._client.turn_interrupt(
                    thread_id=self.thread_id, turn_id=turn_id, request_timeout=timeout
                )

    async def close(self) -> None:
        """Stop following the goal (the goal itself goes on: see `interrupt()`)."""
        self._subscription.close()

    async def _interrupt_quietly(self) -> None:
        if not self._interrupt_sent:
            self._interrupt_sent = True
            with contextlib.suppress(Exception):  # the server may be gone
                await self.interrupt(timeout=2.0)

    async def _pause_quietly(self) -> None:
        with contextlib.suppress(Exception):
            await self._client.thread_goal_set(thread_id=self.thread_id, status="paused")


# The blocking twin below is generated from AsyncGoalRun (codegen/unasync.py; regenerate with
# `python scripts/update_sdk_artifacts.py generate-types`): edit AsyncGoalRun instead.
# <unasync: GoalRun from AsyncGoalRun>


class GoalRun(_GoalRunBase[AppServerClient]):
    """A goal being pursued (blocking API): `for n in goal.stream()`, `goal.run()`."""

    @classmethod
    def start(
        cls,
        client: AppServerClient,
        thread_id: str,
        objective: str,
        token_budget: int | None,
    ) -> GoalRun:
        """Set the thread's goal and return the handle that follows it."""
        check_goal(objective, token_budget)
        subscription = listen(client, BUFFER, all_turns=True)
        try:
            client.thread_goal_clear(thread_id=thread_id)  # a finished goal would block set
            client.thread_goal_set(
                thread_id=thread_id,
                objective=objective,
                status="active",
                token_budget=NOT_GIVEN if token_budget is None else token_budget,
            )
        except BaseException:
            unlisten(client, subscription)
            raise
        return cls(client, thread_id, objective, subscription)

    def stream(self) -> Iterator[Notification]:
        """The notifications of the goal's turns (and its `thread/goal/*` updates), ending
        once the goal has stopped. Ctrl-C (KeyboardInterrupt) pauses the goal and interrupts its
        turn first."""
        tracker = self._tracker
        try:
            while not tracker.done:
                try:
                    message = self._subscription.get(self._wait_timeout())
                except TimeoutError:
                    self._subscription.close()
                    raise self._no_start() from None
                if message is None:
                    raise self._stopped()
                if not tracker.concerns(message):
                    continue
                tracker.add(message)
                yield to_notification(message)
            if tracker.failed:
                self._pause_quietly()
        except KeyboardInterrupt:
            self._interrupt_quietly()
            raise
        finally:
            if tracker.done:
                self._subscription.close()

    def run(self) -> GoalResult:
        """Follow the goal to its end; returns its `GoalResult` (also after a partial
        `stream()`)."""
        for _ in self.stream():
            pass
        return self._tracker.result()

    def interrupt(self, timeout: float = INTERRUPT_TIMEOUT) -> None:
        """Pause the goal (no further turn starts) and interrupt its running turn; `run()`
        then returns with `interrupted` True and status `paused`. A no-op once done."""
        if self._tracker.done:
            return
        self._tracker.interrupted = True
        self._client.thread_goal_set(thread_id=self.thread_id, status="paused")
        turn_id = self._tracker.running_turn_id
        if turn_id is not None:
            with contextlib.suppress(CodexError):  # the turn may have just completed
                self._client.turn_interrupt(
                    thread_id=self.thread_id, turn_id=turn_id, request_timeout=timeout
                )

    def close(self) -> None:
        """Stop following the goal (the goal itself goes on: see `interrupt()`)."""
        self._subscription.close()

    def _interrupt_quietly(self) -> None:
        if not self._interrupt_sent:
            self._interrupt_sent = True
            with contextlib.suppress(Exception):  # the server may be gone
                self.interrupt(timeout=2.0)

    def _pause_quietly(self) -> None:
        with contextlib.suppress(Exception):
            self._client.thread_goal_set(thread_id=self.thread_id, status="paused")


# </unasync>
