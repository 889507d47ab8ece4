"""`python -m codegen ...` is the same front door as scripts/update_sdk_artifacts.py."""

from __future__ import annotations

import runpy
from pathlib import Path

if __name__ == "__main__":
    script = Path(__file__).resolve().parent.parent / "scripts" / "update_sdk_artifacts.py"
    runpy.run_path(str(script), run_name="__main__")
