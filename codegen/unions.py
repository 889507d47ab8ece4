"""Named aliases for the schema's unions (`ThreadItem`, `UserInput`, ...).

The model generator inlines a union wherever it is used, so the schema's own name for it is
lost. This renders one module per top-level union definition whose variants are all generated
types: `ThreadItem = TypeAliasType("ThreadItem", A | B | ...)`. A union whose variants share a
tag property (`type`) is discriminated by it: pydantic then validates one variant instead of
trying each, and a tag this SDK does not know goes to the `Unrecognized...` fallback variant
(see `normalize.add_unknown_variants`) instead of failing.

Runs on the model sources before they are indexed, so the aliases are models like any other
(`codex_app_server.models.ThreadItem`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codegen.model_index import ModelIndex
from codegen.naming import snake_case
from codegen.normalize import UNION_KEYS, UNKNOWN_VARIANT_PREFIX, Definitions

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Variant:
    name: str  # the generated type
    module: str
    tag: str | None  # its tag value, when the union is discriminated


@dataclass(frozen=True)
class NamedUnion:
    name: str
    module: str
    doc: str
    variants: tuple[Variant, ...]
    tag: str | None  # the wire name of the tag property
    tag_attribute: str | None  # its Python attribute name
    fallback: str | None  # the variant that takes unknown tags


def named_unions(definitions: Definitions, sources: dict[str, str]) -> list[NamedUnion]:
    """The unions worth a name: top-level definitions the generator left without a module,
    whose variants all name generated types."""
    index = ModelIndex.from_sources(sources)
    taken = {path.removesuffix(".py") for path in sources}
    out: list[NamedUnion] = []
    for name, schema in sorted(definitions.items()):
        if name in index:
            continue
        branches = next((schema[k] for k in UNION_KEYS if isinstance(schema.get(k), list)), None)
        if not branches or "properties" in schema:
            continue
        variant_names = [_branch_name(b) for b in branches]
        if not all(v is not None and v in index for v in variant_names):
            continue
        module = snake_case(name)
        if module in taken:
            continue
        resolved = [_resolve(b, definitions) for b in branches]
        tag = _tag(resolved)
        variants: list[Variant] = []
        fallback: str | None = None
        for variant_name, branch in zip(variant_names, resolved, strict=True):
            assert variant_name is not None
            value = _tag_value(branch, tag) if tag else None
            if tag and value is None and variant_name.startswith(UNKNOWN_VARIANT_PREFIX):
                fallback = variant_name
            variants.append(Variant(variant_name, index[variant_name].module, value))
        if tag and any(v.tag is None and v.name != fallback for v in variants):
            tag = fallback = None  # not every variant is tagged: a plain union
            variants = [Variant(v.name, v.module, None) for v in variants]
        attribute = snake_case(tag) if tag else None
        doc = " ".join(str(schema.get("description") or "").split())
        out.append(NamedUnion(name, module, doc, tuple(variants), tag, attribute, fallback))
    return out


def render_union(union: NamedUnion, header: str) -> str:
    """The module source of one named union (unformatted)."""
    imports = "\n".join(f"from .{v.module} import {v.name}" for v in union.variants)
    what = f"one of {len(union.variants)} variants"
    if union.tag:
        what += f", told apart by `{union.tag}`"
    summary = union.doc or f"`{union.name}`: {what}."
    lines = [
        header,
        f'"""{_docstring(summary)}"""',
        "",
        "from __future__ import annotations",
        "",
    ]
    if union.tag:
        lines += [
            "from typing import Annotated",
            "",
            "from pydantic import Discriminator, Tag",
            "from typing_extensions import TypeAliasType",
            "",
            "from codex_app_server._unions import UNRECOGNIZED_TAG, tag_discriminator",
            "",
            imports,
            "",
            f"{union.name} = TypeAliasType(",
            f'    "{union.name}",',
            "    Annotated[",
        ]
        members: list[str] = []
        for v in union.variants:
            tag = "UNRECOGNIZED_TAG" if v.name == union.fallback else f'"{v.tag}"'
            members.append(f"Annotated[{v.name}, Tag({tag})]")
        known = ", ".join(f'"{v.tag}"' for v in union.variants if v.tag is not None)
        fallback = "True" if union.fallback else "False"
        lines += [
            "        " + "\n        | ".join(members) + ",",
            f'        Discriminator(tag_discriminator("{union.tag}", "{union.tag_attribute}", '
            f"({known},), fallback={fallback})),",
            "    ],",
            ")",
        ]
    else:
        lines += [
            "from typing_extensions import TypeAliasType",
            "",
            imports,
            "",
            f'{union.name} = TypeAliasType("{union.name}", '
            + " | ".join(v.name for v in union.variants)
            + ")",
        ]
    lines += [f'"""{_docstring(summary)}"""', ""]
    return "\n".join(lines)


def union_sources(definitions: Definitions, sources: dict[str, str], header: str) -> dict[str, str]:
    """{module path: source} of every named union."""
    return {
        f"{union.module}.py": render_union(union, header)
        for union in named_unions(definitions, sources)
    }


# --- helpers -------------------------------------------------------------------------------


def _branch_name(branch: Any) -> str | None:
    if not isinstance(branch, dict):
        return None
    title = branch.get("title")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if isinstance(title, str):
        return title
    ref = branch.get("$ref")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _resolve(branch: JsonObject, definitions: Definitions) -> JsonObject:
    ref = branch.get("$ref")
    if isinstance(ref, str):
        return definitions.get(ref.rsplit("/", 1)[-1], {})
    return branch


def _tag(branches: list[JsonObject]) -> str | None:
    """The property all tagged variants require with one distinct constant value each (the
    fallback variant, with a plain string there, is left out)."""
    tagged = [b for b in branches if not str(b.get("title", "")).startswith(UNKNOWN_VARIANT_PREFIX)]
    if len(tagged) < 2:
        return None
    common: set[str] | None = None
    for branch in tagged:
        tags = {p for p in branch.get("properties", {}) if _tag_value(branch, p) is not None}
        common = tags if common is None else common & tags
    for tag in sorted(common or ()):
        values = [_tag_value(b, tag) for b in tagged]
        if len(set(values)) == len(values):
            return tag
    return None


def _tag_value(branch: JsonObject, prop: str) -> str | None:
    sub = branch.get("properties", {}).get(prop)
    if not isinstance(sub, dict) or prop not in branch.get("required", []):
        return None
    values = sub.get("enum")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if isinstance(values, list) and len(values) == 1 and isinstance(values[0], str):  # pyright: ignore[reportUnknownArgumentType]
        return values[0]
    const = sub.get("const")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return const if isinstance(const, str) else None


def _docstring(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
