"""Base classes of every generated protocol model (hand-written; the generator refers to them).

- `CodexModel`: accepts fields a newer server adds (kept as extras, never an error), builds its
  validator on first use rather than at import (the protocol has ~900 classes), and
  serializes by wire name.
- `OpenStrEnum`: known values are members; a value a newer server adds is kept as a pseudo
  member that is still a `str`, so `status == "newValue"` works and nothing fails to parse.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


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


class OpenStrEnum(str, Enum):
    """A string enum that keeps unknown values instead of rejecting them."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
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
