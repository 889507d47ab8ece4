"""Turns end to end on the real app-server: results, streaming, routing, steer, interrupt."""

from __future__ import annotations

import pytest

from codex_app_server import Codex, TurnFailedError
from codex_app_server.testing import OfflineEnvironment, fail, hold, text
from tests.support.threads import Worker


def test_single_turn_returns_the_final_response_and_usage(
    env: OfflineEnvironment, codex: Codex
) -> None:
    env.model.enqueue(text("Hello there, human."))
    result = codex.thread_start().run("hi")
    assert result.status == "completed" and result.succeeded
    assert result.error is None
    assert result.final_response == "Hello there, human."
    assert [type(item).__name__ for item in result.items] == [
        "UserMessageThreadItem",
        "AgentMessageThreadItem",
    ]
    assert result.usage is not None and result.usage.total.total_tokens > 0
    assert isinstance(result.duration_ms, int)
    assert env.model.user_texts()[-1] == "hi"


def test_stream_yields_this_turns_notifications_with_deltas(
    env: OfflineEnvironment, codex: Codex
) -> None:
    env.model.enqueue(text("one two three four", deltas=["one ", "two ", "three ", "four"]))
    turn = codex.thread_start().turn("count")
    notes = list(turn.stream())
    methods = [n.method for n in notes]
    assert methods[0] == "turn/started" and methods[-1] == "turn/completed"
    deltas = [n.params.delta for n in notes if n.method == "item/agentMessage/delta"]  # type: ignore[union-attr]
    assert deltas == ["one ", "two ", "three ", "four"]
    assert {n.turn_id for n in notes} == {turn.id}
    result = turn.run()  # after a full stream(), run() returns at once
    assert result.final_response == "one two three four"


def test_two_concurrent_turns_each_see_only_their_own(
    env: OfflineEnvironment, codex: Codex
) -> None:
    first, second = hold(text("alpha " * 5, chunks=5)), hold(text("beta " * 5, chunks=5))
    env.model.enqueue(first, second)
    turns = [codex.thread_start().turn(f"go {i}") for i in range(2)]
    env.model.wait_for_requests(2)
    seen: dict[str, list[str]] = {}

    def consume(index: int) -> None:
        turn = turns[index]
        seen[turn.id] = []
        for note in turn.stream():
            assert note.turn_id == turn.id
            if note.method == "item/agentMessage/delta":
                seen[turn.id].append(note.params.delta)  # type: ignore[union-attr]

    workers = [Worker(consume, i) for i in range(2)]  # their asserts reach this test
    for worker in workers:
        worker.start()
    first.release()
    second.release()
    for worker in workers:
        worker.finish()
    finals = {turn.id: turn.run().final_response for turn in turns}
    for turn in turns:
        assert "".join(seen[turn.id]) == finals[turn.id]
    assert sorted(finals.values()) == sorted(["alpha " * 5, "beta " * 5])


def test_steer_adds_input_to_the_running_turn(env: OfflineEnvironment, codex: Codex) -> None:
    held = hold(text("first answer"), after_deltas=1, timeout=20)
    env.model.enqueue(held, text("steered answer"))
    turn = codex.thread_start().turn("start")
    env.model.wait_for_requests(1)
    steered = turn.steer("also do this")
    assert steered.turn_id == turn.id
    result = turn.run()
    assert result.status == "completed"
    assert result.final_response == "steered answer"
    assert "also do this" in env.model.user_texts()


def test_interrupt_ends_the_turn_as_interrupted(env: OfflineEnvironment, codex: Codex) -> None:
    env.model.enqueue(hold(text("never finished"), timeout=20))
    turn = codex.thread_start().turn("long task")
    env.model.wait_for_requests(1)
    turn.interrupt()
    result = turn.run()
    assert result.status == "interrupted"
    assert turn.interrupt() is None  # once over, interrupting is a no-op


def test_a_failed_turn_is_returned_with_its_error_not_raised(
    env: OfflineEnvironment, codex: Codex
) -> None:
    env.model.enqueue(fail(500))
    result = codex.thread_start().run("hi")
    assert result.status == "failed" and not result.succeeded
    assert result.error is not None and result.error.message
    assert result.error.codex_error_info == "internalServerError"
    with pytest.raises(TurnFailedError, match=result.id) as info:
        result.raise_for_status()
    assert info.value.status == "failed"


def test_thread_resume_applies_overrides_in_a_new_process(env: OfflineEnvironment) -> None:
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        thread.run("remember this")
    with Codex(env.config) as codex:
        resumed = codex.thread_resume(thread.id, model="mock-model-2")
        assert resumed.id == thread.id
        env.model.enqueue(text("resumed"))
        assert resumed.run("and now?").final_response == "resumed"
    assert env.model.requests[-1]["model"] == "mock-model-2"
    history = env.model.user_texts()
    assert "remember this" in history and "and now?" in history


def test_thread_helpers(env: OfflineEnvironment, codex: Codex) -> None:
    thread = codex.thread_start()
    thread.run("hello")
    thread.set_name("named thread")
    read = thread.read(include_turns=True)
    assert read.thread.id == thread.id
    assert read.thread.name == "named thread"
    assert len(read.thread.turns) == 1
    assert codex.thread(thread.id) == thread  # a local handle, no request
    listed = codex.thread_list()
    assert thread.id in {t.id for t in listed.data}
    models = codex.models().data
    assert models and all(isinstance(m.id, str) and m.id for m in models)  # the real catalogue
