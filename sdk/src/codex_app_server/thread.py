"""Threads: a conversation with the agent, made of turns. `Thread` blocks; `AsyncThread` awaits.

`codex.thread(thread_id)` only binds a local handle (no request); `codex.thread_resume(...)`
loads a stored thread into the server (and can override its model, sandbox, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from typing_extensions import Never, Unpack

from codex_app_server.external import RunInput, turn_input_params
from codex_app_server.turn import AsyncTurn, Turn, TurnResult, output_schema_of

if TYPE_CHECKING:
    from pydantic import BaseModel

    from codex_app_server._client import AppServerClient, AsyncAppServerClient
    from codex_app_server._generated.models import (
        ThreadCompactStartResponse,
        ThreadReadResponse,
        ThreadSetNameResponse,
    )
    from codex_app_server._generated.options import TurnStartOptions
    from codex_app_server.goal import AsyncGoalRun, GoalResult, GoalRun

M = TypeVar("M", bound="BaseModel")
#: What `output_schema` takes besides a pydantic model class: a JSON schema (a dict, or its
#: JSON text); the turn's `parsed` is then not available (its type is `Never`).
JsonSchema = Mapping[str, Any] | str

_TURN_START = "turn/start"
_RESERVED = ("thread_id", "input", "tool_output")


def turn_params(
    thread_id: str, input: RunInput, options: dict[str, Any], output_schema: object = None
) -> tuple[dict[str, Any], Any]:
    """`turn/start` params from the user's input and options; and the output model, if any."""
    clash = [name for name in _RESERVED if name in options]
    if clash:
        raise TypeError(f"Thread.turn() sets {', '.join(clash)} itself")
    schema, model = output_schema_of(output_schema)
    params: dict[str, Any] = {**options, "thread_id": thread_id, **turn_input_params(input)}
    if schema is not None:
        params["output_schema"] = schema
    return params, model


class AsyncThread:
    """A conversation on an `AsyncCodex` client (async API)."""

    def __init__(self, client: AsyncAppServerClient, thread_id: str) -> None:
        self._client = client
        self.id = thread_id

    @overload
    async def turn(
        self, input: RunInput, /, *, output_schema: type[M], **options: Unpack[TurnStartOptions]
    ) -> AsyncTurn[M]: ...
    @overload
    async def turn(
        self,
        input: RunInput,
        /,
        *,
        output_schema: JsonSchema | None = None,
        **options: Unpack[TurnStartOptions],
    ) -> AsyncTurn[Never]: ...
    async def turn(
        self,
        input: RunInput,
        /,
        *,
        output_schema: type[M] | JsonSchema | None = None,
        **options: Unpack[TurnStartOptions],
    ) -> AsyncTurn[M] | AsyncTurn[Never]:
        """Start a turn and return it while it runs (iterate `stream()`, or `run()`).

        `output_schema` takes a pydantic model class (then `result.parsed` gives the final
        response as that model, typed) or a JSON schema dict. Raises `ThreadBusyError`
        (nothing sent) while a turn of this thread is still running.
        """
        return await self._start(input, dict(options), output_schema)

    @overload
    async def run(
        self,
        input: RunInput,
        /,
        *,
        output_schema: type[M],
        timeout: float | None = None,
        **options: Unpack[TurnStartOptions],
    ) -> TurnResult[M]: ...
    @overload
    async def run(
        self,
        input: RunInput,
        /,
        *,
        output_schema: JsonSchema | None = None,
        timeout: float | None = None,
        **options: Unpack[TurnStartOptions],
    ) -> TurnResult[Never]: ...
    async def run(
        self,
        input: RunInput,
        /,
        *,
        output_schema: type[M] | JsonSchema | None = None,
        timeout: float | None = None,
        **options: Unpack[TurnStartOptions],
    ) -> TurnResult[M] | TurnResult[Never]:
        """Run a turn to its end. A failed turn is returned, not raised: check `status`.

        With a pydantic model class as `output_schema`, `result.parsed` is that model.
        `timeout`: seconds the turn may take; past it the turn is interrupted and
        `TurnTimeoutError` raised with what it produced so far (`partial`). Raises
        `ThreadBusyError` (nothing sent) while a turn of this thread is still running."""
        turn = await self._start(input, dict(options), output_schema)
        return await turn.run(timeout=timeout)

    async def _start(
        self, input: RunInput, options: dict[str, Any], output_schema: object
    ) -> AsyncTurn[Any]:
        params, model = turn_params(self.id, input, options, output_schema)
        _, subscription = await self._client.request_turn(_TURN_START, params)
        return AsyncTurn(self._client, self.id, _turn_id(subscription), subscription, model)

    async def start_goal(
        self, objective: str, /, *, token_budget: int | None = None
    ) -> AsyncGoalRun:
        """Set the thread's goal; codex then works on it over as many turns as it takes.
        Returns the handle that follows it (`stream()`, `run()`, `interrupt()`)."""
        from codex_app_server.goal import AsyncGoalRun

        return await AsyncGoalRun.start(self._client, self.id, objective, token_budget)

    async def run_goal(self, objective: str, /, *, token_budget: int | None = None) -> GoalResult:
        """Pursue `objective` until the goal stops (complete, blocked, paused, out of budget
        or usage); returns its `GoalResult`. See `start_goal()`."""
        goal = await self.start_goal(objective, token_budget=token_budget)
        return await goal.run()

    async def read(self, *, include_turns: bool = False) -> ThreadReadResponse:
        """The stored thread (`thread/read`); `include_turns=True` adds its turns and items."""
        return await self._client.thread_read(thread_id=self.id, include_turns=include_turns)

    async def set_name(self, name: str) -> ThreadSetNameResponse:
        """Give the thread a name (shown by `thread_list`)."""
        return await self._client.thread_name_set(thread_id=self.id, name=name)

    async def compact(self) -> ThreadCompactStartResponse:
        """Ask the server to compact the thread's context (summarize older turns)."""
        return await self._client.thread_compact_start(thread_id=self.id)

    def __repr__(self) -> str:
        return f"AsyncThread(id={self.id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AsyncThread) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("AsyncThread", self.id))


# The blocking twin below is generated from AsyncThread (codegen/unasync.py; regenerate
# with `python scripts/update_sdk_artifacts.py generate-types`): edit AsyncThread instead.
# <unasync: Thread from AsyncThread>


class Thread:
    """A conversation on a `Codex` client (blocking API)."""

    def __init__(self, client: AppServerClient, thread_id: str) -> None:
        self._client = client
        self.id = thread_id

    @overload
    def turn(
        self, input: RunInput, /, *, output_schema: type[M], **options: Unpack[TurnStartOptions]
    ) -> Turn[M]: ...
    @overload
    def turn(
        self,
        input: RunInput,
        /,
        *,
        output_schema: JsonSchema | None = None,
        **options: Unpack[TurnStartOptions],
    ) -> Turn[Never]: ...
    def turn(
        self,
        input: RunInput,
        /,
        *,
        output_schema: type[M] | JsonSchema | None = None,
        **options: Unpack[TurnStartOptions],
    ) -> Turn[M] | Turn[Never]:
        """Start a turn and return it while it runs (iterate `stream()`, or `run()`).

        `output_schema` takes a pydantic model class (then `result.parsed` gives the final
        response as that model, typed) or a JSON schema dict. Raises `ThreadBusyError`
        (nothing sent) while a turn of this thread is still running.
        """
        return self._start(input, dict(options), output_schema)

    @overload
    def run(
        self,
        input: RunInput,
        /,
        *,
        output_schema: type[M],
        timeout: float | None = None,
        **options: Unpack[TurnStartOptions],
    ) -> TurnResult[M]: ...
    @overload
    def run(
        self,
        input: RunInput,
        /,
        *,
        output_schema: JsonSchema | None = None,
        timeout: float | None = None,
        **options: Unpack[TurnStartOptions],
    ) -> TurnResult[Never]: ...
    def run(
        self,
        input: RunInput,
        /,
        *,
        output_schema: type[M] | JsonSchema | None = None,
        timeout: float | None = None,
        **options: Unpack[TurnStartOptions],
    ) -> TurnResult[M] | TurnResult[Never]:
        """Run a turn to its end. A failed turn is returned, not raised: check `status`.

        With a pydantic model class as `output_schema`, `result.parsed` is that model.
        `timeout`: seconds the turn may take; past it the turn is interrupted and
        `TurnTimeoutError` raised with what it produced so far (`partial`). Raises
        `ThreadBusyError` (nothing sent) while a turn of this thread is still running."""
        turn = self._start(input, dict(options), output_schema)
        return turn.run(timeout=timeout)

    def _start(self, input: RunInput, options: dict[str, Any], output_schema: object) -> Turn[Any]:
        params, model = turn_params(self.id, input, options, output_schema)
        _, subscription = self._client.request_turn(_TURN_START, params)
        return Turn(self._client, self.id, _turn_id(subscription), subscription, model)

    def start_goal(self, objective: str, /, *, token_budget: int | None = None) -> GoalRun:
        """Set the thread's goal; codex then works on it over as many turns as it takes.
        Returns the handle that follows it (`stream()`, `run()`, `interrupt()`)."""
        from codex_app_server.goal import GoalRun

        return GoalRun.start(self._client, self.id, objective, token_budget)

    def run_goal(self, objective: str, /, *, token_budget: int | None = None) -> GoalResult:
        """Pursue `objective` until the goal stops (complete, blocked, paused, out of budget
        or usage); returns its `GoalResult`. See `start_goal()`."""
        goal = self.start_goal(objective, token_budget=token_budget)
        return goal.run()

    def read(self, *, include_turns: bool = False) -> ThreadReadResponse:
        """The stored thread (`thread/read`); `include_turns=True` adds its turns and items."""
        return self._client.thread_read(thread_id=self.id, include_turns=include_turns)

    def set_name(self, name: str) -> ThreadSetNameResponse:
        """Give the thread a name (shown by `thread_list`)."""
        return self._client.thread_name_set(thread_id=self.id, name=name)

    def compact(self) -> ThreadCompactStartResponse:
        """Ask the server to compact the thread's context (summarize older turns)."""
        return self._client.thread_compact_start(thread_id=self.id)

    def __repr__(self) -> str:
        return f"Thread(id={self.id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Thread) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("Thread", self.id))


# </unasync>


def _turn_id(subscription: Any) -> str:
    turn_id = subscription.turn_id
    assert isinstance(turn_id, str)  # request_turn subscribes by the result's turn id
    return turn_id
