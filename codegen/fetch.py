"""The codex binary of a given runtime version, for `update-schema --runtime-version V` and the
re-pin rehearsal: this machine's npm platform package `@openai/codex@<V>-<platform>`, fetched
and unpacked once by `staging.npm_runtime` (npm's own client, `npm pack`)."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from staging.errors import StagingError
from staging.npm_runtime import DEFAULT_CACHE, fetch_npm_runtime
from staging.versions import parse_codex_version

# (OS, machine) -> npm platform suffix
_PLATFORMS = {
    ("linux", "x86_64"): "linux-x64",
    ("linux", "aarch64"): "linux-arm64",
    ("darwin", "x86_64"): "darwin-x64",
    ("darwin", "arm64"): "darwin-arm64",
    ("win32", "AMD64"): "win32-x64",
    ("win32", "ARM64"): "win32-arm64",
}
_BINARY_GLOBS = ("vendor/*/bin/codex", "vendor/*/bin/codex.exe", "vendor/*/codex/codex")


class RuntimeFetchError(Exception):
    """The runtime package could not be fetched or holds no codex binary."""


def npm_platform() -> str:
    """This machine's npm platform suffix (`linux-x64`, ...)."""
    system = next((p for p in ("linux", "darwin", "win32") if sys.platform.startswith(p)), "")
    found = _PLATFORMS.get((system, platform.machine()))
    if found is None:
        raise RuntimeFetchError(
            f"codex publishes no npm platform package for {sys.platform}/{platform.machine()}; "
            "pass --codex PATH to a binary instead"
        )
    return found


def fetch_runtime(version: str, cache: Path = DEFAULT_CACHE) -> Path:
    """The codex binary of `version` for this machine (downloaded once per cache)."""
    try:
        package = fetch_npm_runtime(parse_codex_version(version), npm_platform(), cache)
    except StagingError as exc:
        raise RuntimeFetchError(str(exc)) from exc
    for pattern in _BINARY_GLOBS:
        for path in sorted(package.glob(pattern)):
            if path.is_file():
                return path
    raise RuntimeFetchError(f"no codex binary in {package} (looked for {', '.join(_BINARY_GLOBS)})")
