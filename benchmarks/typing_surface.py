"""How typed the public surface is, in two figures.

    python -m benchmarks.typing_surface [--skip-verifytypes]

1. `pyright --verifytypes codex_app_server --ignoreexternal`: its completeness score (the share
   of public symbols whose type is fully known). pyright finds the package through the
   interpreter's environment, so it runs with this interpreter's `bin/` first on PATH (it does
   not resolve an editable install otherwise).
2. `Any` in public signatures: every `Any` in the annotations of the public names (the
   `__all__` of `codex_app_server` and of its public modules) and of their public methods,
   properties and fields. Protocol models (`codex_app_server.models`) are counted apart: their
   `dict[str, Any]` fields are JSON objects the schema leaves open.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PACKAGE = "codex_app_server"
PUBLIC_MODULES = (
    PACKAGE,
    f"{PACKAGE}.handlers",
    f"{PACKAGE}.protocol",
    f"{PACKAGE}.testing",
    f"{PACKAGE}.options",
)
_ANY = re.compile(r"\bAny\b")


def verifytypes_score() -> float:
    """pyright's completeness score for the package, 0..1."""
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    out = subprocess.run(
        ["pyright", "--verifytypes", PACKAGE, "--ignoreexternal", "--outputjson"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    report = json.loads(out.stdout)
    return float(report["typeCompleteness"]["completenessScore"])


def _public_objects() -> Iterator[tuple[str, Any]]:
    for module_name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in getattr(module, "__all__", ()):
            yield f"{module_name}.{name}", getattr(module, name)


def _annotations_of(obj: Any) -> Iterator[tuple[str, str]]:
    """(where, annotation source) for a function, or a class and its public members."""
    if inspect.isclass(obj):
        for klass in reversed(obj.__mro__):
            if not klass.__module__.startswith(PACKAGE):
                continue
            for field, annotation in vars(klass).get("__annotations__", {}).items():
                if not field.startswith("_"):
                    yield f"{klass.__name__}.{field}", str(annotation)
            for member_name, attribute in vars(klass).items():
                if member_name.startswith("_") and member_name not in ("__init__", "__call__"):
                    continue
                member = attribute
                if isinstance(member, property) and member.fget is not None:
                    member = member.fget
                if isinstance(member, (classmethod, staticmethod)):
                    member = member.__func__
                if inspect.isfunction(member):
                    for key, annotation in member.__annotations__.items():
                        yield f"{klass.__name__}.{member_name}:{key}", str(annotation)
    elif inspect.isfunction(obj):
        for key, annotation in obj.__annotations__.items():
            yield f"{obj.__name__}:{key}", str(annotation)


def any_in_public_signatures() -> dict[str, int]:
    """{where: number of `Any`} over the public surface, protocol models excluded."""
    counts: dict[str, int] = {}
    seen: set[int] = set()
    for _, obj in _public_objects():
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        for where, annotation in _annotations_of(obj):
            found = len(_ANY.findall(annotation))
            if found:
                counts[where] = counts.get(where, 0) + found
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-verifytypes", action="store_true")
    parser.add_argument("--list", action="store_true", help="list where each Any is")
    args = parser.parse_args(argv)
    counts = any_in_public_signatures()
    if args.list:
        for where, found in sorted(counts.items()):
            print(f"  {found}  {where}")
    print(f"Any in public signatures: {sum(counts.values())} (in {len(counts)} annotations)")
    if not args.skip_verifytypes:
        print(f"verifytypes completeness: {verifytypes_score():.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
