"""Build a staged project with `python -m build`, without isolation (offline, pinned hatchling).

Isolation would download the build backend from an index on every build; the toolchain already
pins hatchling, and the rehearsal must work offline. The build runs in a subprocess; its output
is kept and shown only when it fails. While it compresses, progress reports the bytes written
to the wheel (hatchling writes it as a temporary file first, in the TMPDIR we give it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from staging.errors import StagingError
from staging.progress import Progress

_MB = 1_000_000  # decimal megabytes, as package indexes show sizes
_LOG_TAIL_LINES = 40


def build_wheel(project: Path, outdir: Path, *, progress: bool | None = None) -> Path:
    """Build the wheel of `project` into `outdir`; return its path."""
    (wheel,) = _build(project, outdir, ["--wheel"], progress=progress)
    return wheel


def build_sdist_and_wheel(
    project: Path, outdir: Path, *, progress: bool | None = None
) -> tuple[Path, Path]:
    """Build the sdist, then the wheel from that sdist (as installers would); return both."""
    built = _build(project, outdir, [], progress=progress)
    sdists = [path for path in built if path.name.endswith(".tar.gz")]
    wheels = [path for path in built if path.suffix == ".whl"]
    if len(sdists) != 1 or len(wheels) != 1:
        raise StagingError(
            f"building {project} gave {[p.name for p in built]}, not one sdist and one wheel"
        )
    return sdists[0], wheels[0]


def _build(project: Path, outdir: Path, options: list[str], *, progress: bool | None) -> list[Path]:
    project, outdir = project.resolve(), outdir.resolve()  # the build runs from `project`
    outdir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=outdir))  # same disk: moves are renames
    try:
        fresh_out = scratch / "out"
        backend_tmp = scratch / "tmp"
        backend_tmp.mkdir()
        command = [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            *options,
            "--outdir",
            str(fresh_out),
            str(project),
        ]
        environment = {
            **os.environ,
            "TMPDIR": str(backend_tmp),
            "TEMP": str(backend_tmp),
            "TMP": str(backend_tmp),
        }
        log_path = scratch / "build.log"
        with log_path.open("w+", encoding="utf-8", errors="replace") as log:
            process = subprocess.Popen(  # cwd: no local module may shadow `build`
                command,
                cwd=project,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=environment,
            )
            _watch(process, backend_tmp, Progress("building wheel", 0, enabled=progress))
            if process.returncode != 0:
                log.seek(0)
                tail = "".join(log.readlines()[-_LOG_TAIL_LINES:])
                raise StagingError(f"building {project} failed (python -m build):\n{tail.rstrip()}")
        results: list[Path] = []
        for built in sorted(fresh_out.iterdir()):
            final = outdir / built.name
            built.replace(final)
            results.append(final)
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _watch(process: subprocess.Popen[bytes], backend_tmp: Path, progress: Progress) -> None:
    """Wait for the build; meanwhile show how much of the wheel has been written."""
    if not progress.enabled:
        process.wait()
        return
    started = time.monotonic()
    stop = threading.Event()

    def report() -> None:
        while not stop.wait(0.25):
            written = _bytes_written(backend_tmp)
            elapsed = time.monotonic() - started
            progress.note(f"{written // _MB} MB compressed, {elapsed:.0f} s")

    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    try:
        process.wait()
    finally:
        stop.set()
        reporter.join()
    progress.finish(f"done in {time.monotonic() - started:.1f} s")


def _bytes_written(folder: Path) -> int:
    try:
        return sum(path.stat().st_size for path in folder.iterdir() if path.suffix == ".whl")
    except OSError:
        return 0  # the build may be moving the file while we look
