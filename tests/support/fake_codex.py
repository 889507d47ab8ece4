"""Make the scripted fake app-server usable wherever a codex binary path is expected.

``write_fake_codex(tmp_path, scenario)`` writes ``scenario.json`` and a small executable
wrapper (``codex`` on POSIX, ``codex.cmd`` on Windows) that runs
``tests/fakes/fake_app_server.py`` with the current Python interpreter; pass the returned
path as ``codex_bin``. The wrapper forwards its arguments (``app-server``, ``-c k=v``...).
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

FAKE_APP_SERVER = Path(__file__).resolve().parents[1] / "fakes" / "fake_app_server.py"


def fake_argv(scenario_path: str | os.PathLike[str] | None = None) -> list[str]:
    """The command line that starts the fake app-server directly."""
    argv = [sys.executable, str(FAKE_APP_SERVER), "app-server"]
    if scenario_path is not None:
        argv += ["--scenario", str(scenario_path)]
    return argv


def write_scenario(directory: str | os.PathLike[str], scenario: dict[str, Any]) -> Path:
    path = Path(directory) / "scenario.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scenario, indent=1), encoding="utf-8")
    return path


def write_fake_codex(
    directory: str | os.PathLike[str],
    scenario: dict[str, Any] | None = None,
    *,
    name: str = "codex",
) -> Path:
    """Write the scenario and an executable ``codex`` wrapper in ``directory``; return it."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    scenario_path = write_scenario(folder, scenario or {})
    if os.name == "nt":
        wrapper = folder / f"{name}.cmd"
        wrapper.write_text(
            f'@echo off\r\n"{sys.executable}" "{FAKE_APP_SERVER}" '
            f'--scenario "{scenario_path}" %*\r\n',
            encoding="utf-8",
        )
        return wrapper
    wrapper = folder / name
    wrapper.write_text(
        "#!/bin/sh\n"
        f'exec "{sys.executable}" "{FAKE_APP_SERVER}" --scenario "{scenario_path}" "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return wrapper


def read_record(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The entries the fake wrote to its ``record`` file (see the fake's docstring)."""
    file = Path(path)
    if not file.exists():
        return []
    return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line]


def received(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Only the JSON messages the fake received, in order."""
    return [e["message"] for e in read_record(path) if e.get("kind") == "message"]
