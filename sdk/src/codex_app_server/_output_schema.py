"""JSON schemas for structured output, made fit for strict mode.

codex forwards a turn's `output_schema` to the model as
`text.format = {"type": "json_schema", "name": "codex_output_schema", "strict": true,
"schema": ...}`. In strict mode the Responses API accepts only closed objects whose
properties are all required, so the schema pydantic writes for a model
(`model_json_schema()`: optional fields not required, no `additionalProperties`) would be
refused by the real API. `strict_json_schema` rewrites it: the meaning for the model is the
same (optional fields stay nullable, and `None` is what pydantic fills in for them anyway).

A schema given as a dict is sent as given: it is the caller's to make strict.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, cast

__all__ = ["strict_json_schema"]


def strict_json_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A strict-mode copy of `schema`: every object is closed (`additionalProperties:
    false`) and lists all its properties as required; a `$ref` with sibling keys is inlined;
    a one-element `allOf` is merged; `oneOf` becomes `anyOf`; `default: null` is dropped."""
    root = copy.deepcopy(dict(schema))
    return _strict(root, root)


def _strict(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    for key in ("$defs", "definitions"):
        defs = _mapping(node.get(key))
        if defs is not None:
            for name, sub in list(defs.items()):
                if isinstance(sub, dict):
                    defs[name] = _strict(cast("dict[str, Any]", sub), root)

    if node.get("type") == "object" and "additionalProperties" not in node:
        node["additionalProperties"] = False
    properties = _mapping(node.get("properties"))
    if properties is not None:
        node["required"] = list(properties)
        for name, sub in list(properties.items()):
            if isinstance(sub, dict):
                properties[name] = _strict(cast("dict[str, Any]", sub), root)

    items = node.get("items")
    if isinstance(items, dict):
        node["items"] = _strict(cast("dict[str, Any]", items), root)

    if isinstance(node.get("oneOf"), list) and "anyOf" not in node:
        node["anyOf"] = node.pop("oneOf")
        node.pop("discriminator", None)
    any_of = node.get("anyOf")
    if isinstance(any_of, list):
        node["anyOf"] = [_strict_any(v, root) for v in cast("list[Any]", any_of)]

    all_of = node.get("allOf")
    if isinstance(all_of, list):
        parts = [_strict_any(v, root) for v in cast("list[Any]", all_of)]
        if len(parts) == 1 and isinstance(parts[0], dict):
            del node["allOf"]
            node.update(cast("dict[str, Any]", parts[0]))
        else:
            node["allOf"] = parts

    if "default" in node and node["default"] is None:
        del node["default"]

    ref = node.get("$ref")
    if isinstance(ref, str) and len(node) > 1:
        # strict mode refuses a $ref next to other keys (e.g. a description): inline it
        del node["$ref"]
        target = copy.deepcopy(_resolve(root, ref))
        node.update({**target, **node})
        return _strict(node, root)
    return node


def _strict_any(value: Any, root: dict[str, Any]) -> Any:
    return _strict(cast("dict[str, Any]", value), root) if isinstance(value, dict) else value


def _mapping(value: Any) -> dict[str, Any] | None:
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"output_schema: cannot resolve the non-local $ref {ref!r}")
    node: Any = root
    for escaped in ref[2:].split("/"):
        part = escaped.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise ValueError(f"output_schema: $ref {ref!r} points at nothing")
        node = cast("dict[str, Any]", node)[part]
    if not isinstance(node, dict):
        raise ValueError(f"output_schema: $ref {ref!r} is not a schema")
    return cast("dict[str, Any]", node)
