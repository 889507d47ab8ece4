# pyright: strict
"""What a user's script sees: the typed promise of the high-level API, one point at a time.

`test_user_script.py` runs it offline (every `assert_type` is also a runtime no-op) and checks
it with pyright (strict) and mypy (--strict): a type the SDK loses shows up there as an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import cast

from pydantic import BaseModel
from typing_extensions import Never, assert_type

import codex_app_server
from codex_app_server import (
    NOT_GIVEN,
    ArgumentTypeError,
    AsyncCodex,
    AsyncTurn,
    Codex,
    InvalidArgumentError,
    NotGiven,
    Notification,
    Turn,
    TurnResult,
    UnknownArgumentError,
)
from codex_app_server.models import (
    AgentMessageDeltaNotification,
    AgentMessageThreadItem,
    CommandExecutionRequestApprovalParams,
    CommandExecutionRequestApprovalResponse,
    ItemCompletedNotification,
    Model,
    ThreadItem,
    ThreadSectionAppearance,
    UnrecognizedThreadItem,
    UserInput,
)
from codex_app_server.models import Turn as TurnModel
from codex_app_server.options import ThreadStartOptions, TurnStartOptions
from codex_app_server.testing import OfflineEnvironment, offline_environment, shell_command, text


class Summary(BaseModel):
    title: str
    points: list[str]


SUMMARY = '{"title": "T", "points": ["a", "b"]}'


def checked_arguments(codex: Codex) -> None:
    """Points 1-2: options are checked; errors are typed CodexErrors."""
    options: ThreadStartOptions = {"model": "mock-model", "cwd": Path.cwd()}  # paths are fine
    codex.thread_start(**options)
    try:
        typo = cast("ThreadStartOptions", {"modle": "x"})  # e.g. options read from a file
        codex.thread_start(**typo)
    except UnknownArgumentError as error:
        suggestion = error.suggestion
        assert_type(suggestion, str | None)
    else:
        raise AssertionError("the typo went through")
    assert suggestion == "model"
    try:
        codex.thread_start(sandbox="read-only", ephemeral=bool("x"))
    except (ArgumentTypeError, InvalidArgumentError) as error:
        assert_type(error.field, str)


def named_unions(result: TurnResult[Never]) -> None:
    """Point 3: items are the named, discriminated `ThreadItem` union."""
    assert_type(result.items, list[ThreadItem])
    for item in result.items:
        if isinstance(item, AgentMessageThreadItem):
            assert_type(item.text, str)
        elif isinstance(item, UnrecognizedThreadItem):
            assert_type(item.type, str)
    user_input: UserInput | None = None
    assert user_input is None


def structured_output(codex: Codex, env: OfflineEnvironment) -> None:
    """Point 4: `output_schema=Model` types the result and `parsed`."""
    thread = codex.thread_start()
    env.model.enqueue(text(SUMMARY))
    result = thread.run("Summarize.", output_schema=Summary)
    assert_type(result, TurnResult[Summary])
    assert_type(result.parsed, Summary)
    assert result.parsed.points == ["a", "b"]
    env.model.enqueue(text(SUMMARY))
    turn = thread.turn("Summarize.", output_schema=Summary)
    assert_type(turn, Turn[Summary])
    assert_type(turn.run().parsed, Summary)
    plain = thread.run("Hello")
    assert_type(plain, TurnResult[Never])  # no model: `parsed` never returns
    named_unions(plain)
    turn_options: TurnStartOptions = {"effort": "low"}
    assert_type(thread.run("Hi", **turn_options), TurnResult[Never])


def explicit_null(codex: Codex) -> None:
    """Point 5: left out is not sent; None sends null where the field is nullable."""
    client = codex.client
    red = ThreadSectionAppearance(color="red")
    section = client.thread_section_create(name="A", appearance=red).section
    cleared = client.thread_section_update(section_id=section.id, name="A", appearance=None)
    assert cleared.section.appearance is None
    assert_type(NOT_GIVEN, NotGiven)
    assert client.model_list(limit=NOT_GIVEN, request_timeout=None).data


def paging(codex: Codex) -> None:
    """Point 6: an iterator over every cursor-paged list method."""
    thread = codex.thread_start()
    thread.run("one")
    turns = codex.client.iter_thread_turns_list(thread_id=thread.id, limit=1)
    assert_type(turns, Iterator[TurnModel])
    assert len(list(turns)) == 1
    assert_type(codex.client.iter_model_list(), Iterator[Model])


def notifications(codex: Codex) -> None:
    """Point 7: narrowing a notification's params gives the typed model: by its class, or by
    the method name with `params_for` (a method name this SDK does not know is a type error)."""
    turn = codex.thread_start().turn("Hi")
    deltas: list[str] = []
    by_method: list[str] = []
    completed = 0
    for note in turn.stream():
        assert_type(note, Notification)
        params = note.params
        if isinstance(params, AgentMessageDeltaNotification):
            assert_type(params.delta, str)
            deltas.append(params.delta)
        delta = note.params_for("item/agentMessage/delta")
        assert_type(delta, AgentMessageDeltaNotification | None)
        if delta is not None:
            by_method.append(delta.delta)
        match note.params:
            case ItemCompletedNotification(item=item):
                assert_type(item, ThreadItem)
                completed += 1
            case _:
                pass
    assert deltas and by_method == deltas and completed


def handler_replies(codex: Codex, env: OfflineEnvironment) -> None:
    """Point 7: a handler's reply takes the same wire strings as request params."""
    asked: list[str] = []

    def approve(
        params: CommandExecutionRequestApprovalParams,
    ) -> CommandExecutionRequestApprovalResponse:
        asked.append(params.turn_id)
        return CommandExecutionRequestApprovalResponse(decision="accept")

    codex.handlers.item_command_execution_request_approval = approve
    target = env.workdir / "approved-by-literal"
    env.model.enqueue(shell_command(f"touch {target}", workdir=str(env.workdir)), text("done"))
    thread = codex.thread_start(approval_policy="on-request", sandbox="read-only")
    result = thread.run("make the file")
    assert asked == [result.id] and target.exists()


def small_truths() -> None:
    """Point 10: the version is a str."""
    assert_type(codex_app_server.__version__, str)


async def async_twins(env: OfflineEnvironment) -> None:
    """The async twins keep the same types."""
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        env.model.enqueue(text(SUMMARY))
        result = await thread.run("Summarize.", output_schema=Summary)
        assert_type(result, TurnResult[Summary])
        assert_type(result.parsed, Summary)
        turn = await thread.turn("Hello")
        assert_type(turn, AsyncTurn[Never])
        assert_type(await turn.run(), TurnResult[Never])
        pages = codex.client.iter_thread_turns_list(thread_id=thread.id)
        assert_type(pages, AsyncIterator[TurnModel])
        assert [t.id async for t in pages]


def main() -> None:
    with offline_environment() as env:
        with Codex(env.config) as codex:
            checked_arguments(codex)
            structured_output(codex, env)
            explicit_null(codex)
            paging(codex)
            notifications(codex)
            handler_replies(codex, env)
        asyncio.run(async_twins(env))
    small_truths()


if __name__ == "__main__":
    main()
