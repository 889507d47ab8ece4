"""The refusals of the release tools around staging, each triggered for real: the build (a
broken in-tree build backend), the npm unpacking, the wheel checkers and pip (a venv without
them), the rehearsal's probes (interpreters that are shell scripts), the co-install check,
the all-platforms check and the benchmark."""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from staging import bench_stage_runtime
from staging.all_platforms import (
    _check_contents,  # pyright: ignore[reportPrivateUsage]
    _check_rebuild,  # pyright: ignore[reportPrivateUsage]
    check_platform,
)
from staging.build_dists import build_sdist_and_wheel, build_wheel
from staging.coinstall import _expect, check_coinstall  # pyright: ignore[reportPrivateUsage]
from staging.errors import StagingError
from staging.npm_runtime import fetch_npm_runtime
from staging.pypi_runtime import fetch_openai_wheel
from staging.rehearsal import (
    _download_dependencies,  # pyright: ignore[reportPrivateUsage]
    _installed_runtime_version,  # pyright: ignore[reportPrivateUsage]
    _run_turn,  # pyright: ignore[reportPrivateUsage]
)
from staging.runtime_source import find_runtime
from staging.versions import parse_codex_version
from staging.wheel_check import inspect_wheel, run_check_wheel_contents, run_twine_check
from tests.staging.binaries import foreign_linux_machine, write_executable
from tests.staging.wheels import write_wheel

V = parse_codex_version("0.163.0")
HANGS = b"#!/bin/sh\nexec tail -f /dev/null\n"  # never answers, never exits by itself


def _script(path: Path, body: str) -> Path:
    """An executable shell script standing in for an interpreter or a command."""
    return write_executable(path, f"#!/bin/sh\n{body}\n".encode())


# --- python -m build, with a build backend of the test's own -----------------------------------

_BACKEND = r"""
import os, tarfile, zipfile

def build_sdist(sdist_directory, config_settings=None):
    with open("PKG-INFO", "w") as metadata:
        metadata.write("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    with tarfile.open(os.path.join(sdist_directory, "demo-1.0.tar.gz"), "w:gz") as sdist:
        for name in ("pyproject.toml", "backend.py", "PKG-INFO"):
            sdist.add(name, arcname="demo-1.0/" + name)
    return "demo-1.0.tar.gz"

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    MISBEHAVIOUR
    for name in WHEELS:
        zipfile.ZipFile(os.path.join(wheel_directory, name), "w").close()
    return WHEELS[0]
"""


def _project(tmp_path: Path, misbehaviour: str, wheels: tuple[str, ...]) -> Path:
    """A project whose in-tree backend needs nothing installed (the build runs offline)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
    )
    code = _BACKEND.replace("MISBEHAVIOUR", misbehaviour).replace("WHEELS", repr(wheels))
    (project / "backend.py").write_text(code)
    return project


def test_a_build_backend_that_fails_stops_the_build_with_its_log(tmp_path: Path) -> None:
    project = _project(tmp_path, "raise RuntimeError('this backend is broken on purpose')", ())
    with pytest.raises(StagingError) as info:
        build_wheel(project, tmp_path / "dist", progress=False)
    message = str(info.value)
    assert message.startswith(f"building {project} failed (python -m build):\n")
    assert "RuntimeError: this backend is broken on purpose" in message  # the log's tail
    assert not list((tmp_path / "dist").iterdir())  # the scratch folder is gone too


def test_a_build_that_gives_more_than_one_wheel_is_refused(tmp_path: Path) -> None:
    wheels = ("demo-1.0-py3-none-any.whl", "demo_extra-1.0-py3-none-any.whl")
    project = _project(tmp_path, "pass", wheels)
    with pytest.raises(StagingError) as info:
        build_sdist_and_wheel(project, tmp_path / "dist", progress=False)
    assert str(info.value) == (
        f"building {project} gave ['demo-1.0-py3-none-any.whl', 'demo-1.0.tar.gz', "
        "'demo_extra-1.0-py3-none-any.whl'], not one sdist and one wheel"
    )


# --- npm packages -----------------------------------------------------------------------------


def _npm_tarball(cache: Path, member: str) -> Path:
    """A downloaded platform package as `npm pack` leaves it, holding one file `member`."""
    tarball = cache / "npm" / "openai-codex-0.163.0-linux-x64.tgz"
    tarball.parent.mkdir(parents=True)
    with tarfile.open(tarball, "w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = 7
        archive.addfile(info, io.BytesIO(b"escaped"))
    return tarball


def test_an_npm_package_with_a_member_outside_its_folder_is_not_unpacked(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    tarball = _npm_tarball(cache, "package/../../../outside.txt")
    with pytest.raises(StagingError) as info:
        fetch_npm_runtime(V, "linux-x64", cache)
    message = str(info.value)
    assert message.startswith(f"cannot unpack {tarball} safely: ")
    assert message.endswith("; delete it to fetch the package again")
    assert not (cache / "outside.txt").exists()
    assert not (cache / "unpacked" / "0.163.0-linux-x64").exists()  # nothing half-unpacked


def test_unpacking_an_npm_package_without_the_data_filter_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Pythons before 3.10.12 (which the project supports) have no tarfile data filter."""
    cache = tmp_path / "cache"
    _npm_tarball(cache, "package/bin/codex")
    monkeypatch.delattr(tarfile, "data_filter")
    with pytest.raises(StagingError) as info:
        fetch_npm_runtime(V, "linux-x64", cache)
    assert str(info.value) == (
        "unpacking safely needs tarfile's data filter: Python 3.10.12 or newer"
    )


# --- pip, twine and check-wheel-contents missing or failing -----------------------------------


@pytest.fixture
def no_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip may look at no index and no configured folder: every download fails, offline."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for name in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_index")
def test_a_failing_pip_download_of_the_runtime_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StagingError) as info:
        fetch_openai_wheel(V, tmp_path / "cache")
    message = str(info.value)
    assert message.startswith(
        "pip download openai-codex-cli-bin==0.163.0 failed "
        "(pass --codex PATH to use a local binary):\n"
    )
    assert "No matching distribution found for openai-codex-cli-bin==0.163.0" in message


@pytest.mark.usefixtures("no_index")
def test_a_failing_pip_download_of_the_sdk_dependencies_is_refused(tmp_path: Path) -> None:
    requires = ("codex-cli-bin==0.163.0", "codex-staging-no-such-dependency==1.0")
    built = inspect_wheel(write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", {}))
    sdk_wheel = replace(built, requires_dist=requires)
    with pytest.raises(StagingError) as info:
        _download_dependencies(sdk_wheel, tmp_path / "dist")
    message = str(info.value)
    assert message.startswith("pip download of the SDK's dependencies failed:\n")
    assert "No matching distribution found for codex-staging-no-such-dependency==1.0" in message
    assert "codex-cli-bin" not in message  # the runtime is never downloaded: DIST holds it


def test_a_wheel_checker_that_is_not_installed_is_named(tmp_path: Path, bare_python: Path) -> None:
    wheel = write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/__init__.py": b""})
    hint = "is not installed: pip install -e '.[dev]' (the toolchain's dev tools)"
    with pytest.raises(StagingError) as info:
        run_twine_check(wheel, python=str(bare_python))
    assert str(info.value) == f"twine {hint}"
    with pytest.raises(StagingError) as info:
        run_check_wheel_contents(wheel, python=str(bare_python))
    assert str(info.value) == f"check-wheel-contents {hint}"


# --- the rehearsal's probes of the installed venv ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ('echo \'{"status": "failed"}\'', 'the turn did not complete: {"status": "failed"}'),
        ("echo 'the model said hello'", "printed no JSON summary:\nthe model said hello"),
        (
            "echo '/venv/bin/python: No module named codex_app_server.testing' >&2; exit 1",
            "the SDK wheel has no runnable codex_app_server.testing module (python -m "
            "codex_app_server.testing); the rehearsal's real turn needs it:\n"
            "/venv/bin/python: No module named codex_app_server.testing",
        ),
        ("echo 'turn/start refused' >&2; exit 4", "testing failed (exit 4):\nturn/start refused"),
    ],
    ids=["incomplete", "no-summary", "no-module", "fails"],
)
def test_a_turn_that_does_not_complete_is_refused(tmp_path: Path, body: str, refusal: str) -> None:
    python = _script(tmp_path / "python", body)
    with pytest.raises(StagingError) as info:
        _run_turn(python, tmp_path)
    assert str(info.value).endswith(refusal)


def test_a_turn_that_hangs_is_refused(tmp_path: Path) -> None:
    python = write_executable(tmp_path / "python", HANGS)
    with pytest.raises(StagingError) as info:
        _run_turn(python, tmp_path, timeout=0.5)
    assert str(info.value) == "python -m codex_app_server.testing did not finish in 0.5 s"


def test_a_turn_that_completes_gives_its_summary(tmp_path: Path) -> None:
    python = _script(tmp_path / "python", "echo 'log line'; echo '{\"status\": \"completed\"}'")
    assert _run_turn(python, tmp_path) == {"status": "completed"}


def _venv_answering(tmp_path: Path, python: str, codex: str | None) -> Path:
    """A venv's bin/ whose interpreter (asked for the runtime) and `codex` are scripts."""
    bin_dir = tmp_path / "venv" / "bin"
    if codex is not None:
        _script(bin_dir / "codex", codex)
    return _script(bin_dir / "python", python)


@pytest.mark.parametrize(
    ("python", "codex", "refusal"),
    [
        (
            "echo \"ModuleNotFoundError: No module named 'codex_app_server_runtime'\" >&2; exit 1",
            None,
            "the installed runtime does not run:\n"
            "ModuleNotFoundError: No module named 'codex_app_server_runtime'",
        ),
        ("echo codex-cli 0.1.0", None, "the installed runtime reports 'codex-cli 0.1.0'"),
        ("true", None, "the installed runtime reports ''"),
        ("echo codex-cli banana", None, "the installed runtime reports 'codex-cli banana'"),
        ("echo codex-cli 0.163.0", "echo codex-cli 0.162.0", "reports 'codex-cli 0.162.0'"),
        ("echo codex-cli 0.163.0", "echo 'Killed' >&2; exit 137", "does not run:\nKilled"),
    ],
    ids=["no-package", "other-version", "silent", "no-version", "other-command", "command-dies"],
)
def test_an_installed_runtime_that_does_not_say_its_version_is_refused(
    tmp_path: Path, python: str, codex: str | None, refusal: str
) -> None:
    interpreter = _venv_answering(tmp_path, python, codex)
    with pytest.raises(StagingError) as info:
        _installed_runtime_version(interpreter, V)
    message = str(info.value)
    assert refusal in message
    if "reports" in refusal:
        assert message.endswith(", expected 0.163.0")
    if codex is not None:
        assert message.startswith(f"the installed `codex` command ({interpreter.parent / 'codex'})")


def test_an_installed_runtime_that_is_missing_is_refused(tmp_path: Path) -> None:
    interpreter = _venv_answering(tmp_path, "echo codex-cli 0.163.0", None)  # no `codex` beside
    command = interpreter.parent / "codex"
    with pytest.raises(StagingError) as info:
        _installed_runtime_version(interpreter, V)
    assert str(info.value).startswith(f"the installed `codex` command ({command}) does not run: ")
    assert "No such file or directory" in str(info.value)
    with pytest.raises(StagingError) as info:
        _installed_runtime_version(tmp_path / "no-venv" / "bin" / "python", V)
    assert str(info.value).startswith("the installed runtime does not run: ")


def test_an_installed_runtime_that_hangs_is_refused(tmp_path: Path) -> None:
    interpreter = write_executable(tmp_path / "venv" / "bin" / "python", HANGS)
    with pytest.raises(StagingError) as info:
        _installed_runtime_version(interpreter, V, timeout=0.5)
    assert str(info.value) == "the installed runtime did not tell its version within 0.5 s"


def test_an_installed_runtime_that_answers_is_read(tmp_path: Path) -> None:
    interpreter = _venv_answering(tmp_path, "echo codex-cli 0.163.0", "echo codex-cli 0.163.0")
    assert _installed_runtime_version(interpreter, V) == "codex-cli 0.163.0"


# --- the co-install check ---------------------------------------------------------------------


def test_the_coinstall_check_refuses_a_venv_without_pip(tmp_path: Path, bare_python: Path) -> None:
    openai_wheel = tmp_path / "openai_codex_cli_bin-0.163.0-py3-none-any.whl"
    with pytest.raises(StagingError) as info:
        check_coinstall(
            tmp_path,
            rehearsal_python=bare_python,
            dist=tmp_path,
            sdk_requirement="codex-app-server-sdk==0.163.0",
            openai_wheel=openai_wheel,
            codex_version="0.163.0",
        )
    message = str(info.value)
    assert message.startswith(
        f"co-install: pip install --no-index --no-deps {openai_wheel} failed:"
    )
    assert "No module named pip" in message


def test_the_coinstall_probe_refuses_a_venv_without_the_sdk(bare_python: Path) -> None:
    with pytest.raises(StagingError) as info:
        _expect(bare_python, "B: OpenAI's, then ours", {})
    message = str(info.value)
    assert message.startswith("co-install, B: OpenAI's, then ours: the probe failed:\n")
    assert "No module named 'codex_app_server'" in message


def test_a_coinstall_probe_that_hangs_is_refused(tmp_path: Path) -> None:
    python = write_executable(tmp_path / "python", HANGS)
    with pytest.raises(StagingError) as info:
        _expect(python, "A: ours, then OpenAI's", {}, timeout=0.5)
    assert (
        str(info.value) == "co-install, A: ours, then OpenAI's: the probe did not finish in 0.5 s"
    )


def test_the_coinstall_probe_refuses_a_state_it_did_not_expect() -> None:
    """This venv has OpenAI's runtime and not ours: not what "ours removed" expects of codex."""
    expected = {"codex_app_server_runtime": "not installed", "codex command": "not installed"}
    with pytest.raises(StagingError) as info:
        _expect(Path(sys.executable), "B: ours removed", expected)
    message = str(info.value)
    assert message.startswith(f"co-install, B: ours removed: expected {expected}, found {{")
    assert "'codex_cli_bin': 'codex-cli 0.163.0'" in message  # what the probe really saw


# --- the all-platforms check ------------------------------------------------------------------


def test_a_platform_package_holding_another_cpus_codex_is_refused(
    foreign_runtime: Path, tmp_path: Path
) -> None:
    """The cache says linux-<this CPU>, the package holds the other CPU's codex (foreign_runtime):
    staging tags the wheel for what the binary is, and the platform check refuses the tag."""
    _, foreign_arch = foreign_linux_machine()
    platform = "linux-x64" if foreign_arch == "aarch64" else "linux-arm64"
    unpacked = tmp_path / "cache" / "unpacked" / f"0.163.0-{platform}"
    unpacked.mkdir(parents=True)
    shutil.move(foreign_runtime, unpacked / "package")
    (unpacked / ".unpacked").write_text(f"@openai/codex@0.163.0-{platform}\n")
    with pytest.raises(StagingError) as info:
        check_platform(
            platform, "0.163.0", cache=tmp_path / "cache", work=tmp_path / "work", rebuild=False
        )
    message = str(info.value)
    wheel = re.match(rf"{platform}: (codex_cli_bin-0\.163\.0-py3-none-(\S+)\.whl) carries", message)
    assert wheel is not None, message
    tags = [f"py3-none-{tag}" for tag in wheel[2].split(".")]
    assert all(tag.endswith(f"_{foreign_arch}") for tag in tags)  # the binary's own CPU
    assert (
        f"carries tags {tags}; every tag of this platform's wheel must match py3-none-" in message
    )
    assert "; every tag of this platform's wheel must match py3-none-" in message


def test_a_rebuild_that_differs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = inspect_wheel(write_wheel(tmp_path / "a" / "demo-1.0-py3-none-any.whl", {}))
    again = inspect_wheel(
        write_wheel(tmp_path / "b" / "demo-1.0-py3-none-any.whl", {"demo/x.py": b"1"})
    )
    _check_rebuild("linux-x64", first, first)  # the same bytes pass
    with pytest.raises(StagingError) as info:
        _check_rebuild("linux-x64", first, again)
    assert str(info.value) == (
        f"linux-x64: a second build differs ({again.sha256} vs {first.sha256}); "
        "the runtime wheel is not reproducible"
    )


def test_a_wheel_that_lacks_staged_files_is_refused(foreign_runtime: Path, tmp_path: Path) -> None:
    wheel = inspect_wheel(write_wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/x.py": b""}))
    with pytest.raises(StagingError) as info:
        _check_contents(find_runtime(foreign_runtime), wheel)
    message = str(info.value)
    assert message.startswith("demo-1.0-py3-none-any.whl: missing ['codex_app_server_runtime/")
    assert "; stray top-level entries ['demo-1.0.dist-info/WHEEL'" in message


# --- the benchmark ----------------------------------------------------------------------------


def test_the_benchmark_stops_when_stage_runtime_fails(tmp_path: Path) -> None:
    missing = tmp_path / "no-codex"
    with pytest.raises(SystemExit) as info:
        bench_stage_runtime._time_stage(missing, tmp_path / "stage", "0.163.0")  # pyright: ignore[reportPrivateUsage]
    message = str(info.value.code)
    assert message.startswith("stage-runtime failed:\n")
    assert str(missing) in message  # stage-runtime's own refusal, passed on
