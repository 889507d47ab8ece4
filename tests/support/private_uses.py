"""Count the test functions that reach into the SDK's private modules and attributes.

Run: ``python -m tests.support.private_uses [-v]`` (from the project root).

A test function (``test_*``, at module level or in a class, anywhere under ``tests/``) counts
when its body, or a helper or fixture it uses (module-level functions of its own module and
fixtures of the conftest files above it, followed transitively), does any of:

* use a name imported from a private SDK module (``codex_app_server._x``, except the
  generated models under ``_generated``, which are the protocol's types), or import one;
* read an attribute whose name starts with one underscore (``._pending``; not ``os._exit``),
  or one of the engine's handles ``.session`` and ``.transport`` off a client, a ``Codex`` or
  a session;
* monkeypatch a private name (``"_x"`` or an attribute string of a private module's object).

Autouse fixtures are reported apart: the tests they apply to are listed as "under an autouse
private fixture" (their own bodies may be clean).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
ENGINE_HANDLES = {"session", "transport"}
# ...read off an SDK object (not, say, a /proc record's ``.session``)
ENGINE_OWNERS = ("client", "codex", "session", "aio")
STDLIB_MODULES = {"os", "sys"}  # os._exit, sys._getframe: not the SDK's
SKIP = {Path(__file__).resolve()}


def private_module(module: str | None) -> bool:
    if not module or not module.startswith("codex_app_server."):
        return False
    parts = module.split(".")[1:]
    return parts[0].startswith("_") and parts[0] != "_generated"


@dataclass
class Func:
    name: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    fixture: bool = False
    autouse: bool = False
    direct: list[str] = field(default_factory=list[str])  # why it is private by itself
    uses: set[str] = field(default_factory=set[str])  # names it refers to


def _fixture_flags(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[bool, bool]:
    fixture = autouse = False
    for deco in node.decorator_list:
        text = ast.unparse(deco)
        if "fixture" in text:
            fixture = True
            autouse = autouse or "autouse=True" in text
    return fixture, autouse


def _private_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            if private_module(node.module):
                names.update(a.asname or a.name for a in node.names)
            elif node.module == "codex_app_server":
                names.update(a.asname or a.name for a in node.names if a.name.startswith("_"))
    return names


def _analyse(
    node: ast.FunctionDef | ast.AsyncFunctionDef, private_names: set[str]
) -> tuple[list[str], set[str]]:
    reasons: list[str] = []
    uses: set[str] = {a.arg for a in node.args.args + node.args.kwonlyargs}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            uses.add(sub.id)
            if sub.id in private_names:
                reasons.append(f"name {sub.id}")
        elif isinstance(sub, ast.Attribute):
            attr = sub.attr
            on_stdlib = isinstance(sub.value, ast.Name) and sub.value.id in STDLIB_MODULES
            private_attr = attr.startswith("_") and not attr.startswith("__") and not on_stdlib
            engine_handle = attr in ENGINE_HANDLES and any(
                word in ast.unparse(sub.value).lower() for word in ENGINE_OWNERS
            )
            if private_attr or engine_handle:
                reasons.append(f"attribute .{attr}")
        elif isinstance(sub, ast.ImportFrom) and private_module(sub.module):
            reasons.append(f"import {sub.module}")
        elif (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr in {"setattr", "delattr"}
            and ast.unparse(sub.func.value).endswith("monkeypatch")
        ):
            for arg in sub.args[1:2]:
                if isinstance(arg, ast.Constant) and str(arg.value).startswith("_"):
                    reasons.append(f"monkeypatch {arg.value}")
    return sorted(set(reasons)), uses


def _functions(path: Path) -> tuple[dict[str, Func], list[Func]]:
    """(module-level helpers and fixtures by name, test functions)."""
    tree = ast.parse(path.read_text(), str(path))
    private_names = _private_names(tree)
    helpers: dict[str, Func] = {}
    tests: list[Func] = []

    def add(node: ast.FunctionDef | ast.AsyncFunctionDef, prefix: str = "") -> None:
        fixture, autouse = _fixture_flags(node)
        direct, uses = _analyse(node, private_names)
        func = Func(prefix + node.name, node, fixture, autouse, direct, uses)
        if node.name.startswith("test_") and not fixture:
            tests.append(func)
        else:
            helpers[node.name] = func

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            add(node)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    if item.name.startswith("test_"):
                        add(item, f"{node.name}.")
                    else:  # a helper class's methods: private if the class is
                        _d, _u = _analyse(item, private_names)
                        cls = helpers.setdefault(node.name, Func(node.name, item))
                        cls.direct += _d
                        cls.uses |= _u
    return helpers, tests


def _conftests(path: Path, root: Path) -> list[Path]:
    out: list[Path] = []
    folder = path.parent
    while folder.is_relative_to(root):
        if (folder / "conftest.py").exists():
            out.append(folder / "conftest.py")
        folder = folder.parent
    return out


def _private(func: Func, scope: dict[str, Func], seen: set[str]) -> list[str]:
    if func.direct:
        return func.direct
    for name in sorted(func.uses):
        helper = scope.get(name)
        if helper is None or helper is func or name in seen:
            continue
        seen.add(name)
        if helper.autouse:
            continue  # reported apart
        if _private(helper, scope, seen):
            return [f"via {name}"]
    return []


@dataclass
class Report:
    private: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    autouse: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    total: int = 0


def scan(root: Path = TESTS) -> Report:
    report = Report()
    for path in sorted(root.rglob("*.py")):
        if path.resolve() in SKIP or not path.name.startswith(("test_", "conftest")):
            continue
        helpers, tests = _functions(path)
        scope: dict[str, Func] = {}
        for conftest in reversed(_conftests(path, root)):
            scope.update(_functions(conftest)[0])
        scope.update(helpers)
        autouse = [f for f in scope.values() if f.autouse and _private(f, scope, set())]
        rel = path.relative_to(root.parent)
        for test in tests:
            report.total += 1
            key = f"{rel}::{test.name}"
            reasons = _private(test, scope, set())
            if reasons:
                report.private[key] = reasons
            if autouse:
                report.autouse[key] = [f.name for f in autouse]
    return report


def main(argv: list[str]) -> int:
    """``[-v] [--root TESTS_DIR]`` (another checkout's tests, e.g. to measure before)."""
    root = Path(argv[argv.index("--root") + 1]).resolve() if "--root" in argv else TESTS
    report = scan(root)
    if "-v" in argv:
        for key, reasons in report.private.items():
            print(f"{key}: {', '.join(reasons[:4])}")
    print(f"test functions: {report.total}")
    print(f"reaching into private modules or attributes: {len(report.private)}")
    fixtures = sorted({name for names in report.autouse.values() for name in names})
    print(f"under an autouse private fixture ({', '.join(fixtures) or '-'}): {len(report.autouse)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
