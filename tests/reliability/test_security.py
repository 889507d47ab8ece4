"""Security: the default policy refuses approvals; an API key given to the SDK never shows.

* With no handler set, a command the model proposes that needs approval is declined: it does
  not run (the file it would create does not exist).
* A secret passed in `AppServerConfig(env=...)` appears in no repr (config, client, Codex,
  thread, turn, result), no log line of the `codex_app_server` logger (DEBUG, over a session
  and a failure), and no exception message; even a server that echoes it to stderr does not
  get it into a `TransportClosedError` (secret-looking env values are redacted from the
  stderr tail).
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from codex_app_server import (
    AppServerConfig,
    AsyncCodex,
    Codex,
    TransportClosedError,
    ask,
    decline_all,
)
from codex_app_server.testing import OfflineEnvironment, offline_environment, shell_command, text

pytestmark = pytest.mark.timeout(60)

SECRET = "sk-test-SECRET-0123456789abcdef"


def propose_touch(env: OfflineEnvironment, name: str) -> Path:
    target = env.workdir / name
    env.model.enqueue(shell_command(f"touch {target}", workdir=str(env.workdir)), text("done"))
    return target


@pytest.mark.parametrize("policy", ["default", "decline_all", "ask-no"])
def test_an_approval_requiring_command_does_not_run(policy: str) -> None:
    handlers = {"default": None, "decline_all": decline_all(), "ask-no": ask(lambda m, p: False)}
    with offline_environment(approval_policy="on-request", sandbox_mode="read-only") as env:
        target = propose_touch(env, f"created-{policy}")
        with Codex(env.config, handlers=handlers[policy]) as codex:
            turn = codex.thread_start().turn("make the file")
            statuses = [
                n.params.item.status
                for n in turn.stream()
                if n.method in ("item/started", "item/completed")
                and n.raw["item"]["type"] == "commandExecution"
            ]
            result = turn.run()
        assert statuses == ["inProgress", "declined"]
        assert result.status == "completed"
        assert not target.exists()
        # the model was told the command was refused, in its next request
        follow_up = env.model.requests[-1]
        outputs = [i for i in follow_up["input"] if i.get("type") == "function_call_output"]
        assert outputs, "the declined call's output was not sent back to the model"


def secret_config(env: OfflineEnvironment) -> AppServerConfig:
    """The offline config with an API key added to the child's environment."""
    base = env.config
    return AppServerConfig(
        codex_bin=base.codex_bin,
        cwd=base.cwd,
        env={**base.env, "OPENAI_API_KEY": SECRET},
        unset_env=base.unset_env,
        config_overrides={"model_providers.mock.http_headers": {"X-Api-Token": SECRET}},
    )


def assert_no_secret(*texts: str) -> None:
    for value in texts:
        assert SECRET not in value, value[:2000]


def test_the_key_appears_in_no_repr_log_or_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="codex_app_server")
    with offline_environment(text("hello")) as env:
        config = secret_config(env)
        codex = Codex(config)
        try:
            thread = codex.thread_start()
            turn = thread.turn("hi")
            result = turn.run()
            assert result.final_response == "hello"
            texts = [repr(config), str(config), repr(codex), repr(codex.client), repr(thread)]
            texts += [repr(turn), repr(result), repr(codex.client.stats)]
            texts += [repr(codex.metadata)]
            assert_no_secret(*texts)
            pid = codex.client.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            with pytest.raises(TransportClosedError) as info:
                codex.models()
        finally:
            codex.close()
    error = info.value
    assert_no_secret(str(error), repr(error), error.stderr_tail)
    logged = [r.getMessage() for r in caplog.records]
    logged += [r.exc_text or "" for r in caplog.records]
    assert logged  # the session did log (at DEBUG)
    assert_no_secret(*logged)


def test_config_repr_redacts_nested_and_argument_secrets() -> None:
    config = AppServerConfig(
        env={"OPENAI_API_KEY": SECRET},
        config_overrides={
            "model_providers.x.http_headers": {"Authorization": f"Bearer {SECRET}"},
            "model_providers.x.experimental_bearer_token": SECRET,
            "mcp_servers.y.env": {"GITHUB_TOKEN": SECRET, "LEVEL": "debug"},
        },
        extra_args=("-c", f"api_key={SECRET}"),
    )
    shown = repr(config)
    assert_no_secret(shown, str(config))
    assert "'LEVEL': 'debug'" in shown  # only secrets are hidden


async def test_the_key_appears_in_no_async_repr() -> None:
    with offline_environment(text("hello")) as env:
        config = secret_config(env)
        async with AsyncCodex(config) as codex:
            thread = await codex.thread_start()
            turn = await thread.turn("hi")
            result = await turn.run()
            assert_no_secret(repr(codex), repr(thread), repr(turn), repr(result))


def test_a_server_echoing_the_key_to_stderr_does_not_leak_it_via_the_sdk(
    make_fake: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="codex_app_server")
    echo = f"debug: env OPENAI_API_KEY={SECRET} CODEX_API_KEY={SECRET}x\n"
    scenario = {
        "methods": {
            "model/list": {"actions": [{"do": "stderr", "text": echo}, {"do": "exit", "code": 2}]}
        }
    }
    fake = make_fake(scenario, env={"OPENAI_API_KEY": SECRET, "CODEX_API_KEY": SECRET + "x"})
    assert_no_secret(repr(fake.config))
    with Codex(fake.config) as codex, pytest.raises(TransportClosedError) as info:
        codex.models()
    error = info.value
    assert "OPENAI_API_KEY=<redacted>" in error.stderr_tail
    assert "CODEX_API_KEY=<redacted>" in error.stderr_tail
    assert_no_secret(str(error), error.stderr_tail)
    assert_no_secret(*[r.getMessage() for r in caplog.records])
