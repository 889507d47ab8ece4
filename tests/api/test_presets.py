"""Sandbox and approval-mode presets map to the protocol's fields, on the real app-server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from codex_app_server import AsyncCodex, Codex, Sandbox, ServerRequestHandlers, accept_all
from codex_app_server.presets import ApprovalMode
from codex_app_server.testing import OfflineEnvironment, shell_command, text


def _instructions(env: OfflineEnvironment, index: int = -1) -> str:
    """What codex told the model about its permissions (developer messages of a request)."""
    return json.dumps(env.model.requests[index]["input"])


def test_thread_presets_set_the_sandbox_mode_and_the_approval_policy(
    env: OfflineEnvironment, codex: Codex
) -> None:
    env.model.enqueue(text("ok"))
    codex.thread_start(sandbox=Sandbox.read_only, **ApprovalMode.deny_all).run("hi")
    told = _instructions(env)
    assert "`sandbox_mode` is `read-only`" in told
    assert "Approval policy is currently never" in told


def test_a_turn_preset_overrides_the_sandbox_for_that_turn(
    env: OfflineEnvironment, codex: Codex
) -> None:
    env.model.enqueue(text("one"), text("two"))
    thread = codex.thread_start(sandbox=Sandbox.read_only)
    thread.run("first")
    thread.run(
        "second", sandbox_policy=Sandbox.policy(Sandbox.full_access), **ApprovalMode.auto_review
    )
    assert "`sandbox_mode` is `read-only`" in _instructions(env, 0)
    told = _instructions(env, 1)
    assert "`sandbox_mode` is `danger-full-access`" in told
    assert "`approvals_reviewer` is `auto_review`" in told


def _propose_touch(env: OfflineEnvironment, name: str) -> Any:
    target = env.workdir / name
    env.model.enqueue(shell_command(f"touch {target}", workdir=str(env.workdir)), text("done"))
    return target


def test_deny_all_never_asks_even_a_handler_that_would_accept(
    approval_env: OfflineEnvironment,
) -> None:
    target = _propose_touch(approval_env, "never-created")
    asked: list[str] = []

    def approve(params: Any) -> dict[str, Any]:
        asked.append(params.command)
        return {"decision": "accept"}

    handlers = ServerRequestHandlers(item_command_execution_request_approval=approve)
    with Codex(approval_env.config, handlers=handlers) as codex:
        thread = codex.thread_start(sandbox=Sandbox.read_only, **ApprovalMode.deny_all)
        result = thread.run("make the file")
    assert result.succeeded
    assert asked == [] and not target.exists()


def test_ask_routes_escalations_to_the_client_handler(env: OfflineEnvironment) -> None:
    target = _propose_touch(env, "created-after-asking")
    with Codex(env.config, handlers=accept_all()) as codex:
        thread = codex.thread_start(sandbox=Sandbox.read_only, **ApprovalMode.ask)
        assert thread.run("make the file").succeeded
    assert target.exists()


def test_presets_are_namespaces_and_refuse_unknown_modes() -> None:
    assert Sandbox.full_access == "danger-full-access"
    assert Sandbox.policy("full-access").type == "dangerFullAccess"  # the official spelling
    with pytest.raises(ValueError, match="unknown sandbox preset"):
        Sandbox.policy("everything")
    with pytest.raises(TypeError, match="namespace"):
        Sandbox()


async def test_async_threads_take_the_presets(env: OfflineEnvironment) -> None:
    env.model.enqueue(text("ok"))
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start(sandbox=Sandbox.workspace_write, **ApprovalMode.deny_all)
        await thread.run("hi")
    assert "`sandbox_mode` is `workspace-write`" in _instructions(env)
