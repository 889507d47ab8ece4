"""Every generated client method, sync and async, on the wire: its keyword arguments encode
into params that validate against the schema's own params definition (jsonschema over the
vendored schema and each runtime fixture) and lose nothing; its result model takes a
schema-conforming sample whole. See wire_check.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from codegen.generate import generate_package
from codegen.output import write
from codegen.paths import DEFAULT_SCHEMA, REPO_ROOT, SDK_PACKAGE
from tests.codegen.conftest import OTHER_RUNTIMES, unpack_schema
from tests.codegen.wire_check import check
from tests.codegen.wire_samples import load_bundle, params_schemas, sample, validator_schema


def test_every_method_of_the_pinned_runtime_on_the_wire() -> None:
    report = check(DEFAULT_SCHEMA, "0.163.0")
    assert report["problems"] == {}
    assert (
        report["on_the_wire"]
        == report["methods"]
        == len(params_schemas(load_bundle(DEFAULT_SCHEMA)))
    )


@pytest.mark.parametrize("version", OTHER_RUNTIMES)
def test_every_method_of_another_runtime_on_the_wire(
    version: str, schemas_dir: Path, tmp_path: Path
) -> None:
    """The SDK generated from that runtime's schema, in a throwaway copy, in a subprocess."""
    schema = unpack_schema(version, schemas_dir)
    package = tmp_path / "codex_app_server"
    shutil.copytree(
        SDK_PACKAGE, package, ignore=shutil.ignore_patterns("_generated", "__pycache__")
    )
    write(generate_package(schema, require_pin=False).files, package / "_generated")
    done = subprocess.run(
        [sys.executable, "-m", "tests.codegen.wire_check", str(schema), version],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)])},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["problems"] == {}
    assert report["on_the_wire"] == report["methods"] == len(params_schemas(load_bundle(schema)))


def test_the_samples_conform_and_the_validator_can_refuse() -> None:
    """The check's own footing: each sample validates, and a wrong value does not."""
    root = load_bundle(DEFAULT_SCHEMA)
    for method, schema in params_schemas(root).items():
        if schema is None:
            continue
        validator = jsonschema.Draft7Validator(validator_schema(root, schema))
        assert list(validator.iter_errors(sample(root, schema))) == [], method
    start = jsonschema.Draft7Validator(validator_schema(root, params_schemas(root)["thread/start"]))
    assert list(start.iter_errors({"approvalPolicy": "sometimes"}))
    assert list(start.iter_errors({"ephemeral": "yes"}))
