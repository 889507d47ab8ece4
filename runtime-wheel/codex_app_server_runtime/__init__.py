"""The Codex CLI binary shipped in this wheel: where it is and which build it is.

This package is `codex_app_server_runtime`, not `codex_cli_bin`: OpenAI's own runtime wheel
(`openai-codex-cli-bin`) installs `codex_cli_bin`, and two distributions sharing one folder
delete each other's files on uninstall. With its own folder, this wheel installs beside
OpenAI's and either can be removed without breaking the other.

Everything is read from `runtime-info.json`, written beside this file when the wheel was
staged: the runtime version, the target triple, the wheel's platform tag, the binary's sha256,
where the binary and its helper folders sit inside this package, and whether codex's voice
resources (codex-resources/voice/, left out by default) were shipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
RUNTIME_INFO_FILE = "runtime-info.json"

__all__ = [
    "PACKAGE_DIR",
    "RuntimeInfo",
    "bundled_codex_path",
    "bundled_path_dir",
    "bundled_resources_dir",
    "runtime_info",
]


@dataclass(frozen=True)
class RuntimeInfo:
    """What was staged into this wheel."""

    version: str  # PEP 440, the wheel's version: 0.164.0a2
    codex_version: str  # as codex spells it: 0.164.0-alpha.2
    target: str  # e.g. x86_64-unknown-linux-musl
    platform_tag: str  # e.g. manylinux_2_17_x86_64.musllinux_1_1_x86_64
    sha256: str  # of the codex binary
    entrypoint: str  # the binary, relative to the package: bin/codex or bin/codex.exe
    resources_dir: str | None  # e.g. codex-resources, when shipped
    path_dir: str | None  # folder to put on PATH for helpers such as rg, when shipped
    voice_included: bool = False  # codex-resources/voice/ shipped (stage-runtime --include-voice)


@lru_cache(maxsize=1)
def runtime_info() -> RuntimeInfo:
    """The staged facts about this package's binary."""
    path = PACKAGE_DIR / RUNTIME_INFO_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"codex-cli-bin ({__name__}) has no runtime information at {path}: this copy was never staged "
            "(build it with `update_sdk_artifacts.py stage-runtime`)"
        ) from None
    return RuntimeInfo(
        version=str(data["version"]),
        codex_version=str(data["codex_version"]),
        target=str(data["target"]),
        platform_tag=str(data["platform_tag"]),
        sha256=str(data["sha256"]),
        entrypoint=str(data["entrypoint"]),
        resources_dir=_optional_str(data.get("resources_dir")),
        path_dir=_optional_str(data.get("path_dir")),
        voice_included=data.get("voice_included") is True,
    )


def bundled_codex_path() -> Path:
    """The codex executable inside this package."""
    return _existing(PACKAGE_DIR / runtime_info().entrypoint, "codex binary", is_dir=False)


def bundled_resources_dir() -> Path:
    """The folder of helper resources that codex looks for beside itself."""
    name = runtime_info().resources_dir
    return _existing(
        PACKAGE_DIR / (name or "codex-resources"), "helper resources folder", is_dir=True
    )


def bundled_path_dir() -> Path:
    """The folder of helper programs (such as rg) to put on PATH when running codex."""
    name = runtime_info().path_dir
    return _existing(PACKAGE_DIR / (name or "codex-path"), "PATH helper folder", is_dir=True)


def _existing(path: Path, what: str, *, is_dir: bool) -> Path:
    if path.is_dir() if is_dir else path.is_file():
        return path
    raise FileNotFoundError(f"codex-cli-bin {runtime_info().version} has no {what} at {path}")


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
