"""Ctrl-C and task cancellation while waiting on a turn, on the real app-server.

Documented outcome: a KeyboardInterrupt delivered while `Turn.run()` or `Turn.stream()` waits
(or a cancellation of the task awaiting `AsyncTurn.run()` / `stream()`, including
`asyncio.wait_for` timing out) first sends `turn/interrupt`, then propagates. The turn ends
`interrupted` on the server (`turn.run()` afterwards returns that result) and the client
stays usable: the next turn works.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from codex_app_server import AsyncCodex, Codex
from codex_app_server.testing import OfflineEnvironment, hold, offline_environment, text
from tests.support.ctrl_c import ctrl_c_after
from tests.support.fake_codex import received

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def env() -> Iterator[OfflineEnvironment]:
    with offline_environment() as environment:
        yield environment


@pytest.mark.parametrize("how", ["signal", "interrupt_main"])
@pytest.mark.parametrize("api", ["run", "stream"])
def test_ctrl_c_in_a_blocked_turn_interrupts_it_on_the_server(
    env: OfflineEnvironment, api: str, how: str
) -> None:
    held = hold(text("never sent"), timeout=30)
    env.model.enqueue(held)
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        turn = thread.turn("a long task")
        assert held.wait_started()
        timer = ctrl_c_after(0.3, how)
        wait = turn.run if api == "run" else lambda: list(turn.stream())
        with pytest.raises(KeyboardInterrupt):
            wait()
        timer.join()
        # raised while waiting: had it waited for the turn's end, the turn would not be interrupted
        result = turn.run()  # what the server did with the turn: interrupted
        assert result.status == "interrupted"
        assert held.wait_finished(10) and held.client_disconnected
        env.model.enqueue(text("still here"))
        assert thread.run("next").final_response == "still here"  # the client is usable


def test_ctrl_c_while_streaming_deltas_interrupts_the_turn(env: OfflineEnvironment) -> None:
    """The turn is mid-message (deltas already streamed) when Ctrl-C lands."""
    held = hold(
        text("one two three four", deltas=["one ", "two ", "three ", "four"]), after_deltas=2
    )
    env.model.enqueue(held)
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        turn = thread.turn("stream then wait")
        deltas: list[str] = []
        timers: list[threading.Timer] = []

        def consume() -> None:
            for note in turn.stream():
                if note.method == "item/agentMessage/delta":
                    deltas.append(note.raw["delta"])
                    if len(deltas) == 2:
                        timers.append(ctrl_c_after(0.2))

        with pytest.raises(KeyboardInterrupt):
            consume()
        (timer,) = timers
        timer.join()
        assert deltas == ["one ", "two "]
        assert turn.run().status == "interrupted"
        env.model.enqueue(text("next answer"))
        assert thread.run("next").final_response == "next answer"


def test_interrupt_main_in_run_against_the_fake_sends_turn_interrupt(make_fake: Any) -> None:
    """`_thread.interrupt_main` (no real signal) and the wire record: `turn/interrupt` for
    exactly this turn is what the client sent."""
    held = {"turn": {"hold": True, "delay": 0.05}}
    fake = make_fake({"methods": {"turn/start": [held, "builtin"]}})
    with Codex(fake.config) as codex:
        thread = codex.thread_start()
        turn = thread.turn("hold")
        timer = ctrl_c_after(0.3, how="interrupt_main")
        with pytest.raises(KeyboardInterrupt):
            turn.run()
        timer.join()
        # raised while waiting: the held turn only ends because the client interrupted it
        assert turn.run().status == "interrupted"
        assert thread.run("next").status == "completed"
    sent = [m for m in received(fake.record) if m.get("method") == "turn/interrupt"]
    assert [m["params"] for m in sent] == [{"threadId": thread.id, "turnId": turn.id}]


async def test_cancelling_the_task_awaiting_run_interrupts_the_turn(
    env: OfflineEnvironment,
) -> None:
    held = hold(text("never sent"), timeout=30)
    env.model.enqueue(held)
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        turn = await thread.turn("a long task")
        task = asyncio.ensure_future(turn.run())
        assert await asyncio.to_thread(held.wait_started)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        result = await turn.run()
        assert result.status == "interrupted"
        env.model.enqueue(text("still here"))
        assert (await thread.run("next")).final_response == "still here"


async def test_wait_for_timeout_on_a_stream_interrupts_the_turn(env: OfflineEnvironment) -> None:
    env.model.enqueue(hold(text("never sent"), timeout=30))
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        turn = await thread.turn("a long task")

        async def consume() -> int:
            return len([n async for n in turn.stream()])

        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(consume(), 1.0)
        assert (await turn.run()).status == "interrupted"
        env.model.enqueue(text("after the timeout"))
        assert (await thread.run("next")).final_response == "after the timeout"


def test_ctrl_c_while_closing_still_stops_the_process(make_fake: Any) -> None:
    """Ctrl-C lands while `close()` waits for a server that is slow to exit: close() raises
    KeyboardInterrupt, yet the process is killed (no_leaks checks) and the client is closed."""
    fake = make_fake(
        {"ignore_sigterm": True, "on_eof": [{"do": "sleep", "seconds": 30}]},
        shutdown_timeout=300.0,
    )
    codex = Codex(fake.config)
    assert codex.models().data
    timer = ctrl_c_after(0.5)
    with pytest.raises(KeyboardInterrupt):
        # uninterrupted, this takes 600 s (stdin EOF, SIGTERM ignored, then SIGKILL): past
        # the test's timeout, so only the interrupt lets it pass
        codex.close()
    timer.join()
    assert codex.closed
    codex.close()  # a no-op now
