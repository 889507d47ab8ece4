"""`mcp_server_elicitation_request` on the real app-server (codex 0.163.0, offline).

An MCP server configured in `config.toml` (tests/support/eliciting_mcp_server.py, a stdio
server with one tool that asks its client for a name) makes codex send the client
`mcpServer/elicitation/request`; the scripted model calls the tool in the namespace codex
offers it in (`mcp__asker`). Codex asks the client only under an approval policy that allows
asking (`on-request`); it also asks there, through the same request, before it runs an MCP
tool, unless the server's `default_tools_approval_mode` is `"approve"`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codex_app_server import AsyncCodex, Codex, ServerRequestHandlers
from codex_app_server.testing import OfflineEnvironment, function_call, offline_environment, text
from tests.support import eliciting_mcp_server as mcp

SERVER_SCRIPT = Path(mcp.__file__)
NAME = {"action": "accept", "content": {"name": "Ada"}}


def ask_name_env(log: Path, *, policy: str = "on-request", approve_tools: bool = True) -> Any:
    server: dict[str, Any] = {"command": sys.executable, "args": [str(SERVER_SCRIPT), str(log)]}
    if approve_tools:
        server["default_tools_approval_mode"] = "approve"
    return offline_environment(
        function_call(mcp.TOOL, {}, call_id="m1", namespace=f"mcp__{mcp.SERVER_NAME}"),
        text("asked"),
        approval_policy=policy,
        extra={"mcp_servers": {mcp.SERVER_NAME: server}},
    )


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "mcp-server.jsonl"


@pytest.fixture
def env(log: Path) -> Iterator[OfflineEnvironment]:
    with ask_name_env(log) as environment:
        yield environment


def received(log: Path) -> list[dict[str, Any]]:
    """Every message the MCP server got, in order."""
    return [json.loads(line) for line in log.read_text().splitlines()]


def elicitation_answer(log: Path) -> Any:
    """What codex answered the MCP server's `elicitation/create`."""
    (answer,) = [m for m in received(log) if m.get("id") == mcp.ELICITATION_ID]
    return answer.get("result", answer.get("error"))


def tool_calls(log: Path) -> list[dict[str, Any]]:
    return [m for m in received(log) if m.get("method") == "tools/call"]


def mcp_item(result: Any) -> Any:
    (item,) = [i for i in result.items if type(i).__name__ == "McpToolCallThreadItem"]
    return item


def test_the_server_question_reaches_the_handler_and_the_answer_the_server(
    env: OfflineEnvironment, log: Path
) -> None:
    seen: list[Any] = []

    def answer(params: Any) -> dict[str, Any]:
        seen.append(params)
        return NAME

    handlers = ServerRequestHandlers(mcp_server_elicitation_request=answer)
    with Codex(env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("ask me")
    assert result.status == "completed" and result.final_response == "asked"
    (params,) = seen
    assert type(params).__name__ == "FormMcpServerElicitationRequestParams"  # the form variant
    assert (params.server_name, params.message, params.mode) == ("asker", mcp.QUESTION, "form")
    assert params.turn_id == result.id and params.field_meta is None
    assert params.requested_schema.required == ["name"]
    assert list(params.requested_schema.properties) == ["name"]
    assert elicitation_answer(log) == NAME
    expected = "answer: " + json.dumps(NAME, sort_keys=True)
    item = mcp_item(result)
    assert (item.server, item.tool, item.status.value) == ("asker", mcp.TOOL, "completed")
    assert item.result.content == [{"type": "text", "text": expected}]
    output = env.model.function_call_outputs()["m1"]
    assert expected in [part.get("text") for part in output]  # the model sees it too


@pytest.mark.parametrize("action", ["decline", "cancel"])
def test_a_refusal_reaches_the_server(env: OfflineEnvironment, log: Path, action: str) -> None:
    handlers = ServerRequestHandlers(
        mcp_server_elicitation_request=lambda _params: {"action": action}
    )
    with Codex(env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("ask me")
    assert result.status == "completed"
    assert elicitation_answer(log) == {"action": action}
    assert mcp_item(result).status.value == "completed"  # the tool itself answered


async def test_without_a_handler_the_server_is_told_decline(
    env: OfflineEnvironment, log: Path
) -> None:
    """The SDK answers an error (-32601: no handler set); codex tells the MCP server
    `decline` and the turn goes on. The async client."""
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        result = await thread.run("ask me")
    assert result.status == "completed" and result.final_response == "asked"
    assert elicitation_answer(log) == {"action": "decline"}


async def test_an_async_elicitation_handler_is_awaited(env: OfflineEnvironment, log: Path) -> None:
    seen: list[str] = []

    async def answer(params: Any) -> dict[str, Any]:
        seen.append(params.server_name)
        return NAME

    handlers = ServerRequestHandlers(mcp_server_elicitation_request=answer)
    async with AsyncCodex(env.config, handlers=handlers) as codex:
        thread = await codex.thread_start()
        await thread.run("ask me")
    assert seen == ["asker"] and elicitation_answer(log) == NAME


def test_under_never_codex_declines_without_asking(log: Path) -> None:
    seen: list[Any] = []
    handlers = ServerRequestHandlers(mcp_server_elicitation_request=seen.append)
    with ask_name_env(log, policy="never") as env, Codex(env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("ask me")
    assert result.status == "completed"
    assert seen == []
    assert elicitation_answer(log) == {"action": "decline"}


def test_the_tool_approval_comes_through_the_elicitation_handler(log: Path) -> None:
    """Without `default_tools_approval_mode = "approve"` codex first asks the client, as an
    elicitation marked `codex_approval_kind: mcp_tool_call`, whether to run the tool;
    declining it means the MCP server never gets the call."""
    seen: list[Any] = []

    def decline(params: Any) -> dict[str, Any]:
        seen.append(params)
        return {"action": "decline"}

    handlers = ServerRequestHandlers(mcp_server_elicitation_request=decline)
    with (
        ask_name_env(log, approve_tools=False) as env,
        Codex(env.config, handlers=handlers) as codex,
    ):
        result = codex.thread_start().run("ask me")
    assert result.status == "completed"
    (params,) = seen
    assert params.server_name == "asker" and '"ask_name"' in params.message
    assert params.field_meta["codex_approval_kind"] == "mcp_tool_call"
    assert tool_calls(log) == []
    item = mcp_item(result)
    assert item.status.value == "failed" and item.error.message == "user rejected MCP tool call"


def test_an_approved_tool_then_asks_its_own_question(log: Path) -> None:
    kinds: list[Any] = []

    def accept(params: Any) -> dict[str, Any]:
        kinds.append((params.field_meta or {}).get("codex_approval_kind"))
        return {"action": "accept", "content": {}} if kinds[-1] else NAME

    handlers = ServerRequestHandlers(mcp_server_elicitation_request=accept)
    with (
        ask_name_env(log, approve_tools=False) as env,
        Codex(env.config, handlers=handlers) as codex,
    ):
        result = codex.thread_start().run("ask me")
    assert kinds == ["mcp_tool_call", None]
    assert len(tool_calls(log)) == 1 and elicitation_answer(log) == NAME
    assert mcp_item(result).status.value == "completed"
