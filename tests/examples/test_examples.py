"""Every example runs offline (real app-server, scripted loopback model) and says what it should.

Each runs in a subprocess exactly as a user would start it: `python examples/NAME.py --offline`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TIMEOUT = 90


@dataclass(frozen=True)
class Case:
    script: str
    expected: tuple[str, ...]
    args: tuple[str, ...] = ()
    stdin: str = ""


CASES = [
    Case("quickstart", ("server: 0.163.0", "status: completed", "answer: Hello! I'm Codex")),
    Case(
        "streaming",
        ("[agentMessage started]", "Streaming means you see each piece", "[turn completed]"),
    ),
    Case("multi_turn", ("> Double it.", "26", "turns in the thread: 3")),
    Case(
        "experimental_api",
        ("without the opt-in: ExperimentalApiError", "collaboration modes: Plan, Default"),
    ),
    Case(
        "resume_thread",
        (
            "first session: Noted",
            "listed among recent threads: True",
            "second session: Your favourite colour is teal.",
        ),
    ),
    Case(
        "images",
        (
            "status: completed",
            "input items: ['text', 'image', 'localImage']",
            "remote URL refused: remote image URLs are not supported",
        ),
    ),
    Case(
        "approvals",
        (
            "approval asked for 'echo hello from codex': accept",
            "command 'echo hello from codex': completed hello from codex",
            "approval asked for 'touch not-approved.txt': decline",
            "command 'touch not-approved.txt': declined",
        ),
    ),
    Case(
        "errors_and_retry",
        (
            "constructor: CodexBinaryError",
            "models offered:",
            "attempt 1: turn failed (serverOverloaded)",
            "answer: Recovered on the second attempt.",
        ),
    ),
    Case(
        "structured_output",
        ("Python (1991): object-oriented", "Haskell (1990): functional"),
    ),
    Case(
        "cli_chat",
        (
            "you> hello",
            "codex> Hi! What shall we work on?",
            "codex> I'm doing well, thanks for asking.",
            "[new thread ",
            "bye",
        ),
        stdin="hello\nhow are you?\n/new\n/quit\nnever read\n",
    ),
    Case("login", ("logged in: {'type': 'apiKey'}",), args=("api-key",)),
    Case(
        "login",
        ("open this URL to sign in: https://auth.openai.com/", "cancelling"),
        args=("browser",),
    ),
    Case(
        "login",
        ("login failed: could not start the ChatGPT device-code login", "network"),
        args=("device",),
    ),
    Case(
        "goals",
        (
            "[goal turn 2 started]",
            "turn 1: Outline drafted: three sections. (commentary: ['Reading the notes first.'])",
            "goal: complete, 2 turns,",
            "final response: The summary is written; the goal is complete.",
        ),
    ),
    Case(
        "external_message",
        (
            "items: ['FunctionCallOutputThreadItem', 'AgentMessageThreadItem']",
            "codex: Summary: the build is green; nothing was pushed.",
        ),
    ),
]
# The async twins print the same things, except these (the async structured-output example
# skips the dict schema).
SYNC_ONLY_OUTPUT = {"structured_output": ("answer: 42",)}


def all_cases() -> list[pytest.ParameterSet]:
    params: list[pytest.ParameterSet] = []
    for case in CASES:
        for name in (case.script, f"{case.script}_async"):
            expected = case.expected
            if name.endswith("_async"):
                skip = SYNC_ONLY_OUTPUT.get(case.script, ())
                expected = tuple(e for e in expected if e not in skip)
            label = "-".join((name, *case.args))
            params.append(pytest.param(name, case.args, case.stdin, expected, id=label))
    return params


def run_example(name: str, args: tuple[str, ...], stdin: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CODEX_EXAMPLES_OFFLINE"}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--offline", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=EXAMPLES.parent,
        check=False,
    )


@pytest.mark.timeout(TIMEOUT + 30)
@pytest.mark.parametrize(("name", "args", "stdin", "expected"), all_cases())
def test_example_runs_offline(
    name: str, args: tuple[str, ...], stdin: str, expected: tuple[str, ...]
) -> None:
    done = run_example(name, args, stdin)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    missing = [text for text in expected if text not in done.stdout]
    assert not missing, f"{name} did not print {missing}:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr


def test_the_environment_variable_also_selects_offline() -> None:
    env = {**os.environ, "CODEX_EXAMPLES_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "answer: Hello! I'm Codex" in done.stdout


def test_every_example_is_tested_and_has_an_async_twin() -> None:
    scripts = {p.stem for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    tested = {case.script for case in CASES}
    assert scripts == tested | {f"{name}_async" for name in tested}
