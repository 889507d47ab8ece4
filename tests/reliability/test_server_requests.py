"""Requests from the server: storms, handlers that hang, handlers that raise.

Every server request gets exactly one answer: the handler's, the default (approvals declined,
anything else -32601), or -32603 when the handler raises or outlives
`AppServerConfig(server_request_timeout=...)`. The connection goes on in every case.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from codex_app_server import AsyncCodex, Codex, ServerRequestHandlers

pytestmark = pytest.mark.timeout(30)

APPROVAL = "item/commandExecution/requestApproval"


def approvals(count: int, *, concurrent: bool = True, timeout: float = 20) -> dict[str, Any]:
    spec = {"count": count, "concurrent": concurrent, "timeout": timeout}
    return {"methods": {"turn/start": {"turn": {"approvals": spec}}}}


def command_items(result: Any) -> list[Any]:
    return [i for i in result.items if type(i).__name__ == "CommandExecutionThreadItem"]


def approval_answers(fake: Any) -> list[dict[str, Any]]:
    """The client's answers to the fake's server requests, in request-id order."""
    answers = fake.answers()
    return [answers[k] for k in sorted(answers)]


def test_a_storm_of_200_approvals_is_all_declined_by_default(make_fake: Any) -> None:
    fake = make_fake(approvals(200))
    with Codex(fake.config) as codex:
        started = time.monotonic()
        result = codex.thread_start().run("storm")
        elapsed = time.monotonic() - started
        assert codex.models().data
    answers = approval_answers(fake)
    assert len(answers) == 200
    assert all(a["result"] == {"decision": "decline"} for a in answers)
    items = command_items(result)
    assert len(items) == 200 and {i.status for i in items} == {"declined"}
    print(f"\n[200 concurrent approvals, default policy] turn done in {elapsed:.2f} s")


def test_a_storm_answered_by_a_blocking_handler(make_fake: Any) -> None:
    """200 at once to a sync handler (each runs in its own thread): all accepted, each once."""
    fake = make_fake(approvals(200))
    calls: list[str] = []
    lock = threading.Lock()

    def accept(params: Any) -> dict[str, str]:
        time.sleep(0.01)
        with lock:
            calls.append(params.item_id)
        return {"decision": "accept"}

    handlers = ServerRequestHandlers(item_command_execution_request_approval=accept)
    with Codex(fake.config, handlers=handlers) as codex:
        result = codex.thread_start().run("storm")
    assert len(calls) == len(set(calls)) == 200
    assert {i.status for i in command_items(result)} == {"completed"}
    assert all(a["result"] == {"decision": "accept"} for a in approval_answers(fake))


async def test_a_storm_answered_by_an_async_handler(make_fake: Any) -> None:
    fake = make_fake(approvals(200))

    async def accept(params: Any) -> dict[str, str]:
        await asyncio.sleep(0.05)
        return {"decision": "accept"}

    handlers = ServerRequestHandlers(item_command_execution_request_approval=accept)
    async with AsyncCodex(fake.config, handlers=handlers) as codex:
        thread = await codex.thread_start()
        result = await thread.run("storm")
    assert {i.status for i in command_items(result)} == {"completed"}
    assert len(approval_answers(fake)) == 200


def test_a_blocking_handler_that_hangs_is_answered_with_an_error(make_fake: Any) -> None:
    """The handler never returns (until the test lets it): after server_request_timeout the
    request is answered -32603, the turn and the connection go on, and close() does not wait
    for the stuck handler."""
    fake = make_fake(approvals(1), server_request_timeout=0.5)
    release = threading.Event()
    returned = threading.Event()

    def hang(params: Any) -> dict[str, str]:
        release.wait(60)
        returned.set()
        return {"decision": "accept"}

    handlers = ServerRequestHandlers(item_command_execution_request_approval=hang)
    try:
        codex = Codex(fake.config, handlers=handlers)
        started = time.monotonic()
        result = codex.thread_start().run("hang")
        assert time.monotonic() - started > 0.4  # the timeout answered, not the handler
        assert result.status == "completed"
        assert {i.status for i in command_items(result)} == {"failed"}  # as the real binary
        (answer,) = approval_answers(fake)
        assert answer["error"]["code"] == -32603
        assert "timed out after 0.5 s" in answer["error"]["message"]
        assert codex.models().data  # the connection goes on
        codex.close()
        assert not returned.is_set()  # close() was not held up by the stuck handler thread
    finally:
        release.set()  # let the abandoned handler thread end (no_leaks checks it does)


async def test_an_async_handler_that_hangs_is_answered_with_an_error(make_fake: Any) -> None:
    fake = make_fake(approvals(1), server_request_timeout=0.5)
    cancelled = asyncio.Event()

    async def hang(params: Any) -> dict[str, str]:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {"decision": "accept"}

    handlers = ServerRequestHandlers(item_command_execution_request_approval=hang)
    async with AsyncCodex(fake.config, handlers=handlers) as codex:
        thread = await codex.thread_start()
        result = await thread.run("hang")
        assert cancelled.is_set()  # the handler was cancelled, not left running
        assert {i.status for i in command_items(result)} == {"failed"}  # an error answer
        assert (await codex.models()).data
    (answer,) = approval_answers(fake)
    assert answer["error"]["code"] == -32603 and "timed out" in answer["error"]["message"]


def test_a_handler_that_hangs_does_not_delay_close_or_exit(make_fake: Any) -> None:
    """No server_request_timeout at all: closing the client mid-request is still prompt."""
    fake = make_fake(approvals(1), server_request_timeout=None)
    entered = threading.Event()
    release = threading.Event()
    returned = threading.Event()

    def hang(params: Any) -> dict[str, str]:
        entered.set()
        release.wait(60)
        returned.set()
        return {"decision": "accept"}

    handlers = ServerRequestHandlers(item_command_execution_request_approval=hang)
    try:
        codex = Codex(fake.config, handlers=handlers)
        turn = codex.thread_start().turn("hang")
        assert entered.wait(10)
        codex.close()
        assert not returned.is_set()  # close() did not wait for the handler
        assert not turn.done
    finally:
        release.set()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_handler_that_raises_is_answered_with_an_error(make_fake: Any, kind: str) -> None:
    fake = make_fake(approvals(3, concurrent=False))
    calls = 0

    def broken(params: Any) -> dict[str, str]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ValueError("handler bug #2")
        return {"decision": "accept"}

    async def broken_async(params: Any) -> dict[str, str]:
        return broken(params)

    handler = broken if kind == "sync" else broken_async
    handlers = ServerRequestHandlers(item_command_execution_request_approval=handler)
    with Codex(fake.config, handlers=handlers) as codex:
        result = codex.thread_start().run("raise")
        assert [i.status for i in command_items(result)] == ["completed", "failed", "completed"]
        assert codex.models().data
    answers = approval_answers(fake)
    assert answers[0]["result"] == {"decision": "accept"}
    assert answers[1]["error"] == {"code": -32603, "message": "handler bug #2"}
    assert answers[2]["result"] == {"decision": "accept"}


def test_a_handler_returning_a_malformed_answer_is_an_error_answer(make_fake: Any) -> None:
    fake = make_fake(approvals(1))

    def wrong(params: Any) -> Any:
        return {"decision": 12345}

    handlers = ServerRequestHandlers(item_command_execution_request_approval=wrong)
    with Codex(fake.config, handlers=handlers) as codex:
        result = codex.thread_start().run("malformed")
        assert {i.status for i in command_items(result)} == {"failed"}  # an error answer
    (answer,) = approval_answers(fake)
    assert answer["error"]["code"] == -32603


# The handler fields 0.163.0 never exercises through the SDK (tests/api/
# test_server_request_handlers.py says why): a fake sends each request with params shaped like
# the schema's, and the handler's typed params and its answer are checked on the wire.
UNREACHABLE = {
    "execCommandApproval": (
        "exec_command_approval",
        "ExecCommandApprovalParams",
        {
            "conversationId": "c1",
            "callId": "x1",
            "command": ["touch", "f"],
            "cwd": "/tmp",
            "parsedCmd": [],
            "reason": "needs a file",
        },
        {"decision": "approved"},
    ),
    "applyPatchApproval": (
        "apply_patch_approval",
        "ApplyPatchApprovalParams",
        {
            "conversationId": "c1",
            "callId": "x1",
            "fileChanges": {"/tmp/f": {"type": "add", "content": "hi\n"}},
        },
        {"decision": "approved_for_session"},
    ),
}


def asking_on_model_list(method: str, params: dict[str, Any]) -> dict[str, Any]:
    request = {"do": "request", "method": method, "params": params, "wait": True}
    return {"methods": {"model/list": {"actions": [request, {"do": "respond"}]}}}


@pytest.mark.parametrize("method", sorted(UNREACHABLE))
def test_a_request_the_real_binary_never_sends_reaches_its_handler(
    make_fake: Any, method: str
) -> None:
    field, params_type, params, answer = UNREACHABLE[method]
    fake = make_fake(asking_on_model_list(method, params))
    seen: list[Any] = []

    def handler(got: Any) -> dict[str, Any]:
        seen.append(got)
        return answer

    with Codex(fake.config, handlers=ServerRequestHandlers(**{field: handler})) as codex:
        codex.models()
    (got,) = seen
    assert type(got).__name__ == params_type
    assert got.model_dump(by_alias=True, exclude_none=True, mode="json") == params
    (wire,) = approval_answers(fake)
    assert wire["result"] == answer


@pytest.mark.parametrize("method", sorted(UNREACHABLE))
async def test_without_a_handler_they_are_refused(make_fake: Any, method: str) -> None:
    """Default answer (the async client): the v1 approvals are denied."""
    params = UNREACHABLE[method][2]
    fake = make_fake(asking_on_model_list(method, params))
    async with AsyncCodex(fake.config) as codex:
        await codex.models()
    (wire,) = approval_answers(fake)
    assert wire["result"] == {"decision": "denied"}
