"""Which request arguments are filesystem paths: those take `os.PathLike` as well as `str`.

The schema spells a path as a string; it marks most of them by referring to a path
definition (`AbsolutePathBuf`), and the rest are working directories and config files by name.
A name alone is not enough (`keyPath` is a TOML key path), so the names are listed exactly.
"""

from __future__ import annotations

import ast
import json
from typing import Any

JsonObject = dict[str, Any]
PATH_DEFINITIONS = frozenset({"AbsolutePathBuf", "LegacyAppPathString"})
PATH_PROPERTY_NAMES = frozenset({"cwd", "cwds", "filePath"})
PATH_TYPE = "os.PathLike[str]"


def path_fields(definitions: dict[str, JsonObject]) -> frozenset[tuple[str, str]]:
    """{(definition name, wire property name)} of every property that holds a path."""
    found: set[tuple[str, str]] = set()
    for name, schema in definitions.items():
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            continue
        for prop, sub in properties.items():  # pyright: ignore[reportUnknownVariableType]
            if is_path_property(str(prop), sub):  # pyright: ignore[reportUnknownArgumentType]
                found.add((name, str(prop)))  # pyright: ignore[reportUnknownArgumentType]
    return frozenset(found)


def is_path_property(name: str, schema: Any) -> bool:
    """A property refers to a path definition, or is a working directory / config file."""
    text = json.dumps(schema)
    if any(f'"#/definitions/{definition}"' in text for definition in PATH_DEFINITIONS):
        return True
    return name in PATH_PROPERTY_NAMES and '"string"' in text


def accept_paths(annotation: str) -> str:
    """`str | None` -> `str | os.PathLike[str] | None`; `list[str]` ->
    `list[str | os.PathLike[str]]`: every `str` in the annotation also takes a path."""
    tree = ast.parse(annotation, mode="eval")

    class _Widen(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            if node.id == "str":
                path = ast.parse(PATH_TYPE, mode="eval").body
                return ast.BinOp(left=node, op=ast.BitOr(), right=path)
            return node

    return ast.unparse(_Widen().visit(tree))
