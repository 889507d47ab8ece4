"""Read an emitted schema directory into one flat table of definitions.

`generate-json-schema` writes a combined bundle whose top level holds the v1 handshake types and
the server-request types, with the v2 protocol nested under `definitions.v2`. The generator wants
one namespace, so the two levels are merged here and `#/definitions/v2/X` refs become
`#/definitions/X`. Names defined at both levels must agree; a clash is an error, never a guess.

A schema directory may also hold `experimental/`: what `generate-json-schema --experimental`
emits (a superset). Then the protocol is read from it, and the plain bundle tells what is stable.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from codegen.pin import SchemaPin, read_pin, verify_pin

COMBINED_BUNDLE = "codex_app_server_protocol.schemas.json"
V2_BUNDLE = "codex_app_server_protocol.v2.schemas.json"
EXPERIMENTAL_DIR = "experimental"
_NESTED_PREFIX = "#/definitions/v2/"
_FLAT_PREFIX = "#/definitions/"
# Keys that describe where a definition was emitted, not what it means.
_PROVENANCE_KEYS = ("$schema", "title")

JsonObject = dict[str, Any]


class SchemaLoadError(Exception):
    """The schema directory is not what `generate-json-schema` emits."""


@dataclass(frozen=True)
class ProtocolSchema:
    definitions: dict[str, JsonObject]  # the experimental bundle's when there is one
    pin: SchemaPin | None
    source: Path
    stable: dict[str, JsonObject] | None = None  # the plain bundle's, beside an experimental one

    @property
    def runtime_version(self) -> str:
        return self.pin.runtime_version if self.pin else "unknown"

    @property
    def sha256(self) -> str:
        return self.pin.sha256 if self.pin else "unpinned"


def load_schema(schema_dir: Path, *, require_pin: bool = True) -> ProtocolSchema:
    """Load and flatten a schema directory; with `require_pin`, refuse files that drifted."""
    if require_pin:
        pin: SchemaPin | None = verify_pin(schema_dir)
    else:
        try:
            pin = read_pin(schema_dir)
        except Exception:  # an unpinned directory (another runtime's output) is fine here
            pin = None
    bundle_path = schema_dir / COMBINED_BUNDLE
    if not bundle_path.is_file():
        raise SchemaLoadError(
            f"{schema_dir} has no {COMBINED_BUNDLE}; point --schema at a directory written by "
            "`codex app-server generate-json-schema --out DIR`"
        )
    plain = _read_bundle(bundle_path)
    experimental_path = schema_dir / EXPERIMENTAL_DIR / COMBINED_BUNDLE
    if not experimental_path.is_file():
        return ProtocolSchema(definitions=plain, pin=pin, source=schema_dir)
    experimental = _read_bundle(experimental_path)
    missing = sorted(set(plain) - set(experimental))
    if missing:
        raise SchemaLoadError(
            f"{experimental_path} lacks definitions of the plain bundle ({', '.join(missing[:5])}"
            "); both bundles must come from the same runtime (run update-schema)"
        )
    return ProtocolSchema(definitions=experimental, pin=pin, source=schema_dir, stable=plain)


def _read_bundle(path: Path) -> dict[str, JsonObject]:
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SchemaLoadError(f"{path} is not valid JSON: {exc}") from exc
    return flatten_bundle(bundle)


def flatten_bundle(bundle: JsonObject) -> dict[str, JsonObject]:
    top: dict[str, JsonObject] = dict(bundle.get("definitions", {}))
    nested: dict[str, JsonObject] = top.pop("v2", {})
    merged: dict[str, JsonObject] = {}
    for name, schema in nested.items():
        merged[name] = _rewrite_refs(schema)
    for name, schema in top.items():
        flat = _rewrite_refs(schema)
        if name in merged:
            if _meaning(merged[name]) != _meaning(flat):
                raise SchemaLoadError(
                    f"definition {name!r} differs between the bundle's top level and its v2 part"
                )
            continue
        merged[name] = flat
    return dict(sorted(merged.items()))


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        out: JsonObject = {}
        for key, value in cast(JsonObject, node).items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_NESTED_PREFIX):
                out[key] = _FLAT_PREFIX + value[len(_NESTED_PREFIX) :]
            else:
                out[key] = _rewrite_refs(value)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in cast(list[Any], node)]
    return node


def _meaning(schema: JsonObject) -> JsonObject:
    stripped = copy.deepcopy(schema)
    for key in _PROVENANCE_KEYS:
        stripped.pop(key, None)
    return stripped
