"""What a generated method's docstring says about each argument: what the schema says (its
description), what the types say (the enum's values, the model it takes), whether it is
required, what leaving it out or passing None does, the server's default, and whether it is
experimental. Never only the wire name.
"""

from __future__ import annotations

import ast

from codegen.ir import Request
from codegen.model_index import ModelField, ModelIndex

_SCALARS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "Any": "any JSON value",
}


def argument_doc(
    field: ModelField,
    req: Request,
    models: ModelIndex,
    *,
    takes_null: bool = True,
) -> str:
    """One argument's line in the `Args:` section (without its name). `takes_null`: False
    when the schema refuses null for this optional field."""
    parts: list[str] = []  # the schema marks experimental fields in their description
    described = _first_paragraph(field.description)
    parts.append(described or type_doc(field.annotation, models))
    values = enum_values(field.annotation, models)
    if values and not all(f"`{v}`" in described for v in values):
        parts.append("One of " + ", ".join(f"`{v}`" for v in values) + ".")
    if field.required:
        parts.append("Required.")
    else:
        about = "Optional: not sent when left out"
        if takes_null and _nullable(field.annotation):
            about += "; None sends `null`"
        default = field.default
        if default not in (None, "None"):
            about += f"; the server's default is `{_short_default(default or '')}`"
        parts.append(about + ".")
    return " ".join(p for p in parts if p)


def summary_doc(req: Request, models: ModelIndex) -> str:
    """A method's first line when the schema describes neither it nor its params."""
    result = req.result.name
    about = _first_paragraph(models[result].docstring) if result in models else ""
    text = f"Call `{req.wire}`; the answer is a `{result}`"
    return f"{text}: {about}" if about else f"{text}."


def type_doc(annotation: str, models: ModelIndex) -> str:
    """A sentence from an argument's type: the model's docstring, or what the type is."""
    names = _names(annotation)
    documented = [n for n in names if n in models and models[n].docstring.strip()]
    if len(names) == 1 and documented:
        return _first_paragraph(models[documented[0]].docstring)
    if len(names) == 1 and names[0] in _SCALARS:
        return _SCALARS[names[0]][:1].upper() + _SCALARS[names[0]][1:] + "."
    shown = annotation.replace(" | None", "")
    return f"Takes `{shown}`."


def enum_values(annotation: str, models: ModelIndex) -> tuple[str, ...]:
    """The wire values of the one enum an argument takes, if it takes one."""
    enums = [n for n in _names(annotation) if n in models and models[n].kind == "enum"]
    if len(enums) != 1:
        return ()
    return models[enums[0]].values


def _names(annotation: str) -> list[str]:
    try:
        tree = ast.parse(annotation, mode="eval")
    except SyntaxError:
        return []
    return [node.id for node in ast.walk(tree) if isinstance(node, ast.Name)]


def _nullable(annotation: str) -> bool:
    try:
        tree = ast.parse(annotation, mode="eval")
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Constant) and n.value is None for n in ast.walk(tree))


def _first_paragraph(text: str) -> str:
    paragraph = " ".join(text.strip().split("\n\n", 1)[0].split())
    if paragraph and paragraph[-1] not in ".!?:":
        paragraph += "."
    return paragraph


def _short_default(default: str) -> str:
    """`TurnItemsView.FULL` -> `TurnItemsView.FULL`; long literals are cut."""
    return default if len(default) <= 40 else default[:37] + "..."
