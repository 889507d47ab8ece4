"""An index of the generated model modules: which module defines which name, and the fields of
each class. Read with `ast` from the generator's output (nothing is imported or executed), so
the method stubs take their keyword arguments from the very models they validate against."""

from __future__ import annotations

import ast
from dataclasses import dataclass

PACKAGE_INIT = "__init__.py"


@dataclass(frozen=True)
class ModelField:
    name: str  # Python attribute name
    wire_name: str  # JSON key (alias, or the name itself)
    annotation: str  # the type, without its Annotated[...] metadata
    default: str | None  # source of the default, None when required
    description: str

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class ModelInfo:
    name: str
    module: str  # module stem inside the models package
    kind: str  # "class" (a pydantic model), "enum", or "alias" (a type alias: union, scalar)
    fields: tuple[ModelField, ...]
    docstring: str
    values: tuple[str, ...] = ()  # an enum's wire values


class ModelIndex:
    def __init__(self, models: dict[str, ModelInfo]) -> None:
        self._models = models

    @classmethod
    def from_sources(cls, sources: dict[str, str]) -> ModelIndex:
        models: dict[str, ModelInfo] = {}
        for path, source in sorted(sources.items()):
            if path == PACKAGE_INIT or not path.endswith(".py"):
                continue
            module = path[: -len(".py")].replace("/", ".")
            for info in _read_module(module, source):
                if info.name in models:
                    raise ValueError(f"{info.name} is defined in two generated modules")
                models[info.name] = info
        return cls(models)

    def __contains__(self, name: str) -> bool:
        return name in self._models

    def __getitem__(self, name: str) -> ModelInfo:
        return self._models[name]

    def names(self) -> list[str]:
        return sorted(self._models)


def _read_module(module: str, source: str) -> list[ModelInfo]:
    tree = ast.parse(source)
    found: list[ModelInfo] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            bases = {ast.unparse(b) for b in node.bases}
            kind = "enum" if bases & {"OpenStrEnum", "Enum", "str, Enum"} else "class"
            fields = tuple(_fields(node)) if kind == "class" else ()
            values = tuple(_enum_values(node)) if kind == "enum" else ()
            doc = ast.get_docstring(node) or ""
            found.append(ModelInfo(node.name, module, kind, fields, doc, values))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and target.id[:1].isupper():
                found.append(ModelInfo(target.id, module, "alias", (), ""))
    return found


def _fields(node: ast.ClassDef) -> list[ModelField]:
    fields: list[ModelField] = []
    for index, stmt in enumerate(node.body):
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
            continue
        name = stmt.target.id
        if name == "model_config":
            continue
        annotation, meta = _split_annotated(stmt.annotation)
        alias = _keyword_str(meta, "alias") or name
        description = (
            _keyword_str(meta, "description") or _attribute_docstring(node.body, index) or ""
        )
        default = ast.unparse(stmt.value) if stmt.value is not None else None
        fields.append(ModelField(name, alias, annotation, default, description))
    return fields


def _enum_values(node: ast.ClassDef) -> list[str]:
    return [
        stmt.value.value
        for stmt in node.body
        if isinstance(stmt, ast.Assign)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    ]


def _attribute_docstring(body: list[ast.stmt], index: int) -> str | None:
    """The string literal right after a field: where the generator puts its description."""
    if index + 1 < len(body):
        nxt = body[index + 1]
        if (
            isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            return (
                " ".join(nxt.value.value.split())
                if "\n\n" not in nxt.value.value
                else (nxt.value.value.strip())
            )
    return None


def _split_annotated(annotation: ast.expr) -> tuple[str, list[ast.keyword]]:
    """`Annotated[T, Field(alias=...)]` -> ("T", [keywords of Field])."""
    if (
        isinstance(annotation, ast.Subscript)
        and isinstance(annotation.value, ast.Name)
        and annotation.value.id == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
    ):
        inner, *extras = annotation.slice.elts
        keywords = [kw for call in extras if isinstance(call, ast.Call) for kw in call.keywords]
        return ast.unparse(inner), keywords
    return ast.unparse(annotation), []


def _keyword_str(keywords: list[ast.keyword], name: str) -> str | None:
    for kw in keywords:
        if (
            kw.arg == name
            and isinstance(kw.value, ast.Constant)
            and isinstance(kw.value.value, str)
        ):
            return kw.value.value
    return None
