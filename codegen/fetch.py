"""Fetch a codex runtime binary of a given version: the npm platform package
`@openai/codex@<version>-<platform>` through `npm pack` (npm's own client, its cache and config).

Used by `update-schema --runtime-version V` and the re-pin rehearsal (`nox -s repin`).
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from codegen.paths import REPO_ROOT

DEFAULT_CACHE = REPO_ROOT / ".cache" / "runtimes"
_TIMEOUT_S = 600
# (sys.platform prefix, machine) -> npm platform suffix
_PLATFORMS = {
    ("linux", "x86_64"): "linux-x64",
    ("linux", "aarch64"): "linux-arm64",
    ("darwin", "x86_64"): "darwin-x64",
    ("darwin", "arm64"): "darwin-arm64",
    ("win32", "AMD64"): "win32-x64",
    ("win32", "ARM64"): "win32-arm64",
}


class RuntimeFetchError(Exception):
    """The runtime package could not be fetched or holds no codex binary."""


def npm_platform() -> str:
    key = (next((p for p in ("linux", "darwin", "win32") if sys.platform.startswith(p)), ""),)
    found = _PLATFORMS.get((key[0], platform.machine()))
    if found is None:
        raise RuntimeFetchError(
            f"no codex npm platform package for {sys.platform}/{platform.machine()}; "
            "pass --codex PATH to a binary instead"
        )
    return found


def npm_spec(version: str) -> str:
    return f"@openai/codex@{version}-{npm_platform()}"


def fetch_runtime(version: str, cache: Path = DEFAULT_CACHE) -> Path:
    """The codex binary of `version`, from `cache/<version>/` or fetched into it."""
    target = cache / version
    binary = _find_binary(target)
    if binary is not None:
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeFetchError("npm is not on PATH; install Node.js or pass --codex PATH")
    target.mkdir(parents=True, exist_ok=True)
    spec = npm_spec(version)
    try:
        done = subprocess.run(
            [npm, "pack", "--silent", spec],
            cwd=target,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeFetchError(f"`npm pack {spec}` took over {_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        raise RuntimeFetchError(f"`npm pack {spec}` failed: {done.stderr.strip()[-1000:]}")
    tarballs = sorted(target.glob("*.tgz"))
    if not tarballs:
        raise RuntimeFetchError(f"`npm pack {spec}` wrote no tarball into {target}")
    with tarfile.open(tarballs[-1]) as archive:
        archive.extractall(target, filter="data")
    binary = _find_binary(target)
    if binary is None:
        raise RuntimeFetchError(f"{spec} holds no codex binary (looked under {target})")
    return binary


def _find_binary(root: Path) -> Path | None:
    """`package/vendor/<target triple>/bin/codex[.exe]` (older layouts: `.../codex/codex`)."""
    for pattern in (
        "package/vendor/*/bin/codex",
        "package/vendor/*/bin/codex.exe",
        "package/vendor/*/codex/codex",
        "package/vendor/*/codex/codex.exe",
    ):
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                path.chmod(path.stat().st_mode | 0o111)
                return path
    return None
