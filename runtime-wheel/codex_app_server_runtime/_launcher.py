"""The `codex` console command: run the bundled binary as if it had been run directly.

On POSIX the launcher replaces itself with codex (exec), so codex gets the process id, the
terminal, every signal and the exit status with nothing in between. Windows has no exec:
there codex runs as a child, the launcher ignores Ctrl-C and Ctrl-Break (the console delivers
them to codex too, which decides what they mean) and exits with codex's exit code.
The helper folder (rg) goes first on PATH, as the SDK does when it starts codex.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from codex_app_server_runtime import PACKAGE_DIR, bundled_codex_path, runtime_info

if TYPE_CHECKING:
    from collections.abc import Sequence

_NOT_RUNNABLE = 127  # as a shell reports a command it cannot run


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bundled codex with `argv` (default: this process's arguments); return its
    exit code (on POSIX this only returns when codex cannot be started)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        binary = str(bundled_codex_path())
    except FileNotFoundError as error:
        print(f"codex: {error}", file=sys.stderr)
        return _NOT_RUNNABLE
    environment = _environment()
    if os.name == "nt":
        return _run_as_child(binary, arguments, environment)
    try:
        os.execve(binary, [binary, *arguments], environment)
    except OSError as error:
        print(f"codex: cannot run {binary}: {error}", file=sys.stderr)
        return _NOT_RUNNABLE
    raise AssertionError("unreachable: execve returned")  # pragma: no cover


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    folder = runtime_info().path_dir
    if folder is not None:
        helpers = str(PACKAGE_DIR / folder)
        if os.path.isdir(helpers):
            current = environment.get("PATH")
            environment["PATH"] = helpers + os.pathsep + current if current else helpers
    return environment


def _run_as_child(binary: str, arguments: list[str], environment: dict[str, str]) -> int:
    import signal

    ignored: list[int] = [signal.SIGINT]
    ctrl_break: int | None = getattr(signal, "SIGBREAK", None)  # Windows only
    if ctrl_break is not None:
        ignored.append(ctrl_break)
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in ignored}
    try:
        return subprocess.call([binary, *arguments], env=environment)
    except OSError as error:
        print(f"codex: cannot run {binary}: {error}", file=sys.stderr)
        return _NOT_RUNNABLE
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
