"""Small wheels written by hand, each file recorded in RECORD (or a RECORD given)."""

from __future__ import annotations

import hashlib
import zipfile
from base64 import urlsafe_b64encode
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def record_line(name: str, data: bytes) -> str:
    digest = urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(path: Path, files: dict[str, bytes], record: str | None = None) -> Path:
    """A `demo 1.0` wheel holding `files` beside its WHEEL and METADATA."""
    info = "demo-1.0.dist-info"
    files = {
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        **files,
    }
    lines = [record_line(name, data) for name, data in files.items()]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr(f"{info}/RECORD", record if record is not None else "\n".join(lines))
    return path
