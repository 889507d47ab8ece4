"""Edits to a staged copy's pyproject.toml, made on the TOML structure (tomlkit), never text.

tomlkit keeps comments and layout, so the staged file reads like the source one plus the edits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import tomlkit
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from tomlkit.exceptions import ParseError

from staging.errors import StagingError

if TYPE_CHECKING:
    from pathlib import Path

    from tomlkit.items import Array, Table
    from tomlkit.toml_document import TOMLDocument


def set_project_version(pyproject: Path, version: str) -> None:
    """Write `[project] version = version`, replacing any dynamic version."""
    document = _load(pyproject)
    project = _project_table(document, pyproject)
    project["version"] = version
    dynamic = cast("list[str]", project["dynamic"]) if "dynamic" in project else []
    if "version" in dynamic:
        kept = [str(name) for name in dynamic if name != "version"]
        if kept:
            project["dynamic"] = kept
        else:
            del project["dynamic"]
    pyproject.write_text(tomlkit.dumps(document), encoding="utf-8")


def pin_dependency(pyproject: Path, name: str, version: str) -> str:
    """Make `[project] dependencies` require exactly `name==version`; return that requirement.

    Any earlier requirement on the same project is replaced, so staging twice cannot pin twice.
    """
    document = _load(pyproject)
    project = _project_table(document, pyproject)
    pinned = f"{name}=={version}"
    fresh = "dependencies" not in project
    dependencies = tomlkit.array() if fresh else cast("Array", project["dependencies"])
    wanted = canonicalize_name(name)
    for index in reversed(range(len(dependencies))):
        if _requirement_name(str(dependencies[index]), pyproject) == wanted:
            del dependencies[index]
    dependencies.add_line(pinned)
    if fresh:
        dependencies.add_line(indent="")  # the closing bracket on its own line
    project["dependencies"] = dependencies
    pyproject.write_text(tomlkit.dumps(document), encoding="utf-8")
    return pinned


def _load(pyproject: Path) -> TOMLDocument:
    try:
        return tomlkit.parse(pyproject.read_text(encoding="utf-8"))
    except (OSError, ParseError) as error:
        raise StagingError(f"cannot read {pyproject}: {error}") from None


def _project_table(document: TOMLDocument, pyproject: Path) -> Table:
    if "project" not in document:
        raise StagingError(f"{pyproject} has no [project] table")
    return cast("Table", document["project"])


def _requirement_name(text: str, pyproject: Path) -> str:
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        raise StagingError(f"{pyproject} lists an unreadable dependency: {text!r}") from None


def set_project_fields(pyproject: Path, **fields: str | list[str]) -> None:
    """Set top-level `[project]` keys (e.g. name, license, license-files: pass license_files)."""
    document = _load(pyproject)
    project = _project_table(document, pyproject)
    for key, value in fields.items():
        project[key.replace("_", "-")] = value
    pyproject.write_text(tomlkit.dumps(document), encoding="utf-8")


def add_project_urls(pyproject: Path, urls: dict[str, str]) -> None:
    """Add (or replace) entries of `[project.urls]`, keeping the ones already there."""
    document = _load(pyproject)
    project = _project_table(document, pyproject)
    if "urls" not in project:
        project["urls"] = tomlkit.table()
    table = cast("Table", project["urls"])
    for label, url in urls.items():
        table[label] = url
    pyproject.write_text(tomlkit.dumps(document), encoding="utf-8")
