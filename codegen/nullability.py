"""Which optional request arguments may be sent as `null`.

An optional field the schema types without `null` (`"type": "boolean"`) is refused by the
server when sent as `null` ("invalid type: null, expected a boolean"), though the generated
model types it `bool | None` (left out, it is None). Such an argument does not take None: its
type says so, and the SDK refuses None before sending (`NON_NULLABLE` in the generated
`nullability` module).
"""

from __future__ import annotations

import ast
from typing import Any

JsonObject = dict[str, Any]


def non_nullable_fields(definitions: dict[str, JsonObject]) -> frozenset[tuple[str, str]]:
    """{(definition name, wire property)} of optional properties that do not take null."""
    found: set[tuple[str, str]] = set()
    for name, schema in definitions.items():
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            continue
        required = set(schema.get("required", []))
        for prop, sub in properties.items():  # pyright: ignore[reportUnknownVariableType]
            if prop not in required and not takes_null(sub, definitions):
                found.add((name, str(prop)))  # pyright: ignore[reportUnknownArgumentType]
    return frozenset(found)


def takes_null(schema: Any, definitions: dict[str, JsonObject]) -> bool:
    """The schema admits `null` (a `null` type, a `null` branch, or a ref to such)."""
    if not isinstance(schema, dict):
        return True  # `true` or anything unusual: do not restrict
    kind = schema.get("type")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if kind is None and not any(k in schema for k in ("$ref", "anyOf", "oneOf", "allOf", "enum")):
        return True  # an unconstrained value
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if isinstance(branches, list) and any(takes_null(b, definitions) for b in branches):  # pyright: ignore[reportUnknownVariableType]
            return True
    all_of = schema.get("allOf")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if isinstance(all_of, list) and len(all_of) == 1:  # pyright: ignore[reportUnknownArgumentType]
        return takes_null(all_of[0], definitions)
    ref = schema.get("$ref")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if isinstance(ref, str):
        target = definitions.get(ref.rsplit("/", 1)[-1])
        return target is not None and takes_null(target, definitions)
    return False


def without_none(annotation: str) -> str:
    """`bool | None` -> `bool`."""
    node = ast.parse(annotation, mode="eval").body
    parts: list[ast.expr] = []

    def flatten(expr: ast.expr) -> None:
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
            flatten(expr.left)
            flatten(expr.right)
        else:
            parts.append(expr)

    flatten(node)
    kept = [p for p in parts if not (isinstance(p, ast.Constant) and p.value is None)]
    if not kept or len(kept) == len(parts):
        return annotation
    return " | ".join(ast.unparse(p) for p in kept)
