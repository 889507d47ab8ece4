"""The generator runs unchanged on schemas of an older and a newer runtime; the result imports,
covers every method, and has no numbered names."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.generate import generate_package
from codegen.output import write
from codegen.paths import SDK_PACKAGE
from tests.codegen.conftest import OTHER_RUNTIMES, unpack_schema
from tests.codegen.surface import schema_methods, untraceable_names

PROBE = """
import importlib, json, pkgutil
import codex_app_server._generated.models as models
from codex_app_server.protocol import CLIENT_REQUESTS, SERVER_NOTIFICATIONS, SERVER_REQUESTS
from codex_app_server._generated.client import ClientMethods, AsyncClientMethods
for info in pkgutil.iter_modules(models.__path__):
    importlib.import_module(f"{models.__name__}.{info.name}")
for spec in CLIENT_REQUESTS.values():
    spec.result.adapter  # builds the validator: every referenced type resolves
for spec in SERVER_NOTIFICATIONS.values():
    spec.params.adapter
print(json.dumps({
    "requests": sorted(CLIENT_REQUESTS),
    "notifications": sorted(SERVER_NOTIFICATIONS),
    "server_requests": sorted(SERVER_REQUESTS),
    "modules": len(list(pkgutil.iter_modules(models.__path__))),
}))
"""


@pytest.mark.parametrize("version", OTHER_RUNTIMES)
def test_generator_handles_another_runtime(version: str, schemas_dir: Path, tmp_path: Path) -> None:
    schema = unpack_schema(version, schemas_dir)
    generated = generate_package(schema, require_pin=False)
    assert untraceable_names(generated, schema) == []

    # A throwaway copy of the SDK with this runtime's generated code in place of the pinned one.
    package = tmp_path / "codex_app_server"
    shutil.copytree(
        SDK_PACKAGE, package, ignore=shutil.ignore_patterns("_generated", "__pycache__")
    )
    write(generated.files, package / "_generated")
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    expected = schema_methods(schema)
    assert set(seen["requests"]) == expected["requests"]
    assert set(seen["notifications"]) == expected["notifications"]
    assert set(seen["server_requests"]) == expected["server_requests"]
    assert generated.schema.runtime_version in {"unknown", version}
