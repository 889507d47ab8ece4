"""stage-runtime on small synthetic runtimes: layout, the built wheel, the template's hook."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.tags import parse_tag

from staging.errors import StagingError
from staging.progress import Progress
from staging.stage_runtime import RUNTIME_WHEEL_CONTENTS_IGNORE, build_runtime_wheel, stage_runtime
from staging.wheel_check import inspect_wheel, run_check_wheel_contents, run_twine_check
from tests.staging.binaries import (
    CPU_ARM64,
    CPU_X86_64,
    PE_AMD64,
    elf,
    fat,
    foreign_linux_machine,
    macho,
    pe,
    write_executable,
)
from tests.staging.conftest import REPO_ROOT, load_staged_package

V = "0.163.0"


def _build(tmp_path: Path, name: str, codex: Path, **options: object):
    options.setdefault("allow_missing_helpers", True)  # bare binaries: helpers are not the point
    staged = stage_runtime(tmp_path / name, codex, runtime_version=V, **options)  # type: ignore[arg-type]
    return staged, build_runtime_wheel(staged.directory)


def test_npm_layout_stages_and_builds_a_checked_wheel(
    run_cli, foreign_runtime: Path, tmp_path: Path
) -> None:
    _, arch = foreign_linux_machine()
    result = run_cli(
        "stage-runtime",
        tmp_path / "out",
        foreign_runtime,
        "--runtime-version",
        "rust-v0.163.0",
        "--build",
    )
    assert result.code == 0, result.err
    tag = f"manylinux_2_17_{arch}.musllinux_1_1_{arch}"
    assert f"tag        {tag}" in result.out
    assert "--version  not run here" in result.out
    (wheel_path,) = (tmp_path / "out" / "dist").glob("*.whl")
    assert wheel_path.name == f"codex_cli_bin-0.163.0-py3-none-{tag}.whl"

    wheel = inspect_wheel(wheel_path)  # RECORD hashes and sizes verified
    assert sorted(wheel.tags) == [
        f"py3-none-manylinux_2_17_{arch}",
        f"py3-none-musllinux_1_1_{arch}",
    ]
    assert wheel.root_is_purelib is False
    assert wheel.name == "codex-cli-bin"
    assert wheel.executables == {
        "codex_app_server_runtime/bin/codex",
        "codex_app_server_runtime/bin/codex-code-mode-host",
        "codex_app_server_runtime/codex-path/rg",
        "codex_app_server_runtime/codex-resources/bwrap",
    }
    assert "codex_app_server_runtime/codex-resources/notes.txt" in wheel.entries
    licenses = "codex_cli_bin-0.163.0.dist-info/licenses"
    assert {name for name in wheel.entries if name.startswith(licenses)} == {
        f"{licenses}/licenses/codex/LICENSE",
        f"{licenses}/licenses/codex/NOTICE",
        f"{licenses}/licenses/ripgrep/COPYING",
        f"{licenses}/licenses/ripgrep/LICENSE-MIT",
        f"{licenses}/licenses/ripgrep/UNLICENSE",
        f"{licenses}/licenses/bubblewrap/COPYING",
    }
    assert "license    Apache-2.0 AND (MIT OR Unlicense) AND LGPL-2.0-or-later" in result.out
    assert "codex_app_server_runtime/codex-package.json" in wheel.entries
    with zipfile.ZipFile(wheel_path) as archive:
        info = json.loads(archive.read("codex_app_server_runtime/runtime-info.json"))
        assert (
            archive.getinfo("codex_app_server_runtime/bin/codex").external_attr >> 16
        ) & 0o777 == 0o755
        assert (
            archive.getinfo("codex_app_server_runtime/codex-resources/notes.txt").external_attr
            >> 16
        ) & 0o777 == 0o644
        metadata = archive.read("codex_cli_bin-0.163.0.dist-info/METADATA").decode()
        entry_points = archive.read("codex_cli_bin-0.163.0.dist-info/entry_points.txt").decode()
    assert "License-Expression: Apache-2.0 AND (MIT OR Unlicense) AND LGPL-2.0-or-later" in metadata
    assert "Project-URL: Codex (upstream), https://github.com/openai/codex" in metadata
    assert "codex = codex_app_server_runtime._launcher:main" in entry_points
    assert info["platform_tag"] == tag
    assert info["target"] == f"{arch}-unknown-linux-musl"
    assert info["entrypoint"] == "bin/codex"
    assert (info["version"], info["codex_version"]) == ("0.163.0", "0.163.0")
    run_twine_check(wheel_path)
    run_check_wheel_contents(wheel_path, ignore=RUNTIME_WHEEL_CONTENTS_IGNORE)


def test_same_inputs_and_epoch_give_byte_identical_wheels(
    foreign_runtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _, first = _build(tmp_path, "a", foreign_runtime)
    _, second = _build(tmp_path, "b", foreign_runtime)  # another directory: paths must not leak
    assert first.path.read_bytes() == second.path.read_bytes()
    with zipfile.ZipFile(first.path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    _, third = _build(tmp_path, "c", foreign_runtime)
    assert third.sha256 != first.sha256  # the epoch is really what pins the timestamps


def test_runtime_info_and_paths_of_the_staged_package(
    foreign_runtime: Path, tmp_path: Path
) -> None:
    staged = stage_runtime(tmp_path / "out", foreign_runtime, runtime_version="0.163.0")
    package = load_staged_package(staged.package_dir, "staged_npm_layout")
    info = package.runtime_info()
    assert info.platform_tag == staged.platform_tag
    assert info.sha256 == staged.sha256
    assert package.bundled_codex_path() == staged.package_dir / "bin" / "codex"
    assert package.bundled_path_dir() == staged.package_dir / "codex-path"
    assert package.bundled_resources_dir() == staged.package_dir / "codex-resources"


def test_missing_parts_raise_file_not_found_naming_the_path(tmp_path: Path) -> None:
    machine, _ = foreign_linux_machine()
    bare = write_executable(tmp_path / "codex-linux", elf(machine))
    staged = stage_runtime(tmp_path / "out", bare, runtime_version=V, allow_missing_helpers=True)
    package = load_staged_package(staged.package_dir, "staged_bare")
    assert package.bundled_codex_path() == staged.package_dir / "bin" / "codex"
    expected = staged.package_dir / "codex-resources"
    with pytest.raises(FileNotFoundError) as missing:
        package.bundled_resources_dir()
    assert (
        str(missing.value) == f"codex-cli-bin 0.163.0 has no helper resources folder at {expected}"
    )
    with pytest.raises(FileNotFoundError) as missing:
        package.bundled_path_dir()
    assert str(missing.value).endswith(
        f"has no PATH helper folder at {staged.package_dir / 'codex-path'}"
    )
    (staged.package_dir / "bin" / "codex").unlink()
    with pytest.raises(FileNotFoundError) as missing:
        package.bundled_codex_path()
    assert str(missing.value).endswith(
        f"has no codex binary at {staged.package_dir / 'bin' / 'codex'}"
    )
    (staged.package_dir / "runtime-info.json").unlink()
    package.runtime_info.cache_clear()
    with pytest.raises(FileNotFoundError, match="this copy was never staged"):
        package.runtime_info()


def test_openai_wheel_layout_leaves_python_files_behind(tmp_path: Path) -> None:
    machine, _ = foreign_linux_machine()
    root = tmp_path / "unpacked" / "codex_cli_bin"
    write_executable(root / "bin" / "codex", elf(machine))
    (root / "__init__.py").write_text("raise RuntimeError('not ours')\n")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "x.pyc").write_bytes(b"")
    staged = stage_runtime(
        tmp_path / "out", tmp_path / "unpacked", runtime_version=V, allow_missing_helpers=True
    )
    assert {path.name for path in staged.ignored} == {"__init__.py", "__pycache__"}
    staged_init = (staged.package_dir / "__init__.py").read_text()
    assert (
        staged_init
        == (REPO_ROOT / "runtime-wheel" / "codex_app_server_runtime" / "__init__.py").read_text()
    )
    assert not (staged.package_dir / "__pycache__").exists()


def test_older_layout_codex_folder_and_path_folder(tmp_path: Path) -> None:
    machine, _ = foreign_linux_machine()
    root = tmp_path / "runtime"
    write_executable(root / "codex" / "codex", elf(machine))
    write_executable(root / "path" / "rg", elf(machine))
    staged = stage_runtime(tmp_path / "out", root, runtime_version=V, allow_missing_helpers=True)
    assert (staged.package_dir / "bin" / "codex").is_file()
    assert (staged.package_dir / "codex-path" / "rg").is_file()
    info = json.loads((staged.package_dir / "runtime-info.json").read_text())
    assert (info["path_dir"], info["resources_dir"]) == ("codex-path", None)


def test_windows_binary_is_staged_as_codex_exe(tmp_path: Path) -> None:
    binary = write_executable(tmp_path / "codex-x86_64-pc-windows-msvc", pe(PE_AMD64))
    staged, wheel = _build(tmp_path, "out", binary)
    assert staged.platform_tag == "win_amd64"
    assert wheel.tags == ("py3-none-win_amd64",)
    assert "codex_app_server_runtime/bin/codex.exe" in wheel.executables


def test_universal_macos_binary(tmp_path: Path) -> None:
    binary = write_executable(
        tmp_path / "codex", fat(macho(CPU_X86_64, build_version=(10, 12, 0)), macho(CPU_ARM64))
    )
    staged = stage_runtime(tmp_path / "out", binary, runtime_version=V, allow_missing_helpers=True)
    assert staged.platform_tag == "macosx_10_12_universal2"
    assert staged.target == "universal2-apple-darwin"


def test_platform_tag_override_is_used(foreign_runtime: Path, tmp_path: Path) -> None:
    _, arch = foreign_linux_machine()
    staged, wheel = _build(tmp_path, "out", foreign_runtime, platform_tag=f"manylinux_2_28_{arch}")
    assert staged.platform_tag == f"manylinux_2_28_{arch}"
    assert wheel.tags == (f"py3-none-manylinux_2_28_{arch}",)


def test_the_template_refuses_an_sdist(foreign_runtime: Path, tmp_path: Path) -> None:
    staged = stage_runtime(tmp_path / "out", foreign_runtime, runtime_version=V)
    completed = _python_build(staged.directory, "--sdist", tmp_path / "dist")
    assert completed.returncode != 0
    assert (
        "codex-cli-bin is published as platform wheels only" in completed.stdout + completed.stderr
    )
    assert not list((tmp_path / "dist").glob("*.tar.gz"))


def test_the_unstaged_template_refuses_a_wheel(tmp_path: Path) -> None:
    template = shutil.copytree(REPO_ROOT / "runtime-wheel", tmp_path / "template")
    completed = _python_build(template, "--wheel", tmp_path / "dist")
    assert completed.returncode != 0
    assert "this is the unstaged codex-cli-bin template" in completed.stdout + completed.stderr


def test_a_binary_changed_after_staging_is_refused(foreign_runtime: Path, tmp_path: Path) -> None:
    staged = stage_runtime(tmp_path / "out", foreign_runtime, runtime_version=V)
    binary = staged.package_dir / "bin" / "codex"
    binary.write_bytes(binary.read_bytes() + b"\0")
    with pytest.raises(StagingError, match="does not match the sha256 recorded at staging"):
        build_runtime_wheel(staged.directory)


def test_progress_in_a_log_shows_only_steps_over_five_seconds() -> None:
    now = [0.0]
    stream = io.StringIO()  # a pipe: not a terminal, as in CI
    progress = Progress("copying runtime", 4 * 1024 * 1024, stream=stream, clock=lambda: now[0])
    now[0] = 1.0
    progress.advance(1024 * 1024)  # within the first 5 s: nothing yet
    assert stream.getvalue() == ""
    now[0] = 6.0
    progress.advance(1024 * 1024)
    now[0] = 7.0
    progress.advance(1024 * 1024)  # less than 5 s since the last line
    progress.finish()
    assert stream.getvalue().splitlines() == [
        "copying runtime: 2/4 MB (50%)",
        "copying runtime: 3/4 MB (75%)",
    ]

    short = io.StringIO()
    quick = Progress("copying runtime", 10, stream=short, clock=lambda: now[0])
    quick.advance(10)
    quick.finish()  # a step under 5 s prints nothing in a log
    assert short.getvalue() == ""

    silenced = io.StringIO()
    off = Progress("copying runtime", 10, enabled=False, stream=silenced, clock=lambda: now[0])
    now[0] = 100.0
    off.advance(10)
    off.finish()  # --no-progress
    assert silenced.getvalue() == ""


def _python_build(project: Path, kind: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            kind,
            "--outdir",
            str(outdir),
            str(project),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_build_hook_that_forgets_the_platform_is_caught_after_the_build(
    foreign_runtime: Path, tmp_path: Path
) -> None:
    """A staged template whose hook no longer sets the tag builds a pure wheel: refused."""
    staged = stage_runtime(tmp_path / "out", foreign_runtime, runtime_version=V)
    hook = staged.directory / "hatch_build.py"
    forgetful = re.sub(r"\n\s+build_data\[.*", "", hook.read_text())
    assert forgetful != hook.read_text()
    hook.write_text(forgetful)
    with pytest.raises(StagingError) as info:
        build_runtime_wheel(staged.directory)
    expected = sorted(str(tag) for tag in parse_tag(f"py3-none-{staged.platform_tag}"))
    wheel = staged.directory / "dist" / "codex_cli_bin-0.163.0-py3-none-any.whl"
    assert str(info.value) == (
        f"the built wheel {wheel} is wrong: tags ['py3-none-any'] instead of {expected}; "
        "Root-Is-Purelib is true"
    )
