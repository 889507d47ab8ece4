"""Routing `item/tool/call` to each thread's tools, and every way a call can end (pure logic:
the params are what the real 0.163.0 server sends; the end-to-end flow is in test_tools_real)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from codex_app_server import ToolError, ToolResult, tool
from codex_app_server._tool_router import ToolRouter, as_tools
from codex_app_server.handlers import ServerRequestDispatcher, ServerRequestHandlers
from codex_app_server.tools import Tool


async def in_thread(fn: Callable[[], Any], name: str) -> Any:
    return await asyncio.to_thread(fn)


def params(tool_name: str, arguments: Any, thread_id: str = "t1") -> dict[str, Any]:
    return {
        "threadId": thread_id,
        "turnId": "turn1",
        "callId": "call_1",
        "namespace": None,
        "tool": tool_name,
        "arguments": arguments,
    }


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


def answer(router: ToolRouter, tool_name: str, arguments: Any, thread_id: str = "t1") -> Any:
    return asyncio.run(router.answer(params(tool_name, arguments, thread_id)))


def routed(*tools: Tool[..., Any], thread_id: str = "t1") -> ToolRouter:
    router = ToolRouter(in_thread)
    router.register(thread_id, tools)
    return router


def text_of(result: dict[str, Any]) -> str:
    (item,) = result["contentItems"]
    return item["text"]


def test_sync_and_async_tools_answer_with_their_result() -> None:
    router = routed(add, shout)
    assert answer(router, "add", {"a": 2, "b": 3}) == {
        "contentItems": [{"type": "inputText", "text": "5"}],
        "success": True,
    }
    assert text_of(answer(router, "shout", {"text": "hi"})) == "HI"


def test_a_sync_tool_runs_off_the_event_loop() -> None:
    seen: list[str] = []

    @tool
    def where() -> str:
        """Which thread."""
        seen.append(threading.current_thread().name)
        return "ok"

    async def main() -> None:
        router = routed(where)
        loop_thread = threading.current_thread().name
        await router.answer(params("where", {}))
        assert seen and seen[0] != loop_thread

    asyncio.run(main())


def test_an_exception_is_a_failed_result_with_its_text() -> None:
    result = answer(routed(broken), "broken", {"reason": "disk full"})
    assert result["success"] is False
    assert text_of(result) == "broken failed: RuntimeError: disk full"


def test_a_tool_error_is_sent_as_written() -> None:
    result = answer(routed(refuse), "refuse", {"reason": "no such city"})
    assert (result["success"], text_of(result)) == (False, "no such city")


def test_bad_arguments_are_a_failed_result_naming_the_problem() -> None:
    result = answer(routed(add), "add", {"a": "two"})
    assert result["success"] is False
    assert text_of(result) == (
        "add: invalid arguments: a: Input should be a valid integer, unable to parse string "
        "as an integer; b: Field required"
    )


def test_an_unknown_tool_is_a_failed_result_naming_the_known_ones() -> None:
    result = answer(routed(add, shout), "multiply", {})
    assert result["success"] is False
    assert text_of(result) == "unknown tool 'multiply'; the tools of this thread are: add, shout"


def test_a_result_that_cannot_be_sent_is_a_failed_result() -> None:
    @tool
    def opaque() -> object:
        """Returns something JSON cannot hold."""
        return object()

    result = answer(routed(opaque), "opaque", {})
    assert result["success"] is False
    assert "neither text, an image nor JSON-serializable" in text_of(result)


def test_a_tool_result_is_sent_as_given() -> None:
    @tool
    def partial() -> ToolResult:
        """Explicit result."""
        return ToolResult.text("half done", success=False)

    assert answer(routed(partial), "partial", {}) == {
        "contentItems": [{"type": "inputText", "text": "half done"}],
        "success": False,
    }


def test_an_async_tool_past_its_timeout_fails_and_is_cancelled() -> None:
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

    result = answer(routed(stuck), "stuck", {})
    assert (result["success"], text_of(result)) == (False, "stuck timed out after 0.05 s")
    assert cancelled == [True]


def test_a_sync_tool_past_its_timeout_fails_and_its_late_value_is_dropped() -> None:
    release = threading.Event()

    @tool(timeout=0.05)
    def slow() -> str:
        """Blocks until the test releases it."""
        release.wait(30)
        return "late"

    async def main() -> dict[str, Any]:
        try:
            return await routed(slow).answer(params("slow", {}))
        finally:
            release.set()

    result = asyncio.run(main())
    assert (result["success"], text_of(result)) == (False, "slow timed out after 0.05 s")


def test_a_timeout_error_raised_by_the_tool_is_its_own_error() -> None:
    @tool(timeout=30)
    async def times_out_inside() -> str:
        """Raises TimeoutError itself."""
        raise TimeoutError("upstream took too long")

    result = answer(routed(times_out_inside), "times_out_inside", {})
    assert text_of(result) == "times_out_inside failed: TimeoutError: upstream took too long"


def test_tools_are_routed_by_thread() -> None:
    @tool(name="who")
    def who_a() -> str:
        """A."""
        return "thread A"

    @tool(name="who")
    def who_b() -> str:
        """B."""
        return "thread B"

    router = ToolRouter(in_thread)
    router.register("A", [who_a])
    router.register("B", [who_b])
    assert text_of(answer(router, "who", {}, thread_id="A")) == "thread A"
    assert text_of(answer(router, "who", {}, thread_id="B")) == "thread B"
    assert router.routes("item/tool/call", params("who", {}, "A"))
    assert not router.routes("item/tool/call", params("who", {}, "C"))
    assert not router.routes("item/commandExecution/requestApproval", params("who", {}, "A"))


def test_the_dispatcher_leaves_other_threads_to_the_user_handler() -> None:
    def user_handler(typed: Any) -> dict[str, Any]:
        return {
            "contentItems": [{"type": "inputText", "text": f"user:{typed.tool}"}],
            "success": True,
        }

    dispatcher = ServerRequestDispatcher(ServerRequestHandlers(item_tool_call=user_handler))
    dispatcher.tools = routed(add, thread_id="mine")

    async def main() -> tuple[Any, Any]:
        ours = await dispatcher("item/tool/call", params("add", {"a": 1, "b": 1}, "mine"))
        theirs = await dispatcher("item/tool/call", params("add", {"a": 1, "b": 1}, "other"))
        return ours, theirs

    ours, theirs = asyncio.run(main())
    assert text_of(ours) == "2"
    assert text_of(theirs) == "user:add"


def test_tools_argument_is_checked() -> None:
    def plain(x: int) -> int:
        """Plain typed function: made a tool for you."""
        return x

    (made,) = as_tools([plain])
    assert made.name == "plain" and made.input_schema["required"] == ["x"]
    with pytest.raises(ValueError, match="two tools are named 'add'"):
        as_tools([add, add])
    with pytest.raises(TypeError, match="tools= holds a str"):
        as_tools(["add"])
    with pytest.raises(TypeError, match="takes a list of tools"):
        as_tools(add)  # pyright: ignore[reportArgumentType]
