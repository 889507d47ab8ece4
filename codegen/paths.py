"""Where things live in the repository."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = REPO_ROOT / "schema"
SDK_PACKAGE = REPO_ROOT / "sdk" / "src" / "codex_app_server"
DEFAULT_OUT = SDK_PACKAGE / "_generated"
