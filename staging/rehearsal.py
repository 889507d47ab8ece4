"""Release rehearsal: everything a release does, short of publishing, then one real turn.

    python -m staging.rehearsal [--codex PATH] [--runtime-version V] [--work DIR]

1. the pinned runtime binary: --codex, or openai-codex-cli-bin==V for this host (pip download)
2. generated code matches the schema (codegen.stale_files(), as generate-types --check)
3. stage-runtime and stage-sdk, with builds and their checks
4. DIST: both wheels plus the SDK's dependencies (pip download), nothing else
5. a fresh venv; pip install --no-index --find-links DIST codex-app-server-sdk==S
6. in that venv: the runtime and the `codex` command answer `--version`, and
   `python -m codex_app_server.testing` runs one real turn against a loopback model
7. beside OpenAI's openai-codex-cli-bin, in both orders, each removed in turn (coinstall.py)
8. a summary: wheel paths, sizes, sha256, tags, the turn's result, the co-install states

--work DIR keeps everything in DIR (runtime/ and sdk/ stagings, dist/, the venvs). Without
it the work happens in a temporary directory that is removed at the end, except dist/ (the
wheels just built and tested, and the SDK's dependencies), whose path the summary prints.
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

from staging.coinstall import check_coinstall
from staging.errors import StagingError
from staging.npm_runtime import DEFAULT_CACHE
from staging.paths import pinned_runtime_version
from staging.pypi_runtime import fetch_openai_wheel, fetch_pypi_runtime
from staging.release_settings import RUNTIME_PACKAGE, SDK_DISTRIBUTION
from staging.stage_runtime import RUNTIME_WHEEL_CONTENTS_IGNORE, build_runtime_wheel, stage_runtime
from staging.stage_sdk import RUNTIME_DISTRIBUTION, build_sdk, check_generated_code, stage_sdk
from staging.venv_install import create_venv, install_offline
from staging.versions import CodexVersion, parse_codex_version, version_from_cli_output
from staging.wheel_check import run_check_wheel_contents, run_twine_check

if TYPE_CHECKING:
    from staging.wheel_check import WheelFacts

TURN_TIMEOUT_SECONDS = 300
VERSION_TIMEOUT_SECONDS = 120
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
        "--work",
        type=Path,
        metavar="DIR",
        help=(
            "keep everything here: the runtime/ and sdk/ stagings, dist/ (the wheels), the "
            "venvs (default: a temporary directory, removed except dist/)"
        ),
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
            _remove_all_but_dist(work)
    return 0


def _remove_all_but_dist(work: Path) -> None:
    """The stagings and venvs go (over 1 GB); the tested wheels stay where the summary said."""
    for child in work.iterdir() if work.is_dir() else ():
        if child.name != "dist":
            shutil.rmtree(child, ignore_errors=True)


def rehearse(work: Path, *, codex: Path | None, runtime_version: str | None, cache: Path) -> None:
    version = parse_codex_version(runtime_version or pinned_runtime_version())
    _step(f"runtime {version.codex}")
    codex = codex or fetch_pypi_runtime(version, cache)
    openai_wheel = fetch_openai_wheel(version, cache)  # for the co-install check

    _step("generated code against the schema")
    check_generated_code()  # before the slow steps; stage-sdk below need not check again

    _step("stage-runtime --build")
    runtime = stage_runtime(work / "runtime", codex, runtime_version=version.codex)
    for warning in runtime.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    runtime_wheel = build_runtime_wheel(runtime.directory)
    run_twine_check(runtime_wheel.path)
    run_check_wheel_contents(runtime_wheel.path, ignore=RUNTIME_WHEEL_CONTENTS_IGNORE)

    _step("stage-sdk --build")
    sdk = build_sdk(stage_sdk(work / "sdk", runtime_version=version.codex, stale_files=list))
    sdk_wheel = sdk.wheel

    _step("offline wheel folder")
    dist = work / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    for built in (runtime_wheel.path, sdk_wheel.path, sdk.sdist):
        shutil.copy2(built, dist / built.name)
    _download_dependencies(sdk_wheel, dist)

    _step("fresh venv, pip install --no-index")
    python = create_venv(work / "venv")
    install_offline(python, dist, f"{SDK_DISTRIBUTION}=={sdk_wheel.version}")
    reported = _installed_runtime_version(python, version)

    _step("one real turn: python -m codex_app_server.testing")
    turn = _run_turn(python, work)

    _step(f"beside {openai_wheel.name}: both orders, each removed in turn")
    coinstall = check_coinstall(
        work,
        rehearsal_python=python,
        dist=dist,
        sdk_requirement=f"{SDK_DISTRIBUTION}=={sdk_wheel.version}",
        openai_wheel=openai_wheel,
        codex_version=version.codex,
    )
    _print_summary(
        (runtime_wheel, sdk_wheel),
        sdist=sdk.sdist,
        dist=dist,
        runtime_reported=reported,
        turn=turn,
        coinstall=coinstall,
    )


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


def _installed_runtime_version(
    python: Path, version: CodexVersion, *, timeout: float = VERSION_TIMEOUT_SECONDS
) -> str:
    """What the installed runtime says it is: through its package, then its `codex` command."""
    probe = (
        f"import subprocess, {RUNTIME_PACKAGE}; "
        f"print(subprocess.run([str({RUNTIME_PACKAGE}.bundled_codex_path()), '--version'], "
        "capture_output=True, text=True, check=True).stdout.strip())"
    )
    command = python.parent / ("codex.exe" if python.suffix == ".exe" else "codex")
    for argv, what in (
        ([str(python), "-c", probe], "the installed runtime"),
        ([str(command), "--version"], f"the installed `codex` command ({command})"),
    ):
        try:
            result = subprocess.run(
                argv, capture_output=True, text=True, check=False, timeout=timeout
            )
        except OSError as error:
            raise StagingError(f"{what} does not run: {error}") from None
        except subprocess.TimeoutExpired:
            raise StagingError(f"{what} did not tell its version within {timeout:g} s") from None
        if result.returncode != 0:
            raise StagingError(f"{what} does not run:\n{result.stderr.strip()[-2000:]}")
        reported = result.stdout.strip()
        try:
            matches = version_from_cli_output(reported) == version
        except StagingError:  # nothing, or no version: the same refusal, with what it said
            matches = False
        if not matches:
            raise StagingError(f"{what} reports {reported!r}, expected {version.codex}")
    return reported


def _run_turn(
    python: Path, work: Path, *, timeout: float = TURN_TIMEOUT_SECONDS
) -> dict[str, object]:
    """The summary `python -m codex_app_server.testing` prints; refused unless it completed."""
    try:
        result = subprocess.run(
            [str(python), "-m", "codex_app_server.testing"],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            cwd=work,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise StagingError(
            f"python -m codex_app_server.testing did not finish in {timeout:g} s"
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
    turn = _last_json_object(result.stdout)
    if turn.get("status") != "completed":
        raise StagingError(f"the turn did not complete: {json.dumps(turn)}")
    return turn


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
    wheels: tuple[WheelFacts, ...],
    *,
    sdist: Path,
    dist: Path,
    runtime_reported: str,
    turn: dict[str, object],
    coinstall: list[str],
) -> None:
    print("rehearsal passed")
    for wheel in wheels:
        print(f"  {dist / wheel.path.name}")
        print(f"    {wheel.size / _MB:.1f} MB  sha256 {wheel.sha256}")
        print(f"    tags {', '.join(wheel.tags)}")
    print(f"  {dist / sdist.name}  {sdist.stat().st_size / _MB:.2f} MB")
    print(f"  wheels and the SDK's dependencies: {dist} (pip install --no-index --find-links)")
    print(f"  installed runtime and `codex` command: {runtime_reported}")
    print("  turn: " + json.dumps(turn, indent=2, sort_keys=True).replace("\n", "\n  "))
    print("  beside openai-codex-cli-bin:")
    for line in coinstall:
        print(f"    {line}")


if __name__ == "__main__":
    raise SystemExit(main())
