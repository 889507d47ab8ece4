"""Cross-checks before anything is copied: does every source agree on what is being staged?

The maintainer's --runtime-version, codex's manifest (codex-package.json), the binary's own
`--version` answer (when it runs here) and the helpers' headers must all tell one story.
Disagreement is a refusal; a helper that needs more than the wheel's tag promises (a glibc
`rg` in a wheel that musl systems also install) is a warning the maintainer must see.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from typing import TYPE_CHECKING

from staging.binformat import read_binary_info
from staging.errors import StagingError
from staging.platform_tags import broken_promises, runs_on_this_host, triple_contradiction
from staging.versions import parse_codex_version, version_from_cli_output

if TYPE_CHECKING:
    from pathlib import Path

    from staging.binformat import BinaryInfo
    from staging.runtime_source import RuntimeSource
    from staging.versions import CodexVersion

_EXECUTABLE_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba")
VERSION_TIMEOUT_SECONDS = 60


def check_manifest(source: RuntimeSource, info: BinaryInfo, expected: CodexVersion) -> str | None:
    """Refuse a manifest that names another version or target; return its target triple."""
    manifest = source.manifest
    if manifest is None:
        return None
    where = source.entrypoint.source.parent
    version = manifest.get("version")
    if isinstance(version, str):
        recorded = parse_codex_version(version)
        if recorded != expected:
            raise StagingError(
                f"codex-package.json beside {where} says version {version}, but "
                f"--runtime-version is {expected.codex}: stage the runtime of that version"
            )
    target = manifest.get("target")
    if not isinstance(target, str):
        return None
    problem = triple_contradiction(target, info)
    if problem is not None:
        raise StagingError(
            f"codex-package.json beside {where}: {problem}, yet the binary is {info.describe()}"
        )
    return target


def check_helpers(source: RuntimeSource, info: BinaryInfo, platform_tag: str) -> list[str]:
    """Refuse helpers for another OS or CPU; warn about helpers the tag over-promises for.

    Warnings are grouped by problem (a voice plugin folder can hold twenty dylibs that all
    need the same newer macOS): one line per problem, naming the first file and the count.
    """
    unreadable: list[str] = []
    by_problem: dict[str, list[str]] = {}
    for helper in source.helpers:
        if not _looks_executable(helper.source):
            continue
        try:
            helper_info = read_binary_info(helper.source)
        except StagingError as error:
            unreadable.append(f"{helper.destination}: headers not understood ({error})")
            continue
        if helper_info.os != info.os or not set(helper_info.arches) & set(info.arches):
            raise StagingError(
                f"the runtime mixes platforms: {helper.source} is {helper_info.describe()}, "
                f"but the codex binary is {info.describe()}; stage one target's files only"
            )
        for problem in _helper_problems(platform_tag, helper_info):
            by_problem.setdefault(problem, []).append(str(helper.destination))
    grouped = [
        f"{paths[0]}{f' (and {len(paths) - 1} more)' if len(paths) > 1 else ''} "
        f"will not run everywhere the wheel installs: {problem}"
        for problem, paths in by_problem.items()
    ]
    return unreadable + grouped


def _helper_problems(platform_tag: str, helper: BinaryInfo) -> list[str]:
    if helper.os == "linux" and helper.static and helper.libc is None:
        return []  # a static binary or a shared library: it brings no libc need of its own
    return broken_promises(platform_tag, helper)


def _looks_executable(path: Path) -> bool:
    with path.open("rb") as file:
        head = file.read(4)
    return any(head.startswith(magic) for magic in _EXECUTABLE_MAGIC)


def check_reported_version(binary: Path, info: BinaryInfo, expected: CodexVersion) -> str:
    """Ask the binary its version when it can run here; refuse a mismatch. Return what happened."""
    if not runs_on_this_host(info):
        return f"not run here (the binary is {info.describe()})"
    with tempfile.TemporaryDirectory(prefix="codex-home-") as codex_home:
        # A throwaway CODEX_HOME: asking the version must not touch the maintainer's own.
        environment = {**os.environ, "CODEX_HOME": codex_home}
        try:
            result = subprocess.run(
                [str(binary), "--version"],
                capture_output=True,
                text=True,
                timeout=VERSION_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
                env=environment,
                check=False,
            )
        except OSError as error:
            return f"could not be run here ({error.strerror or error}); version not confirmed"
        except subprocess.TimeoutExpired:
            raise StagingError(
                f"`{binary} --version` did not answer within {VERSION_TIMEOUT_SECONDS} s; "
                "is this the codex binary?"
            ) from None
    if result.returncode != 0:
        raise StagingError(
            f"`{binary} --version` failed with exit code {result.returncode}: "
            f"{(result.stderr or result.stdout).strip()[-500:]}"
        )
    reported = version_from_cli_output(result.stdout)
    if reported != expected:
        raise StagingError(
            f"{binary} reports version {reported.codex} ({result.stdout.strip()!r}), but "
            f"--runtime-version is {expected.codex}: stage the binary of that version, or fix "
            "--runtime-version"
        )
    return result.stdout.strip()
