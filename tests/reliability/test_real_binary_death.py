"""kill -9 (and SIGTERM) of the real app-server: the same guarantees as a fake's death.

Extends tests/api/test_failures.py (kill mid-turn before any output, kill mid-request):
here the server dies mid-stream with several consumers at once (a turn stream, a
notifications() reader), during an approval handler, under the async API, and with SIGTERM.
Every consumer fails at once with `TransportClosedError` (exit code = minus the signal);
`close()` is prompt and leaves no process (no_leaks); a new client works.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from codex_app_server import AsyncCodex, Codex, ServerRequestHandlers, TransportClosedError
from codex_app_server.testing import (
    OfflineEnvironment,
    hold,
    offline_environment,
    shell_command,
    text,
)

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def env() -> Iterator[OfflineEnvironment]:
    with offline_environment() as environment:
        yield environment


def server_pid(codex: Codex | AsyncCodex) -> int:
    pid = codex.client.pid
    assert isinstance(pid, int)
    return pid


def in_thread(fn: Any) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=target)
    worker.start()
    return worker, errors


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_death_mid_stream_fails_every_consumer_at_once(env: OfflineEnvironment, sig: int) -> None:
    held = hold(
        text("one two three four", deltas=["one ", "two ", "three ", "four"]), after_deltas=2
    )
    env.model.enqueue(held)
    with Codex(env.config) as codex:
        turn = codex.thread_start().turn("stream, then hang")
        got: list[str] = []
        two = threading.Event()

        def consume_turn() -> None:
            for note in turn.stream():
                if note.method == "item/agentMessage/delta":
                    got.append(note.raw["delta"])
                    if len(got) == 2:
                        two.set()

        def consume_notifications() -> None:
            for _ in codex.notifications():
                pass

        turn_reader, turn_errors = in_thread(consume_turn)
        notes_reader, notes_errors = in_thread(consume_notifications)
        assert two.wait(20)
        os.kill(server_pid(codex), sig)
        # Both readers block until their streams end: only the death can end them.
        turn_reader.join(60)
        notes_reader.join(60)
        assert not turn_reader.is_alive() and not notes_reader.is_alive()
        assert got == ["one ", "two "]
        # SIGKILL: the signal's negative; SIGTERM: codex 0.163.0 shuts down and exits 0
        expected = -signal.SIGKILL if sig == signal.SIGKILL else 0
        for errors in (turn_errors, notes_errors):
            (error,) = errors
            assert isinstance(error, TransportClosedError)
            assert error.exit_code == expected
            assert f"exit code {expected}" in str(error)
        with pytest.raises(TransportClosedError):  # at once, not a RequestTimeoutError
            codex.models()
    # a new client on the same home works
    env.model.enqueue(text("back again"))
    with Codex(env.config) as again:
        assert again.thread_start().run("hello").final_response == "back again"


def test_kill_during_an_approval_handler(tmp_path: Any) -> None:
    with offline_environment(approval_policy="on-request", sandbox_mode="read-only") as env:
        target = env.workdir / "never-created"
        env.model.enqueue(shell_command(f"touch {target}", workdir=str(env.workdir)), text("done"))
        entered = threading.Event()
        release = threading.Event()
        returned = threading.Event()

        def slow_handler(params: Any) -> dict[str, str]:
            entered.set()
            release.wait(60)
            returned.set()
            return {"decision": "accept"}

        handlers = ServerRequestHandlers(item_command_execution_request_approval=slow_handler)
        try:
            with Codex(env.config, handlers=handlers) as codex:
                turn = codex.thread_start().turn("make the file")
                assert entered.wait(20)
                os.kill(server_pid(codex), signal.SIGKILL)
                with pytest.raises(TransportClosedError) as info:
                    turn.run()
                assert info.value.exit_code == -signal.SIGKILL
            # close() did not wait for the handler: it cannot return before `release`
            assert not returned.is_set()
        finally:
            release.set()
        assert not target.exists()


async def test_kill_mid_turn_async_fails_run_and_notifications(env: OfflineEnvironment) -> None:
    held = hold(text("never"), timeout=30)
    env.model.enqueue(held)
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        turn = await thread.turn("hang")

        async def listen() -> None:
            async for _ in codex.notifications():
                pass

        listener = asyncio.ensure_future(listen())
        runner = asyncio.ensure_future(turn.run())
        assert await asyncio.to_thread(held.wait_started)
        os.kill(server_pid(codex), signal.SIGKILL)
        done, pending = await asyncio.wait({listener, runner}, timeout=5)
        assert not pending
        for task in done:
            error = task.exception()
            assert isinstance(error, TransportClosedError)
            assert error.exit_code == -signal.SIGKILL
        with pytest.raises(TransportClosedError):
            await codex.models()
