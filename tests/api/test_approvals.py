"""Server requests on the real app-server: the model proposes a command needing approval."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

from codex_app_server import Codex, ServerRequestHandlers, accept_all
from codex_app_server.testing import OfflineEnvironment, shell_command, text


def propose_touch(env: OfflineEnvironment, name: str) -> Path:
    target = env.workdir / name
    env.model.enqueue(shell_command(f"touch {target}", workdir=str(env.workdir)), text("done"))
    return target


def command_item(result: Any) -> Any:
    return next(i for i in result.items if type(i).__name__ == "CommandExecutionThreadItem")


def test_by_default_an_approval_is_declined_and_the_command_never_runs(
    approval_env: OfflineEnvironment,
) -> None:
    target = propose_touch(approval_env, "created-by-default")
    with Codex(approval_env.config) as codex:
        result = codex.thread_start().run("make the file")
    assert result.status == "completed"
    assert command_item(result).status == "declined"
    assert not target.exists()


def test_a_handler_that_accepts_makes_the_command_really_run(
    approval_env: OfflineEnvironment,
) -> None:
    target = propose_touch(approval_env, "created-by-handler")
    seen: list[Any] = []

    def approve(params: Any) -> dict[str, str]:
        seen.append(params)
        return {"decision": "accept"}

    with Codex(approval_env.config) as codex:
        codex.handlers.item_command_execution_request_approval = approve
        result = codex.thread_start().run("make the file")
    assert target.exists()
    assert command_item(result).status == "completed"
    (params,) = seen
    assert type(params).__name__ == "CommandExecutionRequestApprovalParams"
    assert "touch" in (params.command or "") and params.turn_id == result.id


def test_accept_all_preset(approval_env: OfflineEnvironment) -> None:
    target = propose_touch(approval_env, "created-by-preset")
    with Codex(approval_env.config, handlers=accept_all()) as codex:
        codex.thread_start().run("make the file")
    assert target.exists()


def test_a_raising_handler_fails_that_request_only(approval_env: OfflineEnvironment) -> None:
    target = propose_touch(approval_env, "never-created")

    def broken(_params: Any) -> Any:
        raise RuntimeError("handler bug")

    handlers = ServerRequestHandlers(item_command_execution_request_approval=broken)
    with Codex(approval_env.config, handlers=handlers) as codex:
        thread = codex.thread_start()
        result = thread.run("make the file")
        assert result.status == "completed"  # the server treats the failed request as refused
        assert command_item(result).status == "failed"
        assert not target.exists()
        approval_env.model.enqueue(text("still here"))
        assert thread.run("again").final_response == "still here"  # the connection goes on


async def test_an_async_handler_is_awaited(approval_env: OfflineEnvironment) -> None:
    from codex_app_server import AsyncCodex

    target = propose_touch(approval_env, "created-async")

    async def approve(_params: Any) -> dict[str, str]:
        return {"decision": "accept"}

    async with AsyncCodex(approval_env.config) as codex:
        codex.handlers.item_command_execution_request_approval = approve
        thread = await codex.thread_start()
        result = await thread.run("make the file")
    assert result.status == "completed" and target.exists()


def test_a_malformed_handler_answer_fails_the_command(approval_env: OfflineEnvironment) -> None:
    """The SDK answers the server with an error rather than send a decision it cannot encode;
    the real binary then fails the command (as for a raising handler)."""
    target = propose_touch(approval_env, "never-created-malformed")

    def wrong(_params: Any) -> Any:
        return {"decision": 12345}

    handlers = ServerRequestHandlers(item_command_execution_request_approval=wrong)
    with Codex(approval_env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("make the file")
    assert result.status == "completed"
    assert command_item(result).status == "failed"
    assert not target.exists()


def test_a_handler_that_hangs_is_cut_off_by_the_timeout(approval_env: OfflineEnvironment) -> None:
    """server_request_timeout answers for a stuck handler: the real binary fails the command
    and the turn goes on; the handler's late decision is never used."""
    target = propose_touch(approval_env, "never-created-hang")
    release = threading.Event()

    def hang(_params: Any) -> dict[str, str]:
        release.wait(60)
        return {"decision": "accept"}

    config = dataclasses.replace(approval_env.config, server_request_timeout=0.5)
    handlers = ServerRequestHandlers(item_command_execution_request_approval=hang)
    try:
        with Codex(config, handlers=handlers) as codex:
            result = codex.thread_start().run("make the file")
            assert result.status == "completed"
            # "failed", not "completed": the timeout answered, not the handler's accept
            assert command_item(result).status == "failed"
    finally:
        release.set()
    assert not target.exists()
