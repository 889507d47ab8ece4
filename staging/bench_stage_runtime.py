"""Benchmark: stage-runtime --build against `zip -6` of the same files, in the same run.

    python -m staging.bench_stage_runtime [--codex DIR] [--runtime-version V] [--rounds N]

The target: stage-runtime (checks, copy, wheel build, wheel checks) takes at most 1.3x the
time `zip -6 -r` needs to compress the same runtime directory. Both read a warm page cache
(every file is read once first) so neither pays for the disk. Default payload: the linux-x64
npm package of the pinned runtime, fetched into the cache on first use.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from staging.npm_runtime import DEFAULT_CACHE, fetch_npm_runtime
from staging.paths import REPO_ROOT, pinned_runtime_version
from staging.runtime_source import find_runtime
from staging.versions import parse_codex_version

TARGET_RATIO = 1.3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="stage-runtime --build against zip -6")
    parser.add_argument("--codex", type=Path, help="runtime directory (default: npm linux-x64)")
    parser.add_argument("--runtime-version", help="default: the schema pin's runtime version")
    parser.add_argument("--rounds", type=int, default=1, help="repeat both and take the medians")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    if shutil.which("zip") is None:
        print("error: the zip command is needed for the comparison", file=sys.stderr)
        return 2
    version = parse_codex_version(args.runtime_version or pinned_runtime_version())
    codex = args.codex or fetch_npm_runtime(version, "linux-x64", args.cache)
    source = find_runtime(codex)
    if source.root is None:
        print("error: --codex must be a runtime directory", file=sys.stderr)
        return 2
    files = [item.source.relative_to(source.root) for item in source.files]
    _warm([item.source for item in source.files])
    print(f"payload: {source.root} ({source.total_size / 1e6:.0f} MB in {len(files)} files)")

    zip_times: list[float] = []
    stage_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-stage-") as scratch:
        for round_number in range(args.rounds):
            zip_output = Path(scratch) / f"zip-{round_number}.zip"
            zip_times.append(_time_zip(source.root, files, zip_output))
            stage_times.append(
                _time_stage(codex, Path(scratch) / f"stage-{round_number}", version.codex)
            )
            print(
                f"round {round_number + 1}: zip -6 {zip_times[-1]:.2f} s, stage-runtime {stage_times[-1]:.2f} s"
            )
    zip_time, stage_time = statistics.median(zip_times), statistics.median(stage_times)
    ratio = stage_time / zip_time
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(
        f"zip -6: {zip_time:.2f} s; stage-runtime --build: {stage_time:.2f} s; ratio {ratio:.2f} ({verdict} the {TARGET_RATIO}x target)"
    )
    return 0


def _warm(paths: list[Path]) -> None:
    for path in paths:
        with path.open("rb") as file:
            while file.read(1 << 22):
                pass


def _time_zip(root: Path, files: list[Path], output: Path) -> float:
    """`zip -6` of exactly the files stage-runtime packs (names read from stdin)."""
    names = "".join(f"{name.as_posix()}\n" for name in files)
    started = time.perf_counter()
    subprocess.run(
        ["zip", "-6", "-q", str(output), "-@"], cwd=root, input=names, text=True, check=True
    )
    elapsed = time.perf_counter() - started
    output.unlink()
    return elapsed


def _time_stage(codex: Path, directory: Path, version: str) -> float:
    command = [
        sys.executable,
        str(REPO_ROOT / "scripts" / "update_sdk_artifacts.py"),
        "stage-runtime",
        str(directory),
        str(codex),
        "--runtime-version",
        version,
        "--build",
        "--no-progress",
    ]
    started = time.perf_counter()
    completed = subprocess.run(command, check=False, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"stage-runtime failed:\n{completed.stderr}")
    shutil.rmtree(directory)
    return elapsed


if __name__ == "__main__":
    raise SystemExit(main())
