"""The blocking twins of the high-level API, produced from their async originals.

`AsyncThread`, `AsyncCodex`... are written once, by hand. Their blocking twins (`Thread`,
`Codex`...) are not: each lives in its module between two marker comments,

    # <unasync: Thread from AsyncThread>
    ...generated...
    # </unasync>

and is rewritten from the async class by token rules (`async def` -> `def`, `await x` -> `x`,
`AsyncThread` -> `Thread`, `__aenter__` -> `__enter__`, `asyncio.shield(x)` -> `x`, a cancelled
task -> Ctrl-C, ...). Where the twins really differ,
the async source says so line by line:

- a line ending in `# unasync: async-only` is left out of the blocking twin; when it is the
  first line of a method (its first decorator, or its `def`), the whole method is;
- a comment line `# unasync: sync-only <code>` becomes `<code>` in the blocking twin (same
  indentation) and stays a comment in the async class.

`python scripts/update_sdk_artifacts.py unasync` rewrites the regions; `--check` fails when one
is stale (CI runs it with the generated-code check).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from codegen.paths import REPO_ROOT, SDK_PACKAGE

#: The modules that hold twins.
MODULES = ("thread.py", "_conversations.py", "turn.py", "goal.py", "login.py", "codex.py")
#: Names replaced as whole words, async -> blocking.
NAMES = {
    "AsyncCodex": "Codex",
    "AsyncThread": "Thread",
    "AsyncTurn": "Turn",
    "AsyncAppServerClient": "AppServerClient",
    "AsyncChatgptLogin": "ChatgptLogin",
    "AsyncChatgptDeviceCodeLogin": "ChatgptDeviceCodeLogin",
    "AsyncGoalRun": "GoalRun",
    "AsyncConversations": "Conversations",
    "AsyncIterator": "Iterator",
    "AsyncIterable": "Iterable",
    "AsyncGenerator": "Generator",
    "StopAsyncIteration": "StopIteration",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "_AsyncLogin": "_Login",
    "aget": "get",  # Subscription.aget -> Subscription.get
    # The caller stops waiting: the task is cancelled, or the user presses Ctrl-C.
    "asyncio.CancelledError": "KeyboardInterrupt",
}
#: Phrases of docstrings that change with the twin (applied before the names).
PHRASES = {
    "an `AsyncCodex`": "a `Codex`",
    "(async API)": "(blocking API)",
    "Cancelling the task": "Ctrl-C (KeyboardInterrupt)",
    "`async with AsyncCodex(config) as codex:` or `codex = await AsyncCodex.start(config)`": (
        "`with Codex(config) as codex:` (the constructor starts it), or `Codex(config)` and "
        "`close()`"
    ),
}
#: `await asyncio.shield(call)` (a cleanup the cancellation must not stop) -> `call`; the
#: shielded call ends the line.
_SHIELD = re.compile(r"\basyncio\.shield\((?P<call>.*)\)$")
_BEGIN = re.compile(r"^# <unasync: (?P<sync>\w+) from (?P<async_>\w+)>$")
_END = "# </unasync>"
_ASYNC_ONLY = "# unasync: async-only"
_SYNC_ONLY = re.compile(r"^(?P<indent>\s*)# unasync: sync-only (?P<code>.*)$")


_PYPROJECT = REPO_ROOT / "pyproject.toml"  # the project's formatting settings, wherever the file


class UnasyncError(Exception):
    """A module's markers or source cannot be turned into its blocking twin."""


@dataclass(frozen=True)
class Region:
    sync_name: str
    async_name: str
    start: int  # index of the begin marker line
    end: int  # index of the end marker line


def to_sync(source: str, renames: dict[str, str] | None = None) -> str:
    """The blocking twin of an async class's source; `renames` adds class names to `NAMES`
    (the region's own pair)."""
    names = {**NAMES, **(renames or {})}
    words = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    dropped = _async_only_methods(source)
    out: list[str] = []
    for index, original in enumerate(source.splitlines()):
        if index in dropped or original.rstrip().endswith(_ASYNC_ONLY):
            continue
        sync_only = _SYNC_ONLY.match(original)
        if sync_only:
            out.append(sync_only["indent"] + sync_only["code"])
            continue
        line = original
        for phrase, replacement in PHRASES.items():
            line = line.replace(phrase, replacement)
        line = line.replace("async def ", "def ").replace("async for ", "for ")
        line = line.replace("async with ", "with ").replace("await ", "")
        line = _SHIELD.sub(lambda m: m["call"], line)
        out.append(words.sub(lambda m: names[m.group(1)], line))
    return "\n".join(out) + "\n"


def _async_only_methods(source: str) -> set[int]:
    """The line indexes of the methods whose first line is marked async-only."""
    lines = source.splitlines()
    dropped: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if lines[first - 1].rstrip().endswith(_ASYNC_ONLY):
                assert node.end_lineno is not None
                dropped.update(range(first - 1, node.end_lineno))
    return dropped


def regions(lines: list[str]) -> list[Region]:
    found: list[Region] = []
    begin: tuple[int, re.Match[str]] | None = None
    for index, line in enumerate(lines):
        match = _BEGIN.match(line)
        if match:
            if begin is not None:
                raise UnasyncError(f"line {index + 1}: a region starts inside another")
            begin = (index, match)
        elif line == _END:
            if begin is None:
                raise UnasyncError(f"line {index + 1}: a region ends that never started")
            start, marker = begin
            found.append(Region(marker["sync"], marker["async_"], start, index))
            begin = None
    if begin is not None:
        raise UnasyncError("a region never ends")
    return found


def class_source(source: str, name: str) -> str:
    """The source of the top-level class `name`, decorators included."""
    tree = ast.parse(source)
    lines = source.splitlines()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            assert node.end_lineno is not None
            return "\n".join(lines[first - 1 : node.end_lineno]) + "\n"
    raise UnasyncError(f"no class {name} to make a blocking twin from")


def render_module(source: str) -> str:
    """The module with every region rewritten from its async class."""
    lines = source.splitlines()
    for region in reversed(regions(lines)):
        renames = {region.async_name: region.sync_name}
        twin = to_sync(class_source(source, region.async_name), renames)
        expected = f"class {region.sync_name}"
        if not twin.lstrip().startswith(("@", expected)) or expected not in twin:
            raise UnasyncError(f"{region.async_name} does not become {region.sync_name}")
        try:
            ast.parse(twin)
        except SyntaxError as exc:  # e.g. a marker on one line of a wrapped statement
            raise UnasyncError(
                f"the {region.sync_name} made from {region.async_name} is not valid Python "
                f"(its line {exc.lineno}: {exc.msg}); mark whole lines"
            ) from None
        lines[region.start + 1 : region.end] = ["", "", *twin.rstrip("\n").splitlines(), "", ""]
    return "\n".join(lines) + "\n"


def run(package: Path = SDK_PACKAGE, *, check: bool = False) -> list[Path]:
    """Rewrite (or, with `check`, compare) every twin module; returns the stale ones."""
    stale: list[Path] = []
    for name in MODULES:
        path = package / name
        source = path.read_text(encoding="utf-8")
        rendered = _formatted(render_module(source), path)
        if rendered != source:
            stale.append(path)
            if not check:
                path.write_text(rendered, encoding="utf-8")
    return stale


def _formatted(source: str, path: Path) -> str:
    """ruff format with the project's own settings, so the check is exact."""
    import subprocess
    import sys

    done = subprocess.run(
        [
            *(sys.executable, "-m", "ruff", "format", "--config", str(_PYPROJECT)),
            *("--stdin-filename", str(path), "-"),
        ],
        input=source,
        capture_output=True,
        text=True,
        check=False,
        cwd=SDK_PACKAGE.parent.parent.parent,
    )
    if done.returncode != 0:
        raise UnasyncError(f"ruff format failed on {path.name}:\n{done.stderr}")
    return done.stdout
