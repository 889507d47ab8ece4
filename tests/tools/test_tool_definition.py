"""`@tool`, `Tool.from_model` and `Tool.from_spec`: names, descriptions, input schemas and the
validation of the arguments the model sends (pure logic, no server)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field

from codex_app_server import CodexError, tool
from codex_app_server.tools import Tool, ToolArgumentsError, ToolCall


def call_of(name: str, arguments: object) -> ToolCall:
    return ToolCall("thread", "turn", "call_1", name, arguments)


class Point(BaseModel):
    x: float
    y: float = 0.0


@tool
def get_weather(
    city: Annotated[str, "The city, e.g. Paris"],
    days: int = 1,
    unit: Literal["c", "f"] = "c",
    near: Point | None = None,
) -> str:
    """The weather forecast for a city.

    Uses the local station.

    Args:
        city: ignored, Annotated wins.
        days: How many days
            ahead.
    Returns:
        The forecast as text.
    """
    return f"{city}:{days}:{unit}:{near}"


def test_the_name_comes_from_the_function_and_the_description_from_the_docstring() -> None:
    assert get_weather.name == "get_weather"
    assert get_weather.description == "The weather forecast for a city.\n\nUses the local station."


def test_the_schema_comes_from_the_signature_with_descriptions() -> None:
    schema = get_weather.input_schema
    assert schema["type"] == "object"
    assert schema["required"] == ["city"]
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert props["city"] == {"type": "string", "description": "The city, e.g. Paris"}
    assert props["days"] == {"type": "integer", "default": 1, "description": "How many days ahead."}
    assert props["unit"]["enum"] == ["c", "f"]
    assert props["near"]["anyOf"][0] == {"$ref": "#/$defs/Point"}
    assert schema["$defs"]["Point"]["required"] == ["x"]
    assert "title" not in schema and "title" not in props["city"]


def test_the_spec_is_the_canonical_dynamic_tool_shape() -> None:
    assert get_weather.to_spec() == {
        "type": "function",
        "name": "get_weather",
        "description": get_weather.description,
        "inputSchema": get_weather.input_schema,
    }


def test_arguments_are_validated_and_coerced_then_passed_by_name() -> None:
    run = get_weather.bind(call_of("get_weather", {"city": "Paris", "days": "3", "near": {"x": 1}}))
    assert run() == "Paris:3:c:x=1.0 y=0.0"


def test_bad_arguments_name_every_problem() -> None:
    with pytest.raises(ToolArgumentsError) as caught:
        get_weather.bind(call_of("get_weather", {"days": "soon", "unit": "k", "extra": 1}))
    message = str(caught.value)
    assert "city: Field required" in message
    assert "days: Input should be a valid integer" in message
    assert "unit: Input should be 'c' or 'f'" in message
    assert "extra: Extra inputs are not permitted" in message
    assert isinstance(caught.value, CodexError)


def test_arguments_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(ToolArgumentsError, match="must be a JSON object, not list"):
        get_weather.bind(call_of("get_weather", [1, 2]))


def test_no_arguments_at_all_is_an_empty_object() -> None:
    @tool
    def ping() -> str:
        """Ping."""
        return "pong"

    assert ping.input_schema["properties"] == {}
    assert ping.bind(call_of("ping", None))() == "pong"


def test_decorator_options_override_name_description_and_set_a_timeout() -> None:
    @tool(name="lookup-v2", description="Look a word up.", timeout=2.5)
    def lookup(word: str) -> str:
        """Ignored docstring."""
        return word

    assert (lookup.name, lookup.description, lookup.timeout) == (
        "lookup-v2",
        "Look a word up.",
        2.5,
    )
    assert lookup("x") == "x"  # the Tool still calls the function directly


def test_async_functions_are_tools_too() -> None:
    @tool
    async def fetch(url: str) -> str:
        """Fetch a URL."""
        return url.upper()

    assert fetch.is_async and not get_weather.is_async
    assert asyncio.run(fetch.bind(call_of("fetch", {"url": "a"}))()) == "A"


def test_docstring_styles_for_parameter_descriptions() -> None:
    @tool
    def sphinx(a: int, b: str = "") -> str:
        """Sphinx style.

        :param a: the first
            one.
        :param str b: the second.
        :returns: nothing useful.
        """
        return ""

    @tool
    def numpy(a: int) -> str:
        """NumPy style.

        Parameters
        ----------
        a : int
            The first
            one.

        Returns
        -------
        str
        """
        return ""

    assert sphinx.description == "Sphinx style."
    assert sphinx.input_schema["properties"]["a"]["description"] == "the first one."
    assert sphinx.input_schema["properties"]["b"]["description"] == "the second."
    assert numpy.description == "NumPy style."
    assert numpy.input_schema["properties"]["a"]["description"] == "The first one."


def test_field_metadata_is_kept_and_checked() -> None:
    @tool
    def scale(factor: Annotated[float, Field(gt=0, description="How much")]) -> float:
        """Scale."""
        return factor

    assert scale.input_schema["properties"]["factor"] == {
        "type": "number",
        "exclusiveMinimum": 0,
        "description": "How much",
    }
    with pytest.raises(ToolArgumentsError, match="factor: Input should be greater than 0"):
        scale.bind(call_of("scale", {"factor": -1}))


def test_parameter_names_that_clash_with_pydantic_attributes_work() -> None:
    @tool
    def odd(json: str, model_config: int, schema: bool = False) -> str:
        """Odd names."""
        return f"{json}{model_config}{schema}"

    assert sorted(odd.input_schema["properties"]) == ["json", "model_config", "schema"]
    assert odd.bind(call_of("odd", {"json": "j", "model_config": 2}))() == "j2False"


def test_positional_only_parameters_are_passed_positionally() -> None:
    @tool
    def pos(a: int, /, b: int) -> int:
        """Positional."""
        return a * 10 + b

    assert pos.bind(call_of("pos", {"a": 1, "b": 2}))() == 12


def test_a_tool_call_parameter_gets_the_context_and_stays_out_of_the_schema() -> None:
    @tool
    def where(city: str, call: ToolCall) -> str:
        """Where."""
        return f"{city}@{call.thread_id}/{call.call_id}"

    @tool
    def maybe(call: ToolCall | None = None) -> str:
        """Maybe."""
        return call.turn_id if call else ""

    assert list(where.input_schema["properties"]) == ["city"]
    assert where.bind(call_of("where", {"city": "P"}))() == "P@thread/call_1"
    assert maybe.input_schema["properties"] == {}
    assert maybe.bind(call_of("maybe", {}))() == "turn"


def test_untyped_or_variadic_functions_are_refused_at_decoration() -> None:
    def untyped(a, b: int) -> int:  # type: ignore[no-untyped-def]
        return b

    def variadic(*args: int) -> int:
        return 0

    with pytest.raises(TypeError, match=r"parameter 'a' of .*untyped has no type annotation"):
        tool(untyped)  # pyright: ignore[reportUnknownArgumentType]
    with pytest.raises(TypeError, match=r"takes \*args"):
        tool(variadic)


def test_invalid_names_and_timeouts_are_refused() -> None:
    with pytest.raises(ValueError, match="invalid tool name 'has space'"):
        tool(name="has space")(lambda: "")
    with pytest.raises(ValueError, match="pass name="):
        tool(lambda: "")
    with pytest.raises(ValueError, match="timeout must be > 0"):
        tool(timeout=0)(get_weather.__wrapped__)


class Search(BaseModel):
    """Search the catalogue."""

    query: str = Field(description="What to look for")
    limit: int = 10


def test_a_tool_from_a_model_class_and_a_callable() -> None:
    def search(args: Search) -> list[str]:
        return [args.query] * args.limit

    search_tool = Tool.from_model(Search, search)
    assert (search_tool.name, search_tool.description) == ("search", "Search the catalogue.")
    assert search_tool.input_schema["properties"]["query"]["description"] == "What to look for"
    assert search_tool.bind(call_of("search", {"query": "q", "limit": 2}))() == ["q", "q"]
    with pytest.raises(ToolArgumentsError, match="query: Field required"):
        search_tool.bind(call_of("search", {}))


def test_a_tool_from_a_raw_spec_gets_the_arguments_as_sent() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    raw = Tool.from_spec({"name": "raw", "description": "Raw.", "inputSchema": schema}, dict)
    assert raw.to_spec() == {
        "type": "function",
        "name": "raw",
        "description": "Raw.",
        "inputSchema": schema,
    }
    assert raw.bind(call_of("raw", {"n": "not validated"}))() == {"n": "not validated"}
    with pytest.raises(ValueError, match="needs 'inputSchema'"):
        Tool.from_spec({"name": "x"}, dict)


def test_a_bound_method_is_a_tool_with_its_instance() -> None:
    class Counter:
        def __init__(self) -> None:
            self.total = 0

        def add(self, amount: int) -> int:
            """Add to the running total."""
            self.total += amount
            return self.total

    counter = Counter()
    add = tool(counter.add)
    assert (add.name, list(add.input_schema["properties"])) == ("add", ["amount"])
    add.bind(call_of("add", {"amount": 2}))()
    assert add.bind(call_of("add", {"amount": 3}))() == 5
