"""The protocol as plain data: what the templates render from.

Read from the schema's method unions (ClientRequest, ServerNotification, ServerRequest,
ClientNotification) and joined with the generated models. The schema names each request's
params but not its result: codegen/results.py pairs them by fact, never by guess.

With an experimental bundle, `stable` holds the plain bundle's definitions: a method, server
request or notification the plain bundle lacks is experimental, and so is a params field the
plain bundle's params definition lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from codegen.model_index import ModelField, ModelIndex
from codegen.naming import method_name
from codegen.results import RAW, RAW_JSON, counterpart, resolve_result

JsonObject = dict[str, Any]
RESERVED_KWARGS = frozenset({"request_timeout", "self"})
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
    result_source: str = "counterpart"  # see codegen/results.py: counterpart|reviewed|raw
    experimental: bool = False  # needs AppServerConfig(experimental_api=True)
    experimental_fields: tuple[str, ...] = ()  # wire names of experimental-only params fields

    @property
    def raw_result(self) -> bool:
        return self.result_source == RAW


@dataclass(frozen=True)
class Notification:
    wire: str
    py_name: str
    params: TypeRef
    doc: str
    experimental: bool = False


@dataclass(frozen=True)
class ServerRequest:
    wire: str
    py_name: str  # also the handler attribute name
    params: TypeRef
    response: TypeRef
    doc: str
    experimental: bool = False


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

    def raw_results(self) -> list[str]:
        """Wire names of the requests (and server requests) whose result stays raw JSON."""
        out = [r.wire for r in self.requests if r.raw_result]
        out += [s.wire for s in self.server_requests if s.response.name == RAW_JSON]
        return out

    def experimental_counts(self) -> tuple[int, int, int, int]:
        """(requests, notifications, server requests, params fields) marked experimental."""
        return (
            sum(r.experimental for r in self.requests),
            sum(n.experimental for n in self.notifications),
            sum(s.experimental for s in self.server_requests),
            sum(len(r.experimental_fields) for r in self.requests),
        )

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


def build_protocol(
    definitions: dict[str, JsonObject],
    models: ModelIndex,
    stable: dict[str, JsonObject] | None = None,
) -> Protocol:
    """The protocol of `definitions`; `stable` (the plain bundle, when `definitions` is the
    experimental one) tells which methods and params fields are experimental."""
    marks = _Experimental(definitions, stable)
    return Protocol(
        requests=tuple(_requests(definitions, models, marks)),
        notifications=tuple(_notifications(definitions, models, marks)),
        server_requests=tuple(_server_requests(definitions, models, marks)),
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


def _requests(
    definitions: dict[str, JsonObject], models: ModelIndex, marks: _Experimental
) -> list[Request]:
    out: list[Request] = []
    for wire, variant in _variants(definitions, "ClientRequest"):
        params_name, optional = _params_ref(variant)
        resolution = resolve_result(wire, params_name, definitions)
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
                result=_type_ref(models, resolution.name, wire),
                doc=_doc(variant, params_name, models),
                result_source=resolution.source,
                experimental=marks.method("ClientRequest", wire),
                experimental_fields=marks.fields(params_name),
            )
        )
    _assert_unique([r.py_name for r in out], "client request method")
    return out


def _notifications(
    definitions: dict[str, JsonObject], models: ModelIndex, marks: _Experimental
) -> list[Notification]:
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
                experimental=marks.method("ServerNotification", wire),
            )
        )
    _assert_unique([n.py_name for n in out], "notification")
    return out


def _server_requests(
    definitions: dict[str, JsonObject], models: ModelIndex, marks: _Experimental
) -> list[ServerRequest]:
    out: list[ServerRequest] = []
    for wire, variant in _variants(definitions, "ServerRequest"):
        params_name, _ = _params_ref(variant)
        if params_name is None:
            raise ProtocolModelError(f"server request {wire} has no params type")
        # answered in raw JSON when no definition answers it, listed like raw results
        response = answering_definition(definitions, params_name) or RAW_JSON
        out.append(
            ServerRequest(
                wire=wire,
                py_name=method_name(wire),
                params=_type_ref(models, params_name, wire),
                response=_type_ref(models, response, wire),
                doc=_doc(variant, params_name, models),
                experimental=marks.method("ServerRequest", wire),
            )
        )
    _assert_unique([s.py_name for s in out], "server request")
    return out


def answering_definition(definitions: dict[str, JsonObject], params_name: str) -> str | None:
    """The definition that answers a server request with these params (`<X>Response` beside
    `<X>Params`), or None when the schema has none (the answer stays raw JSON)."""
    response = counterpart(params_name)
    return response if response in definitions else None


def response_definitions(definitions: dict[str, JsonObject]) -> list[str]:
    """The definitions that answer server requests: the models the SDK sends, never receives."""
    out: list[str] = []
    for _, variant in _variants(definitions, "ServerRequest"):
        params_name, _ = _params_ref(variant)
        response = answering_definition(definitions, params_name) if params_name else None
        if response is not None and response not in out:
            out.append(response)
    return out


# --- experimental marks --------------------------------------------------------------------


class _Experimental:
    """What the experimental bundle adds to the plain one (nothing without a plain one)."""

    def __init__(self, definitions: dict[str, JsonObject], stable: dict[str, JsonObject] | None):
        self._definitions = definitions
        self._stable = stable
        self._stable_methods: dict[str, set[str]] = {}

    def method(self, union: str, wire: str) -> bool:
        if self._stable is None:
            return False
        if union not in self._stable_methods:
            self._stable_methods[union] = {w for w, _ in _variants(self._stable, union)}
        return wire not in self._stable_methods[union]

    def fields(self, params_name: str | None) -> tuple[str, ...]:
        """Wire names of the params properties only the experimental bundle has."""
        if self._stable is None or params_name is None or params_name not in self._stable:
            return ()
        have = set(self._stable[params_name].get("properties", {}))
        every = self._definitions[params_name].get("properties", {})
        return tuple(sorted(name for name in every if name not in have))


def _assert_unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ProtocolModelError(f"two {what}s map to the Python name {name}")
        seen.add(name)
