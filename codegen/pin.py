"""The schema pin: which runtime emitted `schema/`, and a hash that proves the files are untouched."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

PIN_FILENAME = "schema-pin.json"
REFRESH_HINT = (
    "Refresh it with `python scripts/update_sdk_artifacts.py update-schema --codex PATH/TO/codex`, "
    "which rewrites the schema files and the pin together."
)


class SchemaPinError(Exception):
    """The schema directory does not match its pin (or has none)."""


@dataclass(frozen=True)
class SchemaPin:
    runtime_version: str
    sha256: str
    file_count: int

    def to_json(self) -> str:
        data = {
            "runtime_version": self.runtime_version,
            "sha256": self.sha256,
            "file_count": self.file_count,
        }
        return json.dumps(data, indent=2) + "\n"


def schema_files(schema_dir: Path) -> list[Path]:
    """The emitted schema files (every .json except the pin), in a stable order."""
    files = [p for p in schema_dir.rglob("*.json") if p.name != PIN_FILENAME]
    return sorted(files, key=lambda p: p.relative_to(schema_dir).as_posix())


def hash_schema(schema_dir: Path) -> tuple[str, int]:
    """sha256 over each file's relative path and bytes: renames and edits both change it."""
    digest = hashlib.sha256()
    files = schema_files(schema_dir)
    for path in files:
        rel = path.relative_to(schema_dir).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(rel).to_bytes(4, "big") + rel)
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest(), len(files)


def read_pin(schema_dir: Path) -> SchemaPin:
    path = schema_dir / PIN_FILENAME
    if not path.is_file():
        raise SchemaPinError(f"{schema_dir} has no {PIN_FILENAME}. {REFRESH_HINT}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return SchemaPin(
            runtime_version=str(raw["runtime_version"]),
            sha256=str(raw["sha256"]),
            file_count=int(raw["file_count"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise SchemaPinError(f"{path} is not a valid schema pin ({exc}). {REFRESH_HINT}") from exc


def verify_pin(schema_dir: Path) -> SchemaPin:
    """Return the pin when the files match it; refuse with a how-to-fix message otherwise."""
    pin = read_pin(schema_dir)
    actual, count = hash_schema(schema_dir)
    if actual != pin.sha256:
        raise SchemaPinError(
            f"The schema in {schema_dir} does not match its pin: {PIN_FILENAME} records "
            f"sha256 {pin.sha256[:16]}… ({pin.file_count} files, codex {pin.runtime_version}) "
            f"but the files hash to {actual[:16]}… ({count} files). The schema must be exactly "
            f"what the pinned runtime emits; never edit it by hand. {REFRESH_HINT}"
        )
    return pin


def write_pin(schema_dir: Path, runtime_version: str) -> SchemaPin:
    sha, count = hash_schema(schema_dir)
    pin = SchemaPin(runtime_version=runtime_version, sha256=sha, file_count=count)
    (schema_dir / PIN_FILENAME).write_text(pin.to_json(), encoding="utf-8")
    return pin
