"""Unit tests of MockModelServer over plain HTTP (no codex binary involved)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any

import pytest

from codex_app_server.testing import (
    MockModelServer,
    apply_patch,
    cut_stream,
    fail,
    failed_event,
    function_call,
    function_calls,
    hold,
    overloaded,
    raw_events,
    shell_command,
    text,
    unauthorized,
)


def post(
    server: MockModelServer, path: str = "/v1/responses", body: Any = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        payload = json.dumps(body if body is not None else {"model": "m", "input": []})
        conn.request("POST", path, payload, {"Content-Type": "application/json"})
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        conn.close()


def sse(data: bytes) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for block in data.decode().split("\n\n"):
        if not block.strip():
            continue
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        event = json.loads(lines["data"])
        assert lines["event"] == event["type"]
        events.append(event)
    return events


def test_text_reply_event_sequence() -> None:
    with MockModelServer(text("Hello world", deltas=["Hel", "lo ", "world"])) as server:
        status, headers, body = post(server, body={"model": "mock-model", "input": [1]})
    assert status == 200
    assert headers["content-type"] == "text/event-stream"
    events = sse(body)
    assert [e["type"] for e in events] == [
        "response.created",
        "response.output_item.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_item.done",
        "response.completed",
    ]
    assert "".join(e["delta"] for e in events[2:5]) == "Hello world"
    item_id = events[1]["item"]["id"]
    assert {e["item_id"] for e in events[2:5]} == {item_id}
    assert events[5]["item"]["content"] == [
        {"type": "output_text", "text": "Hello world", "annotations": []}
    ]
    assert events[6]["response"]["id"] == events[0]["response"]["id"]
    assert events[6]["response"]["usage"]["total_tokens"] == 17
    assert server.requests == [{"model": "mock-model", "input": [1]}]


def test_text_splits_into_chunks_and_validates_deltas() -> None:
    assert text("abcdefg", chunks=3).deltas == ("abc", "de", "fg")
    assert text("ab", chunks=5).deltas == ("a", "b")
    assert text("").deltas == ()
    with pytest.raises(ValueError, match="do not join"):
        text("abc", deltas=["a", "b"])


def test_default_reply_when_script_is_empty_and_any_base_path() -> None:
    with MockModelServer(default=text("fallback", chunks=1)) as server:
        server.enqueue(text("scripted", chunks=1))
        first = sse(post(server)[2])
        second = sse(post(server, "/api/codex/responses")[2])
        assert server.pending == 0
    assert first[2]["delta"] == "scripted"
    assert second[2]["delta"] == "fallback"
    assert [r.path for r in server.recorded] == ["/v1/responses", "/api/codex/responses"]


def test_other_paths_are_404_and_recorded() -> None:
    with MockModelServer() as server:
        status, _, _ = post(server, "/v1/models")
        assert status == 404
        assert server.requests == []
        assert [r.path for r in server.other_requests] == ["/v1/models"]


def test_function_call_reply() -> None:
    reply = shell_command("touch x", workdir="/tmp/w", call_id="call_9")
    assert json.loads(reply.arguments) == {
        "cmd": "touch x",
        "workdir": "/tmp/w",
        "sandbox_permissions": "require_escalated",
        "justification": "The test asks to run this command.",
    }
    with MockModelServer(reply, function_call("other_tool", '{"a": 1}')) as server:
        events = sse(post(server)[2])
        other = sse(post(server)[2])
    done = events[2]["item"]
    assert done["type"] == "function_call"
    assert done["name"] == "exec_command"
    assert done["call_id"] == "call_9"
    assert [e["type"] for e in events] == [
        "response.created",
        "response.output_item.added",
        "response.output_item.done",
        "response.completed",
    ]
    assert other[2]["item"]["arguments"] == '{"a": 1}'
    assert other[2]["item"]["call_id"].startswith("call_")


def test_apply_patch_runs_the_patch_through_the_shell_tool() -> None:
    reply = apply_patch("*** Begin Patch\n*** End Patch", workdir="/tmp/w", call_id="p9")
    assert (reply.name, reply.call_id) == ("exec_command", "p9")
    assert json.loads(reply.arguments) == {
        "cmd": "apply_patch <<'PATCH'\n*** Begin Patch\n*** End Patch\nPATCH\n",
        "workdir": "/tmp/w",
    }
    with pytest.raises(ValueError, match="'PATCH'"):
        apply_patch("*** Begin Patch\nPATCH\n*** End Patch\n")


def test_a_function_call_names_its_namespace_only_when_given() -> None:
    namespaced = function_call("ask", {}, call_id="n1", namespace="mcp__srv")
    both = function_calls(namespaced, function_call("plain", {}, call_id="n2"))
    with MockModelServer(namespaced, function_call("plain", {}), both) as server:
        single = sse(post(server)[2])
        plain = sse(post(server)[2])
        several = sse(post(server)[2])
    assert single[1]["item"]["namespace"] == single[2]["item"]["namespace"] == "mcp__srv"
    assert "namespace" not in plain[2]["item"]
    items = [e["item"] for e in several if e["type"] == "response.output_item.done"]
    assert [i.get("namespace") for i in items] == ["mcp__srv", None]


@pytest.mark.parametrize(
    ("reply", "status", "code"),
    [
        (fail(500), 500, None),
        (overloaded(), 503, "server_is_overloaded"),
        (unauthorized(), 401, "invalid_api_key"),
    ],
)
def test_http_errors(reply: Any, status: int, code: str | None) -> None:
    with MockModelServer(reply) as server:
        got, headers, body = post(server)
    assert got == status
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == code


def test_http_error_custom_body_and_headers() -> None:
    with MockModelServer(fail(429, body="slow down", headers={"Retry-After": "2"})) as server:
        status, headers, body = post(server)
    assert (status, headers["retry-after"], body) == (429, "2", b"slow down")


def test_failed_event() -> None:
    with MockModelServer(failed_event("server_is_overloaded", "busy")) as server:
        events = sse(post(server)[2])
    assert [e["type"] for e in events] == ["response.created", "response.failed"]
    assert events[1]["response"]["error"] == {"code": "server_is_overloaded", "message": "busy"}


def test_cut_stream_drops_the_connection() -> None:
    with MockModelServer(cut_stream("abcdef", after_deltas=1, chunks=3)) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/v1/responses", "{}")
        response = conn.getresponse()
        with pytest.raises(http.client.IncompleteRead) as caught:
            response.read()
        conn.close()
    events = sse(caught.value.partial)
    assert [e["type"] for e in events] == [
        "response.created",
        "response.output_item.added",
        "response.output_text.delta",
    ]


def test_raw_events() -> None:
    custom = {"type": "response.reasoning_summary_text.delta", "delta": "hm", "summary_index": 0}
    with MockModelServer(raw_events(custom)) as server:
        assert sse(post(server)[2]) == [custom]
    with pytest.raises(ValueError, match="type"):
        raw_events({"no": "type"})


def test_delays() -> None:
    with MockModelServer(text("abcd", chunks=4, delay=0.2, delta_delay=0.05)) as server:
        started = time.monotonic()
        post(server)
        assert time.monotonic() - started >= 0.35


def test_hold_before_reply_until_released() -> None:
    held = hold(text("released text", chunks=1))
    with MockModelServer(held) as server:
        result: list[bytes] = []
        worker = threading.Thread(target=lambda: result.append(post(server)[2]))
        worker.start()
        assert held.wait_started(5)
        time.sleep(0.1)
        assert not result
        assert not held.finished
        held.release()
        worker.join(5)
        assert held.wait_finished(5)
    assert sse(result[0])[2]["delta"] == "released text"
    assert not held.timed_out


def test_hold_mid_stream() -> None:
    held = hold(text("abc", chunks=3), after_deltas=1)
    with MockModelServer(held) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/v1/responses", "{}")
        response = conn.getresponse()
        assert held.wait_started(5)
        held.release()
        events = sse(response.read())
        conn.close()
    assert [e["delta"] for e in events if e["type"] == "response.output_text.delta"] == [
        "a",
        "b",
        "c",
    ]


def test_hold_times_out_and_answers() -> None:
    held = hold(text("late", chunks=1), timeout=0.2)
    with MockModelServer(held) as server:
        events = sse(post(server)[2])
    assert held.timed_out
    assert events[2]["delta"] == "late"


def test_hold_notices_client_hang_up() -> None:
    held = hold()
    with MockModelServer(held) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/v1/responses", "{}")
        assert held.wait_started(5)
        conn.close()
        assert held.wait_finished(5)
    assert held.client_disconnected


def test_hold_validation() -> None:
    with pytest.raises(TypeError):
        hold(fail(500), after_deltas=1)
    with pytest.raises(TypeError):
        hold(hold())


def test_close_does_not_hang_on_held_reply() -> None:
    held = hold(timeout=600)  # past the test's timeout: a close() that waited would fail it
    server = MockModelServer(held).start()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            post(server, timeout=10)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    assert held.wait_started(5)
    server.close()
    worker.join(30)
    assert held.finished
    assert errors  # the client saw the connection drop
    assert not [t for t in threading.enumerate() if t.name.startswith("mock-model")]
    server.close()  # idempotent


def test_wait_for_requests() -> None:
    with MockModelServer() as server:
        with pytest.raises(TimeoutError):
            server.wait_for_requests(1, timeout=0.05)
        timer = threading.Timer(0.1, lambda: post(server))
        timer.start()
        assert len(server.wait_for_requests(1, timeout=5)) == 1
        assert len(server.served) == 1
        timer.join(5)


def test_urls() -> None:
    server = MockModelServer()
    with pytest.raises(RuntimeError):
        _ = server.port
    with server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
    with pytest.raises(RuntimeError):
        server.start()
