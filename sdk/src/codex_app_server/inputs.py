"""What a turn takes as input: text, images, skills, mentions.

A plain `str` means text. Raw dicts are validated against the protocol's input models (an
error names the bad field), and generated input models pass through as they are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, get_args

from codex_app_server.errors import CodexError

if TYPE_CHECKING:
    from pydantic import TypeAdapter

ImageDetailLevel = Literal["auto", "low", "high", "original"]


class InvalidInputError(CodexError, ValueError):
    """A turn input item is not one the protocol accepts; the message names the field."""


@dataclass(frozen=True)
class TextInput:
    """Text (the same as passing a plain `str`)."""

    text: str

    def to_wire(self) -> dict[str, Any]:
        """The protocol input item (`{"type": "text", ...}`)."""
        return {"type": "text", "text": self.text}


@dataclass(frozen=True)
class ImageInput:
    """An image by URL. codex 0.163.0 takes inline `data:` URLs (`data:image/png;base64,...`)
    and refuses remote `https:` URLs at `turn/start` (`InvalidRequestError`: "remote image
    URLs are not supported"); for a file on this machine use `LocalImageInput`."""

    url: str
    detail: ImageDetailLevel | None = None

    def to_wire(self) -> dict[str, Any]:
        """The protocol input item."""
        return _with_detail({"type": "image", "url": self.url}, self.detail)


@dataclass(frozen=True)
class LocalImageInput:
    """An image file on this machine; the path is sent absolute."""

    path: str | os.PathLike[str]
    detail: ImageDetailLevel | None = None

    def to_wire(self) -> dict[str, Any]:
        """The protocol input item."""
        path = Path(self.path).expanduser().resolve()
        return _with_detail({"type": "localImage", "path": str(path)}, self.detail)


@dataclass(frozen=True)
class SkillInput:
    """Invoke a skill by name (its SKILL.md path as the server lists it)."""

    name: str
    path: str

    def to_wire(self) -> dict[str, Any]:
        """The protocol input item."""
        return {"type": "skill", "name": self.name, "path": self.path}


@dataclass(frozen=True)
class MentionInput:
    """Mention an app, plugin or file by name and path."""

    name: str
    path: str

    def to_wire(self) -> dict[str, Any]:
        """The protocol input item."""
        return {"type": "mention", "name": self.name, "path": self.path}


class WireInput(Protocol):
    """Anything that renders itself as one protocol input item (the classes above, and the
    generated input models such as `TextUserInput`)."""

    def to_wire(self) -> dict[str, Any]: ...


#: One input item: a `str` (text), one of the classes above, a generated input model, or a
#: dict in the protocol's wire shape (validated).
InputItem: TypeAlias = str | WireInput | Mapping[str, Any]
#: What `Thread.turn()` / `run()` / `Turn.steer()` take: one item, or several in order.
Input: TypeAlias = InputItem | Sequence[InputItem]


def to_wire_items(value: Input) -> list[dict[str, Any]]:
    """The `input` array of `turn/start` / `turn/steer` for any accepted input."""
    items: Sequence[Any]
    if isinstance(value, str | Mapping) or not isinstance(value, Sequence):
        items = [value]
    else:
        items = list(value)
    if not items:
        raise InvalidInputError("a turn needs at least one input item")
    wire = [_item_to_wire(item, index) for index, item in enumerate(items)]
    for index, item in enumerate(wire):
        _check_encodable(item, index)
    return wire


def _check_encodable(item: dict[str, Any], index: int) -> None:
    """Refuse text UTF-8 cannot carry (a lone surrogate, e.g. from a bad decode) up front."""
    import json

    try:
        json.dumps(item, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        raise InvalidInputError(
            f"input item {index}: its text is not valid Unicode ({bad!r} is a lone surrogate) "
            "and cannot be sent as UTF-8; nothing was sent"
        ) from None


def _item_to_wire(item: Any, index: int) -> dict[str, Any]:
    if isinstance(item, str):
        return {"type": "text", "text": item}
    if isinstance(item, TextInput | ImageInput | LocalImageInput | SkillInput | MentionInput):
        return item.to_wire()
    if isinstance(item, Mapping):
        return _validated(dict(item), index)  # pyright: ignore[reportUnknownArgumentType]
    to_wire = getattr(item, "to_wire", None)
    if callable(to_wire):  # a generated input model
        wire = to_wire()
        if isinstance(wire, dict):
            return _validated(wire, index)  # pyright: ignore[reportUnknownArgumentType]
    if callable(getattr(item, "tool_output", None)):  # an ExternalMessage inside a list
        raise InvalidInputError(
            f"input item {index} is an ExternalMessage: pass it alone, as the whole input "
            "(it is sent as the turn's tool output, not as a user input item)"
        )
    raise InvalidInputError(
        f"input item {index} is a {type(item).__name__}; pass a str, TextInput, ImageInput, "
        "LocalImageInput, SkillInput, MentionInput, a protocol input model, or a dict"
    )


def _validated(raw: dict[str, Any], index: int) -> dict[str, Any]:
    from pydantic import ValidationError

    tag = raw.get("type")
    adapters = _adapters_by_tag()
    if tag not in adapters:
        known = ", ".join(sorted(adapters))
        raise InvalidInputError(f"input item {index}: unknown type {tag!r}; known types: {known}")
    try:
        model = adapters[str(tag)].validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if not str(part).endswith("Input"))
        raise InvalidInputError(
            f"input item {index} (type {tag!r}): field {where or '?'!r}: {first['msg']}"
        ) from exc
    return model.to_wire()


@cache
def _adapters_by_tag() -> dict[str, TypeAdapter[Any]]:
    """The protocol's known input variants by their `type` tag (the fallback variant for
    unknown tags is left out: the client sends only what it knows)."""
    from pydantic import TypeAdapter

    from codex_app_server._generated.models import TurnStartParams

    item_union = get_args(TurnStartParams.model_fields["input"].annotation)[0]
    by_tag: dict[str, list[type[Any]]] = {}
    for variant in get_args(item_union):
        tag_field = variant.model_fields.get("type")
        literal = get_args(tag_field.annotation) if tag_field is not None else ()
        if len(literal) == 1 and isinstance(literal[0], str):
            by_tag.setdefault(literal[0], []).append(variant)
    adapters: dict[str, TypeAdapter[Any]] = {}
    for tag, variants in by_tag.items():
        union: Any = variants[0] if len(variants) == 1 else _union(variants)
        adapters[tag] = TypeAdapter(union)
    return adapters


def _union(variants: list[type[Any]]) -> Any:
    from typing import Union

    return Union[tuple(variants)]  # noqa: UP007  # built at run time from a list


def _with_detail(wire: dict[str, Any], detail: str | None) -> dict[str, Any]:
    if detail is not None:
        wire["detail"] = detail
    return wire
