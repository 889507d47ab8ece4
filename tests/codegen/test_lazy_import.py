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


def test_experimental_methods_load_on_first_use() -> None:
    """The experimental requests' methods are not imported with the SDK, yet are found on the
    clients (and are the very functions of the experimental module)."""
    probe = """
import json, sys
from codex_app_server import AppServerClient, AsyncAppServerClient
before = "codex_app_server._generated.experimental_client" in sys.modules
client = object.__new__(AppServerClient)
method = client.collaboration_mode_list
from codex_app_server._generated.experimental_client import ExperimentalClientMethods
same = method.__func__ is ExperimentalClientMethods.collaboration_mode_list
try:
    client.no_such_method
    missing = "found"
except AttributeError as exc:
    missing = str(exc)
print(json.dumps([before, same, missing]))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    before, same, missing = json.loads(done.stdout)
    assert before is False
    assert same is True
    assert "no_such_method" in missing
