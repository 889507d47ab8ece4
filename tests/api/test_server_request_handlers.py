"""Server-request handler fields run on the real app-server (codex 0.163.0, offline) where the
scripted model can make the server send the request.

On the real binary here: `item_command_execution_request_approval` (test_approvals.py) and
`item_permissions_request_approval` (below; the `request_permissions` tool is offered once the
`request_permissions_tool` feature is on), and, on a client that opted in to the experimental
API, `item_tool_call` (`dynamic_tools`) and `item_tool_request_user_input` (the
`request_user_input` tool, offered in Plan mode, chosen per turn with `collaboration_mode`).
What 0.163.0 cannot be made to send offline, and why:

* `item_file_change_request_approval`, `apply_patch_approval`: the mock model is offered no
  `apply_patch` tool (not even with the `apply_patch_freeform` feature).
* `exec_command_approval`: the v1 approval, which the v2 turns above never send.
* `mcp_server_elicitation_request`: needs an MCP server that elicits.
* `account_chatgpt_auth_tokens_refresh`, `attestation_generate`: need a ChatGPT login.

Those run against the fake app-server in tests/reliability/test_server_requests.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from codex_app_server import AsyncCodex, Codex, ServerRequestHandlers
from codex_app_server.testing import OfflineEnvironment, function_call, offline_environment, text


@pytest.fixture
def permissions_env() -> Iterator[OfflineEnvironment]:
    with offline_environment(
        approval_policy="on-request",
        sandbox_mode="read-only",
        extra={"features": {"request_permissions_tool": True}},
    ) as environment:
        yield environment


def ask_for_write(env: OfflineEnvironment) -> None:
    wanted = {"permissions": {"file_system": {"write": [str(env.workdir)]}}, "reason": "a report"}
    env.model.enqueue(function_call("request_permissions", wanted), text("done"))


def tool_output(env: OfflineEnvironment) -> Any:
    (output,) = [
        item
        for item in env.model.requests[-1]["input"]
        if item.get("type") == "function_call_output"
    ]
    return json.loads(output["output"])


def test_a_permissions_request_reaches_its_handler_and_the_grant_the_model(
    permissions_env: OfflineEnvironment,
) -> None:
    env = permissions_env
    ask_for_write(env)
    seen: list[Any] = []

    def grant(params: Any) -> dict[str, Any]:
        seen.append(params)
        return {"permissions": {"fileSystem": {"write": [str(env.workdir)]}}}

    handlers = ServerRequestHandlers(item_permissions_request_approval=grant)
    with Codex(env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("write a report")
    assert result.status == "completed"
    (params,) = seen
    assert type(params).__name__ == "PermissionsRequestApprovalParams"
    assert params.reason == "a report" and params.turn_id == result.id
    assert params.permissions.file_system.write == [str(env.workdir)]
    granted = tool_output(env)
    assert granted["permissions"]["file_system"]["write"] == [str(env.workdir)]
    assert granted["scope"] == "turn"


async def test_without_a_handler_nothing_is_granted(permissions_env: OfflineEnvironment) -> None:
    """The default answer grants nothing (safe by default); the async client is used."""
    env = permissions_env
    ask_for_write(env)
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        result = await thread.run("write a report")
    assert result.status == "completed"
    granted = tool_output(env)
    assert not (granted.get("permissions") or {}).get("file_system")


def test_a_dynamic_tool_call_reaches_the_item_tool_call_handler() -> None:
    """The raw handler field, without `@tool`: a thread started with `dynamic_tools` on a client
    that opted in to the experimental API; the handler's answer is what the model receives."""
    import dataclasses

    seen: list[Any] = []

    def answer(params: Any) -> dict[str, Any]:
        seen.append(params)
        return {"contentItems": [{"type": "inputText", "text": "12 degrees"}], "success": True}

    spec = {
        "type": "function",
        "name": "get_weather",
        "description": "The weather in a city.",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
    with offline_environment(
        function_call("get_weather", {"city": "Paris"}, call_id="w1"), text("Mild.")
    ) as env:
        config = dataclasses.replace(env.config, experimental_api=True)
        handlers = ServerRequestHandlers(item_tool_call=answer)
        with Codex(config, handlers=handlers) as codex:
            result = codex.thread_start(dynamic_tools=[spec]).run("weather?")
        outputs = env.model.function_call_outputs()
    assert result.status == "completed" and result.final_response == "Mild."
    (params,) = seen
    assert type(params).__name__ == "DynamicToolCallParams"
    assert (params.tool, params.arguments, params.call_id) == (
        "get_weather",
        {"city": "Paris"},
        "w1",
    )
    assert outputs == {"w1": "12 degrees"}


def test_a_question_in_plan_mode_reaches_the_user_input_handler() -> None:
    """`request_user_input` is offered in Plan mode only; Plan mode is chosen per turn with
    `collaboration_mode`, an experimental argument. The handler's answers reach the model."""
    import dataclasses

    seen: list[Any] = []

    def answer(params: Any) -> dict[str, Any]:
        seen.append(params)
        return {"answers": {params.questions[0].id: {"answers": ["blue"]}}}

    question = {
        "id": "color",
        "header": "Color",
        "question": "Which color?",
        "options": [
            {"label": "blue", "description": "Calm."},
            {"label": "red", "description": "Loud."},
        ],
    }
    plan = {"mode": "plan", "settings": {"model": "mock-model"}}
    with offline_environment(
        function_call("request_user_input", {"questions": [question]}, call_id="u1"),
        text("Blue it is."),
    ) as env:
        config = dataclasses.replace(env.config, experimental_api=True)
        handlers = ServerRequestHandlers(item_tool_request_user_input=answer)
        with Codex(config, handlers=handlers) as codex:
            result = codex.thread_start().run("pick a color", collaboration_mode=plan)
        outputs = env.model.function_call_outputs()
    assert result.status == "completed" and result.final_response == "Blue it is."
    (params,) = seen
    assert type(params).__name__ == "ToolRequestUserInputParams"
    assert [q.question for q in params.questions] == ["Which color?"]
    assert params.turn_id == result.id
    assert json.loads(outputs["u1"]) == {"answers": {"color": {"answers": ["blue"]}}}
