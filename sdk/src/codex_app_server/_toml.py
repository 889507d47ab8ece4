"""TOML encoding for the two places the SDK writes TOML: `-c key=value` overrides of the
app-server command line, and the testing kit's `config.toml`. Standard library only."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

_BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(key: str) -> str:
    return key if _BARE_KEY_RE.match(key) else toml_string(key)


def toml_string(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(value: Any) -> str:
    """Encode one value as an inline TOML value (what ``codex -c key=VALUE`` parses)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, os.PathLike):
        return toml_string(os.fspath(cast("os.PathLike[str]", value)))
    if isinstance(value, Mapping):
        items = cast("Mapping[Any, Any]", value).items()
        parts: list[str] = []
        for k, v in items:
            if not isinstance(k, str):
                raise TypeError(f"TOML table keys must be strings, not {k!r}")
            key = toml_key(k)
            parts.append(f"{key} = {toml_value(v)}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        seq = cast("Sequence[Any]", value)
        return "[" + ", ".join(toml_value(v) for v in seq) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} as a TOML config value")
