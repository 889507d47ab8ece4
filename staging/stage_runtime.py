"""stage-runtime: one codex binary (and its helpers) into a buildable codex-cli-bin project.

Every check runs before the first byte is copied, so a refusal leaves nothing half-made:
version spelling, the binary and its layout, the helpers codex ships beside it, every native
file's headers and the tag they all keep, codex's manifest, the binary's own `--version`, then
the destination. Only then: template (with the license expression and texts of what is
shipped), payload, runtime-info.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.tags import parse_tag

from staging.binformat import BinaryInfo, read_binary_info
from staging.build_dists import build_wheel
from staging.copying import copy_payload
from staging.destination import check_destination, prepare_destination
from staging.errors import StagingError
from staging.paths import RUNTIME_TEMPLATE_DIR, RUNTIME_TEMPLATE_FILES
from staging.platform_tags import (
    Narrowing,
    NativeFile,
    check_payload_platform_tag,
    payload_platform_tag,
    target_triple_for,
)
from staging.progress import Progress
from staging.pyproject_edit import add_project_urls, set_project_fields, set_project_version
from staging.release_settings import RUNTIME_PACKAGE, project_urls
from staging.runtime_checks import (
    check_manifest,
    check_reported_version,
    read_native_helpers,
)
from staging.runtime_helpers import (
    Component,
    check_helpers,
    license_expression,
    license_files,
)
from staging.runtime_source import LeftOut, find_runtime
from staging.versions import CodexVersion, parse_codex_version
from staging.wheel_check import WheelFacts, inspect_wheel

PACKAGE = RUNTIME_PACKAGE
# check-wheel-contents takes every `*.so` for a Python extension module (W004: not at an
# importable path). With --include-voice the runtime's resources hold plain shared libraries
# that codex's helpers load (GStreamer under codex-resources/voice/lib/): not modules.
RUNTIME_WHEEL_CONTENTS_IGNORE = ("W004",)
RUNTIME_INFO_FILE = "runtime-info.json"


@dataclass(frozen=True)
class StagedRuntime:
    """A staged codex-cli-bin project and what staging learned on the way."""

    directory: Path
    version: CodexVersion
    platform_tag: str
    target: str
    sha256: str
    binary: BinaryInfo
    payload_bytes: int
    version_check: str
    warnings: tuple[str, ...]
    ignored: tuple[Path, ...]
    # How the payload's other native files narrowed the binary's own tag (empty: they did not,
    # or --platform-tag was given), and the tag computed from every file (None: overridden
    # and not computable, e.g. an x86_64 Mach-O without a minimum macOS).
    narrowings: tuple[Narrowing, ...] = ()
    computed_tag: str | None = None
    native_files: int = 1
    voice_included: bool = False
    voice_left_out: LeftOut | None = None
    license_expression: str = "Apache-2.0"

    @property
    def package_dir(self) -> Path:
        return self.directory / PACKAGE


def stage_runtime(
    directory: Path,
    codex: Path,
    *,
    runtime_version: str,
    platform_tag: str | None = None,
    force: bool = False,
    progress: bool | None = None,
    include_voice: bool = False,
    allow_missing_helpers: bool = False,
    repository_url: str | None = None,
) -> StagedRuntime:
    """Check everything, then write the staged project into `directory`."""
    version = parse_codex_version(runtime_version)
    urls = project_urls(repository_url) if repository_url is not None else {}
    check_destination(directory, force=force, sources=(codex,))
    source = find_runtime(codex, include_voice=include_voice)
    binary_path = source.entrypoint.source
    info = read_binary_info(binary_path)
    components, helper_warnings = check_helpers(
        source, info.os, allow_missing=allow_missing_helpers
    )
    main = NativeFile(str(source.entrypoint.destination), str(binary_path), info)
    helpers, notes = read_native_helpers(source, main)
    if platform_tag is not None:
        tag = check_payload_platform_tag(platform_tag, main, helpers)
        computed = _computed_tag_or_none(main, helpers)
        narrowings: tuple[Narrowing, ...] = ()
        warnings = [*helper_warnings, *notes]
    else:
        decision = payload_platform_tag(main, helpers)
        tag = computed = decision.tag
        narrowings = decision.narrowings
        warnings = [*helper_warnings, *notes, *decision.warnings]
    target = check_manifest(source, info, version) or target_triple_for(info)
    version_check = check_reported_version(binary_path, info, version)

    staged_dir = prepare_destination(directory, force=force, kind="runtime", sources=(codex,))
    _copy_template(staged_dir, version, components, urls)
    package_dir = staged_dir / PACKAGE
    copying = Progress("copying runtime", source.total_size, enabled=progress)
    sha256 = copy_payload(
        source.files, package_dir, hashed=source.entrypoint.destination, progress=copying
    )
    _write_runtime_info(
        package_dir / RUNTIME_INFO_FILE,
        {
            "version": version.pep440,
            "codex_version": version.codex,
            "target": target,
            "platform_tag": tag,
            "sha256": sha256,
            "entrypoint": str(source.entrypoint.destination),
            "resources_dir": source.resources_dir,
            "path_dir": source.path_dir,
            "voice_included": source.voice_included,
        },
    )
    return StagedRuntime(
        directory=staged_dir,
        version=version,
        platform_tag=tag,
        target=target,
        sha256=sha256,
        binary=info,
        payload_bytes=source.total_size,
        version_check=version_check,
        warnings=tuple(warnings),
        ignored=source.ignored,
        narrowings=narrowings,
        computed_tag=computed,
        native_files=1 + len(helpers),
        voice_included=source.voice_included,
        voice_left_out=source.voice_left_out,
        license_expression=license_expression(components),
    )


def _computed_tag_or_none(main: NativeFile, helpers: tuple[NativeFile, ...]) -> str | None:
    try:
        return payload_platform_tag(main, helpers).tag
    except StagingError:
        return None


def _copy_template(
    staged_dir: Path,
    version: CodexVersion,
    components: tuple[Component, ...],
    urls: dict[str, str],
) -> None:
    shipped_licenses = license_files(components)
    for relative in (*RUNTIME_TEMPLATE_FILES, *shipped_licenses):
        target = staged_dir.joinpath(*PurePosixPath(relative).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RUNTIME_TEMPLATE_DIR.joinpath(*PurePosixPath(relative).parts), target)
    pyproject = staged_dir / "pyproject.toml"
    set_project_version(pyproject, version.pep440)
    # Only the texts of what this wheel ships, under one expression true to them.
    set_project_fields(
        pyproject, license=license_expression(components), license_files=shipped_licenses
    )
    if urls:
        add_project_urls(pyproject, urls)


def _write_runtime_info(path: Path, record: dict[str, str | bool | None]) -> None:
    # Sorted keys and a fixed layout: the same inputs give the same bytes, hence the same wheel.
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def build_runtime_wheel(directory: Path, *, progress: bool | None = None) -> WheelFacts:
    """Build the staged project in `directory` into `directory/dist`, then hold the wheel to
    what staging recorded: its tag, platlib install, a valid RECORD, the binary's exec bit."""
    record = json.loads((directory / PACKAGE / RUNTIME_INFO_FILE).read_text(encoding="utf-8"))
    wheel = build_wheel(directory, directory / "dist", progress=progress)
    facts = inspect_wheel(wheel)
    expected_tags = sorted(str(tag) for tag in parse_tag(f"py3-none-{record['platform_tag']}"))
    binary_entry = f"{PACKAGE}/{record['entrypoint']}"
    problems: list[str] = []
    if sorted(facts.tags) != expected_tags:
        problems.append(f"tags {list(facts.tags)} instead of {expected_tags}")
    if facts.root_is_purelib:
        problems.append("Root-Is-Purelib is true")
    if binary_entry not in facts.executables:
        problems.append(f"{binary_entry} is missing or lost its exec bit")
    if problems:
        raise StagingError(f"the built wheel {wheel} is wrong: {'; '.join(problems)}")
    return facts
