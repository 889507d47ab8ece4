"""Every refusal of stage-runtime and stage-sdk: a specific message, exit code 2, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from staging import stage_sdk as stage_sdk_module
from staging.paths import pinned_runtime_version
from staging.versions import parse_codex_version
from tests.staging.binaries import CPU_ARM64, elf, foreign_linux_machine, macho, write_executable
from tests.staging.conftest import REPO_ROOT

V = "0.163.0"
# stage-sdk pins only the runtime the schema comes from: its tests follow the schema pin.
SDK_V = parse_codex_version(pinned_runtime_version()).codex


def _vendor_root(package: Path) -> Path:
    (root,) = (package / "vendor").iterdir()
    return root


# --- stage-runtime: the binary and the runtime directory -------------------------------------


def test_missing_binary(run_cli, tmp_path: Path) -> None:
    result = run_cli(
        "stage-runtime",
        "--allow-missing-helpers",
        tmp_path / "out",
        tmp_path / "nope",
        "--runtime-version",
        V,
    )
    assert result.code == 2
    assert f"error: codex binary not found: {tmp_path / 'nope'}" in result.err
    assert "runtime directory holding bin/codex" in result.err


def test_non_executable_binary(run_cli, tmp_path: Path) -> None:
    binary = tmp_path / "codex"
    binary.write_bytes(elf(foreign_linux_machine()[0]))
    binary.chmod(0o644)
    result = run_cli(
        "stage-runtime", "--allow-missing-helpers", tmp_path / "out", binary, "--runtime-version", V
    )
    assert result.code == 2
    assert f"the codex binary is not executable: {binary} (mode 0644)" in result.err
    assert f"chmod +x {binary}" in result.err


def test_script_instead_of_a_binary(run_cli, tmp_path: Path) -> None:
    script = write_executable(tmp_path / "codex", b"#!/bin/sh\necho codex-cli 0.163.0\n")
    result = run_cli(
        "stage-runtime", "--allow-missing-helpers", tmp_path / "out", script, "--runtime-version", V
    )
    assert result.code == 2
    assert f"{script} is not an ELF, Mach-O or PE executable" in result.err


def test_runtime_directory_without_codex_lists_where_it_looked(run_cli, tmp_path: Path) -> None:
    empty = tmp_path / "runtime"
    empty.mkdir()
    result = run_cli(
        "stage-runtime", "--allow-missing-helpers", tmp_path / "out", empty, "--runtime-version", V
    )
    assert result.code == 2
    assert f"no codex binary in the runtime directory {empty}; looked for:" in result.err
    for tried in ("bin/codex", "bin/codex.exe", "codex/codex", "codex_cli_bin/bin/codex"):
        assert str(empty / tried) in result.err


def test_vendor_folder_with_several_targets(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    (foreign_runtime / "vendor" / "x86_64-apple-darwin").mkdir()
    result = run_cli("stage-runtime", tmp_path / "out", foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"{foreign_runtime / 'vendor'} holds several targets" in result.err
    assert "x86_64-apple-darwin" in result.err


def test_symlink_in_runtime_directory(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    link = _vendor_root(foreign_runtime) / "bin" / "codex-link"
    link.symlink_to("codex")
    result = run_cli("stage-runtime", tmp_path / "out", foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"the runtime directory holds a symbolic link: {link} -> codex" in result.err
    assert "cp -rL" in result.err


def test_symlinked_helper_folder(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    root = _vendor_root(foreign_runtime)
    elsewhere = tmp_path / "elsewhere"
    (root / "codex-resources").rename(elsewhere)
    (root / "codex-resources").symlink_to(elsewhere)
    result = run_cli("stage-runtime", tmp_path / "out", foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"holds a symbolic link: {root / 'codex-resources'}" in result.err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_file_in_runtime_directory(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    fifo = _vendor_root(foreign_runtime) / "codex-resources" / "pipe"
    os.mkfifo(fifo)
    result = run_cli("stage-runtime", tmp_path / "out", foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"holds a special file (not a regular file or folder): {fifo}" in result.err


def test_helpers_for_another_platform(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    rg = _vendor_root(foreign_runtime) / "codex-path" / "rg"
    write_executable(rg, macho(CPU_ARM64))
    result = run_cli("stage-runtime", tmp_path / "out", foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"the runtime mixes platforms: {rg} is macos aarch64" in result.err


# --- stage-runtime: versions -----------------------------------------------------------------


def test_bad_runtime_version(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    result = run_cli(
        "stage-runtime", tmp_path / "out", foreign_runtime, "--runtime-version", "latest"
    )
    assert result.code == 2
    assert (
        "error: not a codex version: 'latest'; accepted forms: 0.163.0, v0.163.0, rust-v0.163.0"
        in result.err
    )


def test_manifest_of_another_version(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    result = run_cli(
        "stage-runtime", tmp_path / "out", foreign_runtime, "--runtime-version", "0.162.0"
    )
    assert result.code == 2
    assert "codex-package.json beside" in result.err
    assert "says version 0.163.0, but --runtime-version is 0.162.0" in result.err


def test_manifest_of_another_target(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    manifest = _vendor_root(foreign_runtime) / "codex-package.json"
    manifest.write_text(json.dumps({"version": V, "target": "x86_64-apple-darwin"}))
    result = run_cli("stage-runtime", tmp_path / "out", foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert "target 'x86_64-apple-darwin' is not for linux" in result.err


def test_binary_reporting_another_version(run_cli, real_runtime_dir: Path, tmp_path: Path) -> None:
    binary = real_runtime_dir / "bin" / "codex"  # bare: no manifest, so only --version can tell
    result = run_cli(
        "stage-runtime",
        "--allow-missing-helpers",
        tmp_path / "out",
        binary,
        "--runtime-version",
        "0.162.0",
    )
    assert result.code == 2
    assert (
        f"{binary} reports version 0.163.0 ('codex-cli 0.163.0'), but --runtime-version is 0.162.0"
        in result.err
    )
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_platform_tag_that_contradicts_the_binary(
    run_cli, foreign_runtime: Path, tmp_path: Path
) -> None:
    result = run_cli(
        "stage-runtime",
        tmp_path / "out",
        foreign_runtime,
        "--runtime-version",
        V,
        "--platform-tag",
        "win_amd64",
    )
    assert result.code == 2
    assert "--platform-tag 'win_amd64' contradicts" in result.err
    assert "win_amd64 is for windows, the binary is for linux" in result.err


# --- the staging directory -------------------------------------------------------------------


def test_non_empty_directory_without_force(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = run_cli("stage-runtime", out, foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"the staging directory {out} is not empty (notes.txt)" in result.err
    assert "pass --force to replace an earlier staging" in result.err
    assert (out / "notes.txt").read_text() == "mine"


def test_force_never_clears_a_directory_staging_did_not_make(
    run_cli, foreign_runtime: Path, tmp_path: Path
) -> None:
    out = tmp_path / "home"
    out.mkdir()
    (out / "precious.txt").write_text("mine")
    result = run_cli("stage-runtime", out, foreign_runtime, "--runtime-version", V, "--force")
    assert result.code == 2
    assert (
        "--force replaces only a directory made by staging (one holding .codex-staging)"
        in result.err
    )
    assert (out / "precious.txt").read_text() == "mine"


def test_force_replaces_an_earlier_staging(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("stage-runtime", out, foreign_runtime, "--runtime-version", V).code == 0
    (out / "leftover.txt").write_text("old")
    assert (
        run_cli("stage-runtime", out, foreign_runtime, "--runtime-version", V, "--force").code == 0
    )
    assert not (out / "leftover.txt").exists()


def test_directory_inside_the_source_tree(run_cli, foreign_runtime: Path) -> None:
    inside = REPO_ROOT / "build" / "staging-test-never-created"
    result = run_cli("stage-runtime", inside, foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"the staging directory {inside} is inside the source tree {REPO_ROOT}" in result.err
    assert not inside.exists()


def test_directory_holding_the_source_tree(run_cli, foreign_runtime: Path) -> None:
    result = run_cli("stage-runtime", REPO_ROOT.parent, foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"contains the source tree {REPO_ROOT}" in result.err


def test_directory_overlapping_the_input(run_cli, foreign_runtime: Path) -> None:
    out = foreign_runtime / "staged"
    result = run_cli("stage-runtime", out, foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"the staging directory {out} overlaps the input {foreign_runtime}" in result.err


def test_directory_that_is_a_file(run_cli, foreign_runtime: Path, tmp_path: Path) -> None:
    out = tmp_path / "file"
    out.write_text("")
    result = run_cli("stage-runtime", out, foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"the staging directory {out} exists and is not a directory" in result.err


def test_refusal_from_the_real_script_has_no_traceback(tmp_path: Path) -> None:
    script = REPO_ROOT / "scripts" / "update_sdk_artifacts.py"
    missing = tmp_path / "nope"
    completed = subprocess.run(
        [
            sys.executable,
            str(script),
            "stage-runtime",
            str(tmp_path / "out"),
            str(missing),
            "--runtime-version",
            V,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.startswith(f"error: codex binary not found: {missing}")
    assert "Traceback" not in completed.stderr


# --- stage-sdk -------------------------------------------------------------------------------


@pytest.fixture
def current_codegen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated code counts as current (the real check is slow and the lead's to test)."""
    monkeypatch.setattr(stage_sdk_module, "codegen_stale_files", lambda: list)


def test_sdk_with_stale_generated_code(
    run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stale = [
        "sdk/src/codex_app_server/_generated/models.py",
        "sdk/src/codex_app_server/_generated/client.py",
    ]
    monkeypatch.setattr(stage_sdk_module, "codegen_stale_files", lambda: lambda: stale)
    result = run_cli("stage-sdk", tmp_path / "sdk", "--runtime-version", SDK_V)
    assert result.code == 2
    assert "generated code is stale (2 files differ from what the schema gives)" in result.err
    assert stale[0] in result.err
    assert "update_sdk_artifacts.py generate-types" in result.err
    assert not (tmp_path / "sdk").exists()


def test_sdk_when_codegen_cannot_be_imported(
    run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "codegen", None)  # import codegen -> ImportError
    result = run_cli("stage-sdk", tmp_path / "sdk", "--runtime-version", SDK_V)
    assert result.code == 2
    assert (
        "cannot check that generated code is current: the codegen package does not import"
        in result.err
    )


def test_sdk_when_codegen_lacks_stale_files(
    run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "codegen", types.ModuleType("codegen"))
    result = run_cli("stage-sdk", tmp_path / "sdk", "--runtime-version", SDK_V)
    assert result.code == 2
    assert "codegen.stale_files() is missing" in result.err


@pytest.mark.usefixtures("current_codegen")
def test_sdk_bad_sdk_version(run_cli, tmp_path: Path) -> None:
    result = run_cli(
        "stage-sdk", tmp_path / "sdk", "--runtime-version", SDK_V, "--sdk-version", "nope"
    )
    assert result.code == 2
    assert "not a PEP 440 version for the SDK: 'nope'" in result.err


@pytest.mark.usefixtures("current_codegen")
def test_sdk_bad_runtime_version(run_cli, tmp_path: Path) -> None:
    result = run_cli("stage-sdk", tmp_path / "sdk", "--runtime-version", "0.163")
    assert result.code == 2
    assert "not a codex version: '0.163'" in result.err


@pytest.mark.usefixtures("current_codegen")
def test_sdk_runtime_other_than_the_schemas(run_cli, tmp_path: Path) -> None:
    result = run_cli("stage-sdk", tmp_path / "sdk", "--runtime-version", "0.164.0")
    assert result.code == 2
    assert (
        "--runtime-version 0.164.0 is not the runtime the SDK is generated from (0.163.0"
        in result.err
    )


@pytest.mark.usefixtures("current_codegen")
def test_sdk_directory_inside_the_source_tree(run_cli) -> None:
    inside = REPO_ROOT / "dist" / "sdk-never-created"
    result = run_cli("stage-sdk", inside, "--runtime-version", SDK_V)
    assert result.code == 2
    assert "is inside the source tree" in result.err
    assert not inside.exists()


@pytest.mark.usefixtures("current_codegen")
def test_sdk_non_empty_directory(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "sdk"
    out.mkdir()
    (out / "x").write_text("")
    result = run_cli("stage-sdk", out, "--runtime-version", SDK_V)
    assert result.code == 2
    assert f"the staging directory {out} is not empty (x)" in result.err
