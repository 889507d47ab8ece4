"""The testing kit drives REAL ``codex app-server`` turns (raw JSON-RPC, no SDK).

These tests double as the record of how codex 0.163.0 behaves: the shapes asserted here
are the ones the SDK must surface (turn lifecycle, approvals, failures, interrupt, steer).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from codex_app_server.testing import (
    MockModelServer,
    Reply,
    context_window_exceeded,
    cut_stream,
    fail,
    failed_event,
    hold,
    overloaded,
    rate_limited,
    shell_command,
    text,
    unauthorized,
    usage_limit_reached,
)
from tests.support.raw_app_server import RawAppServer, RpcError

if TYPE_CHECKING:
    from pathlib import Path

Message = dict[str, Any]
StartServer = Callable[..., RawAppServer]


def _methods(messages: list[Message]) -> list[str]:
    return [m["method"] for m in messages]


def test_text_turn_streams_deltas_and_completes(
    model: MockModelServer, app_server: StartServer, workdir: Path
) -> None:
    model.enqueue(text("Hello there, tester!", deltas=["Hello", " there,", " tester!"]))
    server = app_server()
    assert server.messages[0]["result"]["userAgent"].startswith("raw_test_driver/0.163.0 ")

    thread_id = server.start_thread(cwd=workdir)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    assert turn["status"] == "inProgress"
    assert turn["items"] == []
    completed = server.wait_turn_completed(turn["id"], start=mark)["params"]

    notes = server.turn_notifications(turn["id"], start=mark)
    methods = _methods(notes)
    assert methods[0] == "turn/started"
    assert methods[-1] == "turn/completed"
    deltas = [n["params"] for n in notes if n["method"] == "item/agentMessage/delta"]
    assert [d["delta"] for d in deltas] == ["Hello", " there,", " tester!"]
    assert {d["threadId"] for d in deltas} == {thread_id}

    agent_done = [
        n["params"]["item"]
        for n in notes
        if n["method"] == "item/completed" and n["params"]["item"]["type"] == "agentMessage"
    ]
    assert [item["text"] for item in agent_done] == ["Hello there, tester!"]
    assert {d["itemId"] for d in deltas} == {agent_done[0]["id"]}
    assert methods.index("item/agentMessage/delta") < methods.index("turn/completed")

    assert completed["threadId"] == thread_id
    assert completed["turn"]["status"] == "completed"
    assert completed["turn"]["error"] is None
    assert [i["text"] for i in completed["turn"]["items"]] == ["Hello there, tester!"]
    usage = server.wait_notification("thread/tokenUsage/updated", start=mark)["params"]
    assert usage["tokenUsage"]["last"]["totalTokens"] == 17

    body = model.requests[-1]
    assert body["model"] == "mock-model"
    assert body["stream"] is True
    assert body["input"][-1] == {
        "type": "message",
        "id": body["input"][-1]["id"],
        "role": "user",
        "content": [{"type": "input_text", "text": "hi"}],
    }
    assert "exec_command" in model.tool_names()
    assert model.user_texts()[-1] == "hi"
    assert model.user_texts()[0].startswith("<environment_context>")
    assert model.recorded[-1].path == "/v1/responses"
    assert model.other_requests == []


def test_second_turn_sends_the_history(
    model: MockModelServer, app_server: StartServer, workdir: Path
) -> None:
    model.enqueue(text("first answer"), text("second answer"))
    server = app_server()
    thread_id = server.start_thread(cwd=workdir)
    for prompt in ("one", "two"):
        mark = server.mark()
        turn = server.start_turn(thread_id, prompt)
        server.wait_turn_completed(turn["id"], start=mark)
    history = model.requests[-1]["input"]
    texts = [c.get("text") for item in history for c in item.get("content", [])]
    assert texts[-3:] == ["one", "first answer", "two"]


@pytest.mark.parametrize(("decision", "created"), [("decline", False), ("accept", True)])
def test_command_approval_round_trip(
    model: MockModelServer,
    app_server: StartServer,
    workdir: Path,
    decision: str,
    created: bool,
) -> None:
    target = workdir / "created.txt"
    model.enqueue(shell_command(f"touch {target}", workdir=workdir), text("All done."))
    server = app_server(approval_policy="on-request", sandbox_mode="read-only")
    thread_id = server.start_thread(cwd=workdir)
    mark = server.mark()
    turn = server.start_turn(thread_id, "make a file")

    request = server.wait_server_request("item/commandExecution/requestApproval", start=mark)
    params = request["params"]
    assert params["threadId"] == thread_id
    assert params["turnId"] == turn["id"]
    assert params["itemId"] == model.served[0].call_id  # type: ignore[attr-defined]
    assert params["command"] == f"/bin/bash -lc 'touch {target}'"
    assert params["cwd"] == str(workdir)
    assert params["reason"] == "The test asks to run this command."
    assert "accept" in params["availableDecisions"]
    server.respond(request["id"], {"decision": decision})

    completed = server.wait_turn_completed(turn["id"], start=mark)["params"]["turn"]
    assert completed["status"] == "completed"
    assert target.exists() is created
    resolved = server.wait_notification("serverRequest/resolved", start=mark)["params"]
    assert resolved == {"threadId": thread_id, "requestId": request["id"]}
    command_items = [
        n["params"]["item"]
        for n in server.notifications("item/completed", start=mark)
        if n["params"]["item"]["type"] == "commandExecution"
    ]
    assert [item["status"] for item in command_items] == ["completed" if created else "declined"]
    # The model's second request carries the tool result.
    assert len(model.requests) == 2
    output = model.requests[1]["input"][-1]
    assert output["type"] == "function_call_output"
    assert output["call_id"] == params["itemId"]
    if not created:
        assert "rejected by user" in output["output"]


FAILURES: list[tuple[str, Reply, Any, str]] = [
    ("http500", fail(500), "internalServerError", "high demand"),
    (
        "http429",
        rate_limited(),
        {"responseTooManyFailedAttempts": {"httpStatusCode": 429}},
        "exceeded retry limit, last status: 429",
    ),
    ("usage_limit", usage_limit_reached(), "usageLimitExceeded", "usage limit"),
    ("overloaded", overloaded(), "serverOverloaded", "at capacity"),
    (
        "http401",
        unauthorized(),
        {"httpConnectionFailed": {"httpStatusCode": 401}},
        "unexpected status 401 Unauthorized",
    ),
    ("http400", fail(400, message="bad input"), "other", "bad input"),
    ("response_failed", failed_event(), "other", "stream disconnected before completion"),
    (
        "failed_overloaded",
        failed_event("server_is_overloaded", "busy"),
        "serverOverloaded",
        "at capacity",
    ),
    ("context_window", context_window_exceeded(), "contextWindowExceeded", "context window"),
    ("cut_stream", cut_stream(after_deltas=1), "other", "error decoding response body"),
]


@pytest.mark.parametrize("case", [pytest.param(case[1:], id=case[0]) for case in FAILURES])
def test_model_failure_fails_the_turn(
    model: MockModelServer, app_server: StartServer, workdir: Path, case: tuple[Reply, Any, str]
) -> None:
    reply, info, fragment = case
    model.enqueue(reply)
    server = app_server()
    thread_id = server.start_thread(cwd=workdir)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    completed = server.wait_turn_completed(turn["id"], start=mark)["params"]["turn"]

    error = server.wait_notification("error", start=mark)["params"]
    assert error["threadId"] == thread_id
    assert error["turnId"] == turn["id"]
    assert error["willRetry"] is False
    assert error["error"]["codexErrorInfo"] == info
    assert fragment in error["error"]["message"]

    assert completed["status"] == "failed"
    assert completed["error"] == error["error"]
    assert completed["items"] == []
    statuses = [
        n["params"]["status"]["type"]
        for n in server.notifications("thread/status/changed", start=mark)
    ]
    assert statuses[-1] == "systemError"
    assert len(model.requests) == 1  # retries are off in the kit's config

    # The thread is still usable: the next turn completes. (After contextWindowExceeded
    # codex first runs a compaction request: a contextCompaction item, then the answer.)
    mark = server.mark()
    model.default = text("recovered")
    again = server.start_turn(thread_id, "again")
    done = server.wait_turn_completed(again["id"], start=mark)["params"]["turn"]
    assert done["status"] == "completed"
    assert [i["text"] for i in done["items"]] == ["recovered"]


def test_cut_stream_with_retries_reports_will_retry_then_recovers(
    model: MockModelServer, app_server: StartServer, workdir: Path
) -> None:
    model.enqueue(cut_stream(after_deltas=1), text("Recovered answer"))
    server = app_server(extra={"model_providers": {"mock": {"stream_max_retries": 2}}})
    thread_id = server.start_thread(cwd=workdir)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    completed = server.wait_turn_completed(turn["id"], start=mark)["params"]["turn"]

    error = server.wait_notification("error", start=mark)["params"]
    assert error["willRetry"] is True
    assert error["error"]["message"] == "Reconnecting... 1/2"
    assert error["error"]["codexErrorInfo"] == {
        "responseStreamDisconnected": {"httpStatusCode": None}
    }
    assert "error decoding response body" in error["error"]["additionalDetails"]
    assert completed["status"] == "completed"
    assert [i["text"] for i in completed["items"]] == ["Recovered answer"]
    # The cut message was started but never completed: an orphan item/started.
    started = {
        n["params"]["item"]["id"]
        for n in server.notifications("item/started", start=mark)
        if n["params"]["item"]["type"] == "agentMessage"
    }
    done = {
        n["params"]["item"]["id"]
        for n in server.notifications("item/completed", start=mark)
        if n["params"]["item"]["type"] == "agentMessage"
    }
    assert len(started - done) == 1
    assert len(model.requests) == 2


def test_interrupt_a_held_turn(
    model: MockModelServer, app_server: StartServer, workdir: Path
) -> None:
    held = hold(text("First part of the answer"), after_deltas=1, timeout=20)
    model.enqueue(held)
    server = app_server()
    thread_id = server.start_thread(cwd=workdir)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    assert held.wait_started(10)
    delta = server.wait_notification("item/agentMessage/delta", start=mark)["params"]
    assert delta["delta"] == "First pa"

    result = server.request("turn/interrupt", {"threadId": thread_id, "turnId": turn["id"]})
    assert result == {}
    # the reply is held until the interrupt: the turn completes because of it
    completed = server.wait_turn_completed(turn["id"], start=mark, timeout=30)["params"]["turn"]
    assert completed["status"] == "interrupted"
    assert completed["error"] is None
    assert completed["items"] == []  # the partial message is dropped
    assert held.wait_finished(5)
    assert held.client_disconnected  # codex aborted the model request
    assert not held.released

    with pytest.raises(RpcError) as caught:
        server.request(
            "turn/steer",
            {
                "threadId": thread_id,
                "expectedTurnId": turn["id"],
                "input": [{"type": "text", "text": "x"}],
            },
        )
    assert caught.value.code == -32600
    assert caught.value.message == "no active turn to steer"


def test_interrupt_when_idle_is_an_error(
    model: MockModelServer, app_server: StartServer, workdir: Path
) -> None:
    server = app_server()
    thread_id = server.start_thread(cwd=workdir)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    server.wait_turn_completed(turn["id"], start=mark)
    with pytest.raises(RpcError) as caught:
        server.request("turn/interrupt", {"threadId": thread_id, "turnId": turn["id"]})
    assert caught.value.code == -32600
    assert caught.value.message == "no active turn to interrupt"


def test_duplicate_interrupt_is_answered_only_when_the_next_turn_ends(
    model: MockModelServer, app_server: StartServer, workdir: Path
) -> None:
    """A quirk of 0.163.0: an SDK must not wait forever on ``turn/interrupt``."""
    held = hold(timeout=20)
    model.enqueue(held, text("next"))
    server = app_server()
    thread_id = server.start_thread(cwd=workdir)
    turn = server.start_turn(thread_id, "hi")
    assert held.wait_started(10)
    params = {"threadId": thread_id, "turnId": turn["id"]}
    assert server.request("turn/interrupt", params) == {}
    duplicate = server.send_request("turn/interrupt", params)
    with pytest.raises(TimeoutError):
        server.wait_response(duplicate, timeout=1.0)

    mark = server.mark()
    nxt = server.start_turn(thread_id, "next")
    done = server.wait_turn_completed(nxt["id"], start=mark)["params"]["turn"]
    assert done["status"] == "completed"  # the late interrupt did not hit the new turn
    assert server.wait_response(duplicate, timeout=5) == {"id": duplicate, "result": {}}


def test_steer_a_held_turn(model: MockModelServer, app_server: StartServer, workdir: Path) -> None:
    held = hold(text("First part of the answer"), after_deltas=1, timeout=20)
    model.enqueue(held, text("Second answer after steer"))
    server = app_server()
    thread_id = server.start_thread(cwd=workdir)
    mark = server.mark()
    turn = server.start_turn(thread_id, "hi")
    server.wait_notification("item/agentMessage/delta", start=mark)

    steer_input = [{"type": "text", "text": "also do X"}]
    result = server.request(
        "turn/steer", {"threadId": thread_id, "expectedTurnId": turn["id"], "input": steer_input}
    )
    assert result == {"turnId": turn["id"]}
    with pytest.raises(RpcError) as caught:
        server.request(
            "turn/steer", {"threadId": thread_id, "expectedTurnId": "bogus", "input": steer_input}
        )
    assert caught.value.code == -32600
    assert caught.value.message == f"expected active turn id `bogus` but found `{turn['id']}`"

    completed = server.wait_turn_completed(turn["id"], start=mark)["params"]["turn"]
    assert completed["status"] == "completed"
    assert [i["text"] for i in completed["items"]] == ["Second answer after steer"]
    # The steer aborted the in-flight model stream and re-sampled with the new input.
    assert held.wait_finished(5)
    assert held.client_disconnected
    assert len(model.requests) == 2
    last = model.requests[1]["input"][-1]
    assert last["role"] == "user"
    assert last["content"] == [{"type": "input_text", "text": "also do X"}]
    user_items = [
        n["params"]["item"]["content"]
        for n in server.notifications("item/started", start=mark)
        if n["params"]["item"]["type"] == "userMessage"
    ]
    assert user_items[-1] == [{"type": "text", "text": "also do X", "text_elements": []}]


def test_delayed_reply_keeps_turn_in_progress(
    model: MockModelServer, app_server: StartServer, workdir: Path
) -> None:
    model.enqueue(text("slow answer", chunks=4, delay=0.3, delta_delay=0.1))
    server = app_server()
    thread_id = server.start_thread(cwd=workdir)
    mark = server.mark()
    started = time.monotonic()
    turn = server.start_turn(thread_id, "hi")
    server.wait_turn_completed(turn["id"], start=mark)
    assert time.monotonic() - started >= 0.6
    deltas = server.notifications("item/agentMessage/delta", start=mark)
    assert len(deltas) == 4


@pytest.mark.parametrize(
    "outcome",
    [
        pytest.param(("cancel", "declined", "interrupted"), id="cancel"),
        pytest.param(("error", "failed", "completed"), id="error"),
        pytest.param(("bad-decision", "failed", "completed"), id="bad-decision"),
        pytest.param(("interrupt", None, "interrupted"), id="interrupt"),
    ],
)
def test_approval_other_outcomes(
    model: MockModelServer,
    app_server: StartServer,
    workdir: Path,
    outcome: tuple[str, str | None, str],
) -> None:
    answer, item_status, turn_status = outcome
    target = workdir / "never.txt"
    model.enqueue(shell_command(f"touch {target}", workdir=workdir), text("after"))
    server = app_server(approval_policy="on-request")
    thread_id = server.start_thread(cwd=workdir)
    mark = server.mark()
    turn = server.start_turn(thread_id, "go")
    request = server.wait_server_request("item/commandExecution/requestApproval", start=mark)
    if answer == "cancel":
        server.respond(request["id"], {"decision": "cancel"})
    elif answer == "error":
        server.respond_error(request["id"], -32603, "client failed")
    elif answer == "bad-decision":
        server.respond(request["id"], {"decision": "maybe"})
    else:
        assert server.request("turn/interrupt", {"threadId": thread_id, "turnId": turn["id"]}) == {}

    done = server.wait_turn_completed(turn["id"], start=mark)["params"]["turn"]
    assert done["status"] == turn_status
    assert done["error"] is None
    resolved = server.wait_notification("serverRequest/resolved", start=mark)["params"]
    assert resolved["requestId"] == request["id"]
    statuses = [
        n["params"]["item"]["status"]
        for n in server.notifications("item/completed", start=mark)
        if n["params"]["item"]["type"] == "commandExecution"
    ]
    assert statuses == ([item_status] if item_status else [])
    assert not target.exists()
    if turn_status == "completed":  # the model was told and answered
        assert "approval request failed" in model.requests[-1]["input"][-1]["output"]
        assert [i["text"] for i in done["items"]] == ["after"]
    else:
        assert len(model.requests) == 1
