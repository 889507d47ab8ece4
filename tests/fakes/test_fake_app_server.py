"""The scripted fake app-server, driven by the raw JSON-RPC driver (no SDK)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_codex import FAKE_APP_SERVER, fake_argv, received, write_fake_codex
from tests.support.raw_app_server import ProcessExited, RawAppServer, RpcError

Message = dict[str, Any]
Start = Callable[..., RawAppServer]


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[Start]:
    """Start the fake (through its ``codex`` wrapper) with a scenario; closed at teardown."""
    started: list[RawAppServer] = []

    def start(
        scenario: dict[str, Any] | None = None,
        *,
        initialize: bool = True,
        handlers: dict[str, Callable[[Message], Any]] | None = None,
        args: tuple[str, ...] = (),
    ) -> RawAppServer:
        codex = write_fake_codex(tmp_path / f"fake-{len(started)}", scenario)
        server = RawAppServer([str(codex), "app-server", *args], cwd=tmp_path, handlers=handlers)
        started.append(server)
        server.start(initialize=initialize)
        return server

    yield start
    for server in started:
        server.close()


def test_version_and_wrong_subcommand(tmp_path: Path) -> None:
    codex = write_fake_codex(tmp_path, {"version": "9.9.9"})
    out = subprocess.run([str(codex), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout == "codex-cli 9.9.9\n"
    bad = subprocess.run([str(codex), "exec"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    assert FAKE_APP_SERVER.stat().st_mode & 0o100  # directly executable too


def test_default_flow_mirrors_the_real_shapes(fake: Start, tmp_path: Path) -> None:
    server = fake()
    init = server.messages[0]
    assert set(init) == {"id", "result"}  # no "jsonrpc" key, like the real server
    result = init["result"]
    assert (
        result["userAgent"] == "codex_fake/0.163.0 (Fake OS; x86_64) fake (raw_test_driver; 0.0.1)"
    )
    assert set(result) == {"userAgent", "codexHome", "platformFamily", "platformOs"}
    remote = server.wait_notification("remoteControl/status/changed")
    assert remote["params"]["status"] == "disabled"
    assert isinstance(remote["emittedAtMs"], int)

    started = server.request("thread/start", {"cwd": str(tmp_path)})
    thread_id = started["thread"]["id"]
    assert started["cwd"] == str(tmp_path)
    assert started["thread"]["status"] == {"type": "idle"}
    server.wait_notification("thread/started")

    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    assert turn["status"] == "inProgress"
    done = server.wait_turn_completed(turn["id"], start=mark)["params"]["turn"]
    assert done["status"] == "completed"
    assert [i["text"] for i in done["items"]] == ["Hello from the fake app-server."]
    methods = [m["method"] for m in server.notifications(start=mark)]
    assert methods == [
        "thread/status/changed",
        "turn/started",
        "item/started",
        "item/completed",
        "item/started",
        "item/agentMessage/delta",
        "item/agentMessage/delta",
        "item/agentMessage/delta",
        "item/completed",
        "thread/tokenUsage/updated",
        "thread/status/changed",
        "turn/completed",
    ]
    deltas = server.notifications("item/agentMessage/delta", start=mark)
    assert "".join(d["params"]["delta"] for d in deltas) == "Hello from the fake app-server."
    user = server.notifications("item/started", start=mark)[0]["params"]["item"]
    assert user["content"] == [{"type": "text", "text": "hi", "text_elements": []}]

    assert server.request("thread/read", {"threadId": thread_id})["thread"]["id"] == thread_id
    assert server.request("model/list", {})["data"][0]["id"] == "mock-model"
    assert server.request("account/read", {}) == {"account": None, "requiresOpenaiAuth": False}


def _shape(value: Any) -> Any:
    """Key structure of a JSON value (dict keys recursively; lists by their first element)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


def test_turn_shapes_match_the_real_binary(fake: Start, tmp_path: Path) -> None:
    """The fake's turn notifications carry the same keys as codex 0.163.0's."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sdk" / "src"))
    from codex_app_server.testing import MockModelServer, write_codex_home

    def run(server: RawAppServer) -> tuple[Message, Message, dict[str, Message]]:
        mark = server.mark()
        thread = server.request("thread/start", {"cwd": str(tmp_path)})
        server.wait_notification("thread/started", start=mark)
        mark = server.mark()
        turn = server.request(
            "turn/start",
            {"threadId": thread["thread"]["id"], "input": [{"type": "text", "text": "hi"}]},
        )
        server.wait_turn_completed(turn["turn"]["id"], start=mark)
        firsts: dict[str, Message] = {}
        for note in server.notifications(start=mark):
            key = note["method"]
            if key.startswith("item/"):
                key += ":" + note["params"]["item"]["type"] if "item" in note["params"] else ""
            firsts.setdefault(key, note["params"])
        return thread, turn, firsts

    with MockModelServer() as model:
        home = write_codex_home(tmp_path / "home", model.base_url)
        real = RawAppServer(env=home.spawn_env(), cwd=tmp_path)
        try:
            real.start()
            real_thread, real_turn, real_notes = run(real)
        finally:
            real.close()
    fake_thread, fake_turn, fake_notes = run(fake())

    assert _shape(fake_turn) == _shape(real_turn)
    fake_thread_shape = _shape(fake_thread)
    real_thread_shape = _shape(real_thread)
    assert fake_thread_shape.keys() == real_thread_shape.keys()
    assert fake_thread_shape["thread"].keys() == real_thread_shape["thread"].keys()
    for key, params in fake_notes.items():
        assert key in real_notes, key
        assert _shape(params) == _shape(real_notes[key]), key


def test_requests_before_initialize_and_protocol_errors(fake: Start) -> None:
    server = fake(initialize=False)
    with pytest.raises(RpcError) as caught:
        server.request("thread/start", {})
    assert caught.value.error == {"code": -32600, "message": "Not initialized"}
    server.request("initialize", {"clientInfo": {"name": "t", "version": "1"}})
    with pytest.raises(RpcError, match="Already initialized"):
        server.request("initialize", {"clientInfo": {"name": "t", "version": "1"}})
    with pytest.raises(RpcError, match="unknown variant `no/such`"):
        server.request("no/such", {})
    with pytest.raises(RpcError, match="thread not found: nope"):
        server.request("turn/start", {"threadId": "nope", "input": []})
    with pytest.raises(RpcError, match="no active turn to interrupt"):
        server.request("turn/interrupt", {"threadId": "nope", "turnId": "x"})


def test_scripted_results_errors_and_call_sequences(fake: Start) -> None:
    server = fake(
        {
            "methods": {
                "config/read": {"result": {"config": {"model": "$thread_id"}}},
                "model/list": [
                    {"error": {"code": -32000}},
                    {"error": {"code": -32001, "message": "busy", "data": {"retry": True}}},
                    {"delay": 0.2, "result": {"data": []}},
                    "builtin",
                ],
            }
        }
    )
    assert server.request("config/read", {"threadId": "T1"}) == {"config": {"model": "T1"}}
    first = server.wait_response(server.send_request("model/list", {}))
    assert first["error"] == {"code": -32000}  # an error object without a message
    with pytest.raises(RpcError) as caught:
        server.request("model/list", {})
    assert caught.value.error == {"code": -32001, "message": "busy", "data": {"retry": True}}
    started = time.monotonic()
    assert server.request("model/list", {}) == {"data": []}
    assert time.monotonic() - started >= 0.2
    assert server.request("model/list", {})["data"][0]["id"] == "mock-model"
    assert server.request("model/list", {})["data"][0]["id"] == "mock-model"  # last repeats


def test_exit_before_initialize(fake: Start) -> None:
    server = fake(
        {"on_start": [{"do": "stderr", "text": "boom\n"}, {"do": "exit", "code": 3}]},
        initialize=False,
    )
    assert server.wait_exit(5) == 3
    with pytest.raises(ProcessExited):
        server.request("initialize", {"clientInfo": {"name": "t", "version": "1"}}, timeout=5)
    time.sleep(0.1)
    assert "boom" in server.stderr_lines


def test_exit_mid_request(fake: Start) -> None:
    server = fake({"methods": {"thread/start": {"actions": [{"do": "exit", "code": 4}]}}})
    with pytest.raises(ProcessExited):
        server.request("thread/start", {})
    assert server.wait_exit(5) == 4


def test_garbage_lines_and_odd_responses(fake: Start) -> None:
    server = fake(
        {
            "methods": {
                "model/list": {
                    "actions": [
                        {"do": "raw", "text": "this is not json", "newline": True},
                        {"do": "raw", "hex": "ff fe 7b 0a"},
                        {"do": "send", "message": [1, 2, 3]},
                        {"do": "send", "message": 42},
                        {"do": "respond_to", "id": 9999, "result": {"unknown": True}},
                        {"do": "respond", "result": {"data": []}},
                        {"do": "respond", "result": {"data": ["duplicate"]}},
                        {"do": "raw", "text": '{"id": 1, "resu'},
                        {"do": "exit", "code": 0},
                    ]
                }
            }
        }
    )
    request_id = server.send_request("model/list", {})
    assert server.wait_response(request_id)["result"] == {"data": []}
    assert server.wait_exit(5) == 0
    server.close()
    assert server.bad_lines == [
        b"this is not json",
        b"\xff\xfe{",
        b"[1, 2, 3]" if False else b"[1,2,3]",
        b"42",
        b'{"id": 1, "resu',
    ]
    odd = [m for m in server.messages if m.get("id") in (9999, request_id)]
    assert odd == [
        {"id": 9999, "result": {"unknown": True}},
        {"id": request_id, "result": {"data": []}},
        {"id": request_id, "result": {"data": ["duplicate"]}},
    ]


def test_ten_megabyte_line(fake: Start) -> None:
    server = fake({"after_initialize": [{"do": "big_line", "bytes": 10_000_000}]})
    note = server.wait_notification("item/agentMessage/delta", timeout=20)
    assert len(note["params"]["delta"]) > 9_900_000


def test_stderr_flood_does_not_block_a_draining_client(fake: Start) -> None:
    server = fake(
        {
            "methods": {
                "model/list": {"actions": [{"do": "stderr", "bytes": 100_000_000}, "builtin"]}
            }
        }
    )
    # The fake only answers once all 100 MB went through the stderr pipe.
    server.request("model/list", {}, timeout=600)
    assert server.stderr_lines[-1].endswith("stderr flood line")


def test_flood_of_deltas_for_one_turn(fake: Start, tmp_path: Path) -> None:
    count = 200_000
    server = fake({"methods": {"turn/start": {"turn": {"flood_deltas": count}}}})
    thread_id = server.start_thread(cwd=tmp_path)
    mark = server.mark()
    turn = server.start_turn(thread_id, "flood")
    done = server.wait_turn_completed(turn["id"], start=mark, timeout=600)["params"]["turn"]
    deltas = server.notifications("item/agentMessage/delta", start=mark)
    assert len(deltas) == count
    assert {d["params"]["turnId"] for d in deltas} == {turn["id"]}
    assert done["items"][0]["text"] == "x" * count


def test_notifications_before_the_turn_start_response(fake: Start, tmp_path: Path) -> None:
    server = fake({"methods": {"turn/start": {"turn": {"respond_after": 2}}}})
    thread_id = server.start_thread(cwd=tmp_path)
    mark = server.mark()
    request_id = server.send_request(
        "turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]}
    )
    turn_id = server.wait_response(request_id)["result"]["turn"]["id"]
    server.wait_turn_completed(turn_id, start=mark)
    order = [m.get("method", f"response:{m.get('id')}") for m in server.messages[mark:]]
    assert order[:3] == ["thread/status/changed", "turn/started", f"response:{request_id}"]


def test_scripted_turn_notifications_and_templates(fake: Start, tmp_path: Path) -> None:
    server = fake(
        {
            "methods": {
                "turn/start": {
                    "actions": [
                        {
                            "do": "notify",
                            "method": "turn/started",
                            "params": {"threadId": "$thread_id", "turn": "$turn"},
                        },
                        {
                            "do": "notify",
                            "method": "totally/unknown",
                            "params": {"turn": "$turn_id"},
                        },
                        {"do": "respond", "result": {"turn": "$turn"}},
                        {"do": "deltas", "count": 5, "delta": "ab"},
                    ]
                }
            }
        }
    )
    thread_id = server.start_thread(cwd=tmp_path)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    deltas = [server.wait_notification("item/agentMessage/delta", start=mark)]
    server.wait_for(lambda _: len(server.notifications("item/agentMessage/delta", start=mark)) == 5)
    first = server.messages[mark]
    assert first["method"] == "turn/started"
    assert first["params"]["turn"]["id"] == turn["id"]
    assert first["params"]["threadId"] == thread_id
    assert server.messages[mark + 1]["params"] == {"turn": turn["id"]}
    assert deltas[0]["params"]["turnId"] == turn["id"]


def test_chaos_turn(fake: Start, tmp_path: Path) -> None:
    server = fake({"methods": {"turn/start": {"turn": {"chaos": True}}}})
    thread_id = server.start_thread(cwd=tmp_path)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    server.wait_turn_completed(turn["id"], start=mark)
    notes = server.notifications(start=mark)
    methods = [n["method"] for n in notes]
    assert "fake/unknownNotification" in methods
    assert all("fakeExtraField" in n["params"] for n in notes)
    types = {n["params"]["item"]["type"] for n in notes if n["method"] == "item/started"}
    assert "futureItemType" in types
    ghosts = [n for n in notes if n["params"].get("turnId") not in (None, turn["id"])]
    assert ghosts
    assert {"type": "hibernating"} in [
        n["params"]["status"] for n in notes if n["method"] == "thread/status/changed"
    ]


def test_failed_turn(fake: Start, tmp_path: Path) -> None:
    error = {"message": "overloaded", "codexErrorInfo": "serverOverloaded"}
    server = fake({"methods": {"turn/start": {"turn": {"status": "failed", "error": error}}}})
    thread_id = server.start_thread(cwd=tmp_path)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    done = server.wait_turn_completed(turn["id"], start=mark)["params"]["turn"]
    assert done["status"] == "failed"
    assert done["error"] == error
    note = server.wait_notification("error", start=mark)["params"]
    assert note == {"error": error, "willRetry": False, "threadId": thread_id, "turnId": turn["id"]}


def test_exit_mid_turn(fake: Start, tmp_path: Path) -> None:
    server = fake(
        {"methods": {"turn/start": {"turn": {"before_complete": [{"do": "exit", "code": 5}]}}}}
    )
    thread_id = server.start_thread(cwd=tmp_path)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    with pytest.raises(ProcessExited):
        server.wait_turn_completed(turn["id"], start=mark)
    assert server.wait_exit(5) == 5
    assert len(server.notifications("item/agentMessage/delta", start=mark)) == 3


def test_approval_storm_records_the_answers(fake: Start, tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    answers = iter(["accept", "decline"] * 10)

    def answer(_: Message) -> Any:
        return {"decision": next(answers)}

    server = fake(
        {
            "record": str(record),
            "methods": {"turn/start": {"turn": {"approvals": {"count": 20, "concurrent": True}}}},
        },
        handlers={"item/commandExecution/requestApproval": answer},
    )
    thread_id = server.start_thread(cwd=tmp_path)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    done = server.wait_turn_completed(turn["id"], start=mark)["params"]["turn"]
    assert done["status"] == "completed"
    requests = [
        m
        for m in server.messages[mark:]
        if m.get("method") == "item/commandExecution/requestApproval"
    ]
    assert [r["id"] for r in requests] == list(range(20))
    commands = [
        n["params"]["item"]
        for n in server.notifications("item/completed", start=mark)
        if n["params"]["item"]["type"] == "commandExecution"
    ]
    assert [c["status"] for c in commands] == ["completed", "declined"] * 10
    assert len(server.notifications("serverRequest/resolved", start=mark)) == 20
    server.close()
    got = [m for m in received(record) if "result" in m]
    assert [(m["id"], m["result"]["decision"]) for m in got] == [
        (i, "accept" if i % 2 == 0 else "decline") for i in range(20)
    ]


def test_server_request_on_initialized_and_argv_record(fake: Start, tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    server = fake(
        {
            "record": str(record),
            "on_notification": {
                "initialized": [
                    {
                        "do": "requests",
                        "method": "item/tool/requestUserInput",
                        "params": {"n": "$index"},
                        "count": 3,
                        "wait": True,
                        "timeout": 5,
                    }
                ]
            },
        },
        handlers={"item/tool/requestUserInput": lambda m: {"answers": {"n": m["params"]["n"]}}},
        args=("-c", 'model="x"', "--listen", "stdio://"),
    )
    server.request("model/list", {})  # answered after the 3 server requests were settled
    server.close()
    entries = [json.loads(line) for line in record.read_text().splitlines()]
    assert entries[0]["kind"] == "argv"
    assert entries[0]["argv"] == [
        "--scenario",
        entries[0]["argv"][1],
        "app-server",
        "-c",
        'model="x"',
        "--listen",
        "stdio://",
    ]
    answers = [m for m in received(record) if "result" in m and "id" in m and "method" not in m]
    assert [a["result"] for a in answers] == [{"answers": {"n": i}} for i in range(3)]


def test_interrupt_and_steer_a_held_turn(fake: Start, tmp_path: Path) -> None:
    server = fake({"methods": {"turn/start": {"turn": {"hold": True, "hold_after_deltas": 1}}}})
    thread_id = server.start_thread(cwd=tmp_path)

    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    server.wait_notification("item/agentMessage/delta", start=mark)
    steer = {
        "threadId": thread_id,
        "expectedTurnId": turn["id"],
        "input": [{"type": "text", "text": "more"}],
    }
    with pytest.raises(RpcError, match="expected active turn id `bogus`"):
        server.request("turn/steer", {**steer, "expectedTurnId": "bogus"})
    assert server.request("turn/steer", steer) == {"turnId": turn["id"]}
    done = server.wait_turn_completed(turn["id"], start=mark)["params"]["turn"]
    assert done["status"] == "completed"
    users = [
        n["params"]["item"]["content"]
        for n in server.notifications("item/started", start=mark)
        if n["params"]["item"]["type"] == "userMessage"
    ]
    assert users[-1] == [{"type": "text", "text": "more", "text_elements": []}]

    mark = server.mark()
    turn = server.start_turn(thread_id, "again")
    server.wait_notification("item/agentMessage/delta", start=mark)
    assert server.request("turn/interrupt", {"threadId": thread_id, "turnId": turn["id"]}) == {}
    done = server.wait_turn_completed(turn["id"], start=mark)["params"]["turn"]
    assert (done["status"], done["items"], done["error"]) == ("interrupted", [], None)
    with pytest.raises(RpcError, match="no active turn to steer"):
        server.request("turn/steer", steer)


def test_ignore_sigterm(tmp_path: Path) -> None:
    if sys.platform == "win32":
        pytest.skip("POSIX signals")
    codex = write_fake_codex(tmp_path, {"ignore_sigterm": True})
    proc = subprocess.Popen(
        [str(codex), "app-server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        # It answers only once it reads stdin, after its SIGTERM handler is set: no sleeping.
        proc.stdin.write(b'{"id": 1, "method": "initialize", "params": {}}\n')
        proc.stdin.flush()
        while "result" not in json.loads(proc.stdout.readline() or b'{"result": "eof"}'):
            pass  # a notification before the answer
        proc.terminate()
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(0.3)
    finally:
        proc.kill()
        proc.wait(5)
        for stream in (proc.stdin, proc.stdout):
            assert stream is not None
            stream.close()


def test_scenario_from_environment(tmp_path: Path) -> None:
    env = {
        "CODEX_FAKE_SCENARIO_JSON": json.dumps({"user_agent_name": "from_env"}),
        "PATH": "/usr/bin:/bin",
    }
    server = RawAppServer(fake_argv(), env=env, cwd=tmp_path)
    try:
        result = server.start()
        assert result is not None
        assert result["userAgent"].startswith("from_env/0.163.0 ")
    finally:
        server.close()


def test_slow_shutdown_on_eof_and_exit_code(fake: Start) -> None:
    server = fake({"on_eof": [{"do": "sleep", "seconds": 0.5}], "eof_exit_code": 7})
    started = time.monotonic()
    assert server.close() == 7
    assert time.monotonic() - started >= 0.5


def test_close_stdout_while_running(fake: Start) -> None:
    server = fake({"methods": {"model/list": {"actions": ["close_stdout"]}}})
    with pytest.raises(ProcessExited):
        server.request("model/list", {})  # stdout EOF, the process is still alive
    assert server.proc is not None
    assert server.proc.poll() is None
    assert server.close() == 0


def test_turn_action_and_single_server_request(fake: Start, tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    server = fake(
        {
            "record": str(record),
            "methods": {
                "thread/shellCommand": {
                    "actions": [
                        {"do": "respond", "result": {}},
                        {
                            "do": "request",
                            "method": "item/tool/call",
                            "params": {"t": "$thread_id"},
                        },
                        {"do": "turn", "text": "side turn"},
                    ]
                }
            },
        },
        handlers={"item/tool/call": lambda m: {"ok": m["params"]["t"]}},
    )
    thread_id = server.start_thread(cwd=tmp_path)
    mark = server.mark()
    assert server.request("thread/shellCommand", {"threadId": thread_id, "command": "ls"}) == {}
    done = server.wait_notification("turn/completed", start=mark)["params"]
    assert done["threadId"] == thread_id
    assert [i["text"] for i in done["turn"]["items"]] == ["side turn"]
    server.close()
    assert {"jsonrpc": "2.0", "id": 0, "result": {"ok": thread_id}} in received(record)


@pytest.mark.slow
def test_flood_of_a_million_deltas(fake: Start, tmp_path: Path) -> None:
    count = 1_000_000
    server = fake({"methods": {"turn/start": {"turn": {"flood_deltas": count}}}})
    thread_id = server.start_thread(cwd=tmp_path)
    mark = server.mark()
    turn = server.start_turn(thread_id, "flood")
    done = server.wait_turn_completed(turn["id"], start=mark, timeout=120)["params"]["turn"]
    assert len(server.notifications("item/agentMessage/delta", start=mark)) == count
    assert len(done["items"][0]["text"]) == count
