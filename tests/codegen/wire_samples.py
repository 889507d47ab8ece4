"""Schema-conforming sample values, built from a JSON Schema (draft 7) deterministically.

A sample takes every property (optional ones too, to a depth), the first non-null branch of a
union, the first value of an enum, and the bounds of a number, so one call can carry as much
of a method's params as the schema allows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BUNDLE = "codex_app_server_protocol.schemas.json"
# Below this depth only required properties are filled and arrays stay empty: recursive
# types (a config layer holding config layers) end.
FULL_DEPTH = 4


def load_bundle(schema_dir: Path) -> dict[str, Any]:
    """The schema's single-file bundle, as the runtime wrote it: the `--experimental` one
    when the schema holds it (a superset: every method and field the SDK can send)."""
    experimental = schema_dir / "experimental" / BUNDLE
    path = experimental if experimental.is_file() else schema_dir / BUNDLE
    return json.loads(path.read_text(encoding="utf-8"))


def has_experimental(schema_dir: Path) -> bool:
    """Whether the schema holds the experimental bundle (then the check opts in to it)."""
    return (schema_dir / "experimental" / BUNDLE).is_file()


def resolve(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def find_definition(root: dict[str, Any], name: str) -> str | None:
    """The `$ref` of a definition by name, at the top level or in a namespace (`v2`)."""
    defs: dict[str, Any] = root["definitions"]
    if name in defs and isinstance(defs[name], dict) and "$ref" not in defs[name]:
        return f"#/definitions/{name}"
    for space, inner in defs.items():
        if isinstance(inner, dict) and name in inner and isinstance(inner[name], dict):
            return f"#/definitions/{space}/{name}"
    return f"#/definitions/{name}" if name in defs else None


def params_schemas(root: dict[str, Any]) -> dict[str, Any]:
    """{wire method: the schema of its `params` (None when the request carries none)}."""
    out: dict[str, Any] = {}
    for variant in root["definitions"]["ClientRequest"]["oneOf"]:
        method = variant["properties"]["method"]["enum"][0]
        out[method] = variant["properties"].get("params")
    return out


def validator_schema(root: dict[str, Any], schema: Any) -> dict[str, Any]:
    """`schema` with the bundle's definitions beside it, so its `$ref`s resolve."""
    return {"definitions": root["definitions"], **schema}


def merge(root: dict[str, Any], outer: dict[str, Any], branch: Any) -> dict[str, Any]:
    """A union branch with the properties its union declares beside `oneOf` (both apply)."""
    if "$ref" in branch:
        branch = resolve(root, branch["$ref"])
    merged = {**outer, **branch}
    if "properties" in outer or "properties" in branch:
        merged["properties"] = {**outer.get("properties", {}), **branch.get("properties", {})}
        merged["required"] = [*outer.get("required", []), *branch.get("required", [])]
    return merged


def sample(root: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """One value that validates against `schema`."""
    if schema is True or schema == {}:
        return "any"
    if "$ref" in schema:
        return sample(root, resolve(root, schema["$ref"]), depth)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            branches = [b for b in schema[key] if b != {"type": "null"}] or schema[key]
            rest = {k: v for k, v in schema.items() if k != key}
            return sample(root, merge(root, rest, branches[0]), depth)
    if "allOf" in schema:
        parts = [sample(root, part, depth) for part in schema["allOf"]]
        if not all(isinstance(part, dict) for part in parts):
            return parts[0]  # `allOf: [{"$ref": ...}]` names one type (often with a doc)
        value: dict[str, Any] = {}
        for part in parts:
            value.update(part)
        return value
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    return _by_type(root, schema, kind, depth)


def _by_type(root: dict[str, Any], schema: dict[str, Any], kind: str, depth: int) -> Any:
    if kind == "object":
        required = set(schema.get("required", []))
        props: dict[str, Any] = schema.get("properties", {})
        return {
            name: sample(root, sub, depth + 1)
            for name, sub in props.items()
            if name in required or depth < FULL_DEPTH
        }
    if kind == "array":
        items = schema.get("items", {})
        count = max(int(schema.get("minItems", 0)), 1 if depth < FULL_DEPTH else 0)
        if isinstance(items, list):
            return [sample(root, item, depth + 1) for item in items]
        return [sample(root, items, depth + 1) for _ in range(count)]
    if kind == "string":
        return "sample"
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return max(float(schema.get("minimum", 1.5)), 1.5)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    raise ValueError(f"no sample for type {kind!r}")
