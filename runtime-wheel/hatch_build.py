"""Hatch build hook for codex-cli-bin: the wheel's tag comes from the staged binary's record.

stage-runtime reads the binary's own headers and writes what it found to
codex_app_server_runtime/runtime-info.json. This hook trusts that file, never the build host: the same
staged directory gives the same wheel on any machine. It also refuses to build what should
not exist: an sdist (the runtime ships as platform wheels only), or an unstaged template.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

RUNTIME_INFO = Path("codex_app_server_runtime") / "runtime-info.json"


class CodexRuntimeBuildHook(BuildHookInterface[Any]):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            raise RuntimeError(
                "codex-cli-bin is published as platform wheels only: the "
                f"{self.target_name} target cannot carry a platform binary. "
                "Build with `python -m build --wheel`."
            )
        root = Path(self.root)
        info = _read_runtime_info(root)
        project_version = self.metadata.version  # pyright: ignore[reportUnknownMemberType]
        if project_version != info["version"]:
            raise RuntimeError(
                f"pyproject.toml says version {project_version} but {RUNTIME_INFO} records "
                f"runtime {info['version']}: stage again with stage-runtime"
            )
        _verify_binary(root / "codex_app_server_runtime" / info["entrypoint"], info["sha256"])
        build_data["tag"] = f"py3-none-{info['platform_tag']}"
        build_data["pure_python"] = False  # Root-Is-Purelib: false, installed to platlib


def _read_runtime_info(root: Path) -> dict[str, str]:
    path = root / RUNTIME_INFO
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(
            f"{path} is missing: this is the unstaged codex-cli-bin template. Stage a binary "
            "first: python scripts/update_sdk_artifacts.py stage-runtime DIR CODEX "
            "--runtime-version V --build"
        ) from None
    missing = [
        key for key in ("version", "platform_tag", "entrypoint", "sha256") if key not in data
    ]
    if missing:
        raise RuntimeError(f"{path} lacks {', '.join(missing)}: stage again with stage-runtime")
    return {key: str(value) for key, value in data.items() if value is not None}


def _verify_binary(binary: Path, expected_sha256: str) -> None:
    """The binary must be the one that was staged, still executable."""
    if not binary.is_file():
        raise RuntimeError(f"the staged codex binary is missing: {binary}")
    if os.name != "nt" and not os.stat(binary).st_mode & 0o111:
        raise RuntimeError(f"the staged codex binary lost its executable bit: {binary}")
    digest = hashlib.sha256()
    with binary.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected_sha256:
        raise RuntimeError(
            f"{binary} does not match the sha256 recorded at staging ({expected_sha256}); "
            "stage again with stage-runtime"
        )
