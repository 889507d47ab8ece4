"""Subcommands stage-runtime and stage-sdk (placeholder until the staging work lands)."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    """Add the staging subcommands to the front door's subparsers."""
    _ = (commands, argparse)
