"""pyright (strict) on a user's script using `@tool`: clean when typed right, and the typed
signature survives the decorator, so wrong calls are caught."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
PYRIGHT = Path(sys.executable).parent / "pyright"


@pytest.fixture(scope="module")
def diagnostics(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    if not PYRIGHT.exists():
        pytest.skip("pyright is not installed next to this interpreter (pip install -e '.[dev]')")
    project = tmp_path_factory.mktemp("pyright")  # a user's project: the SDK as installed
    files = [HERE / "typing_user_script.py", HERE / "typing_user_mistakes.py"]
    for file in files:
        shutil.copy(file, project / file.name)
    config = {"include": ["."], "typeCheckingMode": "strict", "pythonVersion": "3.10"}
    (project / "pyrightconfig.json").write_text(json.dumps(config))
    done = subprocess.run(
        [str(PYRIGHT), "--outputjson", "--pythonpath", sys.executable, "-p", str(project)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout)
    assert report["summary"]["filesAnalyzed"] == len(files), done.stderr
    by_file: dict[str, list[dict[str, Any]]] = {f.name: [] for f in files}
    for diagnostic in report["generalDiagnostics"]:
        by_file.setdefault(Path(diagnostic["file"]).name, []).append(diagnostic)
    return by_file


def test_a_typed_user_script_is_strict_clean(diagnostics: dict[str, list[dict[str, Any]]]) -> None:
    problems = [
        f"{d['range']['start']['line'] + 1}: {d['message']}"
        for d in diagnostics["typing_user_script.py"]
        if d["severity"] in ("error", "warning")
    ]
    assert problems == []


def test_wrong_calls_of_a_tool_are_caught(diagnostics: dict[str, list[dict[str, Any]]]) -> None:
    source = (HERE / "typing_user_mistakes.py").read_text().splitlines()
    expected = {
        index + 1: match.group(1)
        for index, line in enumerate(source)
        if (match := re.search(r"# error: (\w+)$", line))
    }
    found = {
        d["range"]["start"]["line"] + 1: d.get("rule")
        for d in diagnostics["typing_user_mistakes.py"]
        if d["severity"] == "error"
    }
    assert found == expected
