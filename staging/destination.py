"""The staging directory: outside the source tree, empty, or an earlier staging with --force.

A marker file names a directory that staging made, so --force only ever clears what staging
itself wrote: `--force ~` by mistake is refused, not obeyed.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from staging.errors import StagingError
from staging.paths import REPO_ROOT

if TYPE_CHECKING:
    from pathlib import Path

MARKER = ".codex-staging"


def check_destination(directory: Path, *, force: bool, sources: tuple[Path, ...] = ()) -> None:
    """Every refusal prepare_destination would give, without touching anything: staging calls
    it first, so a wrong directory is refused at once, not after the slow checks."""
    target = _checked_target(directory, sources)
    if target.is_dir():
        contents = sorted(target.iterdir())
        if contents:
            _refuse_unless_forceable(directory, target, contents, force=force)


def prepare_destination(
    directory: Path, *, force: bool, kind: str, sources: tuple[Path, ...] = ()
) -> Path:
    """Check `directory`, clear it if --force allows, create it; return its resolved path.

    `kind` ("runtime" or "sdk") is written to the marker; `sources` are inputs that must not
    overlap the directory (clearing it would delete them).
    """
    target = _checked_target(directory, sources)
    if target.is_dir():
        contents = sorted(target.iterdir())
        if contents:
            _clear_for_force(directory, target, contents, force=force)
    target.mkdir(parents=True, exist_ok=True)
    (target / MARKER).write_text(f"{kind}\n", encoding="utf-8")
    return target


def _checked_target(directory: Path, sources: tuple[Path, ...]) -> Path:
    target = directory.expanduser().resolve()
    _refuse_source_tree(directory, target)
    for source in sources:
        resolved = source.resolve()
        if _inside(resolved, target) or _inside(target, resolved):
            raise StagingError(
                f"the staging directory {directory} overlaps the input {source}; "
                "stage into a separate, new directory"
            )
    if target.exists() and not target.is_dir():
        raise StagingError(f"the staging directory {directory} exists and is not a directory")
    return target


def _refuse_source_tree(given: Path, target: Path) -> None:
    if _inside(target, REPO_ROOT):
        raise StagingError(
            f"the staging directory {given} is inside the source tree {REPO_ROOT}; "
            "stage outside it (e.g. /tmp/codex-stage) so the repository stays untouched"
        )
    if _inside(REPO_ROOT, target):
        raise StagingError(
            f"the staging directory {given} contains the source tree {REPO_ROOT}; "
            "stage into a separate, new directory"
        )


def _clear_for_force(given: Path, target: Path, contents: list[Path], *, force: bool) -> None:
    _refuse_unless_forceable(given, target, contents, force=force)
    for path in contents:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _refuse_unless_forceable(
    given: Path, target: Path, contents: list[Path], *, force: bool
) -> None:
    names = ", ".join(path.name for path in contents[:5]) + (", ..." if len(contents) > 5 else "")
    if not force:
        raise StagingError(
            f"the staging directory {given} is not empty ({names}); choose a new directory, "
            "or pass --force to replace an earlier staging there"
        )
    if not (target / MARKER).is_file():
        raise StagingError(
            f"--force replaces only a directory made by staging (one holding {MARKER}); "
            f"{given} holds other files ({names}): choose an empty or new directory"
        )


def _inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents
