"""Python functions as the agent's tools.

    from typing import Annotated
    from codex_app_server import Codex, AppServerConfig, tool

    @tool
    def get_weather(city: Annotated[str, "The city, e.g. Paris"], days: int = 1) -> str:
        \"\"\"The weather forecast for a city.\"\"\"
        return f"Sunny in {city} for {days} days"

    with Codex(AppServerConfig(experimental_api=True)) as codex:
        thread = codex.thread_start(tools=[get_weather])
        print(thread.run("Weather in Paris?").final_response)

`@tool` reads the function: its name is the tool's name, its docstring the description
(per-argument descriptions from the docstring's `Args:` section or `Annotated[T, "text"]`),
its signature the input JSON schema (via pydantic). When the model calls the tool, the SDK
validates the arguments against the signature, runs the function (sync functions on the
client's bounded handler pool, async ones on the event loop) and sends back what it returns: a `str` as text;
pydantic models, dataclasses, dicts, lists and numbers as JSON text; `bytes` of a PNG, JPEG,
GIF or WebP image, a `pathlib.Path` to one, `ImageInput` or `LocalImageInput` as an image; a
list holding images as text and images in order; a `ToolResult` as given. An exception
(`ToolError` for a message of your own), arguments that do not fit, a timeout or an unknown
tool name become a failed result the model sees (`success: false` with the error text); the
turn goes on.

`Tool.from_model(Model, fn)` builds a tool from a pydantic model class (the arguments) and a
callable taking one instance of it; `Tool.from_spec(spec, handler)` takes a raw
`{"name", "description", "inputSchema"}` and a handler that gets the arguments as sent.

A parameter annotated `ToolCall` receives the call's context (thread, turn, call id) and is
left out of the schema.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeAlias, TypeVar, cast, overload

from codex_app_server._tool_output import content_items, text_item
from codex_app_server._tool_schema import (
    ToolArgumentsError,
    check_tool_name,
    json_schema_of,
    parse_docstring,
    signature_of,
    validate,
)
from codex_app_server.errors import CodexError

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "Tool",
    "ToolArgumentsError",
    "ToolCall",
    "ToolError",
    "ToolLike",
    "ToolResult",
    "tool",
]

P = ParamSpec("P")
R = TypeVar("R")
FP = ParamSpec("FP")  # the factories' own type variables: they are static, not per class
FR = TypeVar("FR")
M = TypeVar("M", bound="BaseModel")


#: What `tools=` takes: a `Tool`, or a plain typed function (made one as `@tool` would).
ToolLike: TypeAlias = "Tool[..., Any] | Callable[..., Any]"


class ToolError(CodexError):
    """Raise it in a tool to fail the call with exactly this message for the model (any
    other exception is reported as `TypeName: message`)."""


@dataclass(frozen=True)
class ToolCall:
    """One call of a tool by the model (the `item/tool/call` request). Annotate a tool
    parameter with `ToolCall` to receive it."""

    thread_id: str
    turn_id: str
    call_id: str
    tool: str
    arguments: Any = field(repr=False)
    namespace: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ToolCall:
        """The call from the request's wire params."""
        namespace = params.get("namespace")
        return cls(
            thread_id=str(params.get("threadId", "")),
            turn_id=str(params.get("turnId", "")),
            call_id=str(params.get("callId", "")),
            tool=str(params.get("tool", "")),
            arguments=params.get("arguments"),
            namespace=namespace if isinstance(namespace, str) else None,
        )


@dataclass(frozen=True)
class ToolResult:
    """Full control over the answer: content items in their wire shape
    (`{"type": "inputText", "text": ...}`, `{"type": "inputImage", "imageUrl": ...}`) and
    whether the call succeeded. `ToolResult.text("...")` and `ToolResult.failure("...")`
    cover the common cases; `ToolResult.of(value)` converts like a plain return value."""

    content_items: Sequence[Mapping[str, Any]]
    success: bool = True

    @classmethod
    def text(cls, text: str, *, success: bool = True) -> ToolResult:
        """One text item."""
        return cls([text_item(text)], success)

    @classmethod
    def failure(cls, message: str) -> ToolResult:
        """A failed call whose error text the model sees."""
        return cls([text_item(message)], success=False)

    @classmethod
    def of(cls, value: Any, *, success: bool = True) -> ToolResult:
        """Any value a tool may return, converted the same way."""
        return cls(content_items(value), success)

    def to_wire(self) -> dict[str, Any]:
        """The `item/tool/call` answer (`DynamicToolCallResponse` in its wire shape)."""
        return {
            "contentItems": [dict(item) for item in self.content_items],
            "success": self.success,
        }


class Tool(Generic[P, R]):
    """A function the model can call. Make one with `@tool`, `Tool.from_model` or
    `Tool.from_spec`; offer it with `codex.thread_start(tools=[...])`.

    Calling the `Tool` calls the function itself (handy in tests).
    """

    def __init__(
        self,
        fn: Callable[P, R],
        *,
        name: str,
        description: str,
        input_schema: Mapping[str, Any],
        bind: Callable[[Any, ToolCall], tuple[tuple[Any, ...], dict[str, Any]]],
        timeout: float | None = None,
    ) -> None:
        if timeout is not None and not timeout > 0:
            raise ValueError(f"a tool's timeout must be > 0 or None, not {timeout!r}")
        self._fn = fn
        self.name: str = check_tool_name(name)
        self.description: str = description
        self.input_schema: dict[str, Any] = dict(input_schema)
        self.timeout: float | None = timeout
        self._bind = bind
        self.is_async: bool = inspect.iscoroutinefunction(fn)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    @staticmethod
    def from_function(
        fn: Callable[FP, FR],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> Tool[FP, FR]:
        """What `@tool` does: name from the function, description from its docstring,
        schema and validation from its typed signature."""
        docstring = parse_docstring(inspect.getdoc(fn))
        signature = signature_of(fn, docstring, ToolCall)
        return Tool(
            fn,
            name=name if name is not None else _function_name(fn),
            description=description if description is not None else docstring.summary,
            input_schema=json_schema_of(signature.model),
            bind=signature.bind,
            timeout=timeout,
        )

    @staticmethod
    def from_model(
        model: type[M],
        fn: Callable[[M], FR],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> Tool[[M], FR]:
        """A tool whose arguments are one pydantic model: the schema is the model's, and
        `fn` gets the validated instance. Name from `fn`, description from the model's
        docstring (else `fn`'s)."""
        docs = parse_docstring(inspect.getdoc(fn))
        default_description = parse_docstring(model.__doc__).summary or docs.summary

        def bind(arguments: Any, _call: ToolCall) -> tuple[tuple[Any, ...], dict[str, Any]]:
            return (validate(model, arguments),), {}

        return Tool(
            fn,
            name=name if name is not None else _function_name(fn),
            description=description if description is not None else default_description,
            input_schema=json_schema_of(model),
            bind=bind,
            timeout=timeout,
        )

    @staticmethod
    def from_spec(
        spec: Mapping[str, Any],
        handler: Callable[[Any], FR],
        *,
        timeout: float | None = None,
    ) -> Tool[[Any], FR]:
        """A tool from a raw spec `{"name", "description", "inputSchema"}` (sent as given)
        and a handler that receives the arguments exactly as the model sent them, without
        validation."""
        for key in ("name", "inputSchema"):
            if key not in spec:
                raise ValueError(f"a tool spec needs {key!r} (it has {sorted(spec)})")
        schema = spec["inputSchema"]
        if not isinstance(schema, Mapping):
            raise TypeError("a tool spec's inputSchema must be a JSON schema object")

        def bind(arguments: Any, _call: ToolCall) -> tuple[tuple[Any, ...], dict[str, Any]]:
            return (arguments,), {}

        return Tool(
            handler,
            name=str(spec["name"]),
            description=str(spec.get("description") or ""),
            input_schema=cast("Mapping[str, Any]", schema),
            bind=bind,
            timeout=timeout,
        )

    def to_spec(self) -> dict[str, Any]:
        """The entry of `thread/start`'s `dynamicTools` for this tool."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "inputSchema": self.input_schema,
        }

    def bind(self, call: ToolCall) -> Callable[[], R]:
        """The call, ready to run: arguments validated (`ToolArgumentsError` otherwise)."""
        args, kwargs = self._bind(call.arguments, call)
        fn = cast("Callable[..., R]", self._fn)
        return lambda: fn(*args, **kwargs)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._fn(*args, **kwargs)

    def __repr__(self) -> str:
        kind = "async " if self.is_async else ""
        return f"Tool({kind}{self.name!r}, timeout={self.timeout!r})"


@overload
def tool(fn: Callable[P, R], /) -> Tool[P, R]: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> Callable[[Callable[P, R]], Tool[P, R]]: ...


def tool(
    fn: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> Tool[P, R] | Callable[[Callable[P, R]], Tool[P, R]]:
    """Make a typed function (sync or async) a tool: `@tool` or
    `@tool(name=..., description=..., timeout=...)`.

    The name defaults to the function's, the description to its docstring (without the
    `Args:` section, whose entries describe the parameters), the input schema comes from the
    signature. `timeout` (seconds) fails a call that takes longer; the model is told so.
    """
    if fn is not None:
        return Tool.from_function(fn, name=name, description=description, timeout=timeout)

    def decorate(function: Callable[P, R]) -> Tool[P, R]:
        return Tool.from_function(function, name=name, description=description, timeout=timeout)

    return decorate


def _function_name(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", None)
    if not isinstance(name, str) or name == "<lambda>":
        raise ValueError("pass name=...: this callable has no usable name")
    return name
