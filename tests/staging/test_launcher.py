"""The runtime wheel's `codex` command: arguments, exit code, signals and PATH pass through.

The package is laid out as a staged wheel installs it, with a shell script as its binary, and
run as `python -m codex_app_server_runtime` (what the `codex` console script calls).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.staging.conftest import REPO_ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="shell-script stand-in for codex")

TEMPLATE = REPO_ROOT / "runtime-wheel" / "codex_app_server_runtime"


def _installed_runtime(site: Path, script: str) -> Path:
    package = site / "codex_app_server_runtime"
    shutil.copytree(TEMPLATE, package)
    codex = package / "bin" / "codex"
    codex.parent.mkdir()
    codex.write_text("#!/bin/sh\n" + script)
    codex.chmod(0o755)
    (package / "codex-path").mkdir()
    info = {
        "version": "0.163.0",
        "codex_version": "0.163.0",
        "target": "x86_64-unknown-linux-musl",
        "platform_tag": "manylinux_2_17_x86_64",
        "sha256": "0" * 64,
        "entrypoint": "bin/codex",
        "resources_dir": None,
        "path_dir": "codex-path",
    }
    (package / "runtime-info.json").write_text(json.dumps(info))
    return package


def _codex(site: Path, *args: str, **options: object) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-m", "codex_app_server_runtime", *args],
        env=environment,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **options,
    )


def test_arguments_exit_code_and_helper_path_pass_through(tmp_path: Path) -> None:
    package = _installed_runtime(
        tmp_path,
        'for arg in "$@"; do echo "arg=$arg"; done\necho "path=$PATH"\nexit 7\n',
    )
    process = _codex(tmp_path, "login", "--with-api-key", "two words", "")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 7, err
    assert out.splitlines() == [
        "arg=login",
        "arg=--with-api-key",
        "arg=two words",
        "arg=",
        f"path={package / 'codex-path'}:/usr/bin:/bin",
    ]


def test_codex_replaces_the_launcher_so_signals_reach_it(tmp_path: Path) -> None:
    # The script reports its own pid, then waits on stdin: the launcher's pid, if exec'd.
    _installed_runtime(tmp_path, "echo $$\nexec cat\n")
    process = _codex(tmp_path, stdin=subprocess.PIPE)
    assert process.stdout is not None
    assert int(process.stdout.readline()) == process.pid  # no Python process in between
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM


def test_a_missing_binary_says_where_it_should_be(tmp_path: Path) -> None:
    package = _installed_runtime(tmp_path, "exit 0\n")
    (package / "bin" / "codex").unlink()
    process = _codex(tmp_path)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 127
    assert err.strip() == (
        f"codex: codex-cli-bin 0.163.0 has no codex binary at {package / 'bin' / 'codex'}"
    )
