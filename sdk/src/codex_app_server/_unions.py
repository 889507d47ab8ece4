"""How the generated named unions (`codex_app_server.models.ThreadItem`, ...) pick a variant.

Each tagged union is discriminated by a callable rather than by the tag field alone, so a tag
this SDK does not know (sent by a newer server) selects the union's `Unrecognized...`
fallback variant instead of failing validation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from enum import Enum
from typing import Any, cast

#: The tag the fallback variant of a union is registered under.
UNRECOGNIZED_TAG = "<unrecognized>"


def tag_discriminator(
    wire_name: str, attribute: str, known: Collection[str], *, fallback: bool
) -> Callable[[Any], str | None]:
    """A pydantic discriminator: the tag of a dict (by wire name) or a model (by attribute);
    an unknown tag maps to `UNRECOGNIZED_TAG` when the union has a fallback variant."""
    known_tags = frozenset(known)

    def discriminate(value: Any) -> str | None:
        if isinstance(value, dict):
            tag = cast("dict[str, Any]", value).get(wire_name)
        else:
            tag = getattr(value, attribute, None)
        if isinstance(tag, Enum):
            tag = tag.value
        if isinstance(tag, str) and tag in known_tags:
            return tag
        return UNRECOGNIZED_TAG if fallback else None

    return discriminate
