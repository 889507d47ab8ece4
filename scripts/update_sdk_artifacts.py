"""The maintainers' one entry point: schema refresh, code generation and release staging.

    python scripts/update_sdk_artifacts.py update-schema (--codex PATH | --runtime-version V)
    python scripts/update_sdk_artifacts.py generate-types [--check] [--schema DIR] [--out DIR]
    python scripts/update_sdk_artifacts.py stage-runtime DIR CODEX --runtime-version V
        [--allow-missing-helpers] [--repository-url URL] [--build] [--force] [--no-progress]
    python scripts/update_sdk_artifacts.py stage-sdk DIR --runtime-version V [--sdk-version S]
        [--distribution-name NAME] [--repository-url URL] [--build] [--force] [--no-progress]

This file only parses arguments; the work lives in the `codegen` and `staging` packages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a plain script from any directory
    sys.path.insert(0, str(REPO_ROOT))

from codegen import cli as codegen_cli  # noqa: E402
from staging import cli as staging_cli  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="update_sdk_artifacts.py",
        description="Refresh the schema, regenerate the SDK's typed surface, stage release wheels.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    codegen_cli.register(commands)
    staging_cli.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = args.handler
    return int(handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
