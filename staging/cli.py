"""Subcommands stage-runtime and stage-sdk for scripts/update_sdk_artifacts.py.

Each handler returns an exit code. A refusal (StagingError) prints `error: ...` on stderr and
returns 2; only a bug shows a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from staging.errors import StagingError
from staging.release_settings import SDK_DISTRIBUTION
from staging.stage_runtime import RUNTIME_WHEEL_CONTENTS_IGNORE, build_runtime_wheel, stage_runtime
from staging.stage_sdk import build_sdk, stage_sdk
from staging.wheel_check import run_check_wheel_contents, run_twine_check

if TYPE_CHECKING:
    from collections.abc import Callable

    from staging.stage_runtime import StagedRuntime
    from staging.wheel_check import WheelFacts

EXIT_REFUSED = 2
_MB = 1_000_000  # decimal megabytes, as package indexes show sizes


def register(commands: Any) -> None:
    """Add the staging subcommands to the front door's subparsers."""
    runtime = commands.add_parser(
        "stage-runtime",
        help="stage one codex binary as a codex-cli-bin project (and build its wheel)",
        description=(
            "Stage a codex binary, or a runtime directory holding bin/codex and its helpers "
            "(an npm platform package, or the openai-codex-cli-bin wheel's codex_cli_bin/), "
            "as a codex-cli-bin project in DIR. The wheel tag comes from the headers of every "
            "native file staged: the codex binary decides OS and CPU, helpers and shared "
            "libraries can only narrow it (a glibc helper drops musllinux and may raise the "
            "glibc floor; a Mach-O file needing a newer macOS raises the macOS floor). "
            "codex-resources/voice/ is left out unless --include-voice is given. A runtime "
            "lacking a helper codex ships (rg; on Linux also bwrap and codex-code-mode-host) "
            "is refused unless --allow-missing-helpers is given."
        ),
    )
    runtime.add_argument(
        "directory", metavar="DIR", type=Path, help="new or empty staging directory"
    )
    runtime.add_argument(
        "codex", metavar="CODEX", type=Path, help="codex binary or runtime directory"
    )
    runtime.add_argument(
        "--runtime-version",
        required=True,
        metavar="V",
        help="e.g. 0.163.0 or rust-v0.164.0-alpha.2",
    )
    runtime.add_argument(
        "--platform-tag",
        metavar="T",
        help="override the detected tag; refused if any native file contradicts it",
    )
    runtime.add_argument(
        "--include-voice",
        action="store_true",
        help=(
            "also stage codex-resources/voice/ (voice host, GStreamer); left out by default: "
            "it needs glibc 2.28 on Linux and macOS 14, so it narrows the wheel's tag"
        ),
    )
    runtime.add_argument(
        "--allow-missing-helpers",
        action="store_true",
        help=(
            "stage a codex binary without the helpers its platform's package ships (rg, "
            "bwrap, codex-code-mode-host); the wheel then lacks file search or the sandbox"
        ),
    )
    _add_common(runtime)
    runtime.set_defaults(handler=_guarded(_stage_runtime))

    sdk = commands.add_parser(
        "stage-sdk",
        help="stage sdk/ pinned to one runtime version (and build sdist + wheel)",
        description=(
            "Copy sdk/ into DIR without caches or build output, set its version and require "
            "codex-cli-bin==V. Refused when generated code is stale. The distribution name is "
            "codex-app-server-sdk unless --distribution-name says otherwise (the import name "
            "stays codex_app_server)."
        ),
    )
    sdk.add_argument("directory", metavar="DIR", type=Path, help="new or empty staging directory")
    sdk.add_argument(
        "--runtime-version", required=True, metavar="V", help="the codex-cli-bin version to pin"
    )
    sdk.add_argument(
        "--sdk-version", metavar="S", help="the SDK's PEP 440 version (default: the runtime's)"
    )
    sdk.add_argument(
        "--distribution-name",
        metavar="NAME",
        default=SDK_DISTRIBUTION,
        help=f"the SDK's distribution name on the index (default: {SDK_DISTRIBUTION})",
    )
    _add_common(sdk)
    sdk.set_defaults(handler=_guarded(_stage_sdk))


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="replace an earlier staging in DIR")
    parser.add_argument(
        "--build", action="store_true", help="build and check the distributions into DIR/dist"
    )
    parser.add_argument(
        "--repository-url",
        metavar="URL",
        help="the project's repository (https); sets the Source, Issues, Changelog and "
        "Documentation Project-URLs",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=(
            "show progress of long steps on stderr (default: on; a rewritten line on a "
            "terminal, elsewhere a plain line every 5 s for steps that take longer)"
        ),
    )


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except StagingError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_REFUSED
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130

    return run


def _stage_runtime(args: argparse.Namespace) -> int:
    staged = stage_runtime(
        args.directory,
        args.codex,
        runtime_version=args.runtime_version,
        platform_tag=args.platform_tag,
        force=args.force,
        progress=args.progress,
        include_voice=args.include_voice,
        allow_missing_helpers=args.allow_missing_helpers,
        repository_url=args.repository_url,
    )
    print(f"staged codex-cli-bin {staged.version.pep440} in {staged.directory}")
    print(f"  binary     {staged.binary.describe()}")
    print(f"  sha256     {staged.sha256}")
    print(f"  target     {staged.target}")
    print(f"  tag        {staged.platform_tag}{_tag_origin(staged)}")
    for narrowing in staged.narrowings:
        print(f"  narrowed   {narrowing.describe()}")
    print(f"  --version  {staged.version_check}")
    print(f"  license    {staged.license_expression}")
    if staged.voice_left_out is not None:
        left = staged.voice_left_out
        print(
            f"  voice      left out: {left.destination}/ ({left.files} files, "
            f"{left.size / _MB:.1f} MB); --include-voice stages it"
        )
    elif staged.voice_included:
        print("  voice      included (--include-voice)")
    if staged.ignored:
        print(f"  left out   {', '.join(path.name for path in staged.ignored)}")
    for warning in staged.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.build:
        facts = build_runtime_wheel(staged.directory, progress=args.progress)
        run_twine_check(facts.path)
        run_check_wheel_contents(facts.path, ignore=RUNTIME_WHEEL_CONTENTS_IGNORE)
        _print_wheel(facts)
    return 0


def _tag_origin(staged: StagedRuntime) -> str:
    files = f"{staged.native_files} native file{'s' if staged.native_files > 1 else ''}"
    if staged.computed_tag == staged.platform_tag:
        return f" (from the headers of {files})"
    computed = staged.computed_tag or "not computable"
    return f" (--platform-tag; the headers of {files} give {computed})"


def _stage_sdk(args: argparse.Namespace) -> int:
    staged = stage_sdk(
        args.directory,
        runtime_version=args.runtime_version,
        sdk_version=args.sdk_version,
        force=args.force,
        distribution_name=args.distribution_name,
        repository_url=args.repository_url,
    )
    print(f"staged {staged.distribution} {staged.sdk_version} in {staged.directory}")
    print(f"  requires   {staged.requirement}")
    if args.build:
        built = build_sdk(staged, progress=args.progress)
        print(f"built {built.sdist} ({built.sdist.stat().st_size / _MB:.1f} MB)")
        _print_wheel(built.wheel)
    return 0


def _print_wheel(facts: WheelFacts) -> None:
    print(f"built {facts.path} ({facts.size / _MB:.1f} MB)")
    print(f"  sha256     {facts.sha256}")
    print(f"  tags       {', '.join(facts.tags)}")
