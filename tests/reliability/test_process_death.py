"""The app-server dies: before `initialize`, mid-request, mid-turn, or closes its stdout.

Documented outcome: every pending call and every open stream fails at once with
`TransportClosedError` carrying the exit code and the stderr tail; later calls fail fast with
the same error; `close()` is clean. (kill -9 of the real binary: test_real_binary_death.py.)
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from codex_app_server import AsyncCodex, Codex, TransportClosedError
from codex_app_server.notification import Notification

pytestmark = pytest.mark.timeout(30)

PANIC = "thread 'main' panicked at src/app.rs:42: out of cheese\n"


def assert_closed(error: BaseException, code: int, stderr: str = PANIC) -> None:
    assert isinstance(error, TransportClosedError), repr(error)
    assert error.exit_code == code
    assert stderr.strip() in error.stderr_tail
    assert f"exit code {code}" in str(error) and stderr.strip() in str(error)


def test_exit_before_initialize_fails_the_constructor(make_fake: Any) -> None:
    fake = make_fake({"on_start": [{"do": "stderr", "text": PANIC}, {"do": "exit", "code": 7}]})
    with pytest.raises(TransportClosedError) as info:  # the exit, not a timeout, ends it
        Codex(fake.config)
    assert_closed(info.value, 7)


async def test_exit_before_initialize_fails_async_start(make_fake: Any) -> None:
    fake = make_fake({"on_start": [{"do": "stderr", "text": PANIC}, {"do": "exit", "code": 7}]})
    with pytest.raises(TransportClosedError) as info:
        await AsyncCodex.start(fake.config)
    assert_closed(info.value, 7)
    with pytest.raises(TransportClosedError):
        async with AsyncCodex(fake.config):
            pass


def test_exit_during_initialize_fails_the_constructor(make_fake: Any) -> None:
    """The server reads `initialize` and dies before it answers."""
    scenario = {
        "methods": {"initialize": {"actions": [{"do": "stderr", "text": PANIC}, "exit"]}},
    }
    with pytest.raises(TransportClosedError) as info:
        Codex(make_fake(scenario).config)
    assert_closed(info.value, 0)


def test_exit_mid_request_fails_every_pending_call_and_stream(make_fake: Any) -> None:
    """Four calls wait on a server that then dies: all four, and a notifications() reader,
    fail at once with the exit code and stderr tail; later calls fail fast; close is clean."""
    scenario = {
        "methods": {
            "model/list": {
                "actions": [
                    {"do": "sleep", "seconds": 0.5},
                    {"do": "stderr", "text": PANIC},
                    {"do": "exit", "code": 3},
                ]
            }
        }
    }
    codex = Codex(make_fake(scenario).config)
    outcomes: list[BaseException | None] = []
    lock = threading.Lock()

    def call() -> None:
        try:
            codex.models()
        except BaseException as exc:
            with lock:
                outcomes.append(exc)
        else:
            with lock:
                outcomes.append(None)

    stream_end: list[BaseException] = []

    def listen() -> None:
        try:
            for _ in codex.notifications():
                pass
        except BaseException as exc:
            stream_end.append(exc)

    listener = threading.Thread(target=listen)
    listener.start()
    callers = [threading.Thread(target=call) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(10)
    listener.join(10)
    assert not listener.is_alive() and not any(c.is_alive() for c in callers)
    assert len(outcomes) == 4
    for outcome in outcomes:
        assert outcome is not None
        assert_closed(outcome, 3)
    assert_closed(stream_end[0], 3)
    with pytest.raises(TransportClosedError) as info:  # at once: not a RequestTimeoutError
        codex.thread_start()
    assert_closed(info.value, 3)
    assert codex.closed
    codex.close()
    codex.close()  # idempotent


def turn_that_dies(code: int = 9, deltas: int = 1000) -> dict[str, Any]:
    return {
        "methods": {
            "turn/start": {
                "turn": {
                    "flood_deltas": deltas,
                    "before_complete": [
                        {"do": "sleep", "seconds": 0.3},
                        {"do": "stderr", "text": PANIC},
                        {"do": "exit", "code": code},
                    ],
                }
            }
        }
    }


def test_exit_mid_turn_fails_the_stream_after_what_arrived(make_fake: Any) -> None:
    with Codex(make_fake(turn_that_dies()).config) as codex:
        turn = codex.thread_start().turn("hi")
        seen: list[Notification] = []
        with pytest.raises(TransportClosedError) as info:
            seen.extend(turn.stream())
        assert_closed(info.value, 9)
        deltas = [n for n in seen if n.method == "item/agentMessage/delta"]
        assert len(deltas) == 1000  # everything sent before the death was delivered
        assert not turn.done
        with pytest.raises(TransportClosedError):
            turn.run()  # the turn's stream stays failed
        with pytest.raises(TransportClosedError):
            codex.thread_start()


def test_exit_mid_turn_fails_run_and_a_concurrent_call(make_fake: Any) -> None:
    scenario = turn_that_dies()
    scenario["methods"]["model/list"] = {"actions": [{"do": "sleep", "seconds": 30}]}
    with Codex(make_fake(scenario).config) as codex:
        thread = codex.thread_start()
        other: list[BaseException] = []

        def call() -> None:
            try:
                codex.models()
            except BaseException as exc:
                other.append(exc)

        turn = thread.turn("hi")
        caller = threading.Thread(target=call)
        caller.start()  # model/list is never answered: the server dies first
        with pytest.raises(TransportClosedError) as info:
            turn.run()
        caller.join(5)
        assert not caller.is_alive()
        assert_closed(info.value, 9)
        assert_closed(other[0], 9)


async def test_exit_mid_turn_async(make_fake: Any) -> None:
    scenario = turn_that_dies(code=11)
    scenario["methods"]["model/list"] = {"actions": [{"do": "sleep", "seconds": 30}]}
    async with AsyncCodex(make_fake(scenario).config) as codex:
        thread = await codex.thread_start()
        turn = await thread.turn("hi")
        stuck = asyncio.ensure_future(codex.models())  # never answered: the server dies first
        with pytest.raises(TransportClosedError) as info:
            await turn.run()
        assert_closed(info.value, 11)
        with pytest.raises(TransportClosedError):
            await asyncio.wait_for(stuck, 5)


def test_closed_stdout_with_a_live_process_ends_the_session(make_fake: Any) -> None:
    """The server closes stdout but keeps running: the session ends (within ~1 s), pending
    calls fail, and close() still stops the process (SIGTERM/SIGKILL after stdin EOF)."""
    scenario = {
        "ignore_sigterm": True,
        "methods": {"model/list": {"actions": ["close_stdout", {"do": "sleep", "seconds": 60}]}},
    }
    codex = Codex(make_fake(scenario, shutdown_timeout=0.5).config)
    # the server sleeps 60 s after closing stdout: this is the closed stdout, not the exit
    with pytest.raises(TransportClosedError, match="closed its stdout"):
        codex.models()
    codex.close()  # escalates to SIGKILL; no_leaks checks nothing is left
