"""A function's signature and docstring -> a tool's description, input JSON schema and a
validator for the arguments the model sends.

The schema comes from pydantic: each parameter becomes a field of a generated model (with
the parameter's default, and a description from `Annotated[T, "text"]`, `Field(...)` or the
docstring). Validation uses that same model, so what the model is told and what the SDK
accepts cannot drift apart.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, Union, cast, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from codex_app_server.errors import CodexError

#: Tool names the model can call: what the Responses API allows for a function name.
TOOL_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

_GOOGLE_SECTION = re.compile(r"^(Args|Arguments|Parameters|Params)\s*:\s*$")
_ANY_GOOGLE_SECTION = re.compile(
    r"^(Args|Arguments|Parameters|Params|Returns?|Yields?|Raises|Examples?|Notes?|"
    r"Attributes|Warnings?|See Also|References|Todo)\s*:\s*$"
)
_GOOGLE_ARG = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_SPHINX_FIELD = re.compile(
    r"^:(param|parameter|arg|argument|key|keyword)\s+(?:[^:]*\s)?(\w+)\s*:(.*)$"
)
_SPHINX_ANY_FIELD = re.compile(r"^:\w+[^:]*:")
_NUMPY_UNDERLINE = re.compile(r"^-{3,}\s*$")
_NUMPY_ARG = re.compile(r"^\*{0,2}(\w+)\s*(?::.*)?$")


class ToolArgumentsError(CodexError, ValueError):
    """The arguments of a tool call do not fit the tool's parameters (the text is what the
    model is told)."""


def check_tool_name(name: str) -> str:
    if not isinstance(name, str) or not TOOL_NAME_RE.match(name):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ValueError(
            f"invalid tool name {name!r}: use 1 to 64 letters, digits, '_' or '-' "
            "(the names a model can call)"
        )
    return name


@dataclass(frozen=True)
class Docstring:
    """A docstring split into the text that describes the function and its per-parameter
    descriptions (Google `Args:`, Sphinx `:param x:` and NumPy `Parameters` styles)."""

    summary: str
    params: Mapping[str, str]


def parse_docstring(doc: str | None) -> Docstring:
    if not doc:
        return Docstring("", {})
    lines = inspect.cleandoc(doc).splitlines()
    params: dict[str, str] = {}
    end = len(lines)
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if _ANY_GOOGLE_SECTION.match(line) and not line.startswith(" "):
            end = min(end, index)
            if _GOOGLE_SECTION.match(line):
                index = _google_args(lines, index + 1, params)
                continue
        elif index + 1 < len(lines) and _NUMPY_UNDERLINE.match(lines[index + 1]) and stripped:
            end = min(end, index)
            if stripped in ("Parameters", "Arguments", "Args", "Other Parameters"):
                index = _numpy_args(lines, index + 2, params)
                continue
        elif _SPHINX_ANY_FIELD.match(stripped):
            end = min(end, index)
            index = _sphinx_field(lines, index, params)
            continue
        index += 1
    summary = "\n".join(lines[:end]).strip()
    return Docstring(summary, params)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _google_args(lines: list[str], index: int, params: dict[str, str]) -> int:
    current: str | None = None
    base: int | None = None
    while index < len(lines):
        line = lines[index]
        if line.strip() and _indent(line) == 0:
            return index  # the next section (or text) starts
        if line.strip():
            if base is None:
                base = _indent(line)
            match = _GOOGLE_ARG.match(line.strip())
            if _indent(line) <= base and match:
                current = str(match.group(1))
                params[current] = str(match.group(2)).strip()
            elif current is not None:
                params[current] = f"{params[current]} {line.strip()}".strip()
        index += 1
    return index


def _numpy_args(lines: list[str], index: int, params: dict[str, str]) -> int:
    current: str | None = None
    while index < len(lines):
        line = lines[index]
        if index + 1 < len(lines) and _NUMPY_UNDERLINE.match(lines[index + 1]) and line.strip():
            return index  # the next section
        if line.strip():
            match = _NUMPY_ARG.match(line) if _indent(line) == 0 else None
            if match:
                current = str(match.group(1))
                params.setdefault(current, "")
            elif current is not None:
                params[current] = f"{params[current]} {line.strip()}".strip()
        index += 1
    return index


def _sphinx_field(lines: list[str], index: int, params: dict[str, str]) -> int:
    match = _SPHINX_FIELD.match(lines[index].strip())
    name = match.group(2) if match else None
    text = match.group(3).strip() if match else ""
    index += 1
    while index < len(lines) and lines[index].strip() and _indent(lines[index]) > 0:
        text = f"{text} {lines[index].strip()}".strip()
        index += 1
    if name is not None:
        params[name] = text
    return index


@dataclass(frozen=True)
class Parameter:
    name: str
    field: str  # the field of the arguments model (parameter names may clash with pydantic's)
    positional_only: bool


@dataclass(frozen=True)
class Signature:
    """How to call one function with validated arguments."""

    model: type[BaseModel]
    parameters: tuple[Parameter, ...]
    context_parameter: str | None  # receives the `ToolCall`, not in the schema

    def bind(self, arguments: Any, context: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The positional and keyword arguments for the function; `ToolArgumentsError` when
        the model's arguments do not fit."""
        validated = validate(self.model, arguments)
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for parameter in self.parameters:
            value = getattr(validated, parameter.field)
            if parameter.positional_only:
                args.append(value)
            else:
                kwargs[parameter.name] = value
        if self.context_parameter is not None:
            kwargs[self.context_parameter] = context
        return tuple(args), kwargs


def validate(model: type[BaseModel], arguments: Any) -> BaseModel:
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise ToolArgumentsError(
            f"the arguments must be a JSON object, not {type(arguments).__name__}"
        )
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        raise ToolArgumentsError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """Every problem, one per line, by argument path: what the model can act on."""
    problems: list[str] = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "(arguments)"
        problems.append(f"{where}: {error['msg']}")
    return "invalid arguments: " + "; ".join(problems)


def signature_of(
    fn: Callable[..., Any], docstring: Docstring, context_type: type[Any]
) -> Signature:
    """The arguments model of `fn`: one field per parameter, each parameter typed."""
    try:
        hints = get_type_hints(fn, include_extras=True)
    except (NameError, TypeError) as exc:
        raise TypeError(
            f"cannot read the type hints of {_qualname(fn)} ({exc}); a tool's parameter "
            "types must be importable where the function is defined"
        ) from exc
    fields: dict[str, Any] = {}
    parameters: list[Parameter] = []
    context_parameter: str | None = None
    for index, param in enumerate(inspect.signature(fn).parameters.values()):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(
                f"{_qualname(fn)} takes *{param.name}: a tool needs named, typed parameters"
            )
        if param.name not in hints:
            raise TypeError(
                f"parameter {param.name!r} of {_qualname(fn)} has no type annotation: "
                "a tool's parameters must be typed (the type becomes the model's JSON schema)"
            )
        annotation = hints[param.name]
        if _is_context(annotation, context_type):
            context_parameter = param.name
            continue
        annotation = _with_description(annotation, docstring.params.get(param.name))
        default = ... if param.default is param.empty else param.default
        field = f"p{index}"
        fields[field] = (annotation, Field(default, alias=param.name))
        parameters.append(Parameter(param.name, field, param.kind is param.POSITIONAL_ONLY))
    model: type[BaseModel] = create_model(  # pyright: ignore[reportCallIssue, reportUnknownVariableType]
        f"{getattr(fn, '__name__', 'tool')}_arguments",
        __config__=ConfigDict(extra="forbid"),
        **fields,
    )
    return Signature(model, tuple(parameters), context_parameter)


def _is_context(annotation: Any, context_type: type[Any]) -> bool:
    """`ToolCall`, `ToolCall | None` or `Annotated[ToolCall, ...]`."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if annotation is context_type:
        return True
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    return context_type in options and all(o in (context_type, type(None)) for o in options)


def _with_description(annotation: Any, from_docstring: str | None) -> Any:
    """`Annotated[T, "text"]` -> `Annotated[T, Field(description="text")]`; else the
    docstring's description, unless a `Field` in the annotation already gives one."""
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        texts = [m for m in metadata if isinstance(m, str)]
        others = [m for m in metadata if not isinstance(m, str)]
        described = any(getattr(m, "description", None) for m in others)
        description = texts[0] if texts else None if described else from_docstring
        if description:
            others.append(Field(description=description))
        return Annotated[(base, *others)] if others else base  # pyright: ignore[reportInvalidTypeArguments]
    if from_docstring:
        return Annotated[annotation, Field(description=from_docstring)]
    return annotation


def json_schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, without pydantic's generated titles (codex drops them
    anyway; they only cost the model's context)."""
    return cast("dict[str, Any]", _drop_titles(model.model_json_schema(by_alias=True)))


def _drop_titles(schema: Any, in_properties: bool = False) -> Any:
    if isinstance(schema, dict):
        entries = cast("dict[str, Any]", schema)
        return {
            key: _drop_titles(value, key in ("properties", "$defs") and not in_properties)
            for key, value in entries.items()
            if in_properties or not (key == "title" and isinstance(value, str))
        }
    if isinstance(schema, list):
        return [_drop_titles(value) for value in cast("list[Any]", schema)]
    return schema


def _qualname(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
