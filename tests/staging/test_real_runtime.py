"""The real pinned codex binary, staged and built into a wheel, then installed and run.

One staging and two builds (~380 MB each) for the whole module: the second build checks that
the same inputs and SOURCE_DATE_EPOCH give the same bytes.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from staging.binformat import read_binary_info
from staging.stage_runtime import (
    RUNTIME_WHEEL_CONTENTS_IGNORE,
    StagedRuntime,
    build_runtime_wheel,
    stage_runtime,
)
from staging.venv_install import create_venv, install_offline
from staging.wheel_check import WheelFacts, inspect_wheel, run_check_wheel_contents, run_twine_check

if TYPE_CHECKING:
    from collections.abc import Iterator

EXPECTED_TAG = "manylinux_2_17_x86_64.musllinux_1_1_x86_64"
EPOCH = "1735689600"  # 2025-01-01

pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        sys.platform != "linux" or platform.machine() != "x86_64",
        reason="the pinned test runtime here is the linux x86_64 one",
    ),
]


@dataclass(frozen=True)
class RealBuild:
    staged: StagedRuntime
    wheel: WheelFacts
    rebuilt: WheelFacts


@pytest.fixture(scope="module")
def real_build(
    real_runtime_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealBuild]:
    first_dir, second_dir = tmp_path_factory.mktemp("real"), tmp_path_factory.mktemp("real-again")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        staged = stage_runtime(first_dir / "stage", real_runtime_dir, runtime_version="0.163.0")
        wheel = build_runtime_wheel(staged.directory)
        again = stage_runtime(second_dir / "stage", real_runtime_dir, runtime_version="0.163.0")
        rebuilt = build_runtime_wheel(again.directory)
    yield RealBuild(staged, wheel, rebuilt)
    for folder in (first_dir, second_dir):  # ~1 GB: not left for pytest's kept temp dirs
        shutil.rmtree(folder, ignore_errors=True)


def test_the_real_binary_is_static_musl(real_runtime_dir: Path) -> None:
    info = read_binary_info(real_runtime_dir / "bin" / "codex")
    assert info.os == "linux"
    assert info.arches == ("x86_64",)
    assert info.static  # no PT_INTERP: nothing to load at start
    assert info.libc is None  # and no glibc ABI note: musl, usable on glibc and musl systems


def test_staging_reads_tag_version_and_hash(real_build: RealBuild) -> None:
    staged = real_build.staged
    assert staged.platform_tag == EXPECTED_TAG
    assert staged.target == "x86_64-unknown-linux-musl"
    assert staged.version_check == "codex-cli 0.163.0"
    assert staged.warnings == ()
    assert len(staged.sha256) == 64


def test_the_wheel_keeps_its_promises(real_build: RealBuild) -> None:
    wheel = inspect_wheel(real_build.wheel.path)  # every RECORD hash and size checked again
    assert wheel.path.name == f"codex_cli_bin-0.163.0-py3-none-{EXPECTED_TAG}.whl"
    assert sorted(wheel.tags) == ["py3-none-manylinux_2_17_x86_64", "py3-none-musllinux_1_1_x86_64"]
    assert wheel.root_is_purelib is False
    with zipfile.ZipFile(wheel.path) as archive:
        binary = archive.getinfo("codex_app_server_runtime/bin/codex")
        assert (binary.external_attr >> 16) & 0o777 == 0o755
        assert binary.file_size > 100_000_000
    assert {
        "codex_app_server_runtime/bin/codex",
        "codex_app_server_runtime/codex-path/rg",
    } <= wheel.executables
    run_twine_check(wheel.path)
    run_check_wheel_contents(wheel.path, ignore=RUNTIME_WHEEL_CONTENTS_IGNORE)


def test_a_second_staging_and_build_is_byte_identical(real_build: RealBuild) -> None:
    assert real_build.rebuilt.sha256 == real_build.wheel.sha256
    assert real_build.rebuilt.path.read_bytes() == real_build.wheel.path.read_bytes()


def test_installed_offline_the_binary_runs(real_build: RealBuild, tmp_path: Path) -> None:
    python = create_venv(tmp_path / "venv")
    install_offline(python, real_build.wheel.path.parent, "codex-cli-bin==0.163.0")
    probe = (
        "import os, subprocess, codex_app_server_runtime\n"
        "path = codex_app_server_runtime.bundled_codex_path()\n"
        "assert os.access(path, os.X_OK), path\n"
        "print(codex_app_server_runtime.runtime_info().platform_tag)\n"
        "print(subprocess.run([str(path), '--version'], capture_output=True, text=True, check=True).stdout.strip())\n"
    )
    completed = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [EXPECTED_TAG, "codex-cli 0.163.0"]
    shutil.rmtree(tmp_path / "venv")  # ~400 MB installed
