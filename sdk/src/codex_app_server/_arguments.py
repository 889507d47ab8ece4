"""Checking what a public call was given, before anything is sent.

- `check_keywords`: a keyword the params model has no field for (by Python or wire name) is a
  typo (`modle=`): `UnknownArgumentError` (a `TypeError`) names it and the closest valid
  name. The models themselves keep unknown keys (they must accept what newer servers send),
  so without this check a typo would be dropped silently.
- `validated`: pydantic's `ValidationError` becomes `InvalidArgumentError` /
  `ArgumentTypeError` naming the field, what it takes and what it got; an enum value the
  protocol does not list (the models keep those for data a newer server sends) is refused too.
- `plain`: path-like values become strings wherever they are (the wire takes paths as strings).
- `check_client_arguments`: the constructors' `config` and `handlers`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from codex_app_server.errors import ArgumentTypeError, InvalidArgumentError, UnknownArgumentError

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError
    from pydantic_core import ErrorDetails

    from codex_app_server._specs import ModelRef

# pydantic error types that mean "wrong type" rather than "wrong value"
_TYPE_ERRORS = frozenset(
    {
        "string_type",
        "int_type",
        "float_type",
        "bool_type",
        "bool_parsing",
        "int_parsing",
        "float_parsing",
        "dict_type",
        "list_type",
        "tuple_type",
        "model_type",
        "model_attributes_type",
        "is_instance_of",
        "none_required",
        "bytes_type",
    }
)
_GOT_LIMIT = 60


def suggestion_for(name: str, valid: Iterable[str]) -> str | None:
    """The valid name closest to a misspelt one (None when nothing is close)."""
    import difflib

    found = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_keyword(name: str, valid: Iterable[str], where: str) -> UnknownArgumentError:
    """The error for a keyword `where` does not take."""
    choices = sorted(valid)
    close = suggestion_for(name, choices)
    hint = f"; did you mean {close!r}?" if close else f"; it takes: {', '.join(choices)}"
    return UnknownArgumentError(
        f"{where} got an unexpected keyword argument {name!r}{hint}", name=name, suggestion=close
    )


@functools.cache
def field_names(model: type[BaseModel]) -> dict[str, str]:
    """{accepted key: Python name} of a params model: Python names and wire names (aliases)."""
    names: dict[str, str] = {}
    for name, info in model.model_fields.items():
        names[name] = name
        if info.alias:
            names[info.alias] = name
    return names


def check_keywords(model: type[BaseModel], params: Mapping[str, Any], where: str) -> None:
    """Raise `UnknownArgumentError` for the first key of `params` the model has no field for."""
    names = field_names(model)
    for key in params:
        if key not in names:
            python_names = set(model.model_fields)
            raise unknown_keyword(key, python_names, where)


def check_nulls(model: type[BaseModel], params: Mapping[str, Any], where: str) -> None:
    """None for an optional argument the server refuses `null` for: `InvalidArgumentError`
    (left out, it is simply not sent). `where` is the wire method."""
    from codex_app_server._generated.nullability import NON_NULLABLE

    refused = NON_NULLABLE.get(where)
    if not refused:
        return
    names = field_names(model)
    for key, value in params.items():
        name = names.get(key, key)
        if value is None and name in refused:
            expected = "a value (leave it out rather than pass None)"
            raise InvalidArgumentError(
                f"{where}: {name} does not take None (the server refuses null); leave it out",
                field=name,
                expected=expected,
                got="None",
            )


def plain(value: Any) -> Any:
    """`value` with every path-like (`pathlib.Path`, ...) turned into its string, at any depth."""
    if isinstance(value, os.PathLike):
        return os.fspath(cast("os.PathLike[str]", value))
    if isinstance(value, Mapping):
        items = cast("Mapping[Any, Any]", value).items()
        return {key: plain(item) for key, item in items}
    if isinstance(value, list | tuple):
        return [plain(item) for item in cast("Sequence[Any]", value)]
    return value


def validated(ref: ModelRef, params: Any, where: str) -> Any:
    """`params` validated into the model `ref` names; errors as `InvalidArgumentError`."""
    from pydantic import ValidationError

    model = ref.resolve()
    if isinstance(params, Mapping) and isinstance(model, type):
        given = cast("Mapping[str, Any]", params)
        check_keywords(cast("type[BaseModel]", model), given, where)
        check_nulls(cast("type[BaseModel]", model), given, where)
    try:
        value = ref.validate(plain(params))
    except ValidationError as exc:
        raise from_validation_error(exc, where, model) from None
    unknown = _unknown_enum_value(value, ())
    if unknown is not None:
        path, member = unknown
        field = ".".join(path) or "params"
        expected = "one of " + ", ".join(repr(m.value) for m in type(member))
        raise InvalidArgumentError(
            f"{where}: {field} takes {expected}; got {member.value!r}",
            field=field,
            expected=expected,
            got=repr(member.value),
        )
    return value


def from_validation_error(exc: ValidationError, where: str, model: Any) -> InvalidArgumentError:
    """The first problem pydantic found, as an `InvalidArgumentError` (or `ArgumentTypeError`).

    A union field fails once per alternative: those errors are one problem, and what it
    expects is the alternatives joined with "or"."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    field = _field_path(first, model)
    same = [e for e in errors if _field_path(e, model) == field]
    expected = " or ".join(dict.fromkeys(_expected(e) for e in same))
    got = _describe(first.get("input"))
    others = len({_field_path(e, model) for e in errors}) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    message = f"{where}: {field} takes {expected}; got {got}{more}"
    kind = (
        ArgumentTypeError if all(e["type"] in _TYPE_ERRORS for e in same) else InvalidArgumentError
    )
    if first["type"] == "missing":
        message = f"{where}: {field} is required"
        kind = ArgumentTypeError  # like a missing positional argument
    return kind(message, field=field, expected=expected, got=got)


def check_client_arguments(config: object, handlers: object, where: str) -> None:
    """The constructors' arguments: `config` an `AppServerConfig` (or None), `handlers` a
    `ServerRequestHandlers` (or None). A path given as `config` gets a hint."""
    from codex_app_server._config import AppServerConfig
    from codex_app_server._generated.handlers import ServerRequestHandlers

    if config is not None and not isinstance(config, AppServerConfig):
        got = _describe(config)
        hint = ""
        if isinstance(config, str | os.PathLike):
            path = os.fspath(cast("os.PathLike[str] | str", config))
            hint = f"; to run that binary pass AppServerConfig(codex_bin={path!r})"
        raise ArgumentTypeError(
            f"{where}: config takes an AppServerConfig or None; got {got}{hint}",
            field="config",
            expected="AppServerConfig | None",
            got=got,
        )
    if handlers is not None and not isinstance(handlers, ServerRequestHandlers):
        got = _describe(handlers)
        raise ArgumentTypeError(
            f"{where}: handlers takes a ServerRequestHandlers or None; got {got}",
            field="handlers",
            expected="ServerRequestHandlers | None",
            got=got,
        )


def check_type(where: str, field: str, value: object, expected: str, *types: type) -> None:
    """`ArgumentTypeError` unless `value` is an instance of one of `types` (bool is not a
    number here, though Python says it is an int)."""
    numeric = any(t in (int, float) for t in types)
    if isinstance(value, types) and not (numeric and isinstance(value, bool)):
        return
    got = _describe(value)
    raise ArgumentTypeError(
        f"{where}: {field} takes {expected}; got {got}", field=field, expected=expected, got=got
    )


def check_config_fields(config: Any) -> None:
    """Every field of an `AppServerConfig` has a type it takes (dataclasses do not check)."""
    where = "AppServerConfig"
    path = "a str, an os.PathLike or None"
    seconds = "a number of seconds or None"
    check_type(where, "codex_bin", config.codex_bin, path, str, os.PathLike, type(None))
    check_type(where, "cwd", config.cwd, path, str, os.PathLike, type(None))
    check_type(where, "env", config.env, "a mapping of str to str", Mapping)
    for key, value in cast("Mapping[Any, Any]", config.env).items():
        check_type(where, "env keys", key, "str", str)
        if not isinstance(value, str):  # the value may be a secret: never shown
            raise ArgumentTypeError(
                f"{where}: env[{key!r}] takes a str; got a {type(value).__name__}",
                field=f"env[{key!r}]",
                expected="str",
                got=f"a {type(value).__name__}",
            )
    for name in ("unset_env", "extra_args"):
        value = getattr(config, name)
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise ArgumentTypeError(
                f"{where}: {name} takes a sequence of str (a list or tuple); got "
                f"{_describe(value)}",
                field=name,
                expected="a sequence of str",
                got=_describe(value),
            )
        for item in cast("Sequence[Any]", value):
            check_type(where, f"{name} items", item, "str", str)
    check_type(where, "config_overrides", config.config_overrides, "a mapping", Mapping)
    check_type(where, "client_name", config.client_name, "a str", str)
    check_type(where, "client_version", config.client_version, "a str", str)
    for name in ("request_timeout", "startup_timeout", "server_request_timeout"):
        check_type(where, name, getattr(config, name), seconds, int, float, type(None))
    check_type(
        where, "shutdown_timeout", config.shutdown_timeout, "a number of seconds", int, float
    )
    check_type(where, "notification_buffer", config.notification_buffer, "an int", int)


# --- helpers -------------------------------------------------------------------------------


def _field_path(error: ErrorDetails, model: Any) -> str:
    """The error's location by Python names, without pydantic's union-member labels."""
    names = field_names(model) if isinstance(model, type) and hasattr(model, "model_fields") else {}
    parts: list[str] = []
    for index, part in enumerate(error["loc"]):
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif index == 0 and part in names:
            parts.append(names[part])
        elif _is_member_label(part):
            continue
        else:
            parts.append(part)
    text = ".".join(parts).replace(".[", "[")
    return text or "params"


def _is_member_label(part: str) -> bool:
    """pydantic names the union member it tried: `str-enum[X]`, `function-after[...]`, or a
    class name (fields are snake_case or camelCase, never capitalized)."""
    return "[" in part or part[:1].isupper()


def _expected(error: ErrorDetails) -> str:
    ctx = error.get("ctx") or {}
    if "expected" in ctx:
        return f"one of {ctx['expected']}"
    message = error["msg"]
    for prefix in ("Input should be ", "Value should be "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
            break
    message = message.replace("a valid ", "a ").split(", unable to interpret")[0]
    return message[:1].lower() + message[1:]


def _describe(value: object) -> str:
    """What a caller gave, short: the type, and the value when it is a short scalar."""
    name = type(value).__name__
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str | os.PathLike):
        text = repr(cast("object", value))
        return f"{name} {text}" if len(text) <= _GOT_LIMIT else f"a {name} ({len(text)} chars)"
    return f"a {name}"


def _unknown_enum_value(value: Any, path: tuple[str, ...]) -> tuple[tuple[str, ...], Enum] | None:
    """The first enum value the protocol does not list (an open enum's pseudo member)."""
    if isinstance(value, Enum):
        return (path, value) if not getattr(value, "is_known", True) else None
    kind: type[object] = type(cast("object", value))
    fields = getattr(kind, "model_fields", None)
    if isinstance(fields, dict):
        for name in cast("dict[str, Any]", fields):
            found = _unknown_enum_value(getattr(value, name, None), (*path, name))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(cast("Sequence[Any]", value)):
            found = _unknown_enum_value(item, (*path[:-1], f"{path[-1] if path else ''}[{index}]"))
            if found is not None:
                return found
    elif isinstance(value, dict):
        for key, item in cast("dict[str, Any]", value).items():
            found = _unknown_enum_value(item, (*path, str(key)))
            if found is not None:
                return found
    return None
