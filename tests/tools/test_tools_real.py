"""Tools on the real codex 0.163.0 binary, driven by the scripted loopback model.

What the real server does (observed): a `dynamicTools` entry of `thread/start` is offered to
the model; the model's `function_call` of it makes the server send the client
`item/tool/call`; the answer's content reaches the model's next request as the call's
`function_call_output`, and the turn's stream shows a `dynamicToolCall` item that is
`completed` or `failed` as `success` said.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Annotated, Any

import pytest
from pydantic import BaseModel

from codex_app_server import (
    AsyncCodex,
    Codex,
    ExperimentalApiError,
    Tool,
    ToolCall,
    ToolError,
    tool,
)
from codex_app_server.testing import (
    OfflineEnvironment,
    function_call,
    function_calls,
    offline_environment,
    text,
)
from tests.tools.images import tiny_png


def tool_items(result: Any) -> list[Any]:
    return [i for i in result.items if type(i).__name__ == "DynamicToolCallThreadItem"]


def test_the_function_gets_its_arguments_and_the_model_its_result(
    env: OfflineEnvironment, codex: Codex
) -> None:
    received: list[tuple[str, int]] = []

    @tool
    def get_weather(city: Annotated[str, "The city"], days: int = 1) -> str:
        """The forecast for a city."""
        received.append((city, days))
        return f"Sunny in {city} for {days} days"

    env.model.enqueue(
        function_call("get_weather", {"city": "Paris", "days": 2}, call_id="w1"), text("Nice.")
    )
    thread = codex.thread_start(tools=[get_weather])
    result = thread.run("Weather in Paris?")

    assert result.status == "completed" and result.final_response == "Nice."
    assert received == [("Paris", 2)]
    assert env.model.function_call_outputs() == {"w1": "Sunny in Paris for 2 days"}
    offered = env.model.requests[0]["tools"][-1]
    assert offered["name"] == "get_weather"
    assert offered["description"] == "The forecast for a city."
    assert offered["parameters"]["properties"]["city"] == {
        "type": "string",
        "description": "The city",
    }
    (item,) = tool_items(result)
    assert (item.tool, item.arguments, item.success) == (
        "get_weather",
        {"city": "Paris", "days": 2},
        True,
    )
    assert item.status == "completed"
    assert item.content_items[0].text == "Sunny in Paris for 2 days"


async def test_an_async_tool_on_an_async_client(env: OfflineEnvironment) -> None:
    @tool
    async def lookup(word: str, call: ToolCall) -> dict[str, Any]:
        """Look a word up."""
        return {"word": word, "thread": call.thread_id}

    env.model.enqueue(function_call("lookup", {"word": "codex"}, call_id="l1"), text("ok"))
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start(tools=[lookup])
        result = await thread.run("look it up")
    assert result.status == "completed"
    assert env.model.function_call_outputs() == {"l1": f'{{"word":"codex","thread":"{thread.id}"}}'}
    assert tool_items(result)[0].success is True


def test_an_exception_is_a_failed_result_and_the_turn_goes_on(
    env: OfflineEnvironment, codex: Codex
) -> None:
    @tool
    def divide(a: float, b: float) -> float:
        """a / b."""
        return a / b

    @tool
    def refuse(reason: str) -> str:
        """Refuses with a message of its own."""
        raise ToolError(f"refused: {reason}")

    env.model.enqueue(
        function_call("divide", {"a": 1, "b": 0}, call_id="d1"),
        function_call("refuse", {"reason": "policy"}, call_id="r1"),
        text("I could not divide."),
    )
    result = codex.thread_start(tools=[divide, refuse]).run("divide 1 by 0")

    assert result.status == "completed" and result.final_response == "I could not divide."
    assert env.model.function_call_outputs() == {
        "d1": "divide failed: ZeroDivisionError: float division by zero",
        "r1": "refused: policy",
    }
    assert [(i.tool, i.success, i.status) for i in tool_items(result)] == [
        ("divide", False, "failed"),
        ("refuse", False, "failed"),
    ]


def test_bad_arguments_reach_the_model_and_the_function_is_not_called(
    env: OfflineEnvironment, codex: Codex
) -> None:
    calls: list[int] = []

    @tool
    def repeat(times: int, word: str) -> str:
        """Repeat a word."""
        calls.append(times)
        return word * times

    env.model.enqueue(
        function_call("repeat", {"times": "many"}, call_id="b1"),
        function_call("repeat", {"times": 2, "word": "ab"}, call_id="b2"),
        text("fixed"),
    )
    codex.thread_start(tools=[repeat]).run("repeat")
    outputs = env.model.function_call_outputs()
    assert outputs["b1"] == (
        "repeat: invalid arguments: times: Input should be a valid integer, unable to parse "
        "string as an integer; word: Field required"
    )
    assert outputs["b2"] == "abab"  # the model corrected itself
    assert calls == [2]


def test_an_unknown_tool_is_answered_with_the_known_ones(
    env: OfflineEnvironment, codex: Codex
) -> None:
    """The server only forwards calls of tools the thread has; a forked thread keeps the
    tools of its source, so a fork answered by other functions meets an unknown name."""

    @tool
    def alpha() -> str:
        """Alpha."""
        return "a"

    @tool
    def beta() -> str:
        """Beta."""
        return "b"

    env.model.enqueue(text("started"))
    source = codex.thread_start(tools=[alpha])
    source.run("hello")
    env.model.enqueue(function_call("alpha", {}, call_id="u1"), text("ok"))
    fork = codex.thread_fork(source.id, tools=[beta])
    result = fork.run("call alpha")

    assert env.model.function_call_outputs()["u1"] == (
        "unknown tool 'alpha'; the tools of this thread are: beta"
    )
    assert tool_items(result)[0].success is False


def test_a_tool_past_its_timeout_is_a_failed_result(env: OfflineEnvironment, codex: Codex) -> None:
    release = threading.Event()

    @tool(timeout=0.2)
    def slow() -> str:
        """Waits for the test."""
        release.wait(30)
        return "too late"

    env.model.enqueue(function_call("slow", {}, call_id="s1"), text("gave up"))
    try:
        result = codex.thread_start(tools=[slow]).run("be slow")
    finally:
        release.set()
    assert result.final_response == "gave up"
    assert env.model.function_call_outputs() == {"s1": "slow timed out after 0.2 s"}


def test_many_tool_calls_in_one_turn(env: OfflineEnvironment, codex: Codex) -> None:
    seen: list[int] = []
    lock = threading.Lock()

    @tool
    def square(n: int) -> int:
        """n squared."""
        with lock:
            seen.append(n)
        return n * n

    @tool
    async def cube(n: int) -> int:
        """n cubed."""
        return n**3

    env.model.enqueue(
        function_calls(*(function_call("square", {"n": n}, call_id=f"sq{n}") for n in range(6))),
        function_calls(*(function_call("cube", {"n": n}, call_id=f"cu{n}") for n in range(3))),
        function_call("square", {"n": 10}, call_id="sq10"),
        text("all done"),
    )
    result = codex.thread_start(tools=[square, cube]).run("compute")

    assert result.final_response == "all done"
    expected = {f"sq{n}": str(n * n) for n in (*range(6), 10)}
    expected |= {f"cu{n}": str(n**3) for n in range(3)}
    assert env.model.function_call_outputs() == expected
    assert sorted(seen) == [0, 1, 2, 3, 4, 5, 10]
    assert len(tool_items(result)) == 10 and all(i.success for i in tool_items(result))


def test_tools_on_two_threads_of_one_client_are_routed_apart(
    env: OfflineEnvironment, codex: Codex
) -> None:
    @tool(name="whoami")
    def whoami_a(call: ToolCall) -> str:
        """Which thread answers."""
        return f"A:{call.thread_id}"

    @tool(name="whoami")
    def whoami_b(call: ToolCall) -> str:
        """Which thread answers."""
        return f"B:{call.thread_id}"

    thread_a = codex.thread_start(tools=[whoami_a])
    thread_b = codex.thread_start(tools=[whoami_b])
    env.model.enqueue(function_call("whoami", {}, call_id="a1"), text("a done"))
    thread_a.run("who?")
    env.model.enqueue(function_call("whoami", {}, call_id="b1"), text("b done"))
    thread_b.run("who?")

    outputs = env.model.function_call_outputs()  # thread B's history: only its own call
    assert outputs == {"b1": f"B:{thread_b.id}"}
    assert env.model.function_call_outputs(-3) == {"a1": f"A:{thread_a.id}"}


def test_the_stream_shows_the_tool_call_items(env: OfflineEnvironment, codex: Codex) -> None:
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    env.model.enqueue(function_call("ping", {}, call_id="p1"), text("done"))
    turn = codex.thread_start(tools=[ping]).turn("ping")
    events = [
        (n.method, type(n.params.item).__name__, n.params.item.status)  # type: ignore[union-attr]
        for n in turn.stream()
        if n.method in ("item/started", "item/completed")
        and n.raw["item"]["type"] == "dynamicToolCall"
    ]
    assert events == [
        ("item/started", "DynamicToolCallThreadItem", "inProgress"),
        ("item/completed", "DynamicToolCallThreadItem", "completed"),
    ]
    assert tool_items(turn.run())[0].content_items[0].text == "pong"


class Chart(BaseModel):
    """Draw a chart."""

    title: str


def test_images_and_model_tools_reach_the_model(env: OfflineEnvironment, codex: Codex) -> None:
    png = tiny_png()

    def draw(chart: Chart) -> list[Any]:
        return [f"chart {chart.title}:", png]

    chart_tool = Tool.from_model(Chart, draw, name="draw_chart")
    env.model.enqueue(function_call("draw_chart", {"title": "sales"}, call_id="c1"), text("ok"))
    codex.thread_start(tools=[chart_tool]).run("draw")

    text_part, image_part = env.model.function_call_outputs()["c1"]
    assert text_part == {"type": "input_text", "text": "chart sales:"}
    assert image_part["type"] == "input_image"  # codex adds its own "detail"
    assert image_part["image_url"] == "data:image/png;base64," + base64.b64encode(png).decode()


def test_a_resumed_thread_keeps_its_tools_and_tools_answers_them(env: OfflineEnvironment) -> None:
    """The server stores a thread's tools: `thread/resume` takes none, yet the model sees
    them again and their calls come to the client that resumed it."""

    @tool
    def stamp(text: str) -> str:
        """Stamp a text."""
        return f"[{text}]"

    env.model.enqueue(text("first"))
    with Codex(env.config) as first:
        thread_id = first.thread_start(tools=[stamp]).id
        first.thread(thread_id).run("hello")

    env.model.enqueue(function_call("stamp", {"text": "again"}, call_id="st1"), text("second"))
    with Codex(env.config) as second:
        result = second.thread_resume(thread_id, tools=[stamp]).run("stamp it")
    assert result.final_response == "second"
    assert "stamp" in env.model.tool_names()
    assert env.model.function_call_outputs()["st1"] == "[again]"


def test_closing_the_client_while_a_tool_runs_does_not_wait_for_it(env: OfflineEnvironment) -> None:
    """A blocking tool cannot be stopped; closing the client must not hang on it (its worker
    is a daemon thread whose late answer is dropped)."""
    entered = threading.Event()
    release = threading.Event()

    @tool
    def stuck() -> str:
        """Blocks until released."""
        entered.set()
        release.wait(30)
        return "late"

    env.model.enqueue(function_call("stuck", {}, call_id="x1"), text("never"))
    codex = Codex(env.config)
    try:
        codex.thread_start(tools=[stuck]).turn("block")
        assert entered.wait(30)
        codex.close()
        assert codex.closed
    finally:
        release.set()
        codex.close()


def test_tools_without_the_experimental_opt_in_fail_before_anything_is_sent() -> None:
    """The opt-in is part of `initialize`, so the SDK cannot switch it on later: it refuses
    `tools=` at once, naming the setting, and writes nothing to the server."""

    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    with offline_environment() as plain, Codex(plain.config) as codex:
        sent: list[str] = []
        session = codex.client.session
        original = session.request_from_thread

        def spy(method: str, *args: Any, **kwargs: Any) -> Any:
            sent.append(method)
            return original(method, *args, **kwargs)

        session.request_from_thread = spy  # type: ignore[method-assign]
        with pytest.raises(ExperimentalApiError, match=r"experimental_api=True") as caught:
            codex.thread_start(tools=[ping])
        assert (caught.value.method, caught.value.fields) == ("thread/start", ("tools",))
        with pytest.raises(ExperimentalApiError, match=r"`thread/resume` argument\(s\) `tools`"):
            codex.thread_resume("0000", tools=[ping])
        assert sent == []
        assert codex.thread_start().id  # the client is fine otherwise
        assert sent == ["thread/start"]


async def test_tools_without_the_opt_in_fail_on_the_async_client_too() -> None:
    @tool
    async def ping() -> str:
        """Ping."""
        return "pong"

    with offline_environment() as plain:
        async with AsyncCodex(plain.config) as codex:
            with pytest.raises(ExperimentalApiError):
                await codex.thread_start(tools=[ping])
            with pytest.raises(ExperimentalApiError):
                await codex.thread_fork("0000", tools=[ping])


def test_tools_and_dynamic_tools_together_are_refused(codex: Codex) -> None:
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    with pytest.raises(TypeError, match="tools= or dynamic_tools=, not both"):
        codex.thread_start(tools=[ping], dynamic_tools=[])


async def test_sync_tools_of_two_threads_run_at_once_on_the_handler_pool() -> None:
    """codex 0.163.0 runs one thread's tool calls one at a time (even calls the model made in
    parallel), so two turns on two threads make two calls at once: both block until the other
    has started, which only two worker threads of the client's pool can do."""
    lock = threading.Lock()
    entered: list[str] = []
    workers: set[int] = set()
    both_in = threading.Event()

    @tool
    def meet(call: ToolCall) -> str:
        """Blocks until the other thread's call has started too."""
        with lock:
            entered.append(threading.current_thread().name)
            workers.add(threading.get_ident())
            if len(entered) == 2:
                both_in.set()
        assert both_in.wait(30), "the other call never started"
        return f"met on {call.thread_id}"

    replies = [function_call("meet", {}, call_id=f"m{n}") for n in range(2)]
    with offline_environment(
        *replies, text("a"), text("b"), experimental_api=True, handler_threads=2
    ) as env:
        async with AsyncCodex(env.config) as codex:
            first = await codex.thread_start(tools=[meet])
            second = await codex.thread_start(tools=[meet])
            results = await asyncio.gather(first.run("meet"), second.run("meet"))
    assert sorted(r.final_response or "" for r in results) == ["a", "b"]
    assert [tool_items(r)[0].success for r in results] == [True, True]
    outputs = {text for r in results for text in [tool_items(r)[0].content_items[0].text]}
    assert outputs == {f"met on {first.id}", f"met on {second.id}"}
    assert entered == ["codex-handler", "codex-handler"]  # the pool's workers
    assert len(workers) == 2  # two of them, at once
