"""Where the source tree keeps what staging copies, found from this package's own location."""

from __future__ import annotations

import json
from pathlib import Path

from staging.errors import StagingError

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNTIME_TEMPLATE_DIR = REPO_ROOT / "runtime-wheel"
SDK_DIR = REPO_ROOT / "sdk"

# The template files a staged codex-cli-bin project is made of (the binary joins them).
RUNTIME_TEMPLATE_FILES = (
    "pyproject.toml",
    "README.md",
    "hatch_build.py",
    "codex_app_server_runtime/__init__.py",
    "codex_app_server_runtime/__main__.py",
    "codex_app_server_runtime/_launcher.py",
    "codex_app_server_runtime/py.typed",
)  # and the license texts of what is shipped (staging.runtime_helpers)

# The runtime whose schema the SDK is generated from: the one runtime a release may pin.
SCHEMA_PIN = REPO_ROOT / "schema" / "schema-pin.json"


def pinned_runtime_version(pin: Path = SCHEMA_PIN) -> str:
    """The `runtime_version` recorded by the schema pin (as written there)."""
    try:
        return str(json.loads(pin.read_text(encoding="utf-8"))["runtime_version"])
    except (OSError, ValueError, KeyError) as error:
        raise StagingError(f"cannot read the pinned runtime version from {pin}: {error}") from None
