"""`final_response` follows the agent message phase, on the real app-server."""

from __future__ import annotations

from codex_app_server import AsyncCodex, Codex
from codex_app_server.testing import OfflineEnvironment, messages, text


def test_commentary_after_the_final_answer_is_not_the_final_response(
    env: OfflineEnvironment, codex: Codex
) -> None:
    env.model.enqueue(
        messages(
            text("Let me look at the files.", phase="commentary"),
            text("The answer is 42.", phase="final_answer"),
            text("Done; anything else?", phase="commentary"),
        )
    )
    result = codex.thread_start().run("question")
    assert result.final_response == "The answer is 42."
    assert result.commentary == ["Let me look at the files.", "Done; anything else?"]
    phases = [getattr(item, "phase", None) for item in result.items[1:]]
    assert [str(getattr(p, "value", p)) for p in phases] == [
        "commentary",
        "final_answer",
        "commentary",
    ]


def test_a_commentary_only_turn_has_no_final_response(
    env: OfflineEnvironment, codex: Codex
) -> None:
    env.model.enqueue(text("Still thinking about it.", phase="commentary"))
    result = codex.thread_start().run("question")
    assert result.succeeded
    assert result.final_response is None
    assert result.commentary == ["Still thinking about it."]


def test_phaseless_messages_still_answer_and_final_answer_wins(
    env: OfflineEnvironment, codex: Codex
) -> None:
    env.model.enqueue(
        messages("first plain", "second plain"),
        messages(text("the answer", phase="final_answer"), "a later plain message"),
    )
    thread = codex.thread_start()
    assert thread.run("one").final_response == "second plain"
    assert thread.run("two").final_response == "the answer"


async def test_async_turns_follow_the_phase_too(env: OfflineEnvironment) -> None:
    env.model.enqueue(
        messages(text("the answer", phase="final_answer"), text("p.s.", phase="commentary"))
    )
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        result = await thread.run("question")
    assert result.final_response == "the answer"
    assert result.commentary == ["p.s."]
