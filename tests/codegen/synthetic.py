"""The smallest schema directories that show one codegen rule: a combined bundle with the four
method unions, written the way `generate-json-schema` writes it (optionally with an
`experimental/` bundle beside it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codegen.load import COMBINED_BUNDLE, EXPERIMENTAL_DIR

JsonObject = dict[str, Any]


def obj(props: dict[str, Any] | None = None, required: list[str] | None = None) -> JsonObject:
    return {"type": "object", "properties": props or {}, "required": required or []}


def variant(method: str, params: str | None) -> JsonObject:
    props: JsonObject = {"method": {"type": "string", "enum": [method]}, "id": {"type": "integer"}}
    if params is not None:
        props["params"] = {"$ref": f"#/definitions/{params}"}
    return obj(props, ["method", "id"] + (["params"] if params else []))


def bundle(
    requests: dict[str, str | None],
    definitions: dict[str, JsonObject],
    server_requests: dict[str, str] | None = None,
) -> JsonObject:
    """`requests`: wire method -> params definition (None: no params)."""
    defs: dict[str, JsonObject] = {
        "ClientRequest": {"oneOf": [variant(m, p) for m, p in requests.items()]},
        "ServerNotification": {"oneOf": [variant("thing/happened", "ThingHappenedNotification")]},
        "ServerRequest": {"oneOf": [variant(m, p) for m, p in (server_requests or {}).items()]},
        "ClientNotification": {"oneOf": [variant("initialized", None)]},
        "ThingHappenedNotification": obj({"what": {"type": "string"}}, ["what"]),
        **definitions,
    }
    return {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": defs}


def write_schema(root: Path, plain: JsonObject, experimental: JsonObject | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / COMBINED_BUNDLE).write_text(json.dumps(plain), encoding="utf-8")
    if experimental is not None:
        (root / EXPERIMENTAL_DIR).mkdir()
        (root / EXPERIMENTAL_DIR / COMBINED_BUNDLE).write_text(
            json.dumps(experimental), encoding="utf-8"
        )
    return root
