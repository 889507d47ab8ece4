"""Read a built wheel back and hold it to its promises: RECORD, tags, purelib, exec bits.

Used after every runtime build, by the rehearsal, the all-platforms run and the tests. The
external checkers (twine, check-wheel-contents) run as subprocesses of this interpreter.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from typing import TYPE_CHECKING

from staging.errors import StagingError

if TYPE_CHECKING:
    from email.message import Message
    from pathlib import Path

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class WheelFacts:
    """What a wheel says about itself, once its RECORD has been checked."""

    path: Path
    name: str
    version: str
    tags: tuple[str, ...]
    root_is_purelib: bool
    requires_dist: tuple[str, ...]
    executables: frozenset[str]
    entries: tuple[str, ...]
    size: int
    sha256: str


def inspect_wheel(path: Path, *, verify_record: bool = True) -> WheelFacts:
    """Read `path`; with `verify_record`, refuse it unless every RECORD hash and size holds."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise StagingError(f"{path} is not a readable wheel: {error}") from None
    with archive:
        names = tuple(info.filename for info in archive.infolist() if not info.is_dir())
        dist_info = _dist_info_dir(path, names)
        wheel_meta = _headers(archive.read(f"{dist_info}/WHEEL"))
        metadata = _headers(archive.read(f"{dist_info}/METADATA"))
        if verify_record:
            _verify_record(path, archive, f"{dist_info}/RECORD")
        executables = frozenset(
            info.filename
            for info in archive.infolist()
            if (info.external_attr >> 16) & stat.S_IXUSR and not info.is_dir()
        )
    return WheelFacts(
        path=path,
        name=metadata.get("Name", ""),
        version=metadata.get("Version", ""),
        tags=tuple(wheel_meta.get_all("Tag") or ()),
        root_is_purelib=wheel_meta.get("Root-Is-Purelib", "").strip().lower() == "true",
        requires_dist=tuple(metadata.get_all("Requires-Dist") or ()),
        executables=executables,
        entries=names,
        size=path.stat().st_size,
        sha256=_file_sha256(path),
    )


def _dist_info_dir(path: Path, names: tuple[str, ...]) -> str:
    folders = {
        name.split("/", 1)[0] for name in names if name.split("/", 1)[0].endswith(".dist-info")
    }
    if len(folders) != 1:
        raise StagingError(f"{path} has {len(folders)} .dist-info folders, not one")
    return folders.pop()


def _headers(raw: bytes) -> Message:
    return HeaderParser().parsestr(raw.decode("utf-8"))


def _verify_record(path: Path, archive: zipfile.ZipFile, record_name: str) -> None:
    rows = list(csv.reader(io.StringIO(archive.read(record_name).decode("utf-8"))))
    recorded = {row[0]: (row[1], row[2]) for row in rows if row}
    problems: list[str] = []
    for info in archive.infolist():
        if info.is_dir() or info.filename == record_name:
            continue
        entry = recorded.pop(info.filename, None)
        if entry is None:
            problems.append(f"{info.filename} is not in RECORD")
            continue
        digest, size = _entry_digest(archive, info)
        if entry != (f"sha256={digest}", str(size)):
            problems.append(
                f"{info.filename}: RECORD says {entry}, content is sha256={digest}, {size} bytes"
            )
    recorded.pop(record_name, None)
    problems.extend(f"{name} is in RECORD but not in the wheel" for name in recorded)
    if problems:
        raise StagingError(f"{path} has a broken RECORD:\n  " + "\n  ".join(problems))


def _entry_digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int]:
    hasher = hashlib.sha256()
    size = 0
    with archive.open(info) as member:
        while chunk := member.read(_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return base64.urlsafe_b64encode(hasher.digest()).rstrip(b"=").decode("ascii"), size


def _file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def run_twine_check(*distributions: Path, python: str = sys.executable) -> None:
    """`twine check --strict`: the metadata and README render as an index would show them.

    `python` is the interpreter that has twine (this one unless told).
    """
    _run_checker("twine", [python, "-m", "twine", "check", "--strict", *map(str, distributions)])


def run_check_wheel_contents(
    *wheels: Path, ignore: tuple[str, ...] = (), python: str = sys.executable
) -> None:
    """check-wheel-contents: no stray top-level modules, duplicates, bytecode, empty wheel."""
    options = ["--ignore", ",".join(ignore)] if ignore else []
    command = [python, "-m", "check_wheel_contents", *options, *map(str, wheels)]
    _run_checker("check-wheel-contents", command)


def _run_checker(tool: str, command: list[str]) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        if "No module named" in output:
            raise StagingError(
                f"{tool} is not installed: pip install -e '.[dev]' (the toolchain's dev tools)"
            )
        raise StagingError(f"{tool} rejected the build:\n{output}")
