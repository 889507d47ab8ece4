"""stage-sdk: a copy of sdk/ with its release version and an exact codex-cli-bin pin.

The source tree is only read. The copy leaves caches and build output behind, gets its version
(default: the runtime's), `codex-cli-bin==<runtime>`, the repository's LICENSE, and optionally
another distribution name and Project-URLs, through tomlkit; it builds (sdist, then the wheel
from that sdist) only when generated code matches the vendored schema. The cheap checks
(versions, names, the destination) run before the slow one (regenerating to compare).
"""

from __future__ import annotations

import importlib
import shutil
import zipfile
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import TYPE_CHECKING, cast

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from staging.build_dists import build_sdist_and_wheel
from staging.destination import check_destination, prepare_destination
from staging.errors import StagingError
from staging.paths import REPO_ROOT, SCHEMA_PIN, SDK_DIR, pinned_runtime_version
from staging.pyproject_edit import (
    add_project_urls,
    pin_dependency,
    set_project_fields,
    set_project_version,
)
from staging.release_settings import (
    RUNTIME_DISTRIBUTION,
    SDK_DISTRIBUTION,
    check_distribution_name,
    project_urls,
)
from staging.versions import normalize_sdk_version, parse_codex_version
from staging.wheel_check import WheelFacts, inspect_wheel, run_twine_check

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

LICENSE_FILE = REPO_ROOT / "LICENSE"
# What a working copy of sdk/ may hold that a release must not.
LEFT_BEHIND = (
    "__pycache__",
    "*.pyc",
    "*.pyo",
    "*.egg-info",
    "dist",
    "build",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".nox",
    ".tox",
    ".venv",
    ".coverage",
    ".DS_Store",
)


@dataclass(frozen=True)
class StagedSdk:
    directory: Path
    sdk_version: str
    runtime_version: str
    requirement: str
    distribution: str = SDK_DISTRIBUTION


@dataclass(frozen=True)
class BuiltSdk:
    sdist: Path
    wheel: WheelFacts


def stage_sdk(
    directory: Path,
    *,
    runtime_version: str,
    sdk_version: str | None = None,
    force: bool = False,
    stale_files: Callable[[], list[str]] | None = None,
    source: Path = SDK_DIR,
    schema_pin: Path = SCHEMA_PIN,
    distribution_name: str = SDK_DISTRIBUTION,
    repository_url: str | None = None,
) -> StagedSdk:
    """Refuse stale generated code, then write the release copy of `source` into `directory`.

    `stale_files` defaults to `codegen.stale_files` (imported only when needed).
    """
    runtime_parsed = parse_codex_version(runtime_version)
    runtime = runtime_parsed.pep440
    version = normalize_sdk_version(sdk_version) if sdk_version is not None else runtime
    schema_runtime = parse_codex_version(pinned_runtime_version(schema_pin))
    if schema_runtime != runtime_parsed:
        raise StagingError(
            f"--runtime-version {runtime_version} is not the runtime the SDK is generated from "
            f"({schema_runtime.codex}, per {schema_pin}); pinning it would pair the SDK with "
            "a protocol it was not built for. Refresh the schema (update-schema) and regenerate "
            "first, or stage that runtime"
        )
    check_distribution_name(distribution_name)
    urls = project_urls(repository_url) if repository_url is not None else {}
    check_destination(directory, force=force, sources=(source,))
    check_generated_code(stale_files)
    staged = prepare_destination(directory, force=force, kind="sdk", sources=(source,))
    shutil.copytree(source, staged, ignore=_left_behind, dirs_exist_ok=True)
    pyproject = staged / "pyproject.toml"
    set_project_version(pyproject, version)
    requirement = pin_dependency(pyproject, RUNTIME_DISTRIBUTION, runtime)
    shutil.copyfile(LICENSE_FILE, staged / "LICENSE")
    set_project_fields(pyproject, name=distribution_name, license_files=["LICENSE"])
    if urls:
        add_project_urls(pyproject, urls)
    return StagedSdk(staged, version, runtime, requirement, distribution_name)


def build_sdk(staged: StagedSdk, *, progress: bool | None = None) -> BuiltSdk:
    """Build sdist and wheel into `staged.directory/dist`; check metadata and the runtime pin."""
    sdist, wheel = build_sdist_and_wheel(
        staged.directory, staged.directory / "dist", progress=progress
    )
    run_twine_check(sdist, wheel)
    facts = inspect_wheel(wheel)
    pins = [
        text
        for text in facts.requires_dist
        if canonicalize_name(Requirement(text).name) == RUNTIME_DISTRIBUTION
    ]
    if pins != [staged.requirement]:
        raise StagingError(
            f"{wheel.name} requires {pins or 'no codex-cli-bin'}, expected exactly "
            f"{staged.requirement!r}"
        )
    if facts.version != staged.sdk_version:
        raise StagingError(
            f"{wheel.name} has version {facts.version}, expected {staged.sdk_version}"
        )
    _refuse_bytecode(wheel)
    return BuiltSdk(sdist, facts)


def check_generated_code(stale_files: Callable[[], list[str]] | None = None) -> None:
    """Refuse generated code that differs from what the schema gives (`codegen.stale_files`
    unless another check is given)."""
    stale = (stale_files or codegen_stale_files())()
    if stale:
        listing = "\n  ".join(stale[:20]) + ("\n  ..." if len(stale) > 20 else "")
        raise StagingError(
            f"generated code is stale ({len(stale)} files differ from what the schema gives):\n"
            f"  {listing}\nrun `python scripts/update_sdk_artifacts.py generate-types` and commit"
        )


def codegen_stale_files() -> Callable[[], list[str]]:
    """`codegen.stale_files`, looked up only when staging runs (the toolchain may lack it)."""
    try:
        module = importlib.import_module("codegen")
    except ImportError as error:
        raise StagingError(
            f"cannot check that generated code is current: the codegen package does not import "
            f"({error}); staging refuses rather than ship unchecked code"
        ) from None
    check = getattr(module, "stale_files", None)
    if not callable(check):
        raise StagingError(
            "cannot check that generated code is current: codegen.stale_files() is missing; "
            "staging refuses rather than ship unchecked code"
        )
    return cast("Callable[[], list[str]]", check)


def _left_behind(folder: str, names: list[str]) -> set[str]:
    del folder  # the same rules hold at every depth
    return {name for name in names if any(fnmatch(name, pattern) for pattern in LEFT_BEHIND)}


def _refuse_bytecode(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        cached = [name for name in archive.namelist() if name.endswith((".pyc", ".pyo"))]
    if cached:
        raise StagingError(f"{wheel.name} carries bytecode: {', '.join(cached[:5])}")
