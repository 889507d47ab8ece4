"""Copy the payload into the staged package in one pass: progress shown, entrypoint hashed.

Hashing while copying reads the 300 MB binary once instead of twice; the hash is of the bytes
written, so it is the staged file's hash. Modes are normalized to 0755/0644, as a wheel keeps
only "executable or not".
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path, PurePosixPath

    from staging.progress import Progress
    from staging.runtime_source import PayloadFile

_CHUNK = 8 * 1024 * 1024


def copy_payload(
    files: tuple[PayloadFile, ...], package_dir: Path, *, hashed: PurePosixPath, progress: Progress
) -> str:
    """Copy `files` under `package_dir`; return the sha256 hex digest of the `hashed` one."""
    digest = ""
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    for item in files:
        target = package_dir.joinpath(*item.destination.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        hasher = hashlib.sha256() if item.destination == hashed else None
        with item.source.open("rb") as source, target.open("wb") as sink:
            while count := source.readinto(buffer):
                chunk = view[:count]
                sink.write(chunk)
                if hasher is not None:
                    hasher.update(chunk)
                progress.advance(count)
        target.chmod(0o755 if item.executable else 0o644)
        if hasher is not None:
            digest = hasher.hexdigest()
    progress.finish()
    return digest
