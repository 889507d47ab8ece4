"""Tools, async: an `async def` tool is awaited on the client's event loop (a sync one would
run in a worker thread, also with `AsyncCodex`).

    python examples/tools_async.py [--offline]
"""

import asyncio
from typing import Annotated, Literal

from _offline import codex_config, function_call, function_calls, text
from pydantic import BaseModel

from codex_app_server import AppServerConfig, AsyncCodex, ToolError, tool
from codex_app_server.models import (
    DynamicToolCallThreadItem,
    InputTextDynamicToolCallOutputContentItem,
)

FORECASTS = {"paris": 21.5, "oslo": 4.0}


class Forecast(BaseModel):
    city: str
    temperature: float
    unit: str


@tool
async def get_weather(
    city: Annotated[str, "The city, e.g. Paris"],
    unit: Literal["celsius", "fahrenheit"] = "celsius",
) -> Forecast:
    """Today's forecast for a city."""
    await asyncio.sleep(0)  # e.g. an HTTP call to a weather service
    celsius = FORECASTS.get(city.lower())
    if celsius is None:
        raise ToolError(f"no forecast for {city}")  # the model sees exactly this
    value = celsius if unit == "celsius" else celsius * 9 / 5 + 32
    return Forecast(city=city, temperature=value, unit=unit)  # sent as JSON


@tool(timeout=10)
async def convert(amount: float, rate: float) -> str:
    """Multiply an amount by an exchange rate.

    Args:
        amount: The amount to convert.
        rate: Units of the target currency per unit of the source one.
    """
    return f"{amount * rate:.2f}"


def output_text(item: DynamicToolCallThreadItem) -> str:
    """What the model was told: the text items of the answer (images shown as <image>)."""
    return " ".join(
        c.text if isinstance(c, InputTextDynamicToolCallOutputContentItem) else "<image>"
        for c in item.content_items or []
    )


SCRIPT = [
    function_calls(  # the model calls two tools at once...
        function_call("get_weather", {"city": "Paris"}),
        function_call("get_weather", {"city": "Atlantis"}),
    ),
    function_call("convert", {"amount": "twelve", "rate": 1.1}),  # ...then one with a bad argument
    function_call("convert", {"amount": 12, "rate": 1.1}),  # ...and corrects itself
    text("Paris: 21.5 °C; no forecast for Atlantis. 12 EUR is 13.20 USD."),
]


async def main() -> None:
    with codex_config(*SCRIPT, experimental_api=True) as offline:
        config = offline or AppServerConfig(experimental_api=True)
        async with AsyncCodex(config) as codex:
            thread = await codex.thread_start(tools=[get_weather, convert])
            result = await thread.run(
                "What is the weather in Paris and in Atlantis? And 12 EUR in USD at 1.1?"
            )
            for item in result.items:
                if isinstance(item, DynamicToolCallThreadItem):  # one per tool call, typed
                    outcome = "ok" if item.success else "failed"
                    print(f"tool {item.tool}({item.arguments}): {outcome} -> {output_text(item)}")
            print("answer:", result.final_response)


asyncio.run(main())
