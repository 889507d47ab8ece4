"""update-schema vendors both bundles the pinned runtime emits (plain and --experimental) under
one pin; the stage lines of generate-types show as it goes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.load import EXPERIMENTAL_DIR
from codegen.paths import DEFAULT_SCHEMA, REPO_ROOT
from codegen.pin import SchemaPinError, read_pin, schema_files, verify_pin
from tests.sdk.conftest import real_codex_bin

SCRIPT = REPO_ROOT / "scripts" / "update_sdk_artifacts.py"


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_update_schema_reproduces_the_vendored_plain_and_experimental_bundles(
    tmp_path: Path,
) -> None:
    codex = real_codex_bin()
    if codex is None:
        pytest.skip("the codex runtime package is not installed")
    out = tmp_path / "schema"
    done = run_script("update-schema", "--codex", codex, "--schema", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / EXPERIMENTAL_DIR / "codex_app_server_protocol.schemas.json").is_file()
    assert read_pin(out) == read_pin(DEFAULT_SCHEMA)  # same files, same one hash
    rel = [p.relative_to(out).as_posix() for p in schema_files(out)]
    assert rel == [p.relative_to(DEFAULT_SCHEMA).as_posix() for p in schema_files(DEFAULT_SCHEMA)]


def test_the_pin_covers_the_experimental_bundle(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(DEFAULT_SCHEMA, schema)
    bundle = schema / EXPERIMENTAL_DIR / "codex_app_server_protocol.schemas.json"
    bundle.write_text(bundle.read_text().replace('"thread/start"', '"thread/begin"', 1))
    with pytest.raises(SchemaPinError, match="does not match its pin"):
        verify_pin(schema)


def test_update_schema_needs_a_binary_or_a_version() -> None:
    done = run_script("update-schema")
    assert done.returncode == 2
    assert "--codex" in done.stderr and "--runtime-version" in done.stderr


def test_generate_types_shows_its_stages_and_summary(tmp_path: Path) -> None:
    done = run_script("generate-types", "--out", str(tmp_path / "_generated"))
    assert done.returncode == 0, done.stderr
    stages = [line for line in done.stderr.splitlines() if "] " in line and "/5]" in line]
    assert [line.split("]")[0][-3:] for line in stages] == ["1/5", "2/5", "3/5", "4/5", "5/5"]
    assert done.stderr.count("done in") == 5
    assert "experimental: 67 requests" in done.stdout
    assert "raw JSON results (2): account/gatewayOAuth/login" in done.stdout
