"""The two interpreters: the official SDK in its own virtual environment, and this SDK in the
current interpreter (when it is a virtual environment with the SDK, e.g. `nox -s bench`) or in a
virtual environment of its own."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from benchmarks._common import REPO

OFFICIAL_REQUIREMENT = "openai-codex==0.163.0"
RUNTIME_REQUIREMENT = "openai-codex-cli-bin==0.163.0"
OFFICIAL_VENV = REPO / ".cache" / "bench-official-venv"
OURS_VENV = REPO / ".cache" / "bench-ours-venv"


def _python(venv: Path) -> Path:
    return venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"


def _ensure_venv(venv: Path, requirements: list[str]) -> str:
    """Create `venv` and install `requirements` once (a marker file remembers what)."""
    python = _python(venv)
    marker = venv / ".bench-installed"
    wanted = " ".join(requirements)
    if not (marker.exists() and marker.read_text() == wanted and python.exists()):
        print(f"setting up {venv}: pip install {wanted}", file=sys.stderr, flush=True)
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *requirements,
            ],
            cwd=REPO,
            check=True,
        )
        marker.write_text(wanted)
    return str(python)


def official_python() -> str:
    """`.cache/bench-official-venv` with `openai-codex==0.163.0` (and, as its dependency, the
    same runtime wheel this SDK pins)."""
    return _ensure_venv(OFFICIAL_VENV, [OFFICIAL_REQUIREMENT])


def ours_python() -> str:
    """The current interpreter when it is a virtual environment that has this SDK (nox);
    otherwise `.cache/bench-ours-venv` with `-e .[dev] -e sdk` (the toolchain, for benchmark
    6) and the runtime wheel."""
    in_venv = sys.prefix != sys.base_prefix
    if in_venv and importlib.util.find_spec("codex_app_server") is not None:
        return sys.executable
    return _ensure_venv(OURS_VENV, ["-e", ".[dev]", "-e", "sdk", RUNTIME_REQUIREMENT])
