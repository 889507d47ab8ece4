"""The staging refusals test_refusals.py leaves out, each triggered and its message checked:
the binary reader's, the `--version` check's, the zip-slip guard, the wheel checks, the
pyproject edits, the runtime source and the pins (test_tool_refusals.py has the release
tools'). `test_every_refusal_is_named_by_a_test` and `test_every_unworded_refusal_has_its_test`
keep the inventory honest."""

from __future__ import annotations

import ast
import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from staging import npm_runtime, runtime_checks
from staging.binformat import NotAnExecutableError, read_binary_info
from staging.errors import StagingError
from staging.npm_runtime import fetch_npm_runtime, npm_package_spec
from staging.paths import pinned_runtime_version
from staging.platform_tags import NativeFile, payload_platform_tag
from staging.pypi_runtime import unpack_wheel
from staging.pyproject_edit import pin_dependency, set_project_version
from staging.runtime_source import find_runtime
from staging.stage_sdk import _refuse_bytecode  # pyright: ignore[reportPrivateUsage]
from staging.venv_install import create_venv, install_offline
from staging.versions import parse_codex_version, version_from_cli_output
from staging.wheel_check import inspect_wheel, run_check_wheel_contents
from tests.staging.binaries import elf, fat, macho, write_executable
from tests.staging.conftest import REPO_ROOT
from tests.staging.wheels import record_line, write_wheel

V = parse_codex_version("0.163.0")


# --- the binary reader ------------------------------------------------------------------------


def test_a_32_bit_elf_is_refused(tmp_path: Path) -> None:
    path = write_executable(tmp_path / "codex", elf(elf_class=1))
    with pytest.raises(StagingError, match="is a 32-bit ELF binary; codex ships 64-bit"):
        read_binary_info(path)


def test_an_elf_of_unknown_byte_order_is_refused(tmp_path: Path) -> None:
    data = bytearray(elf())
    data[5] = 3
    path = write_executable(tmp_path / "codex", bytes(data))
    with pytest.raises(StagingError, match=r"has an unknown ELF byte order \(3\)"):
        read_binary_info(path)


def test_a_truncated_elf_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    path = write_executable(tmp_path / "codex", elf()[:40])
    with pytest.raises(StagingError) as info:
        read_binary_info(path)
    assert f"{path} is truncated or corrupt: cannot read its ELF header" in str(info.value)
    assert "(64 bytes at offset 0)" in str(info.value)


def test_a_mach_o_slice_with_bad_magic_is_refused(tmp_path: Path) -> None:
    universal = bytearray(fat(macho()))
    (offset,) = struct.unpack_from(">I", universal, 16)  # the first slice's offset
    universal[offset : offset + 4] = b"\0\0\0\0"
    path = write_executable(tmp_path / "codex", bytes(universal))
    with pytest.raises(StagingError, match=f"has a Mach-O slice at offset {offset} with bad magic"):
        read_binary_info(path)


def test_a_mach_o_binary_for_another_apple_platform_is_refused(tmp_path: Path) -> None:
    path = write_executable(tmp_path / "codex", macho(apple_platform=2))  # 2: iOS
    with pytest.raises(StagingError) as info:
        read_binary_info(path)
    assert str(info.value) == f"{path} is a Mach-O binary for Apple platform 2, not macOS"


def test_a_universal_binary_without_a_wheel_architecture_is_refused(tmp_path: Path) -> None:
    path = write_executable(tmp_path / "codex", fat(macho(0x00000007)))  # an i386 slice only
    with pytest.raises(StagingError) as info:
        read_binary_info(path)
    assert str(info.value) == (
        f"{path} is a Mach-O universal binary with neither an x86_64 nor an arm64 slice"
    )


def test_an_elf_naming_libraries_without_a_string_table_is_refused(tmp_path: Path) -> None:
    data = bytearray(elf(needed=("libc.so.6",)))
    needed = data.index(struct.pack("<qQ", 1, 1))  # DT_NEEDED, the first name
    struct.pack_into("<q", data, needed + 16, 0x7FFFFFF0)  # DT_STRTAB after it: now unknown
    path = write_executable(tmp_path / "codex", bytes(data))
    with pytest.raises(StagingError) as info:
        read_binary_info(path)
    assert str(info.value) == (
        f"{path} is truncated or corrupt: its dynamic section names libraries "
        "but no readable string table"
    )


def test_a_dos_program_without_a_pe_header_is_no_executable(tmp_path: Path) -> None:
    path = write_executable(tmp_path / "codex.exe", b"MZ" + bytes(62))
    with pytest.raises(NotAnExecutableError, match="starts like a DOS program but has no PE"):
        read_binary_info(path)


# --- asking the binary its version ------------------------------------------------------------


def _run_answering(**completed: Any) -> Any:
    def run(argv: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        if "timeout" in completed:
            raise subprocess.TimeoutExpired(argv, completed["timeout"])
        return subprocess.CompletedProcess(argv, **completed)

    return run


def test_a_version_check_that_times_out_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    host = Path(sys.executable).resolve()  # an executable this host runs
    monkeypatch.setattr(runtime_checks.subprocess, "run", _run_answering(timeout=60))
    with pytest.raises(StagingError) as info:
        runtime_checks.check_reported_version(host, read_binary_info(host), V)
    assert f"`{host} --version` did not answer within 60 s" in str(info.value)
    assert "is this the codex binary?" in str(info.value)


def test_a_version_check_that_fails_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    host = Path(sys.executable).resolve()
    answer = _run_answering(returncode=3, stdout="", stderr="panic: no home\n")
    monkeypatch.setattr(runtime_checks.subprocess, "run", answer)
    with pytest.raises(StagingError) as info:
        runtime_checks.check_reported_version(host, read_binary_info(host), V)
    assert f"`{host} --version` failed with exit code 3: panic: no home" in str(info.value)


def test_version_output_that_says_nothing_or_no_version_is_refused() -> None:
    with pytest.raises(StagingError, match=r"`codex --version` printed nothing; expected e\.g\."):
        version_from_cli_output("  \n")
    with pytest.raises(StagingError, match="cannot read a version in `codex --version` output"):
        version_from_cli_output("codex-cli banana")


# --- wheels -----------------------------------------------------------------------------------


def test_a_wheel_with_an_escaping_path_is_not_unpacked(tmp_path: Path) -> None:
    wheel = tmp_path / "evil-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("../outside.txt", "escaped")
    with pytest.raises(StagingError, match=r"holds an unsafe path: \.\./outside\.txt"):
        unpack_wheel(wheel, tmp_path / "into")
    assert not (tmp_path / "outside.txt").exists()


def test_a_file_that_is_no_wheel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    path.write_text("not a zip")
    with pytest.raises(StagingError, match="is not a readable wheel"):
        inspect_wheel(path)


def test_a_wheel_with_two_dist_info_folders_is_refused(tmp_path: Path) -> None:
    path = write_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl", {"other-2.0.dist-info/METADATA": b""}
    )
    with pytest.raises(StagingError, match=r"has 2 \.dist-info folders, not one"):
        inspect_wheel(path)


def test_a_wheel_whose_record_lies_is_refused(tmp_path: Path) -> None:
    record = record_line("demo/__init__.py", b"something else")
    path = write_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": b"x = 1\n"}, record
    )
    with pytest.raises(StagingError) as info:
        inspect_wheel(path)
    message = str(info.value)
    assert "has a broken RECORD:" in message
    assert "demo/__init__.py: RECORD says" in message
    assert "demo-1.0.dist-info/WHEEL is not in RECORD" in message


# --- pyproject edits, the runtime source, the pins --------------------------------------------


def test_a_pyproject_without_a_project_table_is_refused(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.x]\ny = 1\n")
    with pytest.raises(StagingError) as info:
        set_project_version(pyproject, "1.0")
    assert f"{pyproject} has no [project] table" in str(info.value)


def test_a_pyproject_with_an_unreadable_dependency_is_refused(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["not a requirement!!"]\n')
    with pytest.raises(StagingError, match="lists an unreadable dependency: 'not a requirement!!'"):
        pin_dependency(pyproject, "openai-codex-cli-bin", "0.163.0")


def test_a_runtime_source_that_is_neither_file_nor_folder_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "codex"
    os.mkfifo(fifo)
    with pytest.raises(StagingError, match="is neither a file nor a directory: give the codex"):
        find_runtime(fifo)


def test_a_runtime_folder_with_an_unreadable_manifest_is_refused(foreign_runtime: Path) -> None:
    (manifest,) = foreign_runtime.rglob("codex-package.json")
    manifest.write_text("{not json")
    with pytest.raises(StagingError, match="cannot read codex's manifest"):
        find_runtime(foreign_runtime)
    manifest.write_text("[1, 2]")
    with pytest.raises(StagingError, match=r"codex's manifest .* is not a JSON object"):
        find_runtime(foreign_runtime)


def test_an_unknown_npm_platform_is_refused() -> None:
    with pytest.raises(StagingError, match="unknown npm platform 'linux-sparc'; one of"):
        npm_package_spec(V, "linux-sparc")


def test_fetching_from_npm_without_npm_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(npm_runtime.shutil, "which", lambda _name: None)
    with pytest.raises(StagingError, match="npm is not on PATH; it is needed to fetch codex's"):
        fetch_npm_runtime(V, "linux-x64", tmp_path)


def test_an_npm_pack_that_leaves_nothing_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_executable(tmp_path / "bin" / "npm", b"#!/bin/sh\nexit 0\n")  # packs nothing
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(StagingError) as info:
        fetch_npm_runtime(V, "linux-x64", tmp_path / "cache")
    assert "npm pack @openai/codex@0.163.0-linux-x64 did not leave" in str(info.value)


def test_an_sdk_wheel_with_bytecode_is_refused(tmp_path: Path) -> None:
    files = {"demo/__init__.py": b"", "demo/__pycache__/x.cpython-311.pyc": b"\0"}
    path = write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", files)
    with pytest.raises(StagingError) as info:
        _refuse_bytecode(path)
    message = str(info.value)
    assert message == f"{path.name} carries bytecode: demo/__pycache__/x.cpython-311.pyc"


def test_a_wheel_check_wheel_contents_rejects_is_refused(tmp_path: Path) -> None:
    files = {"demo/__init__.py": b"", "demo/x.pyc": b"\0"}  # W001: bytecode
    path = write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", files)
    with pytest.raises(StagingError) as info:
        run_check_wheel_contents(path)
    assert "check-wheel-contents rejected the build:" in str(info.value)
    assert "W001" in str(info.value)


def test_an_unreadable_schema_pin_is_refused(tmp_path: Path) -> None:
    pin = tmp_path / "schema-pin.json"
    pin.write_text("{}")
    with pytest.raises(StagingError, match="cannot read the pinned runtime version from"):
        pinned_runtime_version(pin)


# --- refusals whose message is built from other strings ---------------------------------------


def test_a_binary_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StagingError) as info:
        read_binary_info(tmp_path)  # a folder: open() fails
    assert str(info.value) == f"cannot read {tmp_path}: Is a directory"


def test_an_npm_pack_that_fails_is_refused_with_npms_words(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    npm = (
        b"#!/bin/sh\necho 'npm error 404 Not Found - @openai/codex@0.163.0-linux-x64' >&2\nexit 1\n"
    )
    write_executable(tmp_path / "bin" / "npm", npm)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(StagingError) as info:
        fetch_npm_runtime(V, "linux-x64", tmp_path / "cache")
    assert str(info.value) == (
        "npm pack @openai/codex@0.163.0-linux-x64 failed:\n"
        "npm error 404 Not Found - @openai/codex@0.163.0-linux-x64"
    )


def test_a_payload_of_two_platforms_has_no_tag(tmp_path: Path) -> None:
    """The stage-runtime pipeline refuses this earlier (read_native_helpers); the tag
    computation holds the same line on its own."""
    codex = write_executable(tmp_path / "codex", elf())
    rg = write_executable(tmp_path / "rg", macho())
    main = NativeFile("bin/codex", str(codex), read_binary_info(codex))
    helper = NativeFile("codex-path/rg", str(rg), read_binary_info(rg))
    with pytest.raises(StagingError) as info:
        payload_platform_tag(main, [helper])
    assert str(info.value).startswith(f"the runtime mixes platforms: {rg} is macos ")
    assert str(info.value).endswith("; stage one target's files only")


def test_a_pyproject_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project\nname = 1\n")
    with pytest.raises(StagingError) as info:
        set_project_version(pyproject, "1.0")
    assert str(info.value).startswith(f"cannot read {pyproject}: ")
    assert "line 1" in str(info.value)  # tomlkit's own account of where


def test_a_venv_that_cannot_be_made_or_installed_into_is_refused(
    tmp_path: Path, bare_python: Path
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("a file where the venv should go")
    with pytest.raises(StagingError) as info:
        create_venv(taken)
    assert str(info.value).startswith(f"creating the venv {taken} failed:\nError: ")
    with pytest.raises(StagingError) as info:
        install_offline(bare_python, tmp_path, "demo==1.0")
    assert str(info.value).startswith(f"installing demo==1.0 from {tmp_path} alone failed:\n")
    assert "No module named pip" in str(info.value)


# --- the inventory ----------------------------------------------------------------------------

# Refusals no fast test can trigger, by (module, function), and why (none today: a new one
# needs a reason here, or better a test).
UNTRIGGERED: dict[tuple[str, str], str] = {}


def refusals() -> list[tuple[str, str, int, list[str]]]:
    """(module, function, line, literal pieces of the message) of each `raise X(...)` in
    staging/ that says something."""
    found: list[tuple[str, str, int, list[str]]] = []
    for module in sorted((REPO_ROOT / "staging").glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                    continue
                pieces = [
                    piece.strip()
                    for sub in ast.walk(node.exc)
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
                    for piece in re.split(r"[{}\n]", sub.value)
                    if len(piece.strip()) >= 12
                ]
                if pieces:
                    found.append((module.name, function.name, node.lineno, pieces))
    return found


# Refusals whose message is built from other strings (no 12 literal characters in a row, so
# `named` cannot look for them), by (module, function), and the test that triggers each.
UNWORDED = {
    ("all_platforms.py", "_check_contents"): "test_a_wheel_that_lacks_staged_files_is_refused",
    ("binformat.py", "read_binary_info"): "test_a_binary_that_cannot_be_read_is_refused",
    ("coinstall.py", "_expect"): "test_the_coinstall_probe_refuses_a_state_it_did_not_expect",
    ("npm_runtime.py", "_npm_pack"): "test_an_npm_pack_that_fails_is_refused_with_npms_words",
    ("platform_tags.py", "_linux_payload"): "test_no_tag_holds_both_c_libraries",
    ("platform_tags.py", "payload_platform_tag"): "test_a_payload_of_two_platforms_has_no_tag",
    ("pyproject_edit.py", "_load"): "test_a_pyproject_that_is_not_toml_is_refused",
    (
        "rehearsal.py",
        "_installed_runtime_version",
    ): "test_an_installed_runtime_that_does_not_say_its_version_is_refused",
    ("runtime_checks.py", "read_native_helpers"): "test_helper_for_another_platform_is_refused",
    ("stage_sdk.py", "build_sdk"): "test_a_staged_sdk_edited_before_its_build_is_refused",
    (
        "venv_install.py",
        "_run",
    ): "test_a_venv_that_cannot_be_made_or_installed_into_is_refused",
}


def unworded_refusals() -> set[tuple[str, str]]:
    """(module, function) of each `raise X(...)` in staging/ whose message has no literal
    piece `refusals()` reads (`raise SystemExit(main())` is no refusal)."""
    worded = {(module, function, line) for module, function, line, _ in refusals()}
    found: set[tuple[str, str]] = set()
    for module in sorted((REPO_ROOT / "staging").glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                    continue
                exit_code = isinstance(node.exc.func, ast.Name) and node.exc.func.id == "SystemExit"
                if exit_code and all(isinstance(arg, ast.Call) for arg in node.exc.args):
                    continue
                if (module.name, function.name, node.lineno) not in worded:
                    found.add((module.name, function.name))
    return found


def named(piece: str, tests: str) -> bool:
    """A test quotes the piece whole (f-string holes split pieces), or 30 characters of it in a
    row: fewer would let a phrase two refusals share name both."""
    if piece.strip(" (:;,.)") in tests:
        return True
    return any(piece[i : i + 30] in tests for i in range(max(1, len(piece) - 29)))


def test_every_refusal_is_named_by_a_test() -> None:
    # The staging tests only: elsewhere, `python -m codex_app_server.testing` names no refusal.
    tests = "\n".join(
        p.read_text(encoding="utf-8") for p in (REPO_ROOT / "tests" / "staging").glob("test_*.py")
    )
    found = refusals()
    assert len(found) >= 86  # the inventory sees them all (86 today)
    unnamed = {
        (module, function, line)
        for module, function, line, pieces in found
        if not any(named(piece, tests) for piece in pieces)
        and (module, function) not in UNTRIGGERED
    }
    assert unnamed == set(), "refusals without a test that names their message"


def test_every_unworded_refusal_has_its_test() -> None:
    tests = "\n".join(
        p.read_text(encoding="utf-8") for p in (REPO_ROOT / "tests" / "staging").glob("test_*.py")
    )
    assert unworded_refusals() == set(UNWORDED)
    missing = {name for name in UNWORDED.values() if f"def {name}(" not in tests}
    assert missing == set(), "tests named in UNWORDED that do not exist"
