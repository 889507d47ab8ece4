"""Release rehearsal: everything a release does, short of publishing, then one real turn.

    python -m staging.rehearsal [--codex PATH] [--runtime-version V] [--work DIR]

1. the pinned runtime binary: --codex, or openai-codex-cli-bin==V for this host (pip download)
2. generated code matches the schema (codegen.stale_files(), as generate-types --check)
3. stage-runtime and stage-sdk, with builds and their checks
4. DIST: both wheels plus the SDK's dependencies (pip download), nothing else
5. a fresh venv; pip install --no-index --find-links DIST codex-app-server-sdk==S
6. in that venv: the runtime answers `--version`, and `python -m codex_app_server.testing`
   runs one real turn against a loopback model and prints a JSON summary
7. a summary: wheel names, sizes, sha256, tags, and the turn's result
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from staging.errors import StagingError
from staging.npm_runtime import DEFAULT_CACHE
from staging.paths import pinned_runtime_version
from staging.pypi_runtime import fetch_pypi_runtime
from staging.stage_runtime import RUNTIME_WHEEL_CONTENTS_IGNORE, build_runtime_wheel, stage_runtime
from staging.stage_sdk import RUNTIME_DISTRIBUTION, build_sdk, codegen_stale_files, stage_sdk
from staging.venv_install import create_venv, install_offline
from staging.versions import parse_codex_version
from staging.wheel_check import run_check_wheel_contents, run_twine_check

if TYPE_CHECKING:
    from staging.wheel_check import WheelFacts

SDK_DISTRIBUTION = "codex-app-server-sdk"
TURN_TIMEOUT_SECONDS = 300
_MB = 1_000_000  # decimal megabytes, as package indexes show sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="rehearse a release end to end, offline after downloads"
    )
    parser.add_argument(
        "--codex", type=Path, help="codex binary or runtime directory (default: download)"
    )
    parser.add_argument("--runtime-version", help="default: the schema pin's runtime version")
    parser.add_argument(
        "--work", type=Path, help="work directory, kept (default: a temp dir, removed)"
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="downloads cache")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="codex-rehearsal-"))
    try:
        rehearse(work, codex=args.codex, runtime_version=args.runtime_version, cache=args.cache)
    except StagingError as error:
        print(f"rehearsal failed: {error}", file=sys.stderr)
        return 2
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def rehearse(work: Path, *, codex: Path | None, runtime_version: str | None, cache: Path) -> None:
    version = parse_codex_version(runtime_version or pinned_runtime_version())
    _step(f"runtime {version.codex}")
    codex = codex or fetch_pypi_runtime(version, cache)

    _step("generated code against the schema")
    stale = codegen_stale_files()()
    if stale:
        raise StagingError(f"generated code is stale: {', '.join(stale[:10])}; run generate-types")

    _step("stage-runtime --build")
    runtime = stage_runtime(work / "runtime", codex, runtime_version=version.codex)
    for warning in runtime.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    runtime_wheel = build_runtime_wheel(runtime.directory)
    run_twine_check(runtime_wheel.path)
    run_check_wheel_contents(runtime_wheel.path, ignore=RUNTIME_WHEEL_CONTENTS_IGNORE)

    _step("stage-sdk --build")
    sdk = build_sdk(
        stage_sdk(work / "sdk", runtime_version=version.codex, stale_files=lambda: stale)
    )
    sdk_wheel = sdk.wheel

    _step("offline wheel folder")
    dist = work / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    for wheel in (runtime_wheel.path, sdk_wheel.path):
        shutil.copy2(wheel, dist / wheel.name)
    _download_dependencies(sdk_wheel, dist)

    _step("fresh venv, pip install --no-index")
    python = create_venv(work / "venv")
    install_offline(python, dist, f"{SDK_DISTRIBUTION}=={sdk_wheel.version}")
    reported = _installed_runtime_version(python)
    if parse_codex_version(reported.split()[-1]) != version:
        raise StagingError(f"the installed runtime reports {reported!r}, expected {version.codex}")

    _step("one real turn: python -m codex_app_server.testing")
    turn = _run_turn(python, work)
    if turn.get("status") != "completed":
        raise StagingError(f"the turn did not complete: {json.dumps(turn)}")
    _print_summary((runtime_wheel, sdk_wheel), sdk.sdist, reported, turn)


def _step(text: str) -> None:
    print(f"-- {text}", file=sys.stderr, flush=True)


def _download_dependencies(sdk_wheel: WheelFacts, dist: Path) -> None:
    """The SDK's own dependencies (not the runtime, which DIST already holds), as wheels."""
    needed = [
        text
        for text in sdk_wheel.requires_dist
        if canonicalize_name(Requirement(text).name) != RUNTIME_DISTRIBUTION
    ]
    if not needed:
        return
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--dest",
        str(dist),
        *needed,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        raise StagingError(
            f"pip download of the SDK's dependencies failed:\n{result.stderr.strip()[-2000:]}"
        )


def _installed_runtime_version(python: Path) -> str:
    probe = (
        "import subprocess, codex_cli_bin; "
        "print(subprocess.run([str(codex_cli_bin.bundled_codex_path()), '--version'], "
        "capture_output=True, text=True, check=True).stdout.strip())"
    )
    result = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode != 0:
        raise StagingError(f"the installed runtime does not run:\n{result.stderr.strip()[-2000:]}")
    return result.stdout.strip()


def _run_turn(python: Path, work: Path) -> dict[str, object]:
    try:
        result = subprocess.run(
            [str(python), "-m", "codex_app_server.testing"],
            capture_output=True,
            text=True,
            check=False,
            timeout=TURN_TIMEOUT_SECONDS,
            cwd=work,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise StagingError(
            f"python -m codex_app_server.testing did not finish in {TURN_TIMEOUT_SECONDS} s"
        ) from None
    if (
        "No module named codex_app_server.testing" in result.stderr
        or "cannot be directly executed" in result.stderr
    ):
        raise StagingError(
            "the SDK wheel has no runnable codex_app_server.testing module (python -m "
            "codex_app_server.testing); the rehearsal's real turn needs it:\n"
            + result.stderr.strip()[-1000:]
        )
    if result.returncode != 0:
        raise StagingError(
            f"python -m codex_app_server.testing failed (exit {result.returncode}):\n"
            f"{(result.stderr or result.stdout).strip()[-3000:]}"
        )
    return _last_json_object(result.stdout)


def _last_json_object(output: str) -> dict[str, object]:
    """The summary: the whole output as JSON, or else its last line that is a JSON object."""
    candidates = [output, *reversed(output.strip().splitlines())]
    for text in candidates:
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            return cast("dict[str, object]", value)
    raise StagingError(
        f"python -m codex_app_server.testing printed no JSON summary:\n{output.strip()[-2000:]}"
    )


def _print_summary(
    wheels: tuple[WheelFacts, ...], sdist: Path, runtime_reported: str, turn: dict[str, object]
) -> None:
    print("rehearsal passed")
    for wheel in wheels:
        print(f"  {wheel.path.name}")
        print(f"    {wheel.size / _MB:.1f} MB  sha256 {wheel.sha256}")
        print(f"    tags {', '.join(wheel.tags)}")
    print(f"  {sdist.name}  {sdist.stat().st_size / _MB:.2f} MB")
    print(f"  installed runtime: {runtime_reported}")
    print("  turn: " + json.dumps(turn, indent=2, sort_keys=True).replace("\n", "\n  "))


if __name__ == "__main__":
    raise SystemExit(main())
