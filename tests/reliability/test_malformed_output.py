"""Garbage on the server's stdout: the connection goes on, or the right call fails clearly.

Each bad line is reported (a WARNING on the `codex_app_server` logger, the raw bytes
included, and `session.stats.protocol_errors`) and never kills the reader.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from codex_app_server import (
    Codex,
    InternalRpcError,
    JsonRpcError,
    ProtocolError,
    TransportClosedError,
)

pytestmark = pytest.mark.timeout(30)


def then_answer(*actions: Any) -> dict[str, Any]:
    """model/list: run `actions`, then answer normally; later calls answer normally."""
    return {"methods": {"model/list": [{"actions": [*actions, "respond"]}, "builtin"]}}


def raw(text: str = "", *, hex: str | None = None) -> dict[str, Any]:
    if hex is not None:
        return {"do": "raw", "hex": hex, "newline": True}
    return {"do": "raw", "text": text, "newline": True}


def send(message: Any) -> dict[str, Any]:
    return {"do": "send", "message": message}


GARBAGE: dict[str, tuple[list[dict[str, Any]], list[str]]] = {
    # case: (actions before the answer, what the protocol errors say)
    "non-JSON line": ([raw("this is not JSON {")], ["not a JSON line"]),
    "invalid UTF-8 line": ([raw(hex="fffe80c0")], ["not a JSON line"]),
    "invalid UTF-8 inside a JSON object": (
        [raw(hex=b'{"method":"x/y","params":{"t":"\xff"}}'.hex())],
        ["invalid UTF-8"],
    ),
    "JSON values that are not objects": (
        [send(42), send([1, 2, 3]), send("text"), send(None)],
        [f"expected a JSON object, got {t}" for t in ("int", "list", "str", "NoneType")],
    ),
    "response to an unknown id": (
        [send({"id": 987654, "result": {}})],
        ["response to unknown request id 987654"],
    ),
    "message with neither method nor result": (
        [send({"jsonrpc": "2.0", "hello": 1})],
        ["neither method nor result"],
    ),
    "server request with a non-string method": (
        [send({"id": 77, "method": 5})],
        ["malformed server request"],
    ),
    "blank and whitespace lines (not errors)": ([raw(""), raw("   "), raw("\t")], []),
}


@pytest.mark.parametrize("case", list(GARBAGE))
def test_garbage_is_reported_and_the_connection_goes_on(
    case: str, make_fake: Any, caplog: pytest.LogCaptureFixture
) -> None:
    actions, expected = GARBAGE[case]
    caplog.set_level(logging.WARNING, logger="codex_app_server")
    with Codex(make_fake(then_answer(*actions)).config) as codex:
        assert codex.models().data[0].id == "mock-model"  # answered after the garbage
        assert codex.models().data[0].id == "mock-model"  # and the next call works
        stats = codex.client.stats
        assert stats.protocol_errors == len(expected)
    logged = [r.getMessage() for r in caplog.records if "protocol error" in r.getMessage()]
    assert len(logged) == len(expected)
    for text, line in zip(expected, logged, strict=True):
        assert text in line


def test_a_server_request_with_a_bad_method_gets_an_error_answer(make_fake: Any) -> None:
    fake = make_fake(then_answer(send({"id": 77, "method": 5})))
    with Codex(fake.config) as codex:
        codex.models()
    answer = fake.answers()[77]
    assert answer["error"]["code"] == -32603


def test_a_response_with_invalid_utf8_still_answers_its_call(
    make_fake: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """One corrupt byte does not cost the caller its response (request ids: initialize is 1,
    the first call 2): the bad byte becomes U+FFFD and the call returns."""
    line = b'{"id":2,"result":{"data":[],"note":"caf\xe9"}}'
    scenario = {"methods": {"model/list": [{"actions": [raw(hex=line.hex())]}, "builtin"]}}
    with Codex(make_fake(scenario).config) as codex:
        answer = codex.models()  # were the line lost, this would end in RequestTimeoutError
        assert answer.data == [] and answer.model_extra == {"note": "caf\ufffd"}
        assert codex.models().data[0].id == "mock-model"
    assert any("invalid UTF-8" in r.getMessage() for r in caplog.records)


def test_duplicate_response_is_reported_and_ignored(
    make_fake: Any, caplog: pytest.LogCaptureFixture
) -> None:
    scenario = {"methods": {"model/list": [{"actions": ["respond", "respond"]}, "builtin"]}}
    with Codex(make_fake(scenario).config) as codex:
        assert codex.models().data
        assert codex.thread_start().id  # a later request is not confused by the duplicate
        assert codex.models().data
        assert codex.client.stats.protocol_errors == 1
    assert any("duplicate response" in r.getMessage() for r in caplog.records)


def test_partial_line_then_eof_fails_the_call_with_the_exit(make_fake: Any) -> None:
    scenario = {
        "methods": {
            "model/list": {
                "actions": [
                    {"do": "raw", "text": '{"id": 2, "result": {"data": [{"id": "mo'},
                    {"do": "stderr", "text": "killed mid-write\n"},
                    {"do": "exit", "code": 1},
                ]
            }
        }
    }
    with Codex(make_fake(scenario).config) as codex:
        with pytest.raises(TransportClosedError) as info:
            codex.models()
        assert info.value.exit_code == 1 and "killed mid-write" in info.value.stderr_tail
        assert codex.client.stats.protocol_errors == 1  # the cut line, reported


def test_a_last_line_without_newline_is_still_read(make_fake: Any) -> None:
    scenario = {
        "methods": {
            "model/list": {
                "actions": [
                    {"do": "raw", "text": '{"id": 2, "result": {"data": [], "nextCursor": null}}'},
                    {"do": "exit", "code": 0},
                ]
            }
        }
    }
    with Codex(make_fake(scenario).config) as codex:
        assert codex.models().data == []
        with pytest.raises(TransportClosedError):
            codex.models()


def test_ten_megabyte_line_is_delivered_whole(make_fake: Any) -> None:
    size = 10_000_000
    scenario = {
        "methods": {
            "turn/start": {"turn": {"before_complete": [{"do": "big_line", "bytes": size}]}}
        }
    }
    with Codex(make_fake(scenario).config) as codex:
        turn = codex.thread_start().turn("hi")
        started = time.monotonic()
        deltas = [n.raw["delta"] for n in turn.stream() if n.method == "item/agentMessage/delta"]
        elapsed = time.monotonic() - started
        assert max(len(d) for d in deltas) > size - 500
        assert turn.done
        assert codex.models().data
    print(f"\n[10 MB line] streamed and parsed in {elapsed:.2f} s")


ERROR_OBJECTS: list[tuple[Any, type[JsonRpcError], int, str]] = [
    ({"code": -32000}, JsonRpcError, -32000, "error response without a message"),
    ({"code": -32602}, JsonRpcError, -32602, "error response without a message"),
    ({"message": "no code here"}, InternalRpcError, -32603, "no code here"),
    ("boom", InternalRpcError, -32603, "malformed error object: 'boom'"),
    ({}, InternalRpcError, -32603, "error response without a message"),
]


@pytest.mark.parametrize(("error", "cls", "code", "text"), ERROR_OBJECTS)
def test_error_objects_without_message_or_code_fail_that_call_clearly(
    make_fake: Any, error: Any, cls: type[JsonRpcError], code: int, text: str
) -> None:
    scenario = {"methods": {"model/list": [{"error": error}, "builtin"]}}
    with Codex(make_fake(scenario).config) as codex:
        with pytest.raises(cls) as info:
            codex.models()
        assert info.value.code == code and text in str(info.value)
        assert str(info.value).startswith("model/list: ")
        assert codex.models().data  # the connection goes on


def test_response_with_both_result_and_error_fails_that_call(make_fake: Any) -> None:
    bad = {"id": 2, "result": {"data": []}, "error": {"code": 1, "message": "both"}}
    scenario = {"methods": {"model/list": [{"actions": [send(bad)]}, "builtin"]}}
    with Codex(make_fake(scenario).config) as codex:
        with pytest.raises(ProtocolError, match="malformed response to model/list") as info:
            codex.models()
        assert info.value.request_id == 2
        assert codex.models().data
