"""stage-sdk: a clean copy of sdk/ with its version and runtime pin; the source tree untouched."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
import tomlkit

from staging.errors import StagingError
from staging.paths import pinned_runtime_version
from staging.stage_sdk import StagedSdk, build_sdk, stage_sdk
from tests.staging.conftest import REPO_ROOT


@pytest.fixture
def schema_pin(tmp_path: Path) -> Path:
    """A schema pin of runtime 0.163.0, so the fake SDK's tests do not follow the real one."""
    pin = tmp_path / "schema-pin.json"
    pin.write_text('{"runtime_version": "0.163.0", "sha256": "", "file_count": 0}')
    return pin


def _stage_fake_sdk(tmp_path: Path, schema_pin: Path) -> StagedSdk:
    """The fake SDK staged for 0.163.0 (no stale-file check)."""
    return stage_sdk(
        tmp_path / "out",
        runtime_version="0.163.0",
        stale_files=list,
        source=_fake_sdk(tmp_path / "sdk"),
        schema_pin=schema_pin,
    )


def _fake_sdk(root: Path, dependencies: str = '["pydantic>=2.11,<3"]') -> Path:
    """A minimal SDK source tree, littered with what a working copy collects."""
    package = root / "src" / "codex_app_server"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""Fake SDK."""\n')
    (package / "py.typed").write_text("")
    (root / "README.md").write_text("# fake sdk\n\nFor staging tests.\n")
    (root / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["hatchling>=1.26"]\n'
        'build-backend = "hatchling.build"\n\n'
        "[project]\n"
        'name = "codex-app-server-sdk"\n'
        "# stage-sdk sets the release version\n"
        'version = "0.163.0.dev0"\n'
        'description = "fake"\n'
        'readme = "README.md"\n'
        'requires-python = ">=3.10"\n'
        f"dependencies = {dependencies}\n\n"
        "[tool.hatch.build.targets.wheel]\n"
        'packages = ["src/codex_app_server"]\n'
    )
    for junk in (
        "__pycache__/x.pyc",
        "dist/old.whl",
        "build/lib/x.py",
        "x.egg-info/PKG-INFO",
        ".pytest_cache/v",
    ):
        (root / junk).parent.mkdir(parents=True, exist_ok=True)
        (root / junk).write_text("junk")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"junk")
    (package / "stray.pyc").write_bytes(b"junk")
    return root


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_copy_leaves_caches_and_build_output_behind(tmp_path: Path, schema_pin: Path) -> None:
    source = _fake_sdk(tmp_path / "sdk")
    before = _tree_digest(source)
    staged = stage_sdk(
        tmp_path / "out",
        runtime_version="rust-v0.163.0",
        stale_files=list,
        source=source,
        schema_pin=schema_pin,
    )
    copied = {str(path.relative_to(staged.directory)) for path in staged.directory.rglob("*")}
    assert copied == {
        ".codex-staging",
        "LICENSE",  # the repository's, copied in for license-files
        "README.md",
        "pyproject.toml",
        "src",
        "src/codex_app_server",
        "src/codex_app_server/__init__.py",
        "src/codex_app_server/py.typed",
    }
    assert _tree_digest(source) == before  # the source is only read


def test_version_and_pin_are_set_on_the_toml_structure(tmp_path: Path, schema_pin: Path) -> None:
    source = _fake_sdk(tmp_path / "sdk")
    staged = stage_sdk(
        tmp_path / "out",
        runtime_version="0.163.0",
        stale_files=list,
        source=source,
        schema_pin=schema_pin,
    )
    text = (staged.directory / "pyproject.toml").read_text()
    project = tomlkit.parse(text).unwrap()["project"]
    assert project["version"] == "0.163.0"
    assert project["dependencies"] == ["pydantic>=2.11,<3", "codex-cli-bin==0.163.0"]
    assert "# stage-sdk sets the release version" in text  # tomlkit kept the comment
    assert staged.requirement == "codex-cli-bin==0.163.0"


def test_sdk_version_option_and_an_existing_pin_is_replaced(
    tmp_path: Path, schema_pin: Path
) -> None:
    source = _fake_sdk(tmp_path / "sdk", dependencies='["codex_cli_bin>=0.1", "pydantic>=2.11,<3"]')
    staged = stage_sdk(
        tmp_path / "out",
        runtime_version="0.163.0",
        sdk_version="0.163.0-post1",
        stale_files=list,
        source=source,
        schema_pin=schema_pin,
    )
    project = tomlkit.parse((staged.directory / "pyproject.toml").read_text()).unwrap()["project"]
    assert project["version"] == "0.163.0.post1"
    assert project["dependencies"] == ["pydantic>=2.11,<3", "codex-cli-bin==0.163.0"]


def test_built_fake_sdk_requires_the_exact_runtime(tmp_path: Path, schema_pin: Path) -> None:
    staged = _stage_fake_sdk(tmp_path, schema_pin)
    built = build_sdk(staged)  # runs twine check --strict on both
    assert built.sdist.name == "codex_app_server_sdk-0.163.0.tar.gz"
    assert "codex-cli-bin==0.163.0" in built.wheel.requires_dist
    assert built.wheel.tags == ("py3-none-any",)
    with zipfile.ZipFile(built.wheel.path) as archive:
        assert not [name for name in archive.namelist() if name.endswith(".pyc")]


@pytest.mark.timeout(300)
def test_stage_sdk_command_on_the_real_sdk(run_cli, tmp_path: Path) -> None:
    pyproject = REPO_ROOT / "sdk" / "pyproject.toml"
    before = pyproject.read_bytes()
    runtime = pinned_runtime_version()
    result = run_cli("stage-sdk", tmp_path / "out", "--runtime-version", runtime, "--build")
    assert result.code == 0, result.err
    assert f"requires   codex-cli-bin=={runtime}" in result.out
    (wheel,) = (tmp_path / "out" / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = [
            name for name in archive.namelist() if name.endswith(".dist-info/METADATA")
        ]
        metadata = archive.read(metadata_name).decode()
    assert f"Requires-Dist: codex-cli-bin=={runtime}" in metadata.splitlines()
    assert f"Version: {runtime}" in metadata.splitlines()
    assert list((tmp_path / "out" / "dist").glob("*.tar.gz"))
    assert pyproject.read_bytes() == before


@pytest.mark.parametrize(
    ("edit", "refusal"),
    [
        (
            ("codex-cli-bin==0.163.0", "pydantic>=2.11,<3"),
            "requires no codex-cli-bin, expected exactly 'codex-cli-bin==0.163.0'",
        ),
        (
            ("codex-cli-bin==0.163.0", "codex-cli-bin>=0.163.0"),
            "requires ['codex-cli-bin>=0.163.0'], expected exactly 'codex-cli-bin==0.163.0'",
        ),
        (('version = "0.163.0"', 'version = "0.163.1"'), "has version 0.163.1, expected 0.163.0"),
    ],
    ids=["pin-dropped", "pin-loosened", "version-changed"],
)
def test_a_staged_sdk_edited_before_its_build_is_refused(
    tmp_path: Path, schema_pin: Path, edit: tuple[str, str], refusal: str
) -> None:
    """The built wheel is read back: the pin and version staging wrote must be what it says."""
    staged = _stage_fake_sdk(tmp_path, schema_pin)
    pyproject = staged.directory / "pyproject.toml"
    old, new = edit
    assert old in pyproject.read_text()
    pyproject.write_text(pyproject.read_text().replace(old, new))
    with pytest.raises(StagingError) as info:
        build_sdk(staged)
    wheel = "codex_app_server_sdk-0.163.1" if "0.163.1" in new else "codex_app_server_sdk-0.163.0"
    assert str(info.value) == f"{wheel}-py3-none-any.whl {refusal}"
