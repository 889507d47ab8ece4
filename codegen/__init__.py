"""Code generation: the vendored protocol schema -> the SDK's typed surface.

Run it through `python scripts/update_sdk_artifacts.py generate-types`.
"""

from __future__ import annotations

from pathlib import Path


def stale_files(schema_dir: Path | None = None, out_dir: Path | None = None) -> list[str]:
    """Generated paths that differ from a fresh generation (empty when current)."""
    from codegen.generate import generate_package
    from codegen.output import compare
    from codegen.paths import DEFAULT_OUT, DEFAULT_SCHEMA

    generated = generate_package(schema_dir or DEFAULT_SCHEMA)
    return compare(generated.files, out_dir or DEFAULT_OUT).paths()
