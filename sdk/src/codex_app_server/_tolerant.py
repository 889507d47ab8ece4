"""Wire data -> typed values, tolerant of fields an older server does not send.

The models are generated from the pinned runtime's schema. A few fields are *required but
nullable* there (e.g. `Thread.projectId` in 0.163.0) and absent from older runtimes' messages
(0.147.0 sends no `projectId`): strict validation would refuse every `thread/start` answer of a
server this SDK says it supports. :func:`validate` first validates as generated (the fast path);
only when the sole problems are missing fields does it fill those with `None` and validate
again. Anything else fails with :class:`ProtocolError` (a `CodexError`), never a bare pydantic
`ValidationError`.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, cast

from codex_app_server.errors import ProtocolError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from codex_app_server._specs import ModelRef

__all__ = ["validate"]


def validate(ref: ModelRef, data: Any, what: str) -> Any:
    """``ref.validate(data)``, filling fields an older server omits with None; ``what`` names
    the message in the error (e.g. "the thread/start result")."""
    try:
        return ref.validate(data)
    except Exception as exc:
        from pydantic import ValidationError  # here, not per call: the happy path is hot

        if not isinstance(exc, ValidationError):
            raise
        filled = fill_missing(data, exc)
        if filled is not None:
            try:
                return ref.validate(filled)
            except ValidationError:
                pass
        raise ProtocolError(f"{what} does not fit {ref.name}: {describe(exc)}") from exc


def describe(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "top level"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['msg']} at {where}{more}"


def fill_missing(data: Any, exc: ValidationError) -> Any:
    """A copy of ``data`` with None at every missing field; None when any error is not a
    missing field (or the path cannot be followed)."""
    errors = exc.errors()
    if not errors or any(error["type"] != "missing" for error in errors):
        return None
    copied = copy.deepcopy(data)
    for error in errors:
        if not _set_none(copied, error["loc"]):
            return None
    return copied


def _set_none(data: Any, loc: tuple[int | str, ...]) -> bool:
    if not loc:
        return False
    current = data
    for part in loc[:-1]:
        if isinstance(current, dict) and part in current:
            current = cast("dict[Any, Any]", current)[part]
        elif isinstance(current, list) and isinstance(part, int):
            items = cast("list[Any]", current)
            if not 0 <= part < len(items):
                return False
            current = items[part]
        # else: a union member's tag in the location, not a key of the data: skip it
    last = loc[-1]
    if not isinstance(current, dict) or not isinstance(last, str):
        return False
    cast("dict[str, Any]", current).setdefault(last, None)
    return True
