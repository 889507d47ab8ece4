"""The re-pin rehearsal (`nox -s repin`, network): move a scratch copy of this repository to
another codex runtime with the maintainers' own commands, and prove the result works.

    python -m codegen.repin --runtime-version 0.171.0 --scratch DIR

1. copies the repository (its working tree, without virtual environments and caches) to DIR;
2. runs `update-schema --runtime-version V` there (fetching the npm platform package);
3. runs `generate-types` there;
4. prints the binary's path on the last line, for the nox session to run a real turn with the
   regenerated SDK on it (`python -m codex_app_server.testing --codex PATH`).

The repository itself stays pinned where it is.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from codegen.fetch import fetch_runtime
from codegen.paths import REPO_ROOT

_IGNORED = (".git", ".venv", ".ci-venv", ".nox", ".cache", "__pycache__", "*.egg-info", "build")


def scratch_copy(scratch: Path) -> Path:
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(REPO_ROOT, scratch, ignore=shutil.ignore_patterns(*_IGNORED))
    return scratch


def run_step(scratch: Path, *args: str) -> float:
    started = time.perf_counter()
    print(f"repin: $ update_sdk_artifacts.py {' '.join(args)}", flush=True)
    subprocess.run(
        [sys.executable, str(scratch / "scripts" / "update_sdk_artifacts.py"), *args],
        cwd=scratch,
        check=True,
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runtime-version", required=True, metavar="V")
    parser.add_argument("--scratch", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    binary = fetch_runtime(args.runtime_version)  # the same cache update-schema then uses
    fetched = time.perf_counter() - started
    scratch = scratch_copy(args.scratch.resolve())
    update = run_step(scratch, "update-schema", "--runtime-version", args.runtime_version)
    generate = run_step(scratch, "generate-types")
    print(
        f"repin: fetch {fetched:.1f} s, update-schema {update:.1f} s, "
        f"generate-types {generate:.1f} s"
    )
    print(binary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
