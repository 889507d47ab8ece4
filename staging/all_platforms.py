"""Stage and build the runtime wheel of every platform codex publishes, from its npm packages.

    python -m staging.all_platforms [--runtime-version 0.163.0] [--work DIR] [--no-rebuild]
                                    [--include-voice]

For each of the six `@openai/codex@<V>-<platform>` packages: stage, build, then check the
wheel's tag (OS and CPU as the npm platform says), its contents (every staged file, nothing
else in the package), the exec bits (every executable stays executable), the external checkers,
and, unless --no-rebuild, that a second staging and build gives a byte-identical wheel. The
table shows each tag, and which files narrowed it from the codex binary's own.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from staging.errors import StagingError
from staging.npm_runtime import DEFAULT_CACHE, NPM_PLATFORMS, fetch_npm_runtime
from staging.paths import pinned_runtime_version
from staging.runtime_source import RuntimeSource, find_runtime
from staging.stage_runtime import (
    PACKAGE,
    RUNTIME_WHEEL_CONTENTS_IGNORE,
    StagedRuntime,
    build_runtime_wheel,
    stage_runtime,
)
from staging.versions import parse_codex_version
from staging.wheel_check import WheelFacts, run_check_wheel_contents, run_twine_check

# What each npm platform's wheel tag must say (every dot-separated part must match).
EXPECTED_TAG_PARTS = {
    "linux-x64": r"(manylinux|musllinux)_\d+_\d+_x86_64",
    "linux-arm64": r"(manylinux|musllinux)_\d+_\d+_aarch64",
    "darwin-x64": r"macosx_\d+_\d+_x86_64",
    "darwin-arm64": r"macosx_\d+_\d+_arm64",
    "win32-x64": r"win_amd64",
    "win32-arm64": r"win_arm64",
}
_MB = 1_000_000  # decimal megabytes, as package indexes show sizes


@dataclass(frozen=True)
class PlatformResult:
    platform: str
    wheel: WheelFacts
    platform_tag: str
    rebuilt_identical: bool | None
    warnings: tuple[str, ...]
    narrowings: tuple[str, ...] = ()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="stage and check the runtime wheel of every platform"
    )
    parser.add_argument("--runtime-version", help="default: the schema pin's runtime version")
    parser.add_argument(
        "--platform", action="append", choices=NPM_PLATFORMS, help="default: all six"
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="npm downloads, unpacked")
    parser.add_argument(
        "--work", type=Path, help="keeps the wheels in WORK/dist (default: a temp dir)"
    )
    parser.add_argument("--no-rebuild", action="store_true", help="skip the byte-identical rebuild")
    parser.add_argument(
        "--include-voice", action="store_true", help="stage codex-resources/voice/ too"
    )
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="codex-all-platforms-"))
    try:
        results = [
            check_platform(
                platform,
                args.runtime_version or pinned_runtime_version(),
                cache=args.cache,
                work=work,
                rebuild=not args.no_rebuild,
                include_voice=args.include_voice,
            )
            for platform in args.platform or NPM_PLATFORMS
        ]
    except StagingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _print_table(results)
    return 0


def check_platform(
    platform: str,
    runtime_version: str,
    *,
    cache: Path,
    work: Path,
    rebuild: bool,
    include_voice: bool = False,
) -> PlatformResult:
    """Stage, build and check one platform's wheel; keep it in `work/dist`."""
    version = parse_codex_version(runtime_version)
    codex = fetch_npm_runtime(version, platform, cache)
    print(f"== {platform}", file=sys.stderr)
    stage_dir = work / "stage" / platform
    staged, wheel = _stage_and_build(codex, version.codex, stage_dir, include_voice)
    _check_tag(platform, wheel)
    _check_contents(find_runtime(codex, include_voice=include_voice), wheel)
    run_twine_check(wheel.path)
    run_check_wheel_contents(wheel.path, ignore=RUNTIME_WHEEL_CONTENTS_IGNORE)
    kept = work / "dist" / wheel.path.name
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(wheel.path, kept)
    identical = None
    if rebuild:
        _, again = _stage_and_build(codex, version.codex, stage_dir, include_voice)
        again.path.unlink()
        _check_rebuild(platform, wheel, again)
        identical = True
    shutil.rmtree(stage_dir, ignore_errors=True)
    return PlatformResult(
        platform,
        replace(wheel, path=kept),
        staged.platform_tag,
        identical,
        staged.warnings,
        tuple(item.describe() for item in staged.narrowings),
    )


def _stage_and_build(
    codex: Path, version: str, directory: Path, include_voice: bool
) -> tuple[StagedRuntime, WheelFacts]:
    staged = stage_runtime(
        directory, codex, runtime_version=version, force=True, include_voice=include_voice
    )
    return staged, build_runtime_wheel(staged.directory)


def _check_tag(platform: str, wheel: WheelFacts) -> None:
    expected = f"py3-none-{EXPECTED_TAG_PARTS[platform]}"
    wrong = [tag for tag in wheel.tags if not re.fullmatch(expected, tag)]
    if wrong or not wheel.tags:
        raise StagingError(
            f"{platform}: {wheel.path.name} carries tags {wrong or 'none'}; "
            f"every tag of this platform's wheel must match {expected}"
        )


def _check_rebuild(platform: str, first: WheelFacts, again: WheelFacts) -> None:
    """A second staging and build of the same package must give the very same bytes."""
    if again.sha256 != first.sha256:
        raise StagingError(
            f"{platform}: a second build differs ({again.sha256} vs {first.sha256}); "
            "the runtime wheel is not reproducible"
        )


def _check_contents(source: RuntimeSource, wheel: WheelFacts) -> None:
    """Every staged file is in the wheel, each executable with its exec bit; nothing stray."""
    expected = {f"{PACKAGE}/{item.destination}" for item in source.files}
    expected |= {f"{PACKAGE}/{name}" for name in ("__init__.py", "py.typed", "runtime-info.json")}
    in_package = {name for name in wheel.entries if name.startswith(f"{PACKAGE}/")}
    problems: list[str] = []
    if expected - in_package:
        problems.append(f"missing {sorted(expected - in_package)[:5]}")
    if in_package - expected:
        problems.append(f"unexpected {sorted(in_package - expected)[:5]}")
    with zipfile.ZipFile(wheel.path) as archive:
        stray = [
            name
            for name in archive.namelist()
            if not name.startswith((f"{PACKAGE}/", f"{PACKAGE}-"))
        ]
        lost_bits = [
            f"{PACKAGE}/{item.destination}"
            for item in source.files
            if item.executable and f"{PACKAGE}/{item.destination}" not in wheel.executables
        ]
    if stray:
        problems.append(f"stray top-level entries {stray[:5]}")
    if lost_bits:
        problems.append(f"exec bit lost on {lost_bits[:5]}")
    if problems:
        raise StagingError(f"{wheel.path.name}: {'; '.join(problems)}")


def _print_table(results: list[PlatformResult]) -> None:
    print(f"{'platform':<13} {'size MB':>8}  {'rebuild':<9} wheel")
    for result in results:
        rebuild = {None: "skipped", True: "identical", False: "DIFFERS"}[result.rebuilt_identical]
        print(
            f"{result.platform:<13} {result.wheel.size / _MB:>8.1f}  {rebuild:<9} {result.wheel.path.name}"
        )
        print(f"{'':<13} {'':>8}  sha256 {result.wheel.sha256}")
        for narrowing in result.narrowings:
            print(f"{'':<13} {'':>8}  narrowed by {narrowing}")
        for warning in result.warnings:
            print(f"{'':<13} {'':>8}  warning: {warning}")
    if results:
        print(f"wheels in {results[0].wheel.path.parent}")


if __name__ == "__main__":
    raise SystemExit(main())
