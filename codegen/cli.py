"""Subcommands update-schema and generate-types."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codegen.output import compare, write
from codegen.paths import DEFAULT_OUT, DEFAULT_SCHEMA

if TYPE_CHECKING:
    from codegen.ir import Protocol


def register(commands: Any) -> None:
    gen = commands.add_parser(
        "generate-types",
        help="regenerate the SDK's models, typed methods and registries from schema/",
        description="Regenerate codex_app_server/_generated from a schema directory.",
    )
    gen.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA, help="schema directory")
    gen.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output package directory")
    gen.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory; exit 1 with a summary if the output is stale",
    )
    gen.set_defaults(handler=run_generate_types)

    upd = commands.add_parser(
        "update-schema",
        help="replace schema/ with what a codex binary emits, and re-pin it",
        description="Run `codex app-server generate-json-schema` (plain, and --experimental into "
        "experimental/) and record the runtime version + one hash over both.",
    )
    source = upd.add_mutually_exclusive_group(required=True)
    source.add_argument("--codex", type=Path, help="path to a codex binary")
    source.add_argument(
        "--runtime-version",
        metavar="V",
        help="fetch codex V (the npm package @openai/codex@V-<platform>, via `npm pack`, "
        "cached like `python -m staging.npm_runtime`) and use its binary",
    )
    upd.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA, help="schema directory")
    upd.set_defaults(handler=run_update_schema)


def run_generate_types(args: argparse.Namespace) -> int:
    from codegen.generate import GenerationError, generate_package
    from codegen.ir import ProtocolModelError
    from codegen.load import SchemaLoadError
    from codegen.normalize import NormalizationError
    from codegen.pin import SchemaPinError
    from codegen.results import ResultTableError

    started = time.perf_counter()
    # Another runtime's schema (--schema elsewhere) need not carry this repo's pin.
    require_pin = args.schema.resolve() == DEFAULT_SCHEMA.resolve()
    try:
        generated = generate_package(args.schema, require_pin=require_pin, progress=_progress)
    except (
        SchemaPinError,
        SchemaLoadError,
        NormalizationError,
        ProtocolModelError,
        ResultTableError,
        GenerationError,
    ) as exc:
        print(f"generate-types: {exc}", file=sys.stderr)
        return 2
    counts = summary(generated.protocol, len(generated.files))
    elapsed = time.perf_counter() - started
    twins_stale = _blocking_twins(args)
    if args.check:
        drift = compare(generated.files, args.out)
        if twins_stale:
            print(f"stale blocking twins: {', '.join(twins_stale)}", file=sys.stderr)
        if drift.stale or twins_stale:
            print(drift.summary(args.out), file=sys.stderr)
            print(
                "Regenerate with `python scripts/update_sdk_artifacts.py generate-types` "
                "and commit the result.",
                file=sys.stderr,
            )
            return 1
        print(f"generated code is current (checked in {elapsed:.1f} s)\n{counts}")
        return 0
    drift = write(generated.files, args.out)
    print(f"wrote {args.out} ({len(drift.paths())} changed) in {elapsed:.1f} s\n{counts}")
    return 0


def _blocking_twins(args: argparse.Namespace) -> list[str]:
    """Rewrite (or check) the blocking twins of the high-level API (`codegen.unasync`), when
    generating into this repository's SDK; returns the stale modules' names."""
    from codegen.unasync import run as unasync

    if args.out.resolve() != DEFAULT_OUT.resolve():
        return []
    return [path.name for path in unasync(check=args.check)]


def summary(protocol: Protocol, file_count: int) -> str:
    """What was generated, in three lines: counts, experimental counts, raw JSON results."""
    requests, notes, server_requests, fields = protocol.experimental_counts()
    raw = protocol.raw_results()
    return "\n".join(
        [
            f"  {len(protocol.requests)} requests, {len(protocol.notifications)} notifications, "
            f"{len(protocol.server_requests)} server requests, {file_count} files",
            f"  experimental: {requests} requests, {notes} notifications, "
            f"{server_requests} server requests, {fields} params fields",
            f"  raw JSON results ({len(raw)}): {', '.join(raw) if raw else 'none'}",
        ]
    )


def _progress(line: str) -> None:
    print(f"generate-types: {line}", file=sys.stderr, flush=True)


def run_update_schema(args: argparse.Namespace) -> int:
    from codegen.fetch import RuntimeFetchError, fetch_runtime
    from codegen.refresh import SchemaRefreshError, refresh_schema, runtime_version_of

    try:
        codex: Path = args.codex
        if args.runtime_version:
            print(f"update-schema: fetching codex {args.runtime_version}...", file=sys.stderr)
            codex = fetch_runtime(args.runtime_version)
            reported = runtime_version_of(codex)
            if reported != args.runtime_version:
                raise SchemaRefreshError(
                    f"{codex} reports version {reported}, not {args.runtime_version}"
                )
        pin = refresh_schema(codex, args.schema)
    except (SchemaRefreshError, RuntimeFetchError) as exc:
        print(f"update-schema: {exc}", file=sys.stderr)
        return 2
    print(
        f"schema/ now holds codex {pin.runtime_version}'s schema ({pin.file_count} files, "
        f"sha256 {pin.sha256[:16]}). Run generate-types next."
    )
    return 0
