"""Render the protocol model through jinja2 templates (StrictUndefined: a typo is an error)."""

from __future__ import annotations

import ast
import builtins
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import jinja2

from codegen.docs import argument_doc, summary_doc
from codegen.high_level import bound_arguments
from codegen.ir import Protocol, Request
from codegen.model_index import ModelField, ModelIndex
from codegen.normalize import EXPERIMENTAL_MARK, EXPERIMENTAL_NOTE
from codegen.nullability import without_none
from codegen.pagination import paged_requests
from codegen.path_fields import accept_paths

TEMPLATES = Path(__file__).parent / "templates"
MODELS_IMPORT = "codex_app_server._generated.models"
# Names the generator's annotations use besides models and builtins, and where they live.
_KNOWN_NAMES = {
    "Any": "typing",
    "Literal": "typing",
    "AnyUrl": "pydantic",
    "AwareDatetime": "pydantic",
    "Json": "pydantic",
}
_DOC_WIDTH = 92


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["first_paragraph"] = first_paragraph
    env.filters["docstring"] = docstring_text
    env.filters["optional"] = optional_annotation
    env.filters["not_given"] = not_given_annotation
    env.filters["method_doc"] = method_doc
    env.filters["options_name"] = options_name
    cast("dict[str, Any]", env.filters)["bound_arguments"] = bound_arguments
    return env


def render_package(
    protocol: Protocol,
    models: ModelIndex,
    header: str,
    runtime_version: str,
    schema_sha256: str,
    *,
    paths: frozenset[tuple[str, str]] = frozenset(),
    not_null: frozenset[tuple[str, str]] = frozenset(),
) -> dict[str, str]:
    """{path relative to _generated/: source} for everything but the model modules.
    `paths`: the (params definition, wire field) pairs that hold filesystem paths;
    `not_null`: the optional ones that do not take null."""
    env = environment()

    def literals(annotation: str) -> str:
        return with_literals(annotation, models)

    def arg_type(field: Any, req: Any) -> str:  # Any: jinja2's filter table is untyped
        return argument_annotation(field, req, models, paths, not_null)

    env.filters["with_literals"] = literals

    def documented(req: Request) -> str:
        return method_doc(req, models, not_null)

    cast("dict[str, Any]", env.filters)["method_doc"] = documented
    cast("dict[str, Any]", env.filters)["arg_type"] = arg_type  # typeshed: one-argument filters
    model_rows = [{"name": n, "module": models[n].module} for n in models.names()]
    context: dict[str, Any] = {
        "header": header,
        "protocol": protocol,
        "runtime_version": runtime_version,
        "schema_sha256": schema_sha256,
        "models": model_rows,
        "option_type_imports": client_type_imports(
            protocol.requests, models, signatures=False, paths=paths
        ),
        "paged_requests": paged_requests(protocol, models),
        "non_nullable": non_nullable_rows(protocol, not_null),
        "paging_type_imports": paging_type_imports(protocol, models, paths),
        "notification_types": sorted(
            {n.params.name: n.params for n in protocol.notifications}.values(),
            key=lambda ref: ref.name,
        ),
    }
    stable = [r for r in protocol.requests if not r.experimental]
    experimental = [r for r in protocol.requests if r.experimental]
    rendered = {
        "client.py": env.get_template("client.py.jinja2").render(
            context, requests=stable, type_imports=client_type_imports(stable, models, paths=paths)
        ),
        "experimental_client.py": env.get_template("experimental_client.py.jinja2").render(
            context,
            requests=experimental,
            type_imports=client_type_imports(experimental, models, paths=paths),
        ),
    }
    outputs = {
        "__init__.py": "package_init.py.jinja2",
        "runtime.py": "runtime.py.jinja2",
        "registry.py": "registry.py.jinja2",
        "handlers.py": "handlers.py.jinja2",
        "notifications.py": "notifications.py.jinja2",
        "options.py": "options.py.jinja2",
        "pagination.py": "pagination.py.jinja2",
        "nullability.py": "nullability.py.jinja2",
        "models/__init__.py": "models_init.py.jinja2",
    }
    # models/json_value.py is rendered with the models (see codegen/generate.py)
    rendered.update({path: env.get_template(n).render(context) for path, n in outputs.items()})
    return rendered


# --- filters -------------------------------------------------------------------------------


def first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n", 1)[0].split())


def docstring_text(text: str) -> str:
    """Safe inside a triple-quoted docstring."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()


def options_name(params_name: str) -> str:
    """`ThreadStartParams` -> `ThreadStartOptions`."""
    return params_name.removesuffix("Params") + "Options"


def with_literals(annotation: str, models: ModelIndex) -> str:
    """Let keyword arguments typed by an enum also take its wire strings:
    `SandboxMode | None` -> `SandboxMode | Literal["read-only", ...] | None`."""
    tree = ast.parse(annotation, mode="eval")

    class _Widen(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            if node.id in models and models[node.id].kind == "enum" and models[node.id].values:
                literal = ast.parse(
                    "Literal[" + ", ".join(repr(v) for v in models[node.id].values) + "]",
                    mode="eval",
                ).body
                return ast.BinOp(left=node, op=ast.BitOr(), right=literal)
            return node

    return ast.unparse(_Widen().visit(tree))


def argument_annotation(
    field: ModelField,
    req: Request,
    models: ModelIndex,
    paths: frozenset[tuple[str, str]],
    not_null: frozenset[tuple[str, str]] = frozenset(),
) -> str:
    """A keyword argument's type: enums also take their wire strings, paths `os.PathLike`;
    None only where the field takes null."""
    annotation = with_literals(field.annotation, models)
    key = (req.params.name, field.wire_name) if req.params is not None else None
    if key in paths:
        annotation = accept_paths(annotation)
    if key in not_null:
        annotation = without_none(annotation)
    return annotation


def not_given_annotation(annotation: str) -> str:
    """Optional keyword arguments default to `NOT_GIVEN` (not sent); `None` stays what the
    field takes (sent as null where the field is nullable)."""
    return f"{annotation} | NotGiven"


def optional_annotation(annotation: str) -> str:
    """Keyword arguments default to None ("not sent"), so their type admits None."""
    parts = [p.strip() for p in annotation.split("|")]
    return annotation if "None" in parts else f"{annotation} | None"


def method_doc(
    req: Request,
    models: ModelIndex | None = None,
    not_null: frozenset[tuple[str, str]] = frozenset(),
) -> str:
    summary = first_paragraph(req.doc) or (
        summary_doc(req, models) if models is not None else f"Call `{req.wire}`."
    )
    if req.experimental:
        summary = f"{EXPERIMENTAL_MARK} {summary}"
    lines = [docstring_text(summary), "", f"Wire method: `{req.wire}`."]
    if req.experimental:
        lines += ["", f"Experimental: {EXPERIMENTAL_NOTE}"]
    elif req.experimental_fields:
        names = ", ".join(
            f"`{f.name}`" for f in req.fields if f.wire_name in req.experimental_fields
        )
        lines += ["", f"Experimental arguments ({names}): {EXPERIMENTAL_NOTE}"]
    if req.params and req.params.kind != "class":
        lines += ["", f"`params` is a `{req.params.name}` (one of its variants)."]
    if req.fields:
        lines += ["", "Args:"]
        for field in req.fields:
            if models is not None:
                takes_null = (
                    req.params is None or (req.params.name, field.wire_name) not in not_null
                )
                about = argument_doc(field, req, models, takes_null=takes_null)
            else:
                about = first_paragraph(field.description) or f"A `{field.annotation}`."
            text = f"{field.name}: {docstring_text(about)}"
            lines += textwrap.wrap(
                text, _DOC_WIDTH, initial_indent="    ", subsequent_indent="        "
            )
    lines += [
        "    request_timeout: seconds to wait for the answer; None waits as long as the "
        "server lives; left out, the config's `request_timeout`."
        if req.fields
        else "",
        "",
        f"Returns: `{req.result.name}`."
        if not req.raw_result
        else "Returns: the result as raw JSON (`JsonValue`): the schema does not describe it.",
    ]
    return "\n".join(line for line in _squeeze(lines))


def _squeeze(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return out


# --- imports -------------------------------------------------------------------------------


def client_type_imports(
    requests: Sequence[Request],
    models: ModelIndex,
    *,
    signatures: bool = True,
    paths: frozenset[tuple[str, str]] = frozenset(),
) -> list[str]:
    """Import lines (for type checkers only) for every name the method signatures of
    `requests` use (or, with `signatures=False`, only the names the keyword options use)."""
    names: set[str] = set()
    for req in requests:
        if signatures:
            names.add(req.result.name)
            if req.params and req.params.kind != "class":
                names.add(req.params.name)
        for field in req.fields:
            names |= annotation_names(argument_annotation(field, req, models, paths))
    lines: list[str] = []
    for name in sorted(names):
        if name == "os":
            lines.append("import os")
        elif name in models:
            lines.append(f"from {MODELS_IMPORT}.{models[name].module} import {name}")
        elif name == "Any":
            continue  # the module imports it at run time already
        elif name in _KNOWN_NAMES:
            lines.append(f"from {_KNOWN_NAMES[name]} import {name}")
        elif not hasattr(builtins, name):
            raise ValueError(f"annotation name {name!r} has no known import")
    return lines


def non_nullable_rows(
    protocol: Protocol, not_null: frozenset[tuple[str, str]]
) -> list[tuple[str, list[str]]]:
    """(wire method, sorted Python names) of the optional arguments that do not take null."""
    rows: list[tuple[str, list[str]]] = []
    for req in protocol.requests:
        if req.params is None:
            continue
        names = sorted(
            f.name
            for f in req.fields
            if not f.required and (req.params.name, f.wire_name) in not_null
        )
        if names:
            rows.append((req.wire, names))
    return rows


def paging_type_imports(
    protocol: Protocol, models: ModelIndex, paths: frozenset[tuple[str, str]]
) -> list[str]:
    """Import lines (for type checkers only) for the page iterators: their arguments' types
    and their items' types."""
    paged = paged_requests(protocol, models)
    requests = [p.request for p in paged]
    lines = set(client_type_imports(requests, models, signatures=False, paths=paths))
    for item in paged:
        for name in annotation_names(item.item_type):
            if name in models:
                lines.add(f"from {MODELS_IMPORT}.{models[name].module} import {name}")
    return sorted(lines)


def annotation_names(annotation: str) -> set[str]:
    tree = ast.parse(annotation, mode="eval")
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
