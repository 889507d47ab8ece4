"""Tools: plain Python functions the agent can call.

`@tool` turns a typed function into a tool: the name comes from the function, the description
from its docstring, the input JSON schema from its signature (`Annotated[T, "text"]` describes
an argument). `thread_start(tools=[...])` offers them; when the model calls one, the SDK checks
the arguments, runs the function and sends the result back. An exception, bad arguments or a
timeout become a failed result the model sees, and the turn goes on. Tools need the
experimental API: `AppServerConfig(experimental_api=True)`.

    python examples/tools.py [--offline]
"""

from typing import Annotated, Literal

from _offline import codex_config, function_call, function_calls, text
from pydantic import BaseModel

from codex_app_server import AppServerConfig, Codex, ToolError, tool
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
def get_weather(
    city: Annotated[str, "The city, e.g. Paris"],
    unit: Literal["celsius", "fahrenheit"] = "celsius",
) -> Forecast:
    """Today's forecast for a city."""
    celsius = FORECASTS.get(city.lower())
    if celsius is None:
        raise ToolError(f"no forecast for {city}")  # the model sees exactly this
    value = celsius if unit == "celsius" else celsius * 9 / 5 + 32
    return Forecast(city=city, temperature=value, unit=unit)  # sent as JSON


@tool(timeout=10)
def convert(amount: float, rate: float) -> str:
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

with codex_config(*SCRIPT, experimental_api=True) as offline:
    config = offline or AppServerConfig(experimental_api=True)
    with Codex(config) as codex:
        thread = codex.thread_start(tools=[get_weather, convert])
        result = thread.run(
            "What is the weather in Paris and in Atlantis? And 12 EUR in USD at 1.1?"
        )
        for item in result.items:
            if isinstance(item, DynamicToolCallThreadItem):  # one per tool call, typed
                outcome = "ok" if item.success else "failed"
                print(f"tool {item.tool}({item.arguments}): {outcome} -> {output_text(item)}")
        print("answer:", result.final_response)
