"""Which app-server versions this SDK talks to.

The server's version comes from the `userAgent` of its `initialize` result
(`<client>/0.163.0 (Debian 12; x86_64) ...`). Servers older than `MINIMUM_RUNTIME` are refused
with `IncompatibleServerError`; newer ones are accepted (their unknown fields, enum values
and item types reach the user as data).
"""

from __future__ import annotations

import re
from typing import Any

from codex_app_server._generated.runtime import RUNTIME_VERSION
from codex_app_server.errors import IncompatibleServerError

# The oldest runtime whose protocol this SDK's generated surface was tested against.
MINIMUM_RUNTIME = "0.147.0"
_VERSION_RE = re.compile(r"/(\d+)\.(\d+)\.(\d+)")


def server_version(initialize_result: dict[str, Any]) -> str | None:
    """`0.163.0` from the userAgent, or None if it names no version."""
    agent = initialize_result.get("userAgent")
    if not isinstance(agent, str):
        return None
    match = _VERSION_RE.search(agent)
    return ".".join(match.groups()) if match else None


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def check_compatible(initialize_result: dict[str, Any]) -> str | None:
    """Refuse a server older than MINIMUM_RUNTIME; returns the server version (if known)."""
    version = server_version(initialize_result)
    if version is not None and version_tuple(version) < version_tuple(MINIMUM_RUNTIME):
        raise IncompatibleServerError(
            f"codex app-server {version} is too old for this SDK",
            server_version=version,
            minimum=MINIMUM_RUNTIME,
            sdk_runtime=RUNTIME_VERSION,
        )
    return version
