"""Format generated sources with ruff, in isolation from any project config (deterministic)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

_RUFF_SETTINGS = [
    "--isolated",
    "--line-length=100",
    "--target-version=py310",
    "--config=lint.isort.known-first-party=['codex_app_server']",
]


class FormatError(Exception):
    """ruff could not format the generated code (a generator bug: the code is not valid)."""


def format_sources(sources: dict[str, str]) -> dict[str, str]:
    """Remove unused imports, sort imports, then `ruff format`; returns new sources."""
    with tempfile.TemporaryDirectory(prefix="codex-codegen-") as tmp:
        root = Path(tmp)
        for rel, text in sources.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        _ruff(["check", "--fix", "--select", "F401,I", "--quiet", *_RUFF_SETTINGS, "."], root)
        _ruff(["format", "--quiet", *_RUFF_SETTINGS, "."], root)
        return {rel: (root / rel).read_text(encoding="utf-8") for rel in sources}


def _ruff(args: list[str], cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    # `check --fix` exits 1 when unfixable findings remain; those are not ours to fix here.
    if done.returncode not in (0, 1) or (args[0] == "format" and done.returncode != 0):
        raise FormatError(f"ruff {args[0]} failed:\n{done.stderr or done.stdout}")
