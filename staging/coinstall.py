"""Our runtime wheel beside OpenAI's, in one venv, in both orders, each removed in turn.

codex-cli-bin installs `codex_app_server_runtime` and OpenAI's openai-codex-cli-bin installs
`codex_cli_bin`: no file in common, so removing either must leave the other whole. Checked:

- venv A (the rehearsal's: SDK and our runtime), then OpenAI's wheel added: both binaries
  run, `codex` is ours, the SDK uses ours; OpenAI's removed: ours still runs, the SDK still
  uses it.
- venv B: OpenAI's first, then the SDK with ours: the same; ours removed: OpenAI's still runs,
  the SDK falls back to it, and the `codex` command is gone with our wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import TYPE_CHECKING, cast

from staging.errors import StagingError
from staging.pypi_runtime import OPENAI_RUNTIME_DISTRIBUTION
from staging.release_settings import RUNTIME_DISTRIBUTION, RUNTIME_PACKAGE
from staging.venv_install import create_venv, install_offline

if TYPE_CHECKING:
    from pathlib import Path

OPENAI_PACKAGE = "codex_cli_bin"
GONE = "not installed"
PROBE_TIMEOUT_SECONDS = 300  # each probe runs both binaries' `--version`

# Run inside a venv: which runtime packages import and run, what the SDK picks, what the
# `codex` command runs. One JSON line on stdout.
_PROBE = f"""
import importlib, json, os, shutil, subprocess, sys
seen = {{}}
for name in ({RUNTIME_PACKAGE!r}, {OPENAI_PACKAGE!r}):
    try:
        module = importlib.import_module(name)
    except ImportError:
        seen[name] = {GONE!r}
        continue
    binary = str(module.bundled_codex_path())
    seen[name] = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
from codex_app_server._discovery import find_codex_bin
seen["sdk uses"] = find_codex_bin(None).source
scripts = os.path.dirname(sys.executable)
command = shutil.which("codex", path=scripts)
if command is None:
    seen["codex command"] = {GONE!r}
else:
    seen["codex command"] = subprocess.run(
        [command, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
print(json.dumps(seen))
"""


def check_coinstall(
    work: Path,
    *,
    rehearsal_python: Path,
    dist: Path,
    sdk_requirement: str,
    openai_wheel: Path,
    codex_version: str,
) -> list[str]:
    """Run both orders; raise StagingError on the first surprise; return one line per state."""
    reported = f"codex-cli {codex_version}"
    both = {
        RUNTIME_PACKAGE: reported,
        OPENAI_PACKAGE: reported,
        "sdk uses": RUNTIME_DISTRIBUTION,
        "codex command": reported,
    }
    lines: list[str] = []

    python = rehearsal_python  # order A: ours (with the SDK) first
    _pip(python, "install", "--no-index", "--no-deps", str(openai_wheel))
    lines.append(_expect(python, "A: ours, then OpenAI's", both))
    _pip(python, "uninstall", "--yes", OPENAI_RUNTIME_DISTRIBUTION)
    lines.append(_expect(python, "A: OpenAI's removed", {**both, OPENAI_PACKAGE: GONE}))

    python = create_venv(work / "venv-openai-first")  # order B: OpenAI's first
    _pip(python, "install", "--no-index", "--no-deps", str(openai_wheel))
    install_offline(python, dist, sdk_requirement)
    lines.append(_expect(python, "B: OpenAI's, then ours", both))
    _pip(python, "uninstall", "--yes", RUNTIME_DISTRIBUTION)
    lines.append(
        _expect(
            python,
            "B: ours removed",
            {
                RUNTIME_PACKAGE: GONE,
                OPENAI_PACKAGE: reported,
                "sdk uses": OPENAI_RUNTIME_DISTRIBUTION,
                "codex command": GONE,
            },
        )
    )
    return lines


def _expect(
    python: Path, state: str, expected: dict[str, str], *, timeout: float = PROBE_TIMEOUT_SECONDS
) -> str:
    try:
        result = subprocess.run(
            [str(python), "-c", _PROBE],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            env={**os.environ, "PATH": os.defpath},  # no codex from the host's PATH
        )
    except subprocess.TimeoutExpired:
        raise StagingError(
            f"co-install, {state}: the probe did not finish in {timeout:g} s"
        ) from None
    if result.returncode != 0:
        raise StagingError(
            f"co-install, {state}: the probe failed:\n{result.stderr.strip()[-2000:]}"
        )
    seen = cast("dict[str, str]", json.loads(result.stdout.strip().splitlines()[-1]))
    if seen != expected:
        raise StagingError(f"co-install, {state}: expected {expected}, found {seen}")
    return f"{state}: " + ", ".join(f"{key} = {value}" for key, value in seen.items())


def _pip(python: Path, *args: str) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", *args, "--disable-pip-version-check", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise StagingError(
            f"co-install: pip {' '.join(args)} failed:\n{result.stderr.strip()[-2000:]}"
        )
