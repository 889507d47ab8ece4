"""A fresh virtual environment with wheels installed from a folder, never from an index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from staging.errors import StagingError


def create_venv(directory: Path) -> Path:
    """`python -m venv directory`; return the venv's interpreter."""
    _run([sys.executable, "-m", "venv", str(directory)], what=f"creating the venv {directory}")
    return venv_python(directory)


def venv_python(directory: Path) -> Path:
    return directory / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install_offline(python: Path, find_links: Path, *requirements: str) -> None:
    """`pip install --no-index --find-links find_links requirements`: the folder is all there is."""
    command = [
        str(python),
        "-m",
        "pip",
        "install",
        "--no-index",
        "--find-links",
        str(find_links),
        "--disable-pip-version-check",
        "--quiet",
        *requirements,
    ]
    _run(command, what=f"installing {' '.join(requirements)} from {find_links} alone")


def _run(command: list[str], *, what: str) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-3000:]
        raise StagingError(f"{what} failed:\n{output}")
