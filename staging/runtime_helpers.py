"""The helper programs a codex runtime ships beside the binary, and the licenses they bring.

codex's own packages carry helpers it runs at need: `rg` (file search, on PATH), `bwrap` (the
Linux sandbox) and `codex-code-mode-host`. A wheel without them installs and starts, then
fails later (`bundled_path_dir()` raises, search and the sandbox break), so stage-runtime
refuses a runtime that lacks any of them unless told `--allow-missing-helpers`. Which helpers
a platform has is what codex's packages for it hold (0.163.0).

Each shipped component adds its license to the wheel's License-Expression and its texts
(kept in runtime-wheel/licenses/) to `.dist-info/licenses/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from staging.errors import StagingError

if TYPE_CHECKING:
    from staging.binformat import OperatingSystem
    from staging.runtime_source import RuntimeSource

ALLOW_OPTION = "--allow-missing-helpers"


@dataclass(frozen=True)
class Component:
    """A program shipped in the runtime wheel and the license it is under."""

    name: str
    license_expression: str  # SPDX
    license_files: tuple[str, ...]  # relative to the staged project (runtime-wheel/)


CODEX = Component("codex", "Apache-2.0", ("licenses/codex/LICENSE", "licenses/codex/NOTICE"))
RIPGREP = Component(
    "rg",
    "(MIT OR Unlicense)",
    ("licenses/ripgrep/COPYING", "licenses/ripgrep/LICENSE-MIT", "licenses/ripgrep/UNLICENSE"),
)
BUBBLEWRAP = Component("bwrap", "LGPL-2.0-or-later", ("licenses/bubblewrap/COPYING",))
CODE_MODE_HOST = Component("codex-code-mode-host", "Apache-2.0", ())  # built from codex's tree


@dataclass(frozen=True)
class Helper:
    component: Component
    destination: PurePosixPath  # inside the staged package


def expected_helpers(os_name: OperatingSystem) -> tuple[Helper, ...]:
    """The helpers codex's own package for `os_name` ships."""
    exe = ".exe" if os_name == "windows" else ""
    helpers = [Helper(RIPGREP, PurePosixPath(f"codex-path/rg{exe}"))]
    if os_name == "linux":
        helpers.append(Helper(BUBBLEWRAP, PurePosixPath("codex-resources/bwrap")))
        helpers.append(Helper(CODE_MODE_HOST, PurePosixPath("bin/codex-code-mode-host")))
    return tuple(helpers)


def check_helpers(
    source: RuntimeSource, os_name: OperatingSystem, *, allow_missing: bool
) -> tuple[tuple[Component, ...], tuple[str, ...]]:
    """Refuse a runtime lacking a helper (unless `allow_missing`); return the components
    shipped (codex first) and warnings for helpers left out by permission."""
    staged = {item.destination for item in source.files}
    root = _where_helpers_live(source)
    missing = [helper for helper in expected_helpers(os_name) if helper.destination not in staged]
    lines = [
        f"{helper.component.name}: no {root.joinpath(*_source_parts(helper))}" for helper in missing
    ]
    if missing and not allow_missing:
        given = "a bare codex binary" if source.root is None else f"the runtime {source.root}"
        raise StagingError(
            f"{given} lacks helpers that codex's {os_name} package ships:\n  "
            + "\n  ".join(lines)
            + f"\ngive the runtime directory that holds them (the folder with bin/codex), "
            f"or pass {ALLOW_OPTION} to build a wheel without them"
        )
    warnings = tuple(f"staged without a helper ({ALLOW_OPTION}): {line}" for line in lines)
    missing_names = {helper.component.name for helper in missing}
    shipped = [CODEX]
    for helper in expected_helpers(os_name):
        if helper.component.name not in missing_names and helper.component not in shipped:
            shipped.append(helper.component)
    return tuple(shipped), warnings


def license_expression(components: tuple[Component, ...]) -> str:
    """One SPDX expression for everything shipped, e.g. `Apache-2.0 AND (MIT OR Unlicense)`."""
    terms: list[str] = []
    for component in components:
        if component.license_expression not in terms:
            terms.append(component.license_expression)
    return " AND ".join(terms)


def license_files(components: tuple[Component, ...]) -> list[str]:
    return [path for component in components for path in component.license_files]


def _where_helpers_live(source: RuntimeSource) -> Path:
    """The runtime root, or for a bare binary the folder a runtime around it would be."""
    if source.root is not None:
        return source.root
    binary = source.entrypoint.source
    return binary.parent.parent if binary.parent.name == "bin" else binary.parent


def _source_parts(helper: Helper) -> tuple[str, ...]:
    return helper.destination.parts
