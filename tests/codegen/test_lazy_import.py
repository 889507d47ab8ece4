"""Importing the SDK does not load the protocol models (they load on first use)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import codex_app_server, codex_app_server.protocol
loaded = [m for m in sys.modules if m.startswith("codex_app_server._generated.models.")]
print(json.dumps(loaded))
"""


def test_import_loads_no_model_module() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_using_a_model_loads_only_its_closure() -> None:
    probe = PROBE.replace(
        "loaded =",
        "from codex_app_server.models import ThreadStartResponse\nloaded =",
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert "codex_app_server._generated.models.thread_start_response" in loaded
    assert 0 < len(loaded) < 300  # of ~930 model modules
