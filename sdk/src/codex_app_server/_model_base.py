"""Base classes of every generated protocol model (hand-written; the generator refers to them).

- `CodexModel`: accepts fields a newer server adds (kept as extras, never an error), builds its
  validator on first use rather than at import (the protocol has ~900 classes), and
  serializes by wire name.
- `CodexReplyModel`: the base of the models the SDK sends back (handlers' answers to server
  requests). Their enum fields also take the wire strings (`decision="accept"`), and a string
  the schema does not list (a typo such as `"acept"`) fails validation instead of reaching the
  server. A member built on purpose (`Kind("newValue")`, for a newer server) is sent as is.
- `OpenStrEnum`: known values are members; a value a newer server adds is kept as a pseudo
  member that is still a `str`, so `status == "newValue"` works and nothing fails to parse.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from enum import Enum
from typing import Any, ClassVar, cast

from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, model_validator
from typing_extensions import Self


class CodexModel(BaseModel):
    """The base of every generated protocol model (see the module docstring)."""

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
        use_enum_values=False,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object this model stands for, by wire names, without unset fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class CodexReplyModel(CodexModel):
    """The base of every generated reply model (see the module docstring)."""

    @model_validator(mode="wrap")
    @classmethod
    def _only_known_values(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        before = _unknown_values_made()
        reply = handler(data)
        # Walk the reply only when validating it made an unknown member (a hot path: tool
        # results are replies too); a member the caller built beforehand is left alone.
        if _unknown_values_made() != before:
            found = _unknown_value(reply, ())
            if found is not None:
                where, value = found
                known = ", ".join(repr(str(v.value)) for v in type(value))
                raise ValueError(
                    f"`{'.'.join(where)}` is {str(value)!r}, not a {type(value).__name__} value "
                    f"this SDK knows (one of {known})"
                )
        return reply


# Unknown members made so far in this thread (validation runs in one thread, so a change
# across one reply's validation was made by it).
_made = threading.local()


def _unknown_values_made() -> int:
    return cast(int, getattr(_made, "count", 0))


def _unknown_value(
    value: Any, where: tuple[str, ...]
) -> tuple[tuple[str, ...], OpenStrEnum] | None:
    """The first enum value the schema does not list in `value` (a model, list or dict), with
    its path."""
    if isinstance(value, OpenStrEnum):
        return None if value.is_known else (where, value)
    items: Iterable[tuple[Any, Any]]
    if isinstance(value, BaseModel):
        items = ((name, getattr(value, name)) for name in type(value).model_fields)
    elif isinstance(value, dict):
        items = cast("dict[Any, Any]", value).items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(cast("list[Any]", value))
    else:
        return None
    for name, item in items:
        found = _unknown_value(item, (*where, str(name)))
        if found is not None:
            return found
    return None


class OpenStrEnum(str, Enum):
    """A string enum that keeps unknown values instead of rejecting them."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        _made.count = _unknown_values_made() + 1
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    def __str__(self) -> str:
        return str(self.value)

    @property
    def is_known(self) -> bool:
        """False for a value this SDK's schema did not list (sent by a newer server)."""
        return self._name_ in type(self).__members__
