"""Goal turns on the real app-server: the scripted model works over several turns and ends
the goal with its own `update_goal` tool."""

from __future__ import annotations

import pytest

from codex_app_server import AsyncCodex, Codex, GoalResult, InvalidRequestError
from codex_app_server.testing import (
    FunctionCallReply,
    OfflineEnvironment,
    fail,
    function_call,
    hold,
    text,
)


def complete_goal() -> FunctionCallReply:
    return function_call("update_goal", {"status": "complete"})


def test_a_goal_runs_over_several_turns_until_the_model_completes_it(
    env: OfflineEnvironment, codex: Codex
) -> None:
    env.model.enqueue(text("Step one done."), complete_goal(), text("The poem is written."))
    thread = codex.thread_start()
    result = thread.run_goal("write a poem", token_budget=50_000)
    assert isinstance(result, GoalResult)
    assert result.status == "complete" and result.succeeded and not result.interrupted
    assert [turn.status for turn in result.turns] == ["completed", "completed"]
    assert [turn.final_response for turn in result.turns] == [
        "Step one done.",
        "The poem is written.",
    ]
    assert result.final_response == "The poem is written."
    assert result.goal is not None and result.goal.objective == "write a poem"
    assert result.goal.token_budget == 50_000
    assert result.tokens_used is not None and result.tokens_used > 0
    assert "get_goal" in env.model.tool_names(0) and "update_goal" in env.model.tool_names(0)
    assert "write a poem" in str(env.model.requests[1]["input"])  # the continuation prompt
    assert len(env.model.requests) == 3
    stored = codex.client.thread_goal_get(thread_id=thread.id).goal
    assert stored is not None and stored.status == "complete"


def test_stream_follows_the_goal_across_its_turns(env: OfflineEnvironment, codex: Codex) -> None:
    env.model.enqueue(text("first"), complete_goal(), text("second"))
    goal = codex.thread_start().start_goal("count to two")
    notes = list(goal.stream())
    methods = [note.method for note in notes]
    assert methods.count("turn/started") == 2 and methods.count("turn/completed") == 2
    assert methods[-1] == "turn/completed"
    assert "thread/goal/updated" in methods
    assert goal.done and len(goal.turn_ids) == 2
    started = [note.turn_id for note in notes if note.method == "turn/started"]
    assert started == goal.turn_ids
    result = goal.run()  # after a full stream(), run() returns at once
    assert result.status == "complete" and result.final_response == "second"


def test_interrupt_pauses_the_goal_and_stops_its_turn(
    env: OfflineEnvironment, codex: Codex
) -> None:
    held = hold(text("never finished"), timeout=30)
    env.model.enqueue(held)
    thread = codex.thread_start()
    goal = thread.start_goal("a long task")
    stream = goal.stream()
    first = next(stream)
    assert first.method in ("thread/goal/updated", "turn/started")
    assert held.wait_started()
    while not goal.turn_ids:
        next(stream)
    goal.interrupt()
    result = goal.run()
    assert result.interrupted and result.status == "paused"
    assert [turn.status for turn in result.turns] == ["interrupted"]
    assert len(env.model.requests) == 1  # no further turn started
    env.model.enqueue(text("normal turn"))
    assert thread.run("still usable?").final_response == "normal turn"


def test_a_failed_turn_ends_the_goal_run_and_pauses_the_goal(
    env: OfflineEnvironment, codex: Codex
) -> None:
    env.model.enqueue(fail(500))
    thread = codex.thread_start()
    result = thread.run_goal("doomed")
    assert [turn.status for turn in result.turns] == ["failed"]
    stored = codex.client.thread_goal_get(thread_id=thread.id).goal
    assert stored is not None and stored.status == "paused"


def test_a_bad_objective_is_refused_before_anything_is_sent(codex: Codex) -> None:
    thread = codex.thread_start()
    with pytest.raises(ValueError, match="non-empty objective"):
        thread.start_goal("  ")
    with pytest.raises(ValueError, match="token_budget"):
        thread.start_goal("x", token_budget=0)
    assert codex.client.thread_goal_get(thread_id=thread.id).goal is None


def test_an_ephemeral_thread_cannot_pursue_a_goal(codex: Codex) -> None:
    thread = codex.thread_start(ephemeral=True)
    with pytest.raises(InvalidRequestError, match="ephemeral thread does not support goals"):
        thread.run_goal("anything")


async def test_async_goal_runs_to_completion(env: OfflineEnvironment) -> None:
    env.model.enqueue(complete_goal(), text("done at once"))
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        result = await thread.run_goal("finish quickly")
    assert result.status == "complete" and result.final_response == "done at once"
    assert len(result.turns) == 1


def test_a_goal_stops_when_its_token_budget_is_spent(env: OfflineEnvironment, codex: Codex) -> None:
    env.model.enqueue(text("a first step"), text("never reached"))
    result = codex.thread_start().run_goal("a big task", token_budget=1)
    assert result.status == "budgetLimited" and not result.succeeded
    assert [turn.final_response for turn in result.turns] == ["a first step"]
    assert result.tokens_used is not None and result.tokens_used >= 1


async def test_async_interrupt_pauses_the_goal(env: OfflineEnvironment) -> None:
    held = hold(text("never finished"), timeout=30)
    env.model.enqueue(held)
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        goal = await thread.start_goal("a long task")
        stream = goal.stream()
        while not goal.turn_ids:
            await anext(stream)
        await goal.interrupt()
        result = await goal.run()
    assert result.interrupted and result.status == "paused"
    assert [turn.status for turn in result.turns] == ["interrupted"]
