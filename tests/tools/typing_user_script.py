"""A user's script with typed tools: pyright strict must find nothing to say about it
(checked by test_typing.py). Not collected by pytest, never run."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Annotated, Any, Literal

from pydantic import BaseModel
from typing_extensions import assert_type

from codex_app_server import AppServerConfig, AsyncCodex, Codex, Tool, ToolCall, ToolResult, tool


class Forecast(BaseModel):
    city: str
    temperature: float


@tool
def get_weather(
    city: Annotated[str, "The city"], unit: Literal["c", "f"] = "c", days: int = 1
) -> Forecast:
    """The forecast for a city."""
    return Forecast(city=city, temperature=21.0 if unit == "c" else 70.0)


@tool(name="lookup", description="Look a word up.", timeout=5)
async def lookup(word: str, call: ToolCall) -> list[str]:
    return [word, call.thread_id]


class Search(BaseModel):
    query: str


def search(args: Search) -> ToolResult:
    return ToolResult.text(args.query)


def echo_raw(arguments: Any) -> str:
    return repr(arguments)


search_tool = Tool.from_model(Search, search)
raw_tool = Tool.from_spec({"name": "raw", "inputSchema": {"type": "object"}}, echo_raw)

# The decorated functions keep their signatures: calling a tool calls the function.
assert_type(get_weather("Paris", "f", days=2), Forecast)
pending: Coroutine[Any, Any, list[str]] = lookup("codex", ToolCall("t", "u", "c", "lookup", {}))
pending.close()
assert_type(search_tool, Tool[[Search], ToolResult])
assert_type(raw_tool, Tool[[Any], str])
name: str = get_weather.name
schema: dict[str, Any] = get_weather.input_schema


def main() -> str | None:
    with Codex(AppServerConfig(experimental_api=True)) as codex:
        thread = codex.thread_start(tools=[get_weather, lookup, search_tool, raw_tool])
        return thread.run("Weather in Paris?").final_response


async def amain() -> str | None:
    async with AsyncCodex(AppServerConfig(experimental_api=True)) as codex:
        thread = await codex.thread_start(tools=[get_weather], model="mock-model")
        resumed = await codex.thread_resume(thread.id, tools=[get_weather])
        return (await resumed.run("again")).final_response
