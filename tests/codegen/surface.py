"""Expectations about a generated surface, derived from the schema it came from (not a list)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from codegen.generate import Generated
from codegen.load import load_schema
from codegen.model_index import ModelIndex
from codegen.normalize import normalize
from codegen.results import RAW_JSON


def schema_methods(schema_dir: Path, *, experimental: bool = True) -> dict[str, set[str]]:
    """Wire methods of the schema (of its plain bundle only, without `experimental`)."""
    loaded = load_schema(schema_dir, require_pin=False)
    defs = loaded.definitions if experimental or loaded.stable is None else loaded.stable

    def methods(union: str) -> set[str]:
        return {v["properties"]["method"]["enum"][0] for v in defs[union]["oneOf"]}

    return {
        "requests": methods("ClientRequest"),
        "notifications": methods("ServerNotification"),
        "server_requests": methods("ServerRequest"),
    }


def schema_names(schema_dir: Path) -> set[str]:
    """Every name a class may legitimately carry: definitions and titles of the normalized schema."""
    defs = normalize(load_schema(schema_dir, require_pin=False).definitions)
    names = set(defs) | {RAW_JSON}  # the one name of the generator's own: raw JSON results

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("title"), str):
                names.add(node["title"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(defs)
    return names


def generated_class_names(generated: Generated) -> list[str]:
    models = {
        k.removeprefix("models/"): v for k, v in generated.files.items() if k.startswith("models/")
    }
    return ModelIndex.from_sources(models).names()


def untraceable_names(generated: Generated, schema_dir: Path) -> list[str]:
    allowed = schema_names(schema_dir)
    return [name for name in generated_class_names(generated) if name not in allowed]


def client_method_names(source: str, class_name: str) -> dict[str, bool]:
    """{method name: is async} of a class in the generated client module."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return {
                item.name: isinstance(item, ast.AsyncFunctionDef)
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and not item.name.startswith("_")
            }
    raise AssertionError(f"{class_name} not in the client module")
