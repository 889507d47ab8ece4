"""Normalize the protocol schema, as data, before model generation.

Each step is a small named function over the flat definition table; `normalize` applies them
in order. They exist so every generated class is named from a definition, a title or a
discriminator value (never `Foo1`/`Method12`), and so models accept what newer servers send.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any, cast

from codegen.ir import response_definitions
from codegen.naming import pascal_case, words

JsonObject = dict[str, Any]
Definitions = dict[str, JsonObject]

# Message envelopes: the protocol registry describes them; they are not payload models.
ENVELOPE_DEFINITIONS = frozenset(
    {
        "ClientRequest",
        "ClientNotification",
        "ServerNotification",
        "ServerRequest",
        "JSONRPCMessage",
        "JSONRPCRequest",
        "JSONRPCNotification",
        "JSONRPCResponse",
        "JSONRPCError",
        "JSONRPCErrorError",
    }
)
UNION_KEYS = ("oneOf", "anyOf")
ENUM_KIND_SUFFIX = "Kind"
UNKNOWN_VARIANT_PREFIX = "Unrecognized"
# The base class of the models the SDK sends back (answers to server requests), by import path.
REPLY_BASE = "codex_app_server._model_base.CodexReplyModel"
# schemars spells some titles with the Rust module path: `ApiKeyv2::LoginAccountParams`.
_MODULE_PATH_RE = re.compile(r"v\d+::")


class NormalizationError(Exception):
    """A normalization found a shape it cannot name without guessing."""


EXPERIMENTAL_MARK = "[Experimental]"
EXPERIMENTAL_NOTE = "Requires `AppServerConfig(experimental_api=True)`."


def normalize(definitions: Definitions, stable: Definitions | None = None) -> Definitions:
    """The steps below, in order; with `stable` (the plain bundle beside an experimental one),
    first mark what only the experimental bundle has."""
    defs = copy.deepcopy(definitions)
    if stable is not None:
        defs = mark_experimental(defs, stable)
    for step in STEPS:
        defs = step(defs)
    return defs


def mark_experimental(defs: Definitions, stable: Definitions) -> Definitions:
    """Start the description of every definition and top-level property only the
    experimental bundle has with `[Experimental]`: the first line of its docstring says so."""
    for name, schema in defs.items():
        if name not in stable:
            schema["description"] = _marked(schema.get("description"))
            continue
        have = stable[name].get("properties", {})
        for prop, sub in schema.get("properties", {}).items():
            if prop not in have and isinstance(sub, dict):
                cast(JsonObject, sub)["description"] = _marked(
                    cast(JsonObject, sub).get("description")
                )
    return defs


def _marked(description: Any) -> str:
    text = str(description or "").strip()
    return f"{EXPERIMENTAL_MARK} {EXPERIMENTAL_NOTE}" + (f"\n\n{text}" if text else "")


def relax_nullable_required(defs: Definitions) -> Definitions:
    """A required property that admits null (`Thread.projectId`) becomes optional: older
    servers omit it, and serde reads a missing `Option` as None, so a missing one means null."""
    for _, schema in _owned_schemas(defs):
        required = schema.get("required")
        properties = schema.get("properties", {})
        if not isinstance(required, list) or not properties:
            continue
        kept = [p for p in cast(list[Any], required) if not _admits_null(properties.get(p))]
        if len(kept) != len(cast(list[Any], required)):
            schema["required"] = kept
    return defs


def _admits_null(node: Any) -> bool:
    schema = _obj(node)
    if schema is None:
        return False
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_admits_null(b) for key in UNION_KEYS for b in schema.get(key, []))


# --- steps ---------------------------------------------------------------------------------


def clean_titles(defs: Definitions) -> Definitions:
    """Drop Rust module paths from titles: `ApiKeyv2::LoginAccountParams` -> `ApiKeyLoginAccountParams`."""
    for schema in _all_schemas(defs):
        title = schema.get("title")
        if isinstance(title, str) and "::" in title:
            cleaned = _MODULE_PATH_RE.sub("", title)
            if not cleaned.isidentifier():
                raise NormalizationError(f"title {title!r} does not clean into a class name")
            schema["title"] = cleaned
    return defs


def drop_envelopes(defs: Definitions) -> Definitions:
    """Remove JSON-RPC envelopes and method unions; the IR reads them from the raw schema."""
    return {name: schema for name, schema in defs.items() if name not in ENVELOPE_DEFINITIONS}


def merge_string_enum_unions(defs: Definitions) -> Definitions:
    """`oneOf: [{enum:[a]}, {enum:[b]}]` (one branch per documented value) -> one enum.

    Runs first so the later steps see one enum; per-value docs are kept in the description.
    """
    for schema in _all_schemas(defs):
        for key in UNION_KEYS:
            branches = schema.get(key)
            if not branches or not all(_is_string_enum(b) for b in branches):
                continue
            values: list[str] = []
            notes: list[str] = []
            for branch in branches:
                for value in branch["enum"]:
                    if value not in values:
                        values.append(value)
                if branch.get("description"):
                    note = " ".join(str(branch["description"]).split())
                    notes.append(f"- `{branch['enum'][0]}`: {note}")
            del schema[key]
            schema["type"] = "string"
            schema["enum"] = values
            if notes:
                intro = schema.get("description", "")
                schema["description"] = "\n\n".join(p for p in (intro, "\n".join(notes)) if p)
    return defs


def name_union_enum_branches(defs: Definitions) -> Definitions:
    """In a union of plain names and objects, the names become one enum `<Owner>Kind`."""
    for owner, schema in _owned_schemas(defs):
        for key in UNION_KEYS:
            branches = schema.get(key)
            if not branches:
                continue
            enum_branches = [b for b in branches if _is_string_enum(b) and "title" not in b]
            if not enum_branches or len(enum_branches) == len(branches):
                continue
            if len(enum_branches) > 1:
                values = [v for b in enum_branches for v in b["enum"]]
                merged: JsonObject = {"type": "string", "enum": values}
                first = branches.index(enum_branches[0])
                rest = [b for b in branches if b not in enum_branches]
                rest.insert(first, merged)
                schema[key] = branches = rest
                enum_branches = [merged]
            enum_branches[0]["title"] = owner + ENUM_KIND_SUFFIX
    return defs


def title_discriminated_variants(defs: Definitions) -> Definitions:
    """Untitled object variants get `<TagValue><Owner>`, the schema's own naming pattern."""
    for owner, schema in _owned_schemas(defs):
        for key in UNION_KEYS:
            branches = [b for b in schema.get(key, []) if _is_object(b)]
            tag = _discriminator(branches)
            if tag is None:
                continue
            untitled = [b for b in branches if "title" not in b]
            names = [pascal_case(b["properties"][tag]["enum"][0]) for b in untitled]
            for branch, name in zip(untitled, names, strict=True):
                # `openai/form` vs `openaiForm`: spell the separator to keep them apart.
                clash = names.count(name) > 1
                tag_name = _spelled_tag(branch["properties"][tag]["enum"][0]) if clash else name
                branch["title"] = tag_name + owner
    return defs


def title_inline_schemas(defs: Definitions) -> Definitions:
    """Remaining inline objects and multi-value enums: `<Owner><Property>` (or `...Item`)."""
    for owner, schema in _owned_schemas(defs):
        for prop, sub in schema.get("properties", {}).items():
            _title_inline(sub, owner + pascal_case(prop))
        for key in UNION_KEYS:
            branches = schema.get(key, [])
            for branch in branches:
                if _needs_title(branch):
                    branch["title"] = pascal_case(_distinct_key(branch, branches, owner)) + owner
    return defs


def qualify_merged_branch_titles(defs: Definitions) -> Definitions:
    """A titled branch under a schema with its own properties becomes a class that includes
    those properties, so the same branch title under two such parents would name two different
    classes. Each such branch is qualified with its parent: `FileIdContentItem` under
    `InputImageContentItem` -> `FileIdInputImageContentItem`."""
    counts: dict[str, int] = {}
    for schema in _all_schemas(defs):
        if isinstance(title := schema.get("title"), str):
            counts[title] = counts.get(title, 0) + 1
    for owner, schema in _owned_schemas(defs):
        if "properties" not in schema:
            continue
        for key in UNION_KEYS:
            for item in schema.get(key, []):
                branch = _obj(item)
                title = branch.get("title") if branch is not None else None
                if branch is not None and isinstance(title, str) and counts.get(title, 0) > 1:
                    branch["title"] = _qualified(title, owner)
    return defs


def add_unknown_variants(defs: Definitions) -> Definitions:
    """Tagged unions get a last variant `Unknown<Owner>` for tags newer servers may add.

    Smart-mode unions pick the variant that matches best, so known tags still resolve to their
    own class; the fallback keeps an unknown item as data (with its extra fields) instead of
    failing the whole message.
    """
    for name, schema in list(defs.items()):
        branches = schema.get("oneOf")
        if not branches or not all(_is_object(b) for b in branches):
            continue
        tag = _discriminator(branches)
        if tag is None:
            continue
        fallback = UNKNOWN_VARIANT_PREFIX + name
        if fallback in defs or fallback in _titles(defs):
            raise NormalizationError(f"{fallback} already names a schema")
        known = [b["properties"][tag]["enum"][0] for b in branches]
        # Inline, not a $ref: a union that also has shared properties merges them into each
        # branch, and the fallback must get them too.
        fallback_schema: JsonObject = {
            "title": fallback,
            "description": (
                f"A `{name}` variant this SDK does not know (a newer server's `{tag}`); "
                f"its fields are kept as extra attributes. Known `{tag}` values: "
                + ", ".join(f"`{v}`" for v in known)
                + "."
            ),
            "type": "object",
            "properties": {tag: {"type": "string"}},
            "required": [tag],
        }
        branches.append(fallback_schema)
    return defs


def mark_reply_models(defs: Definitions) -> Definitions:
    """The definitions that answer server requests (what handlers return: models the SDK sends,
    never receives) derive from `CodexReplyModel`, which rejects enum values the schema does
    not list. Runs before the method unions are dropped: they say which definitions these are."""
    if "ServerRequest" not in defs:
        return defs
    for name in response_definitions(defs):
        defs[name]["customBasePath"] = REPLY_BASE
    return defs


def widen_reply_enums(defs: Definitions) -> Definitions:
    """A reply model's enum-typed fields also take the enum's wire strings, as request keyword
    arguments do: `decision: Kind | Literal["accept", ...]`. The strings are an `x-python-type`
    branch beside the enum's `$ref`; the enum itself (shared with received models) stays as is.

    Looks through `allOf: [$ref]` (a ref with a default) and nullable unions; a `$ref` to a
    union with a plain-name branch (`CommandExecutionApprovalDecision`) takes that branch's
    names. The referenced definition's description stays the field's docstring."""
    for schema in defs.values():
        if schema.get("customBasePath") != REPLY_BASE:
            continue
        for sub in schema.get("properties", {}).values():
            prop = _obj(sub)
            if prop is not None:
                _widen_enum_property(prop, defs)
    return defs


def _widen_enum_property(prop: JsonObject, defs: Definitions) -> None:
    wrapped = prop.get("allOf", [])
    only = _obj(wrapped[0]) if len(wrapped) == 1 else None
    ref = prop.get("$ref") or (only or {}).get("$ref")
    if isinstance(ref, str):
        values, target = _enum_values(ref, defs)
        if not values:
            return
        prop.pop("$ref", None)
        prop.pop("allOf", None)
        prop["anyOf"] = [{"$ref": ref}, _literal_branch(values)]
        if "description" not in prop and target.get("description"):
            prop["description"] = target["description"]
        return
    for key in UNION_KEYS:
        widened: list[Any] = []
        for branch in prop.get(key, []):
            widened.append(branch)
            node = _obj(branch)
            if (
                node is not None
                and "$ref" in node
                and (values := _enum_values(node["$ref"], defs)[0])
            ):
                widened.append(_literal_branch(values))
        if widened:
            prop[key] = widened


def _enum_values(ref: str, defs: Definitions) -> tuple[list[str], JsonObject]:
    """The wire names a `$ref` takes: a string enum's values, or those of a union's plain-name
    branch; none for anything else."""
    target = defs.get(ref.rsplit("/", 1)[-1], {})
    if _is_string_enum(target):
        return list(target["enum"]), target
    for key in UNION_KEYS:
        for branch in target.get(key, []):
            if _is_string_enum(branch):
                return list(branch["enum"]), target
    return [], target


def _literal_branch(values: list[str]) -> JsonObject:
    return {"type": "string", "x-python-type": f"Literal[{', '.join(map(repr, values))}]"}


STEPS: tuple[Callable[[Definitions], Definitions], ...] = (
    mark_reply_models,
    drop_envelopes,
    relax_nullable_required,
    clean_titles,
    merge_string_enum_unions,
    name_union_enum_branches,
    title_discriminated_variants,
    title_inline_schemas,
    qualify_merged_branch_titles,
    add_unknown_variants,
    widen_reply_enums,
)


# --- helpers -------------------------------------------------------------------------------


def _obj(node: Any) -> JsonObject | None:
    """A JSON object node, typed as one; None for anything else."""
    return cast(JsonObject, node) if isinstance(node, dict) else None


def _is_string_enum(node: Any) -> bool:
    schema = _obj(node)
    return (
        schema is not None
        and schema.get("type") == "string"
        and isinstance(schema.get("enum"), list)
        and "properties" not in schema
    )


def _is_object(node: Any) -> bool:
    schema = _obj(node)
    return schema is not None and schema.get("type") == "object" and "properties" in schema


def _single_value(schema: Any) -> bool:
    return _is_string_enum(schema) and len(schema["enum"]) == 1


def _discriminator(branches: list[JsonObject]) -> str | None:
    """The property every branch requires with one distinct constant value, if any."""
    if len(branches) < 2:
        return None
    common: set[str] | None = None
    for branch in branches:
        tags = {
            prop
            for prop, sub in branch.get("properties", {}).items()
            if _single_value(sub) and prop in branch.get("required", [])
        }
        common = tags if common is None else common & tags
    for tag in sorted(common or ()):
        values = [b["properties"][tag]["enum"][0] for b in branches]
        if len(set(values)) == len(values):
            return tag
    return None


def _distinct_key(branch: JsonObject, branches: list[JsonObject], owner: str) -> str:
    """The first required property no sibling variant has: what tells this variant apart.

    Covers externally tagged variants (`{"httpConnectionFailed": {...}}`) and untagged ones
    (`{text, uri}` vs `{blob, uri}`).
    """
    others: set[str] = set()
    for sibling in branches:
        if sibling is not branch:
            others.update(sibling.get("properties", {}))
    candidates = [p for p in branch.get("required", []) if p not in others]
    if not candidates:
        raise NormalizationError(
            f"cannot name an untitled variant of {owner}: no required property sets it apart"
        )
    return sorted(candidates)[0]


def _needs_title(node: Any) -> bool:
    schema = _obj(node)
    if schema is None or "title" in schema or "$ref" in schema:
        return False
    if _is_object(schema):
        return True
    return _is_string_enum(schema) and len(schema["enum"]) > 1


def _title_inline(node: Any, title: str) -> None:
    """Title an inline schema found under a property, looking through arrays and nullables."""
    schema = _obj(node)
    if schema is None:
        return
    if _needs_title(schema):
        schema["title"] = title
        return
    items = _obj(schema.get("items"))
    if items is not None:
        if _is_constrained_scalar(items):  # the generator would name its alias from the property
            items.setdefault("title", title + "Item")
        _title_inline(items, title + "Item")
    _title_inline(schema.get("additionalProperties"), title + "Value")
    for key in UNION_KEYS:
        branches = [b for b in map(_obj, schema.get(key, [])) if b is not None and _needs_title(b)]
        if len(branches) == 1:  # `T | null`: the one real branch takes the property's name
            branches[0]["title"] = title


def _owned_schemas(defs: Definitions) -> Iterator[tuple[str, JsonObject]]:
    """Every schema that will become a class, paired with the name it will carry."""
    for name, schema in defs.items():
        yield from _owned(schema, schema.get("title", name) if schema.get("title") else name)


def _owned(schema: JsonObject, owner: str) -> Iterator[tuple[str, JsonObject]]:
    yield owner, schema
    for child in _children(schema):
        title = child.get("title")
        yield from _owned(child, title if isinstance(title, str) else owner)


def _children(schema: JsonObject) -> Iterator[JsonObject]:
    candidates: list[Any] = list(schema.get("properties", {}).values())
    for key in (*UNION_KEYS, "allOf"):
        candidates.extend(schema.get(key, []))
    candidates += [schema.get("items"), schema.get("additionalProperties")]
    for node in candidates:
        sub = _obj(node)
        if sub is not None:
            yield sub


def _qualified(title: str, owner: str) -> str:
    """Put the owner's name where the title repeats its family name (the common suffix)."""
    owner_words = words(owner)
    title_words = words(title)
    shared = 0
    while shared < min(len(owner_words), len(title_words)) and (
        owner_words[-1 - shared] == title_words[-1 - shared]
    ):
        shared += 1
    if shared == 0:
        return owner + title
    head = title_words[: len(title_words) - shared]
    return "".join(w.capitalize() for w in head) + owner


_SEPARATOR_WORDS = {"/": "Slash", ".": "Dot", "-": "Dash", ":": "Colon"}


def _spelled_tag(value: str) -> str:
    """`openai/form` -> `OpenaiSlashForm`: keeps tags apart that differ only in punctuation."""
    for sep, word in _SEPARATOR_WORDS.items():
        value = value.replace(sep, f" {word} ")
    return pascal_case(value)


def _is_constrained_scalar(schema: JsonObject) -> bool:
    constraints = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern")
    return any(key in schema for key in constraints)


def _titles(defs: Definitions) -> set[str]:
    found: set[str] = set()
    for schema in _all_schemas(defs):
        title = schema.get("title")
        if isinstance(title, str):
            found.add(title)
    return found


def _all_schemas(defs: Definitions) -> Iterator[JsonObject]:
    for _, schema in _owned_schemas(defs):
        yield schema
