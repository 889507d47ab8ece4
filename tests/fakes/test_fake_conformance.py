"""The fake app-server against the real binary, value by value, wherever the real one can show
the behaviour offline (codex 0.163.0 with the scripted loopback model).

What is compared: the order of the messages a turn sends (without the ones only a real model
provider causes: `warning` about the mock model's metadata, `account/rateLimits/updated` and
`thread/tokenUsage/updated`, which the real server sends after every model response), each
item's type, status and exit code, each thread status, the turn's final status and error, and
the answers' effect on the approval's command.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_codex import write_fake_codex
from tests.support.raw_app_server import ErrorAnswer, RawAppServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sdk" / "src"))
from codex_app_server.testing import (
    MockModelServer,
    shell_command,
    text,
    write_codex_home,
)

Message = dict[str, Any]
# Sent by the real server because of its model provider, not because of the turn's logic.
PROVIDER_ONLY = {"warning", "account/rateLimits/updated", "thread/tokenUsage/updated"}
APPROVAL = "item/commandExecution/requestApproval"


def digest(server: RawAppServer, mark: int) -> list[tuple[Any, ...]]:
    """What a turn said, in order, as comparable values (ids and times left out)."""
    out: list[tuple[Any, ...]] = []
    for msg in server.messages[mark:]:
        method = msg.get("method")
        if method is None or method in PROVIDER_ONLY:
            continue
        params: Any = msg.get("params") or {}
        if "item" in params:
            item = params["item"]
            out.append((method, item["type"], item.get("status"), item.get("exitCode")))
        elif method == "thread/status/changed":
            out.append((method, params["status"]))
        elif method == "turn/completed":
            turn = params["turn"]
            out.append((method, turn["status"], turn["error"]))
        elif method == "item/agentMessage/delta":
            out.append((method,))
        elif method == APPROVAL:
            out.append((method, sorted(params), "id" in msg))
        elif method == "serverRequest/resolved":
            out.append((method, sorted(params)))
        else:
            out.append((method,))
    return out


Answer = Callable[[Message], Any]


def assert_same_turn(fake: list[tuple[Any, ...]], real: list[tuple[Any, ...]]) -> None:
    """The fake says what the real binary says, value by value. The real binary sends
    `thread/status/changed` from its own task, so where it lands among the item events varies
    from run to run (seen both before and after a refused command's `item/completed`); those
    are compared as a set of values, everything else in order."""
    status = "thread/status/changed"
    assert [e for e in fake if e[0] != status] == [e for e in real if e[0] != status]
    assert sorted(repr(e) for e in fake if e[0] == status) == sorted(
        repr(e) for e in real if e[0] == status
    )


def approval_turn(server: RawAppServer, workdir: Path) -> list[tuple[Any, ...]]:
    thread_id = server.start_thread(cwd=workdir)
    mark = server.mark()
    turn = server.start_turn(thread_id, "make the file")
    server.wait_turn_completed(turn["id"], start=mark, timeout=60)
    return digest(server, mark)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[[Answer], tuple[list[Any], list[Any], bool]]]:
    """Run one approval turn on the real binary and on the fake, both answered by `answer`;
    returns both digests and whether the real command ran."""
    started: list[RawAppServer] = []

    def both(answer: Answer) -> tuple[list[Any], list[Any], bool]:
        workdir = tmp_path / f"work-{len(started)}"
        workdir.mkdir()
        target = workdir / "made-by-the-command"
        handlers = {APPROVAL: answer}
        with MockModelServer() as model:
            model.enqueue(shell_command(f"touch {target}", workdir=str(workdir)), text("done"))
            home = write_codex_home(
                tmp_path / f"home-{len(started)}",
                model.base_url,
                approval_policy="on-request",
                sandbox_mode="read-only",
            )
            real = RawAppServer(env=home.spawn_env(), cwd=workdir, handlers=handlers)
            started.append(real)
            real.start()
            real_digest = approval_turn(real, workdir)
            real.close()
        codex = write_fake_codex(
            tmp_path / f"fake-{len(started)}",
            {"methods": {"turn/start": {"turn": {"approvals": {"count": 1}}}}},
        )
        fake = RawAppServer([str(codex), "app-server"], cwd=workdir, handlers=handlers)
        started.append(fake)
        fake.start()
        fake_digest = approval_turn(fake, workdir)
        fake.close()
        return real_digest, fake_digest, target.exists()

    yield both
    for server in started:
        server.close()


@pytest.mark.parametrize(
    ("answer", "status", "ran"),
    [
        ({"decision": "accept"}, "completed", True),
        ({"decision": "decline"}, "declined", False),
        ({"decision": "cancel"}, "declined", False),
        (ErrorAnswer(-32603, "handler bug"), "failed", False),
    ],
    ids=["accept", "decline", "cancel", "error"],
)
def test_an_approval_turn_is_what_the_real_binary_sends(
    servers: Callable[[Answer], tuple[list[Any], list[Any], bool]],
    answer: Any,
    status: str,
    ran: bool,
) -> None:
    real, fake, command_ran = servers(lambda _msg: answer)
    assert command_ran is ran
    command = [e for e in real if e[:2] == ("item/completed", "commandExecution")]
    assert [e[2] for e in command] == [status]  # the real binary's word, pinned here
    assert_same_turn(fake, real)


def test_a_plain_turn_is_what_the_real_binary_sends(tmp_path: Path) -> None:
    """A reply of three deltas: the same messages in the same order, the same statuses, and
    the same final text in the same item."""

    def turn(server: RawAppServer) -> tuple[list[Any], Message]:
        thread_id = server.start_thread(cwd=tmp_path)
        mark = server.mark()
        started = server.start_turn(thread_id, "hi")
        done = server.wait_turn_completed(started["id"], start=mark, timeout=60)
        message = next(
            n["params"]["item"]
            for n in server.notifications("item/completed", start=mark)
            if n["params"]["item"]["type"] == "agentMessage"
        )
        assert done["params"]["turn"]["status"] == "completed"
        return digest(server, mark), message

    with MockModelServer() as model:
        model.enqueue(text("Hello there", chunks=3))
        home = write_codex_home(tmp_path / "home", model.base_url)
        with RawAppServer(env=home.spawn_env(), cwd=tmp_path) as real:
            real.start()
            real_digest, real_message = turn(real)
    codex = write_fake_codex(
        tmp_path / "fake",
        {
            "methods": {
                "turn/start": {"turn": {"text": "Hello there", "deltas": ["Hel", "lo ", "there"]}}
            }
        },
    )
    with RawAppServer([str(codex), "app-server"], cwd=tmp_path) as fake:
        fake.start()
        fake_digest, fake_message = turn(fake)
    assert_same_turn(fake_digest, real_digest)
    assert (fake_message["text"], fake_message.get("phase")) == (
        real_message["text"],
        real_message.get("phase"),
    )
