"""Turns: one exchange with the agent, from `turn/start` to `turn/completed`.

`Turn.stream()` yields the turn's own notifications (typed `Notification`s) and ends after its
`turn/completed`; `Turn.run()` consumes them and returns a `TurnResult`. A turn that fails or
is interrupted does NOT raise: check `result.status` / `result.error`, or call
`result.raise_for_status()`.

A turn that cannot reach its model because Codex is not logged in would otherwise retry
forever ("Reconnecting..."): on the first retrying `error` the SDK asks the server whether
credentials are missing and, if so, interrupts the turn and raises `AuthRequiredError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from codex_app_server._client import AppServerClient, AsyncAppServerClient, to_notification
from codex_app_server.errors import (
    AuthRequiredError,
    CodexError,
    TurnFailedError,
    TurnTimeoutError,
)
from codex_app_server.inputs import Input, to_wire_items
from codex_app_server.notification import Notification

if TYPE_CHECKING:
    from pydantic import BaseModel

    from codex_app_server._generated.models import (
        GetAccountResponse,
        ThreadItem,
        ThreadTokenUsage,
        TurnError,
        TurnInterruptResponse,
        TurnStatus,
        TurnSteerResponse,
    )
    from codex_app_server._session import Subscription

M = TypeVar("M", bound="BaseModel")
C = TypeVar("C")

COMPLETED = "completed"
_DELTA = "item/agentMessage/delta"
INTERRUPT_TIMEOUT = 10.0  # a repeated turn/interrupt is never answered by 0.163.0


class StructuredOutputError(CodexError, ValueError):
    """The final response does not fit the turn's `output_schema` model."""


@dataclass
class TurnResult(Generic[M]):
    """What a finished turn produced. Check `status` (or `raise_for_status()`): a failed or
    interrupted turn is returned, not raised.

    `final_response` follows the message phase codex puts on each agent message: the last
    `final_answer` message, else the last message without a phase, else None; `commentary`
    holds the progress messages (phase `commentary`) in order.
    """

    id: str
    thread_id: str
    status: TurnStatus
    error: TurnError | None
    final_response: str | None
    items: list[ThreadItem]
    usage: ThreadTokenUsage | None
    started_at: int | None
    completed_at: int | None
    duration_ms: int | None
    output_model: type[M] | None = field(default=None, repr=False)
    commentary: list[str] = field(default_factory=list[str])

    @property
    def succeeded(self) -> bool:
        """True when the turn completed (status `completed`)."""
        return self.status == COMPLETED

    def raise_for_status(self) -> TurnResult[M]:
        """Return self when the turn completed; raise `TurnFailedError` otherwise."""
        if not self.succeeded:
            message = self.error.message if self.error is not None else None
            raise TurnFailedError(self.id, str(self.status), message)
        return self

    @property
    def parsed(self) -> M:
        """The final response parsed into the turn's `output_schema` model."""
        if self.output_model is None:
            raise StructuredOutputError("this turn had no output_schema model to parse into")
        if self.final_response is None:
            raise StructuredOutputError(f"turn {self.id} ({self.status}) gave no final response")
        from pydantic import ValidationError

        try:
            return self.output_model.model_validate_json(self.final_response)
        except ValidationError as exc:
            raise StructuredOutputError(
                f"the final response of turn {self.id} does not fit "
                f"{self.output_model.__name__}: {exc.errors()[0]['msg']} at "
                f"{'.'.join(str(p) for p in exc.errors()[0]['loc']) or 'top level'}; "
                f"response was: {self.final_response[:300]!r}"
            ) from exc


class TurnAccumulator:
    """Builds a `TurnResult` from the turn's raw messages (pure: no I/O)."""

    def __init__(self, thread_id: str, turn_id: str) -> None:
        self.thread_id = thread_id
        self.turn_id = turn_id
        self.items: list[dict[str, Any]] = []
        self.usage: dict[str, Any] | None = None
        self.completed: dict[str, Any] | None = None
        self.retrying: dict[str, Any] | None = None  # last `error` with willRetry

    @property
    def done(self) -> bool:
        return self.completed is not None

    def add(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method == _DELTA:  # most of a turn's stream, and nothing in it to keep
            return
        params = _obj(message.get("params"))
        if params is None:
            return
        if method == "item/completed":
            item = _obj(params.get("item"))
            if item is not None:
                self.items.append(item)
        elif method == "thread/tokenUsage/updated":
            self.usage = _obj(params.get("tokenUsage"))
        elif method == "turn/completed":
            self.completed = _obj(params.get("turn")) or {}
        elif method == "error" and params.get("willRetry"):
            self.retrying = params

    def result(self, output_model: type[M] | None = None) -> TurnResult[M]:
        from codex_app_server._generated.models import ThreadTokenUsage, Turn

        turn = Turn.model_validate(
            self.completed or {"id": self.turn_id, "status": "inProgress", "items": []}
        )
        listed: list[Any] = (self.completed or {}).get("items") or []
        items_raw = self.items or [item for item in map(_obj, listed) if item is not None]
        items: list[ThreadItem] = Turn.model_validate(
            {"id": self.turn_id, "status": "completed", "items": items_raw}
        ).items
        return TurnResult(
            id=turn.id,
            thread_id=self.thread_id,
            status=turn.status,
            error=turn.error,
            final_response=final_response_of(items_raw),
            items=items,
            usage=ThreadTokenUsage.model_validate(self.usage) if self.usage else None,
            started_at=turn.started_at,
            completed_at=turn.completed_at,
            duration_ms=turn.duration_ms,
            output_model=output_model,
            commentary=commentary_of(items_raw),
        )


def _agent_messages(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        item
        for item in items
        if item.get("type") == "agentMessage" and isinstance(item.get("text"), str)
    ]


def final_response_of(items: list[dict[str, Any]]) -> str | None:
    """The turn's answer: its last `final_answer` agent message, else its last phase-less
    one (models that do not mark phases), else None. Commentary is never the answer."""
    phaseless: str | None = None
    for item in reversed(_agent_messages(items)):
        phase = item.get("phase")
        if phase == "final_answer":
            return str(item["text"])
        if phase is None and phaseless is None:
            phaseless = str(item["text"])
    return phaseless


def commentary_of(items: list[dict[str, Any]]) -> list[str]:
    """The texts of the turn's `commentary` agent messages, in order."""
    return [
        str(item["text"]) for item in _agent_messages(items) if item.get("phase") == "commentary"
    ]


def _obj(value: Any) -> dict[str, Any] | None:
    """A JSON object from the wire, typed as one; None for anything else."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def _needs_login(answer: GetAccountResponse) -> bool:
    """`account/read` says the provider needs an OpenAI login and there is none."""
    return answer.requires_openai_auth and answer.account is None


def _auth_detail(retrying: dict[str, Any]) -> str:
    error = _obj(retrying.get("error")) or {}
    return f"the turn cannot reach its model ({error.get('message') or 'retrying'})"


class _TurnBase(Generic[C, M]):
    """What the blocking and the async turn share: identity, state, the result builder."""

    def __init__(
        self,
        client: C,
        thread_id: str,
        turn_id: str,
        subscription: Subscription,
        output_model: type[M] | None = None,
    ) -> None:
        self._client = client
        self.thread_id = thread_id
        self.id = turn_id
        self._subscription = subscription
        self._acc = TurnAccumulator(thread_id, turn_id)
        self._output_model = output_model
        self._auth_checked = False
        self._interrupt_sent = False
        self._deadline: float | None = None  # run(timeout=...) hands it to stream()

    @property
    def done(self) -> bool:
        """True once this turn's `turn/completed` has been received."""
        return self._acc.done

    def _steer_input(self, input: Input) -> Any:
        """`turn/steer`'s `input`: wire-shaped items, which the typed method validates."""
        return to_wire_items(input)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(id={self.id!r}, thread_id={self.thread_id!r}, done={self.done})"

    def _finished_result(self) -> TurnResult[M]:
        """The result, once the turn completed; never an in-progress result posing as one."""
        if not self._acc.done:
            raise CodexError(
                f"turn {self.id} has not completed but its stream ended (closed with close(), "
                "or its notifications were no longer held): the turn may still run on the "
                "server; the thread accepts a new turn once it completes"
            )
        return self._acc.result(self._output_model)

    def _take_buffered(self) -> None:
        """Add what is already buffered to the result (no waiting)."""
        while (message := self._subscription.get_nowait()) is not None:
            self._acc.add(message)

    def _timeout_error(self, limit: float, idle: bool) -> TurnTimeoutError:
        self._take_buffered()
        return TurnTimeoutError(self.id, limit, self._acc.result(self._output_model), idle=idle)


def _wait_time(idle_timeout: float | None, deadline: float | None) -> float | None:
    """How long the next wait may take: the idle limit, cut to what is left of the deadline."""
    if deadline is None:
        return idle_timeout
    left = max(0.0, deadline - time.monotonic())
    return left if idle_timeout is None else min(left, idle_timeout)


class AsyncTurn(_TurnBase[AsyncAppServerClient, M]):
    """A running turn (async API): `async for n in turn.stream()`, `await turn.run()`."""

    async def stream(self, *, idle_timeout: float | None = None) -> AsyncIterator[Notification]:
        """This turn's notifications, ending after its `turn/completed`.

        `idle_timeout`: when the server sends nothing for this many seconds while the stream
        waits, the turn is interrupted on the server and `TurnTimeoutError` raised (its
        `partial` holds what the turn produced so far).
        Cancelling the task while it waits interrupts the turn on the server first.
        """
        deadline, self._deadline = self._deadline, None  # set by run(timeout=...)
        try:
            while True:
                wait = idle_timeout if deadline is None else _wait_time(idle_timeout, deadline)
                try:
                    message = await self._subscription.aget(wait)
                except TimeoutError:
                    await asyncio.shield(self._interrupt_quietly())
                    raise self._timeout_error(wait or 0.0, deadline is None) from None
                if message is None:
                    return
                self._acc.add(message)
                if self._acc.retrying is not None and not self._auth_checked:
                    await self._check_auth()
                yield to_notification(message)
        except asyncio.CancelledError:
            await asyncio.shield(self._interrupt_quietly())
            raise

    async def run(self, *, timeout: float | None = None) -> TurnResult[M]:
        """Wait for the turn to finish; returns its result (also after a partial `stream()`).

        `timeout`: seconds the turn may still take; past it the turn is interrupted on the
        server and `TurnTimeoutError` raised, carrying what the turn produced so far in
        `partial` (a later `run()` returns the interrupted turn). Cancelling the task
        interrupts the turn on the server first. Raises `CodexError` if the turn's stream
        ended without its completion (after `close()`): the turn may still be running."""
        self._deadline = None if timeout is None else time.monotonic() + timeout
        try:
            async for _ in self.stream():
                pass
        except TurnTimeoutError as exc:
            if timeout is None:
                raise
            raise TurnTimeoutError(self.id, timeout, exc.partial) from None  # the whole limit
        except asyncio.CancelledError:
            # Ctrl-C can land between two notifications, outside stream(): interrupt here
            # (a no-op when stream() already has)
            await asyncio.shield(self._interrupt_quietly())
            raise
        return self._finished_result()

    async def steer(self, input: Input) -> TurnSteerResponse:
        """Add input to the running turn (it restarts its model request with the new input)."""
        return await self._client.turn_steer(
            thread_id=self.thread_id, expected_turn_id=self.id, input=self._steer_input(input)
        )

    async def interrupt(self, timeout: float = INTERRUPT_TIMEOUT) -> TurnInterruptResponse | None:
        """Ask the server to stop the turn; `run()` then returns status `interrupted`.
        A no-op (None) once the turn has completed."""
        if self._acc.done:
            return None
        return await self._client.turn_interrupt(
            thread_id=self.thread_id, turn_id=self.id, request_timeout=timeout
        )

    async def close(self) -> None:
        """Stop receiving this turn's notifications (the turn itself goes on)."""
        self._subscription.close()

    async def _interrupt_quietly(self) -> None:
        if self._interrupt_sent:
            return  # the server answers a repeated turn/interrupt late or never
        self._interrupt_sent = True
        with contextlib.suppress(Exception):  # the turn may be over, or the server gone
            await self.interrupt(timeout=2.0)

    async def _check_auth(self) -> None:
        self._auth_checked = True
        retrying = self._acc.retrying or {}
        if _needs_login(await self._client.account_read()):
            await self._interrupt_quietly()
            self._subscription.close()
            raise AuthRequiredError(_auth_detail(retrying))


# The blocking twin below is generated from AsyncTurn (codegen/unasync.py; regenerate with
# `python scripts/update_sdk_artifacts.py generate-types`): edit AsyncTurn instead.
# <unasync: Turn from AsyncTurn>


class Turn(_TurnBase[AppServerClient, M]):
    """A running turn (blocking API): `for n in turn.stream()`, `turn.run()`."""

    def stream(self, *, idle_timeout: float | None = None) -> Iterator[Notification]:
        """This turn's notifications, ending after its `turn/completed`.

        `idle_timeout`: when the server sends nothing for this many seconds while the stream
        waits, the turn is interrupted on the server and `TurnTimeoutError` raised (its
        `partial` holds what the turn produced so far).
        Ctrl-C (KeyboardInterrupt) while it waits interrupts the turn on the server first.
        """
        deadline, self._deadline = self._deadline, None  # set by run(timeout=...)
        try:
            while True:
                wait = idle_timeout if deadline is None else _wait_time(idle_timeout, deadline)
                try:
                    message = self._subscription.get(wait)
                except TimeoutError:
                    self._interrupt_quietly()
                    raise self._timeout_error(wait or 0.0, deadline is None) from None
                if message is None:
                    return
                self._acc.add(message)
                if self._acc.retrying is not None and not self._auth_checked:
                    self._check_auth()
                yield to_notification(message)
        except KeyboardInterrupt:
            self._interrupt_quietly()
            raise

    def run(self, *, timeout: float | None = None) -> TurnResult[M]:
        """Wait for the turn to finish; returns its result (also after a partial `stream()`).

        `timeout`: seconds the turn may still take; past it the turn is interrupted on the
        server and `TurnTimeoutError` raised, carrying what the turn produced so far in
        `partial` (a later `run()` returns the interrupted turn). Ctrl-C (KeyboardInterrupt)
        interrupts the turn on the server first. Raises `CodexError` if the turn's stream
        ended without its completion (after `close()`): the turn may still be running."""
        self._deadline = None if timeout is None else time.monotonic() + timeout
        try:
            for _ in self.stream():
                pass
        except TurnTimeoutError as exc:
            if timeout is None:
                raise
            raise TurnTimeoutError(self.id, timeout, exc.partial) from None  # the whole limit
        except KeyboardInterrupt:
            # Ctrl-C can land between two notifications, outside stream(): interrupt here
            # (a no-op when stream() already has)
            self._interrupt_quietly()
            raise
        return self._finished_result()

    def steer(self, input: Input) -> TurnSteerResponse:
        """Add input to the running turn (it restarts its model request with the new input)."""
        return self._client.turn_steer(
            thread_id=self.thread_id, expected_turn_id=self.id, input=self._steer_input(input)
        )

    def interrupt(self, timeout: float = INTERRUPT_TIMEOUT) -> TurnInterruptResponse | None:
        """Ask the server to stop the turn; `run()` then returns status `interrupted`.
        A no-op (None) once the turn has completed."""
        if self._acc.done:
            return None
        return self._client.turn_interrupt(
            thread_id=self.thread_id, turn_id=self.id, request_timeout=timeout
        )

    def close(self) -> None:
        """Stop receiving this turn's notifications (the turn itself goes on)."""
        self._subscription.close()

    def _interrupt_quietly(self) -> None:
        if self._interrupt_sent:
            return  # the server answers a repeated turn/interrupt late or never
        self._interrupt_sent = True
        with contextlib.suppress(Exception):  # the turn may be over, or the server gone
            self.interrupt(timeout=2.0)

    def _check_auth(self) -> None:
        self._auth_checked = True
        retrying = self._acc.retrying or {}
        if _needs_login(self._client.account_read()):
            self._interrupt_quietly()
            self._subscription.close()
            raise AuthRequiredError(_auth_detail(retrying))


# </unasync>


def output_schema_of(value: Any) -> tuple[Any, Any]:
    """`output_schema` as given (a JSON-schema dict, or a pydantic model class) ->
    (the JSON schema to send, the model class to parse into or None).

    A model's schema is made strict (closed objects, every property required, optional ones
    nullable): codex sends the schema with `strict: true`, and the Responses API refuses a
    non-strict schema then. A dict is sent as given.
    """
    model_json_schema = getattr(value, "model_json_schema", None)
    if isinstance(value, type) and callable(model_json_schema):
        from codex_app_server._output_schema import strict_json_schema

        schema = cast("dict[str, Any]", model_json_schema())
        return strict_json_schema(schema), value
    if value is None or isinstance(value, dict):
        return cast("dict[str, Any] | None", value), None
    if isinstance(value, str):
        return json.loads(value), None
    raise TypeError("output_schema takes a JSON schema dict or a pydantic model class")
