"""Server-request handler fields run on the real app-server (codex 0.163.0, offline) where the
scripted model can make the server send the request.

On the real binary (9 of the 11 fields, and `attestation_generate`, below), and how the request is provoked:

* `item_command_execution_request_approval` (test_approvals.py): `exec_command` asking for
  escalation under `on-request`.
* `item_file_change_request_approval`: the model runs `apply_patch` through the shell tool,
  which codex turns into a file change.
* `item_permissions_request_approval`: the `request_permissions` tool, offered once the
  `request_permissions_tool` feature is on.
* `mcp_server_elicitation_request` (test_mcp_elicitation.py): a stdio MCP server in the
  offline `config.toml` whose tool elicits; codex's own MCP tool approval comes this way too.
* `account_chatgpt_auth_tokens_refresh`: ChatGPT tokens supplied by the client (the
  experimental `chatgptAuthTokens` login), a provider with `requires_openai_auth`, and a model
  that answers 401.
* With the experimental API: `item_tool_call` (`dynamic_tools`),
  `item_tool_request_user_input` (the `request_user_input` tool, offered in Plan mode, chosen
  per turn with `collaboration_mode`) and `current_time_read` (the `current_time_reminder`
  feature with `clock_source = "external"`).

What 0.163.0 does not send to the SDK, and why:

* `apply_patch_approval`, `exec_command_approval`: the approvals of the legacy (v1)
  conversation API; 0.163.0 has no client request that starts such a conversation, and its
  `turn/start` turns ask through the v2 requests (pinned below).

Those two run against the fake app-server in tests/reliability/test_server_requests.py.

`attestation_generate` also runs on the real binary: with ChatGPT tokens it asks before each
model request, the token going upstream in `x-oai-attestation`, but only a client that declared
`requestAttestation` in `initialize`; the SDK declares it when the handler is given at start.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from codex_app_server import AsyncCodex, Codex, ServerRequestHandlers
from codex_app_server.testing import (
    OfflineEnvironment,
    apply_patch,
    function_call,
    function_calls,
    offline_environment,
    shell_command,
    text,
    unauthorized,
)


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


def patch_call(env: OfflineEnvironment, name: str) -> Any:
    """`apply_patch` through the shell tool: codex turns it into a file change, which under
    `on-request` in a read-only sandbox asks the client for a file-change approval."""
    patch = f"*** Begin Patch\n*** Add File: {env.workdir / name}\n+hello\n*** End Patch"
    return apply_patch(patch, workdir=env.workdir, call_id="p1")


def propose_patch(env: OfflineEnvironment, name: str) -> Any:
    env.model.enqueue(patch_call(env, name), text("patched"))
    return env.workdir / name


def file_change(result: Any) -> Any:
    (item,) = [i for i in result.items if type(i).__name__ == "FileChangeThreadItem"]
    return item


def test_an_accepted_file_change_is_written(approval_env: OfflineEnvironment) -> None:
    env = approval_env
    target = propose_patch(env, "accepted.txt")
    seen: list[Any] = []

    def accept(params: Any) -> dict[str, str]:
        seen.append(params)
        assert not target.exists()  # asked before anything is written
        return {"decision": "accept"}

    handlers = ServerRequestHandlers(item_file_change_request_approval=accept)
    with Codex(env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("write the file")
    assert result.status == "completed" and result.final_response == "patched"
    (params,) = seen
    assert type(params).__name__ == "FileChangeRequestApprovalParams"
    assert (params.item_id, params.turn_id) == ("p1", result.id)
    assert target.read_text() == "hello\n"
    item = file_change(result)
    assert item.status.value == "completed" and item.id == "p1"
    assert [(c.path, c.kind.type) for c in item.changes] == [(str(target), "add")]
    assert "Success" in env.model.function_call_outputs()["p1"]


def test_a_declined_file_change_is_not_written(approval_env: OfflineEnvironment) -> None:
    env = approval_env
    target = propose_patch(env, "declined.txt")
    handlers = ServerRequestHandlers(
        item_file_change_request_approval=lambda _params: {"decision": "decline"}
    )
    with Codex(env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("write the file")
    assert result.status == "completed" and result.final_response == "patched"
    assert not target.exists()
    assert file_change(result).status.value == "declined"
    assert env.model.function_call_outputs()["p1"] == "patch rejected by user"


def test_a_cancelled_file_change_interrupts_the_turn(approval_env: OfflineEnvironment) -> None:
    env = approval_env
    target = propose_patch(env, "cancelled.txt")
    handlers = ServerRequestHandlers(
        item_file_change_request_approval=lambda _params: {"decision": "cancel"}
    )
    with Codex(env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("write the file")
    assert result.status == "interrupted"
    assert not target.exists()
    assert len(env.model.requests) == 1  # the model is not asked again


async def test_without_a_handler_a_file_change_is_declined(
    approval_env: OfflineEnvironment,
) -> None:
    """The SDK's default answer declines (async client, awaited handler path)."""
    env = approval_env
    target = propose_patch(env, "default.txt")
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        result = await thread.run("write the file")
    assert result.status == "completed"
    assert not target.exists()
    assert file_change(result).status.value == "declined"


async def test_an_async_file_change_handler_is_awaited(approval_env: OfflineEnvironment) -> None:
    env = approval_env
    target = propose_patch(env, "async.txt")
    seen: list[str] = []

    async def accept(params: Any) -> dict[str, str]:
        seen.append(params.item_id)
        return {"decision": "accept"}

    handlers = ServerRequestHandlers(item_file_change_request_approval=accept)
    async with AsyncCodex(env.config, handlers=handlers) as codex:
        thread = await codex.thread_start()
        result = await thread.run("write the file")
    assert seen == ["p1"] and target.read_text() == "hello\n"
    assert file_change(result).status.value == "completed"


def access_token(revision: int) -> str:
    """An unsigned JWT shaped like a ChatGPT access token (codex reads its claims only)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    auth = {"chatgpt_account_id": "acct-1", "chatgpt_plan_type": "plus", "chatgpt_user_id": "u1"}
    claims = {
        "exp": 4_102_444_800,  # 2100-01-01: not expired, so only the 401 makes codex refresh
        "revision": revision,
        "https://api.openai.com/auth": auth,
        "https://api.openai.com/profile": {"email": "dev@example.com"},
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.sig"


def token_revision(request: Any) -> int:
    """Which `access_token(revision)` a model request carried."""
    token = request.headers.get("authorization") or request.headers.get("Authorization")
    payload = token.removeprefix("Bearer ").split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=="))["revision"]


@pytest.fixture
def chatgpt_env() -> Iterator[OfflineEnvironment]:
    """ChatGPT tokens supplied by the client (`chatgptAuthTokens` login, experimental) for a
    provider that uses the OpenAI login; the model first answers 401."""
    import dataclasses

    extra = {"model_providers": {"mock": {"requires_openai_auth": True}}}
    with offline_environment(unauthorized(), text("Hello again."), extra=extra) as environment:
        config = dataclasses.replace(environment.config, experimental_api=True)
        yield dataclasses.replace(environment, config=config)


CHATGPT_LOGIN = {
    "type": "chatgptAuthTokens",
    "accessToken": access_token(1),
    "chatgptAccountId": "acct-1",
}


def test_a_401_asks_the_client_for_fresh_chatgpt_tokens(chatgpt_env: OfflineEnvironment) -> None:
    env = chatgpt_env
    seen: list[Any] = []

    def refresh(params: Any) -> dict[str, Any]:
        seen.append(params)
        return {"accessToken": access_token(2), "chatgptAccountId": "acct-1"}

    handlers = ServerRequestHandlers(account_chatgpt_auth_tokens_refresh=refresh)
    with Codex(env.config, handlers=handlers) as codex:
        codex.client.account_login_start(CHATGPT_LOGIN)
        result = codex.thread_start().run("hi")
    assert result.status == "completed" and result.final_response == "Hello again."
    (params,) = seen
    assert type(params).__name__ == "ChatgptAuthTokensRefreshParams"
    assert (params.reason, params.previous_account_id) == ("unauthorized", "acct-1")
    first, retry = env.model.recorded
    assert [token_revision(first), token_revision(retry)] == [1, 2]  # the retry uses the new one
    assert retry.headers.get("chatgpt-account-id") == "acct-1"


async def test_without_a_refresh_handler_the_turn_fails_unauthorized(
    chatgpt_env: OfflineEnvironment,
) -> None:
    """No handler: the SDK answers -32601 and codex fails the turn (the async client)."""
    env = chatgpt_env
    async with AsyncCodex(env.config) as codex:
        await codex.client.account_login_start(CHATGPT_LOGIN)
        thread = await codex.thread_start()
        result = await thread.run("hi")
    assert result.status == "failed" and result.error is not None
    assert "auth refresh request failed" in result.error.message  # the SDK's -32601
    assert len(env.model.requests) == 1  # no retry without fresh tokens


def test_an_attestation_handler_given_at_start_is_asked(chatgpt_env: OfflineEnvironment) -> None:
    """An `attestation_generate` handler passed to the constructor makes the SDK declare
    `requestAttestation`: the server asks it before the model request and sends its token
    upstream in `x-oai-attestation`."""
    env = chatgpt_env
    env.model.clear()
    env.model.enqueue(text("Hello."))
    asked: list[Any] = []

    def attest(params: Any) -> dict[str, str]:
        asked.append(params)
        return {"token": "token-123"}

    with Codex(env.config, handlers=ServerRequestHandlers(attestation_generate=attest)) as codex:
        codex.client.account_login_start(CHATGPT_LOGIN)
        result = codex.thread_start().run("hi")
    assert result.status == "completed"
    assert [type(p).__name__ for p in asked] == ["AttestationGenerateParams"]
    (request,) = env.model.recorded
    header = {k.lower(): v for k, v in request.headers.items()}["x-oai-attestation"]
    assert json.loads(header)["t"] == "token-123"


async def test_an_attestation_handler_set_after_start_is_not_asked(
    chatgpt_env: OfflineEnvironment,
) -> None:
    """The opt-in happens at the handshake only: a handler set on a started client is never
    asked and no attestation goes upstream (the async client)."""
    env = chatgpt_env
    env.model.clear()
    env.model.enqueue(text("Hello."))
    asked: list[Any] = []
    async with AsyncCodex(env.config) as codex:
        codex.handlers = ServerRequestHandlers(attestation_generate=asked.append)
        await codex.client.account_login_start(CHATGPT_LOGIN)
        thread = await codex.thread_start()
        result = await thread.run("hi")
    assert result.status == "completed" and asked == []
    (request,) = env.model.recorded
    assert "x-oai-attestation" not in {k.lower() for k in request.headers}


def test_v2_turns_never_send_the_v1_approvals(approval_env: OfflineEnvironment) -> None:
    """`exec_command_approval` and `apply_patch_approval` belong to the legacy (v1)
    conversation API, which 0.163.0 no longer has (no `newConversation`, `sendUserTurn` or
    `sendUserMessage` among its client requests): a command and a file change in a
    `turn/start` turn ask through the v2 requests, so the v1 handlers are never called and
    the v2 default declines both."""
    env = approval_env
    touched = env.workdir / "touched"
    command = shell_command(f"touch {touched}", workdir=env.workdir, call_id="c1")
    env.model.enqueue(function_calls(command, patch_call(env, "patched.txt")), text("done"))
    legacy: list[Any] = []
    handlers = ServerRequestHandlers(
        exec_command_approval=lambda params: legacy.append(params) or {"decision": "approved"},
        apply_patch_approval=lambda params: legacy.append(params) or {"decision": "approved"},
    )
    with Codex(env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("touch and patch")
    assert result.status == "completed" and legacy == []
    statuses = {type(i).__name__: i.status.value for i in result.items if hasattr(i, "status")}
    assert statuses == {
        "CommandExecutionThreadItem": "declined",
        "FileChangeThreadItem": "declined",
    }
    assert list(env.workdir.iterdir()) == []


@pytest.fixture
def external_clock_env() -> Iterator[OfflineEnvironment]:
    """The `current_time_reminder` feature reading an external clock: the client's
    (`currentTime/read`, experimental)."""
    import dataclasses

    reminder = {"enabled": True, "clock_source": "external"}
    with offline_environment(
        text("It is late."), extra={"features": {"current_time_reminder": reminder}}
    ) as environment:
        config = dataclasses.replace(environment.config, experimental_api=True)
        yield dataclasses.replace(environment, config=config)


def model_input(env: OfflineEnvironment) -> str:
    return json.dumps(env.model.requests[-1]["input"])


def test_the_model_is_told_the_time_the_client_reads(
    external_clock_env: OfflineEnvironment,
) -> None:
    env = external_clock_env
    seen: list[Any] = []

    def clock(params: Any) -> dict[str, int]:
        seen.append(params)
        return {"currentTimeAt": 1_700_000_000}

    with Codex(env.config, handlers=ServerRequestHandlers(current_time_read=clock)) as codex:
        thread = codex.thread_start()
        result = thread.run("what time is it?")
    assert result.status == "completed" and result.final_response == "It is late."
    assert seen and {type(p).__name__ for p in seen} == {"CurrentTimeReadParams"}
    assert {p.thread_id for p in seen} == {thread.id}
    assert "It is 2023-11-14 22:13:20 UTC." in model_input(env)


async def test_without_a_clock_handler_the_turn_fails_naming_the_field(
    external_clock_env: OfflineEnvironment,
) -> None:
    """The SDK's -32601 names the handler to set; codex fails the turn with that message
    before asking the model (the async client)."""
    env = external_clock_env
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        result = await thread.run("what time is it?")
    assert result.status == "failed" and result.error is not None
    assert "failed to read current time" in result.error.message
    assert "codex.handlers.current_time_read" in result.error.message
    assert env.model.requests == []
