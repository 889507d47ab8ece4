"""Constructor failures, a dying server, and requests the SDK has no handler for."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from codex_app_server import (
    AppServerConfig,
    AuthRequiredError,
    Codex,
    CodexBinaryError,
    IncompatibleServerError,
    TransportClosedError,
)
from codex_app_server.testing import OfflineEnvironment, hold, text
from tests.support.fake_codex import read_record, write_fake_codex

NOT_FOUND_PROBE = """
import sys
sys.modules["codex_app_server_runtime"] = None  # neither runtime package is installed
sys.modules["codex_cli_bin"] = None
from codex_app_server import Codex, CodexNotFoundError
try:
    Codex()
except CodexNotFoundError as exc:
    print(str(exc))
    sys.exit(0)
sys.exit(1)
"""


def test_no_runtime_and_no_codex_on_path_lists_every_place_tried() -> None:
    env = {**os.environ, "PATH": "/nonexistent-bin"}
    done = subprocess.run(
        [sys.executable, "-c", NOT_FOUND_PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    message = done.stdout
    assert "codex-cli-bin" in message  # the runtime package
    assert "PATH" in message and "/nonexistent-bin" in message
    assert "pip install" in message  # says how to fix it


def test_codex_bin_pointing_at_nothing_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-codex"
    with pytest.raises(CodexBinaryError, match=str(missing)):
        Codex(AppServerConfig(codex_bin=missing))


def test_codex_bin_that_is_not_executable_says_so(tmp_path: Path) -> None:
    plain = tmp_path / "codex"
    plain.write_text("not a program")
    plain.chmod(0o644)
    with pytest.raises(CodexBinaryError, match="not executable") as info:
        Codex(AppServerConfig(codex_bin=plain))
    assert str(plain) in str(info.value)


def test_an_old_server_is_refused_naming_both_versions(tmp_path: Path) -> None:
    fake = write_fake_codex(tmp_path, {"version": "0.100.0"})
    with pytest.raises(IncompatibleServerError) as info:
        Codex(AppServerConfig(codex_bin=fake))
    message = str(info.value)
    assert "0.100.0" in message and "0.147.0" in message and "0.163.0" in message
    # the fix it names is one that works today: OpenAI's runtime at the pinned version
    assert "pip install openai-codex-cli-bin==0.163.0" in message
    assert info.value.server_version == "0.100.0"


def test_a_refused_handshake_is_an_incompatible_server(tmp_path: Path) -> None:
    scenario = {
        "methods": {"initialize": {"error": {"code": -32600, "message": "unsupported client"}}}
    }
    fake = write_fake_codex(tmp_path, scenario)
    with pytest.raises(IncompatibleServerError, match="unsupported client"):
        Codex(AppServerConfig(codex_bin=fake))


def test_a_turn_without_login_raises_auth_required(tmp_path: Path) -> None:
    """The default OpenAI provider, no credentials, no network: the server would retry forever."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("[features]\nplugins = false\napps = false\n")
    config = AppServerConfig(
        cwd=str(tmp_path),
        env={"CODEX_HOME": str(home), "HOME": str(tmp_path)},
        unset_env=("OPENAI_API_KEY", "CODEX_API_KEY"),
    )
    with Codex(config) as codex:
        thread = codex.thread_start()
        with pytest.raises(AuthRequiredError) as info:
            thread.run("hi")
    assert "login_api_key" in str(info.value) and "codex login" in str(info.value)


def server_pid(codex: Codex) -> int:
    pid = codex.client.pid
    assert isinstance(pid, int)
    return pid


def test_killing_the_server_mid_turn_fails_the_turn_at_once(env: OfflineEnvironment) -> None:
    env.model.enqueue(hold(text("never"), timeout=600))
    with Codex(env.config) as codex:
        turn = codex.thread_start().turn("long")
        env.model.wait_for_requests(1)
        os.kill(server_pid(codex), signal.SIGKILL)
        # the reply is held past the test's timeout: only the death can end the turn
        with pytest.raises(TransportClosedError) as info:
            turn.run()
        assert info.value.exit_code == -signal.SIGKILL
        with pytest.raises(TransportClosedError):
            codex.models()  # the client stays closed, calls fail fast


def test_killing_the_server_mid_request_fails_the_request_at_once(env: OfflineEnvironment) -> None:
    with Codex(env.config) as codex:
        pid = server_pid(codex)
        os.kill(pid, signal.SIGSTOP)  # the request will wait for an answer that never comes
        outcome: list[BaseException] = []

        def call() -> None:
            try:
                codex.models()
            except BaseException as exc:
                outcome.append(exc)

        caller = threading.Thread(target=call)
        caller.start()
        time.sleep(0.3)
        assert caller.is_alive()
        os.kill(pid, signal.SIGKILL)
        caller.join(timeout=5)
        assert not caller.is_alive()
    assert isinstance(outcome[0], TransportClosedError)


def test_a_server_that_exits_mid_request_reports_code_and_stderr(tmp_path: Path) -> None:
    scenario = {
        "methods": {
            "model/list": {
                "actions": [
                    {"do": "stderr", "text": "fatal: out of cheese\n"},
                    {"do": "exit", "code": 3},
                ]
            }
        }
    }
    config = AppServerConfig(codex_bin=write_fake_codex(tmp_path, scenario))
    with Codex(config) as codex, pytest.raises(TransportClosedError) as info:
        codex.models()
    assert info.value.exit_code == 3
    assert "out of cheese" in info.value.stderr_tail


def test_unknown_server_requests_get_a_json_rpc_error_not_an_empty_result(tmp_path: Path) -> None:
    record = tmp_path / "record.jsonl"
    scenario = {
        "record": str(record),
        "methods": {
            "model/list": {
                "actions": [
                    {
                        "do": "request",
                        "method": "item/tool/requestUserInput",
                        "params": {"threadId": "t", "turnId": "u", "itemId": "i", "questions": []},
                        "wait": True,
                    },
                    {"do": "request", "method": "brand/new/request", "params": {}, "wait": True},
                    {
                        "do": "request",
                        "method": "item/fileChange/requestApproval",
                        "params": {"threadId": "t", "turnId": "u", "itemId": "i"},
                        "wait": True,
                    },
                    {"do": "respond", "result": {"data": []}},
                ]
            }
        },
    }
    with Codex(AppServerConfig(codex_bin=write_fake_codex(tmp_path, scenario))) as codex:
        codex.models()
    answers = [
        e["message"]
        for e in read_record(record)
        if e.get("kind") == "message" and "id" in e["message"] and "method" not in e["message"]
    ]
    by_id = {a["id"]: a for a in answers}
    user_input, unknown, file_change = (by_id[i] for i in sorted(by_id)[-3:])
    assert (
        user_input["error"]["code"] == -32601
        and "item_tool_request_user_input" in user_input["error"]["message"]
    )
    assert unknown["error"]["code"] == -32601
    assert file_change["result"] == {"decision": "decline"}
    assert json.dumps(answers).count('"result": {}') == 0


def test_every_call_on_a_closed_client_raises_transport_closed(env: OfflineEnvironment) -> None:
    """Plain calls, starting a turn and subscribing all say the session was closed (a
    `CodexError`), not that some internal event loop is gone."""
    codex = Codex(env.config)
    thread = codex.thread_start()
    codex.close()
    calls = {
        "models": codex.models,
        "thread_start": codex.thread_start,
        "turn": lambda: thread.turn("hi"),
        "notifications": codex.notifications,
        "raw": lambda: codex.client.request_raw("model/list", {}),
    }
    outcomes: dict[str, str] = {}
    for name, call in calls.items():
        try:
            call()
        except Exception as exc:  # recorded, asserted below
            outcomes[name] = repr(exc)
        else:
            outcomes[name] = "no error"
    assert outcomes == dict.fromkeys(
        calls, "TransportClosedError('the app-server session was closed')"
    ), outcomes
