"""update-schema: replace schema/ with what a codex binary emits, and pin it to that binary's version."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from codegen.load import EXPERIMENTAL_DIR
from codegen.pin import SchemaPin, schema_files, write_pin

_VERSION_RE = re.compile(r"(\d+\.\d+\.\d+(?:[-.+][0-9A-Za-z.\-]+)?)")
_TIMEOUT_S = 120


class SchemaRefreshError(Exception):
    """The binary could not produce a schema."""


def runtime_version_of(codex: Path) -> str:
    """The version a codex binary reports (`codex-cli 0.163.0` -> `0.163.0`)."""
    out = _run([str(codex), "--version"], what="report its version")
    match = _VERSION_RE.search(out)
    if match is None:
        raise SchemaRefreshError(f"`{codex} --version` printed no version: {out.strip()!r}")
    return match.group(1)


def emit_schema(codex: Path, out_dir: Path, *, experimental: bool = False) -> None:
    """Run `codex app-server generate-json-schema --out DIR` (stable methods only; with
    `experimental`, `--experimental`: the experimental methods and fields too)."""
    flag = ["--experimental"] if experimental else []
    _run(
        [str(codex), "app-server", "generate-json-schema", *flag, "--out", str(out_dir)],
        what="emit its app-server schema" + (" (--experimental)" if experimental else ""),
    )
    if not any(out_dir.rglob("*.json")):
        raise SchemaRefreshError(f"{codex} wrote no schema files into {out_dir}")


def emit_both(codex: Path, out_dir: Path) -> None:
    """The plain bundle in `out_dir`, the `--experimental` one in `out_dir/experimental`."""
    emit_schema(codex, out_dir)
    experimental = out_dir / EXPERIMENTAL_DIR
    experimental.mkdir()
    emit_schema(codex, experimental, experimental=True)


def refresh_schema(codex: Path, schema_dir: Path) -> SchemaPin:
    """Emit into a temporary directory first, so a failing binary leaves schema/ untouched."""
    if not codex.is_file():
        raise SchemaRefreshError(f"codex binary not found: {codex}")
    if not os.access(codex, os.X_OK):
        raise SchemaRefreshError(f"codex binary is not executable: {codex} (chmod +x it)")
    version = runtime_version_of(codex)
    with tempfile.TemporaryDirectory(prefix="codex-schema-") as tmp:
        fresh = Path(tmp) / "schema"
        fresh.mkdir()
        emit_both(codex, fresh)
        schema_dir.mkdir(parents=True, exist_ok=True)
        for old in schema_files(schema_dir):
            old.unlink()
        for sub in sorted(schema_dir.iterdir(), reverse=True):
            if sub.is_dir() and not any(sub.rglob("*")):
                sub.rmdir()
        shutil.copytree(fresh, schema_dir, dirs_exist_ok=True)
    return write_pin(schema_dir, version)


def _run(argv: list[str], *, what: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False)
    except OSError as exc:
        raise SchemaRefreshError(f"could not run {argv[0]} to {what}: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise SchemaRefreshError(f"{argv[0]} did not {what} within {_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-2000:]
        raise SchemaRefreshError(f"{argv[0]} failed to {what} (exit {done.returncode}): {tail}")
    return done.stdout
