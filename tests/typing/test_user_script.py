"""The user script (`user_script.py`) runs offline and is clean under pyright (strict) and
mypy (--strict): the high-level API's types hold for both checkers and at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("user_script.py")
BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, check=False, cwd=SCRIPT.parent, timeout=300
    )


def test_the_user_script_runs_against_the_real_app_server() -> None:
    done = run(sys.executable, str(SCRIPT))
    assert done.returncode == 0, done.stderr[-3000:]


def test_pyright_strict_finds_nothing() -> None:
    done = run(str(BIN / "pyright"), "--pythonpath", sys.executable, str(SCRIPT))
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 errors" in done.stdout


def test_mypy_strict_finds_nothing(tmp_path: Path) -> None:
    done = run(sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path), str(SCRIPT))
    assert done.returncode == 0, done.stdout[-3000:]
