"""The leak check itself: what an app-server leaves behind is seen, though its parent died."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.reliability.conftest import all_processes, new_children

# Starts a grandchild in its own session (as the SDK starts codex), prints its pid, exits.
ORPHAN_MAKER = (
    "import subprocess, sys\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
    " start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(child.pid, flush=True)\n"
)


def test_an_orphaned_grandchild_is_adopted_and_reported() -> None:
    me = os.getpid()
    baseline = {p.pid for p in all_processes() if p.ppid == me}
    out = subprocess.run(
        [sys.executable, "-c", ORPHAN_MAKER], capture_output=True, text=True, check=True
    )
    orphan = int(out.stdout)
    try:
        # its parent is gone: adopted by this process (the fixture made it a subreaper)
        assert orphan in {p.pid for p in new_children(baseline)}
    finally:
        os.kill(orphan, signal.SIGKILL)
    os.waitpid(orphan, 0)  # reaped here: the fixture must then see nothing left
    assert orphan not in {p.pid for p in new_children(baseline)}
