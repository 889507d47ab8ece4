"""Routing `item/tool/call` to each thread's tools, and every way a call can end, through the
public `tools=` of `thread_start` on the real binary: the scripted model calls the tool, the
client answers, and the answer is read back where it lands (the item's `success`, and the
`function_call_output` the model gets next)."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Sequence
from typing import Any

import pytest

from codex_app_server import (
    Codex,
    ServerRequestHandlers,
    ToolError,
    ToolLike,
    ToolResult,
    tool,
)
from codex_app_server.testing import OfflineEnvironment, function_call, text
from tests.tools.test_tools_real import tool_items

_call_ids = itertools.count()


def answer(
    env: OfflineEnvironment, codex: Codex, tools: Sequence[ToolLike], name: str, arguments: Any
) -> tuple[bool, str]:
    """One call of tool `name` on a new thread offering `tools`: whether the client answered
    it as a success, and the text the model got."""
    call_id = f"call_{next(_call_ids)}"
    env.model.enqueue(function_call(name, arguments, call_id=call_id), text("done"))
    result = codex.thread_start(tools=list(tools)).run(f"call {name}")
    (item,) = tool_items(result)
    output = env.model.function_call_outputs()[call_id]
    assert item.content_items[0].text == output  # the model gets what the item shows
    return item.success, output


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@tool
async def shout(text: str) -> str:
    """Upper-case the text."""
    return text.upper()


@tool
def broken(reason: str) -> str:
    """Always fails."""
    raise RuntimeError(reason)


@tool
def refuse(reason: str) -> str:
    """Fails on purpose, with a message for the model."""
    raise ToolError(reason)


def test_sync_and_async_tools_answer_with_their_result(
    env: OfflineEnvironment, codex: Codex
) -> None:
    assert answer(env, codex, [add, shout], "add", {"a": 2, "b": 3}) == (True, "5")
    assert answer(env, codex, [add, shout], "shout", {"text": "hi"}) == (True, "HI")


def test_a_sync_tool_runs_off_the_event_loop(env: OfflineEnvironment, codex: Codex) -> None:
    seen: list[threading.Thread] = []

    @tool
    def where() -> str:
        """Which thread."""
        seen.append(threading.current_thread())
        return "ok"

    async def loop_thread() -> threading.Thread:
        return threading.current_thread()

    assert answer(env, codex, [where], "where", {}) == (True, "ok")
    assert seen and seen[0] is not codex.client.run(loop_thread())


def test_an_exception_is_a_failed_result_with_its_text(
    env: OfflineEnvironment, codex: Codex
) -> None:
    assert answer(env, codex, [broken], "broken", {"reason": "disk full"}) == (
        False,
        "broken failed: RuntimeError: disk full",
    )


def test_a_tool_error_is_sent_as_written(env: OfflineEnvironment, codex: Codex) -> None:
    result = answer(env, codex, [refuse], "refuse", {"reason": "no such city"})
    assert result == (False, "no such city")


def test_bad_arguments_are_a_failed_result_naming_the_problem(
    env: OfflineEnvironment, codex: Codex
) -> None:
    assert answer(env, codex, [add], "add", {"a": "two"}) == (
        False,
        "add: invalid arguments: a: Input should be a valid integer, unable to parse string "
        "as an integer; b: Field required",
    )


def test_an_unknown_tool_is_a_failed_result_naming_the_known_ones(
    env: OfflineEnvironment, codex: Codex
) -> None:
    """The server forwards only calls of tools the thread has; a fork keeps its source's
    tools, so a fork answered by other functions meets a name it does not know."""

    @tool
    def multiply(a: int, b: int) -> int:
        """Multiply two numbers."""
        return a * b

    env.model.enqueue(text("started"))
    source = codex.thread_start(tools=[multiply])
    source.run("hello")
    env.model.enqueue(function_call("multiply", {"a": 2, "b": 2}, call_id="m1"), text("ok"))
    result = codex.thread_fork(source.id, tools=[add, shout]).run("multiply")
    assert tool_items(result)[0].success is False
    assert env.model.function_call_outputs()["m1"] == (
        "unknown tool 'multiply'; the tools of this thread are: add, shout"
    )


def test_a_result_that_cannot_be_sent_is_a_failed_result(
    env: OfflineEnvironment, codex: Codex
) -> None:
    @tool
    def opaque() -> object:
        """Returns something JSON cannot hold."""
        return object()

    success, output = answer(env, codex, [opaque], "opaque", {})
    assert success is False
    assert "neither text, an image nor JSON-serializable" in output


def test_a_tool_result_is_sent_as_given(env: OfflineEnvironment, codex: Codex) -> None:
    @tool
    def partial() -> ToolResult:
        """Explicit result."""
        return ToolResult.text("half done", success=False)

    assert answer(env, codex, [partial], "partial", {}) == (False, "half done")


def test_an_async_tool_past_its_timeout_fails_and_is_cancelled(
    env: OfflineEnvironment, codex: Codex
) -> None:
    cancelled: list[bool] = []

    @tool(timeout=0.05)
    async def stuck() -> str:
        """Never finishes on its own."""
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return "unreachable"

    assert answer(env, codex, [stuck], "stuck", {}) == (False, "stuck timed out after 0.05 s")
    assert cancelled == [True]


def test_a_sync_tool_past_its_timeout_fails_and_its_late_value_is_dropped(
    env: OfflineEnvironment, codex: Codex
) -> None:
    release = threading.Event()

    @tool(timeout=0.05)
    def slow() -> str:
        """Blocks until the test releases it."""
        release.wait(30)
        return "late"

    try:
        result = answer(env, codex, [slow], "slow", {})
    finally:
        release.set()
    assert result == (False, "slow timed out after 0.05 s")


def test_a_timeout_error_raised_by_the_tool_is_its_own_error(
    env: OfflineEnvironment, codex: Codex
) -> None:
    @tool(timeout=30)
    async def times_out_inside() -> str:
        """Raises TimeoutError itself."""
        raise TimeoutError("upstream took too long")

    assert answer(env, codex, [times_out_inside], "times_out_inside", {}) == (
        False,
        "times_out_inside failed: TimeoutError: upstream took too long",
    )


def test_tools_are_routed_by_thread(env: OfflineEnvironment, codex: Codex) -> None:
    @tool(name="who")
    def who_a() -> str:
        """A."""
        return "thread A"

    @tool(name="who")
    def who_b() -> str:
        """B."""
        return "thread B"

    assert answer(env, codex, [who_a], "who", {}) == (True, "thread A")
    assert answer(env, codex, [who_b], "who", {}) == (True, "thread B")


def test_the_dispatcher_leaves_other_threads_to_the_user_handler(
    env: OfflineEnvironment,
) -> None:
    """A thread started with raw `dynamic_tools=` (no `tools=`) has its calls answered by the
    user's `item_tool_call` handler; a thread with `tools=` by its functions."""
    handled: list[str] = []

    def user_handler(typed: Any) -> dict[str, Any]:
        handled.append(typed.thread_id)
        return ToolResult.text(f"user:{typed.tool}").to_wire()

    handlers = ServerRequestHandlers(item_tool_call=user_handler)
    with Codex(env.config, handlers=handlers) as codex:
        mine = codex.thread_start(tools=[add])
        theirs = codex.thread_start(dynamic_tools=[add.to_spec()])
        env.model.enqueue(function_call("add", {"a": 1, "b": 1}, call_id="o1"), text("ok"))
        mine.run("add")
        env.model.enqueue(function_call("add", {"a": 1, "b": 1}, call_id="t1"), text("ok"))
        theirs.run("add")
        assert env.model.function_call_outputs(-3) == {"o1": "2"}
        assert env.model.function_call_outputs() == {"t1": "user:add"}
        assert handled == [theirs.id]


def test_tools_argument_is_checked(env: OfflineEnvironment, codex: Codex) -> None:
    def plain(x: int) -> int:
        """Plain typed function: made a tool for you."""
        return x

    assert answer(env, codex, [plain], "plain", {"x": 7}) == (True, "7")
    (offered,) = [t for t in env.model.requests[0]["tools"] if t.get("name") == "plain"]
    assert offered["parameters"]["required"] == ["x"]
    with pytest.raises(ValueError, match="two tools are named 'add'"):
        codex.thread_start(tools=[add, add])
    with pytest.raises(TypeError, match="tools= holds a str"):
        codex.thread_start(tools=["add"])  # pyright: ignore[reportArgumentType]
    with pytest.raises(TypeError, match="takes a list of tools"):
        codex.thread_start(tools=add)  # pyright: ignore[reportArgumentType]
