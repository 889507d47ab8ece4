"""stage-runtime: one codex binary (and its helpers) into a buildable codex-cli-bin project.

Every check runs before the first byte is copied, so a refusal leaves nothing half-made:
version spelling, the binary and its layout, the tag, codex's manifest, the helpers, the
binary's own `--version`, then the destination. Only then: template, payload, runtime-info.
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
from staging.destination import prepare_destination
from staging.errors import StagingError
from staging.paths import RUNTIME_TEMPLATE_DIR, RUNTIME_TEMPLATE_FILES
from staging.platform_tags import check_platform_tag, platform_tag_for, target_triple_for
from staging.progress import Progress
from staging.pyproject_edit import set_project_version
from staging.runtime_checks import check_helpers, check_manifest, check_reported_version
from staging.runtime_source import find_runtime
from staging.versions import CodexVersion, parse_codex_version
from staging.wheel_check import WheelFacts, inspect_wheel

PACKAGE = "codex_cli_bin"
# check-wheel-contents takes every `*.so` for a Python extension module (W004: not at an
# importable path). The runtime's resources hold plain shared libraries that codex's helpers
# load (GStreamer plugins under codex-resources/voice/lib/gstreamer-1.0/): not modules.
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
) -> StagedRuntime:
    """Check everything, then write the staged project into `directory`."""
    version = parse_codex_version(runtime_version)
    source = find_runtime(codex)
    binary_path = source.entrypoint.source
    info = read_binary_info(binary_path)
    tag = (
        check_platform_tag(platform_tag, info, str(binary_path))
        if platform_tag is not None
        else platform_tag_for(info)
    )
    target = check_manifest(source, info, version) or target_triple_for(info)
    warnings = check_helpers(source, info, tag)
    version_check = check_reported_version(binary_path, info, version)

    staged_dir = prepare_destination(directory, force=force, kind="runtime", sources=(codex,))
    _copy_template(staged_dir, version)
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
    )


def _copy_template(staged_dir: Path, version: CodexVersion) -> None:
    for relative in RUNTIME_TEMPLATE_FILES:
        target = staged_dir.joinpath(*PurePosixPath(relative).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RUNTIME_TEMPLATE_DIR.joinpath(*PurePosixPath(relative).parts), target)
    set_project_version(staged_dir / "pyproject.toml", version.pep440)


def _write_runtime_info(path: Path, record: dict[str, str | None]) -> None:
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
