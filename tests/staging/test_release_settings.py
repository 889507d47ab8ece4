"""What a release is published as: helpers refused when missing, names, addresses, licenses,
and the cheap refusals coming before the slow checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import tomlkit

from staging.errors import StagingError
from staging.paths import pinned_runtime_version
from staging.stage_runtime import stage_runtime
from staging.stage_sdk import stage_sdk
from staging.versions import parse_codex_version
from tests.staging.binaries import elf, foreign_linux_machine, write_executable

V = "0.163.0"
SDK_V = parse_codex_version(pinned_runtime_version()).codex


def _vendor_root(package: Path) -> Path:
    (root,) = (package / "vendor").iterdir()
    return root


# --- stage-runtime: helpers ------------------------------------------------------------------


def test_a_bare_binary_is_refused_naming_each_missing_helper(run_cli, tmp_path: Path) -> None:
    binary = write_executable(tmp_path / "codex", elf(foreign_linux_machine()[0]))
    result = run_cli("stage-runtime", tmp_path / "out", binary, "--runtime-version", V)
    assert result.code == 2
    assert "error: a bare codex binary lacks helpers that codex's linux package ships:" in (
        result.err
    )
    assert f"rg: no {tmp_path / 'codex-path' / 'rg'}" in result.err
    assert f"bwrap: no {tmp_path / 'codex-resources' / 'bwrap'}" in result.err
    assert f"codex-code-mode-host: no {tmp_path / 'bin' / 'codex-code-mode-host'}" in result.err
    assert "or pass --allow-missing-helpers" in result.err
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_a_runtime_directory_missing_one_helper_names_it(
    run_cli, foreign_runtime: Path, tmp_path: Path
) -> None:
    root = _vendor_root(foreign_runtime)
    (root / "codex-resources" / "bwrap").unlink()
    result = run_cli("stage-runtime", tmp_path / "out", foreign_runtime, "--runtime-version", V)
    assert result.code == 2
    assert f"error: the runtime {root} lacks helpers that codex's linux package ships:" in (
        result.err
    )
    assert f"bwrap: no {root / 'codex-resources' / 'bwrap'}" in result.err
    assert "rg:" not in result.err


def test_allow_missing_helpers_stages_with_a_warning_and_a_narrower_license(
    run_cli, tmp_path: Path
) -> None:
    binary = write_executable(tmp_path / "bin" / "codex", elf(foreign_linux_machine()[0]))
    result = run_cli(
        "stage-runtime",
        tmp_path / "out",
        binary,
        "--runtime-version",
        V,
        "--allow-missing-helpers",
    )
    assert result.code == 0, result.err
    assert (
        f"warning: staged without a helper (--allow-missing-helpers): rg: no "
        f"{tmp_path / 'codex-path' / 'rg'}" in result.err
    )
    assert "license    Apache-2.0\n" in result.out  # only codex's own license: nothing else ships
    project = tomlkit.parse((tmp_path / "out" / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"  # type: ignore[index]
    assert list(project["license-files"]) == [  # type: ignore[index, arg-type]
        "licenses/codex/LICENSE",
        "licenses/codex/NOTICE",
    ]


def test_a_complete_runtime_gets_every_license_and_the_repository_urls(
    foreign_runtime: Path, tmp_path: Path
) -> None:
    staged = stage_runtime(
        tmp_path / "out",
        foreign_runtime,
        runtime_version=V,
        repository_url="https://example.org/team/codex-sdk/",
    )
    assert staged.license_expression == "Apache-2.0 AND (MIT OR Unlicense) AND LGPL-2.0-or-later"
    project = tomlkit.parse((staged.directory / "pyproject.toml").read_text())["project"]
    assert dict(project["urls"]) == {  # type: ignore[index, arg-type]
        "Codex (upstream)": "https://github.com/openai/codex",
        "Source": "https://example.org/team/codex-sdk",
        "Issues": "https://example.org/team/codex-sdk/issues",
        "Changelog": "https://example.org/team/codex-sdk/blob/main/CHANGELOG.md",
        "Documentation": "https://example.org/team/codex-sdk#readme",
    }
    for text in project["license-files"]:  # type: ignore[index, union-attr]
        assert (staged.directory / str(text)).is_file()


@pytest.mark.parametrize("command", ["stage-runtime", "stage-sdk"])
def test_a_repository_url_that_is_not_https_is_refused(
    run_cli, foreign_runtime: Path, tmp_path: Path, command: str
) -> None:
    inputs = [foreign_runtime] if command == "stage-runtime" else []
    version = V if command == "stage-runtime" else SDK_V
    result = run_cli(
        command,
        tmp_path / "out",
        *inputs,
        "--runtime-version",
        version,
        "--repository-url",
        "github.com/x/y",
    )
    assert result.code == 2
    assert (
        "error: --repository-url 'github.com/x/y' is not an https address of a repository, "
        "e.g. https://github.com/OWNER/REPO" in result.err
    )


def test_a_non_empty_destination_is_refused_before_the_binary_is_read(
    run_cli, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    not_a_binary = write_executable(tmp_path / "codex", b"#!/bin/sh\n")  # would be refused too
    result = run_cli("stage-runtime", out, not_a_binary, "--runtime-version", V)
    assert result.code == 2
    assert f"the staging directory {out} is not empty (mine.txt)" in result.err
    assert "ELF" not in result.err


# --- stage-sdk: the name, and the cheap checks first -----------------------------------------


def _refuse_if_called() -> list[str]:
    raise AssertionError("the slow generated-code check ran before a cheap refusal")


def test_stage_sdk_refuses_a_non_empty_destination_before_the_slow_check(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    with pytest.raises(StagingError, match=r"is not empty \(mine.txt\); choose a new directory"):
        stage_sdk(out, runtime_version=SDK_V, stale_files=_refuse_if_called)


def test_stage_sdk_refuses_a_bad_distribution_name_before_the_slow_check(
    tmp_path: Path,
) -> None:
    with pytest.raises(StagingError) as info:
        stage_sdk(
            tmp_path / "out",
            runtime_version=SDK_V,
            stale_files=_refuse_if_called,
            distribution_name="-codex sdk",
        )
    assert str(info.value) == (
        "--distribution-name '-codex sdk' is not a valid distribution name: use letters, "
        "digits and . _ - (not at either end), e.g. codex-app-server-sdk"
    )


def test_stage_sdk_sets_another_distribution_name_license_and_urls(tmp_path: Path) -> None:
    source = tmp_path / "sdk"
    shutil.copytree(Path(__file__).resolve().parents[2] / "sdk", source)
    staged = stage_sdk(
        tmp_path / "out",
        runtime_version=SDK_V,
        stale_files=list,
        source=source,
        distribution_name="codex-app-server",
        repository_url="https://example.org/team/codex-sdk",
    )
    project = tomlkit.parse((staged.directory / "pyproject.toml").read_text())["project"]
    assert project["name"] == "codex-app-server"  # type: ignore[index]
    assert staged.distribution == "codex-app-server"
    assert list(project["license-files"]) == ["LICENSE"]  # type: ignore[index, arg-type]
    assert (
        (staged.directory / "LICENSE")
        .read_text()
        .startswith("\n                                 Apache License")
    )
    assert project["urls"]["Source"] == "https://example.org/team/codex-sdk"  # type: ignore[index]
    assert "import codex_app_server" not in (staged.directory / "pyproject.toml").read_text()


@pytest.mark.parametrize(("flag", "expected"), [("--progress", True), ("--no-progress", False)])
def test_stage_sdk_progress_reaches_the_build(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str, expected: bool
) -> None:
    seen: list[bool | None] = []

    def build(project: Path, outdir: Path, *, progress: bool | None = None) -> tuple[Path, Path]:
        del project, outdir
        seen.append(progress)
        raise StagingError("stopped after the build was asked for")

    monkeypatch.setattr("staging.stage_sdk.build_sdist_and_wheel", build)
    monkeypatch.setattr("staging.stage_sdk.codegen_stale_files", lambda: list)
    result = run_cli("stage-sdk", tmp_path / "out", "--runtime-version", SDK_V, "--build", flag)
    assert result.code == 2
    assert "error: stopped after the build was asked for" in result.err
    assert seen == [expected]
