"""The protocol as plain data: what the templates render from.

Read from the schema's method unions (ClientRequest, ServerNotification, ServerRequest,
ClientNotification) and joined with the generated models. The schema names each request's
params but not its result; `result_type_for` finds it by the protocol's naming conventions and
fails loudly rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from codegen.model_index import ModelField, ModelIndex
from codegen.naming import method_name, words

JsonObject = dict[str, Any]
RESERVED_KWARGS = frozenset({"request_timeout", "self"})
# Words that mean "read" in result names (`GetAccountResponse` answers `account/read`).
_SYNONYMS = {"get": "read"}
_MIN_SCORE = 0.4
# The schema copies section comments of the Rust source into descriptions ("NEW APIs").
_SECTION_MARKER_RE = re.compile(r"^(?:[A-Z]{2,}\s+)+(?:APIs|NOTIFICATIONS)(?:\s+below)?\s*")


class ProtocolModelError(Exception):
    """The schema's method unions do not fit the protocol's conventions."""


@dataclass(frozen=True)
class TypeRef:
    name: str
    module: str
    kind: str  # "class" | "enum" | "alias"


@dataclass(frozen=True)
class Request:
    """A client-to-server request: one typed method on the low-level clients."""

    wire: str
    py_name: str
    params: TypeRef | None  # None: the method takes no params
    params_optional: bool  # params may be omitted (`anyOf [Params, null]`)
    fields: tuple[ModelField, ...]  # keyword arguments (empty when params is an alias)
    result: TypeRef
    doc: str


@dataclass(frozen=True)
class Notification:
    wire: str
    py_name: str
    params: TypeRef
    doc: str


@dataclass(frozen=True)
class ServerRequest:
    wire: str
    py_name: str  # also the handler attribute name
    params: TypeRef
    response: TypeRef
    doc: str


@dataclass(frozen=True)
class ClientNotification:
    wire: str
    py_name: str


@dataclass(frozen=True)
class Protocol:
    requests: tuple[Request, ...]
    notifications: tuple[Notification, ...]
    server_requests: tuple[ServerRequest, ...]
    client_notifications: tuple[ClientNotification, ...]

    def type_refs(self) -> list[TypeRef]:
        refs: dict[str, TypeRef] = {}
        for req in self.requests:
            for ref in (req.params, req.result):
                if ref:
                    refs[ref.name] = ref
        for note in self.notifications:
            refs[note.params.name] = note.params
        for sreq in self.server_requests:
            refs[sreq.params.name] = sreq.params
            refs[sreq.response.name] = sreq.response
        return [refs[name] for name in sorted(refs)]


def build_protocol(definitions: dict[str, JsonObject], models: ModelIndex) -> Protocol:
    return Protocol(
        requests=tuple(_requests(definitions, models)),
        notifications=tuple(_notifications(definitions, models)),
        server_requests=tuple(_server_requests(definitions, models)),
        client_notifications=tuple(
            ClientNotification(wire, method_name(wire))
            for wire, _ in _variants(definitions, "ClientNotification")
        ),
    )


# --- method unions -------------------------------------------------------------------------


def _variants(definitions: dict[str, JsonObject], union: str) -> list[tuple[str, JsonObject]]:
    if union not in definitions:
        raise ProtocolModelError(f"the schema has no {union} union")
    out: list[tuple[str, JsonObject]] = []
    for variant in definitions[union].get("oneOf", []):
        method = variant.get("properties", {}).get("method", {})
        values = method.get("enum") or ([method["const"]] if "const" in method else [])
        if len(values) != 1:
            raise ProtocolModelError(f"a {union} variant has no single method name: {variant}")
        out.append((values[0], variant))
    return out


def _params_ref(variant: JsonObject) -> tuple[str | None, bool]:
    """(params definition name or None, whether params may be omitted)."""
    params = variant.get("properties", {}).get("params")
    if params is None or params.get("type") == "null":
        return None, True
    if "$ref" in params:
        return _ref_name(params["$ref"]), "params" not in variant.get("required", [])
    for key in ("anyOf", "oneOf"):
        branches = params.get(key, [])
        refs = [b["$ref"] for b in branches if "$ref" in b]
        if len(refs) == 1 and any(b.get("type") == "null" for b in branches):
            return _ref_name(refs[0]), True
    raise ProtocolModelError(f"unsupported params shape: {params}")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type_ref(models: ModelIndex, name: str, context: str) -> TypeRef:
    if name not in models:
        raise ProtocolModelError(f"{context}: no generated model named {name}")
    info = models[name]
    return TypeRef(info.name, info.module, info.kind)


def _doc(variant: JsonObject, params: str | None, models: ModelIndex) -> str:
    """The variant's description without section markers, else the params model's docstring."""
    text = _SECTION_MARKER_RE.sub("", str(variant.get("description") or "")).strip()
    if not text and params and params in models:
        text = models[params].docstring.strip()
    return text


def _requests(definitions: dict[str, JsonObject], models: ModelIndex) -> list[Request]:
    variants = _variants(definitions, "ClientRequest")
    claimed = {
        _counterpart(p)
        for _, v in variants
        if (p := _params_ref(v)[0]) and _counterpart(p) in definitions
    }
    responses = sorted(n for n in definitions if n.endswith("Response") and n not in claimed)
    out: list[Request] = []
    for wire, variant in variants:
        params_name, optional = _params_ref(variant)
        result_name = result_type_for(wire, params_name, definitions, responses)
        params = _type_ref(models, params_name, wire) if params_name else None
        fields = models[params.name].fields if params and params.kind == "class" else ()
        clash = RESERVED_KWARGS & {f.name for f in fields}
        if clash:
            raise ProtocolModelError(f"{wire}: params field(s) {clash} clash with SDK keywords")
        out.append(
            Request(
                wire=wire,
                py_name=method_name(wire),
                params=params,
                params_optional=optional,
                fields=fields,
                result=_type_ref(models, result_name, wire),
                doc=_doc(variant, params_name, models),
            )
        )
    _assert_unique([r.py_name for r in out], "client request method")
    return out


def _notifications(definitions: dict[str, JsonObject], models: ModelIndex) -> list[Notification]:
    out: list[Notification] = []
    for wire, variant in _variants(definitions, "ServerNotification"):
        params_name, _ = _params_ref(variant)
        if params_name is None:
            raise ProtocolModelError(f"notification {wire} has no params type")
        out.append(
            Notification(
                wire,
                method_name(wire),
                _type_ref(models, params_name, wire),
                _doc(variant, params_name, models),
            )
        )
    _assert_unique([n.py_name for n in out], "notification")
    return out


def _server_requests(definitions: dict[str, JsonObject], models: ModelIndex) -> list[ServerRequest]:
    out: list[ServerRequest] = []
    for wire, variant in _variants(definitions, "ServerRequest"):
        params_name, _ = _params_ref(variant)
        if params_name is None:
            raise ProtocolModelError(f"server request {wire} has no params type")
        response = _counterpart(params_name)
        if response not in definitions:
            raise ProtocolModelError(f"server request {wire}: no {response} in the schema")
        out.append(
            ServerRequest(
                wire=wire,
                py_name=method_name(wire),
                params=_type_ref(models, params_name, wire),
                response=_type_ref(models, response, wire),
                doc=_doc(variant, params_name, models),
            )
        )
    _assert_unique([s.py_name for s in out], "server request")
    return out


# --- result matching -----------------------------------------------------------------------


def _counterpart(params_name: str) -> str:
    """`ThreadStartParams` -> `ThreadStartResponse`."""
    stem = params_name.removesuffix("Params")
    return stem + "Response"


def result_type_for(
    wire: str,
    params_name: str | None,
    definitions: dict[str, JsonObject],
    unclaimed_responses: list[str],
) -> str:
    """The result definition of a request.

    1. `<X>Params` answers with `<X>Response` when the schema has it.
    2. Otherwise the unclaimed `*Response` whose words best match the method's words
       (`account/logout` -> `LogoutAccountResponse`, `config/value/write` ->
       `ConfigWriteResponse`), scored by overlap; ties and weak matches are errors.
    """
    if params_name and _counterpart(params_name) in definitions:
        return _counterpart(params_name)
    wanted = _word_set(wire)
    scored: list[tuple[float, str]] = []
    for name in unclaimed_responses:
        have = _word_set(name.removesuffix("Response"))
        score = len(wanted & have) / len(wanted | have)
        scored.append((score, name))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    if not scored or scored[0][0] < _MIN_SCORE:
        raise ProtocolModelError(f"{wire}: no *Response definition matches its name")
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        raise ProtocolModelError(
            f"{wire}: ambiguous result type ({scored[0][1]} or {scored[1][1]})"
        )
    return scored[0][1]


def _word_set(name: str) -> set[str]:
    return {_SYNONYMS.get(w, w) for w in words(name.replace("/", " "))}


def _assert_unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ProtocolModelError(f"two {what}s map to the Python name {name}")
        seen.add(name)
