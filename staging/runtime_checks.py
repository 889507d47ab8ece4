"""Cross-checks before anything is copied: does every source agree on what is being staged?

The maintainer's --runtime-version, codex's manifest (codex-package.json), the binary's own
`--version` answer (when it runs here) and the helpers' headers must all tell one story.
Disagreement is a refusal. Every native file of the payload (ELF, Mach-O, PE: programs and
shared libraries) is read here, so the wheel's tag can be computed from all of them.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from typing import TYPE_CHECKING

from staging.binformat import NotAnExecutableError, read_binary_info
from staging.errors import StagingError
from staging.platform_tags import (
    NativeFile,
    platform_mismatch,
    runs_on_this_host,
    triple_contradiction,
)
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


def read_native_helpers(
    source: RuntimeSource, main: NativeFile
) -> tuple[tuple[NativeFile, ...], tuple[str, ...]]:
    """Read the headers of every helper that looks native; return them and notes to show.

    A helper for another OS, or with no CPU in common with the codex binary, is refused. A
    file with an executable's magic that is no executable at all (a text file starting with
    "MZ", a Java class file) is noted and not counted; one that is an executable this wheel
    cannot describe (32-bit, another CPU, truncated) is refused: the tag could not hold for it.
    """
    natives: list[NativeFile] = []
    notes: list[str] = []
    for helper in source.helpers:
        if not _looks_executable(helper.source):
            continue
        try:
            info = read_binary_info(helper.source)
        except NotAnExecutableError as error:
            notes.append(f"{helper.destination}: not counted as a native file ({error})")
            continue
        except StagingError as error:
            raise StagingError(
                f"the runtime holds a native file no codex-cli-bin wheel tag can describe: "
                f"{error}; the codex binary is {main.info.describe()}"
            ) from None
        native = NativeFile(name=str(helper.destination), source=str(helper.source), info=info)
        problem = platform_mismatch(main, native)
        if problem is not None:
            raise StagingError(problem)
        natives.append(native)
    return tuple(natives), tuple(notes)


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
