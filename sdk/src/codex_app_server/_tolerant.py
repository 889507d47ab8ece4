"""Wire data -> typed values, with a `CodexError` when they do not fit.

The models accept what newer and older servers send: extra fields are kept, unknown enum values
and union variants are data, and fields the schema marks required but nullable (older runtimes
omit them, e.g. 0.147.0's `thread.projectId`) are optional in the generated models (codegen's
`relax_nullable_required`). What still does not fit is a real protocol mismatch: it fails with
:class:`ProtocolError`, never a bare pydantic `ValidationError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codex_app_server.errors import ProtocolError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from codex_app_server._specs import ModelRef

__all__ = ["validate"]


def validate(ref: ModelRef, data: Any, what: str) -> Any:
    """``ref.validate(data)``; ``what`` names the message in the error (e.g. "the thread/start
    result")."""
    try:
        return ref.validate(data)
    except Exception as exc:
        from pydantic import ValidationError  # here, not per call: the happy path is hot

        if not isinstance(exc, ValidationError):
            raise
        raise ProtocolError(f"{what} does not fit {ref.name}: {describe(exc)}") from exc


def describe(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "top level"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['msg']} at {where}{more}"
