"""Public names no other test reaches, on the real app-server (codex 0.163.0, offline): the
input classes and the raw-dict input path with its refusals, thread fork / archive /
unarchive, and compaction."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from codex_app_server import (
    AsyncCodex,
    Codex,
    InvalidInputError,
    MentionInput,
    SkillInput,
    TextInput,
)
from codex_app_server.testing import OfflineEnvironment, text


def wait_until(check: Callable[[], bool], what: str, deadline: float = 120.0) -> None:
    """Poll a condition the server makes true; the deadline only guards against a hang."""
    give_up = time.monotonic() + deadline
    while not check():
        if time.monotonic() > give_up:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.02)


def write_skill(env: OfflineEnvironment) -> None:
    skill = env.home.path / "skills" / "greeter" / "SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text(
        "---\nname: greeter\ndescription: Greets people warmly.\n---\n"
        "Always greet with WARM-HELLO-7.\n"
    )


def test_text_skill_and_dict_inputs_reach_the_model(env: OfflineEnvironment) -> None:
    write_skill(env)
    env.model.enqueue(text("hello"))
    with Codex(env.config) as codex:
        (listed,) = codex.client.skills_list().data
        greeter = next(s for s in listed.skills if s.name == "greeter")
        codex.thread_start().run(
            [
                TextInput("first, as a TextInput"),
                {"type": "text", "text": "then as a dict"},
                SkillInput(greeter.name, greeter.path),
            ]
        )
    texts = env.model.user_texts()
    assert "first, as a TextInput" in texts and "then as a dict" in texts
    (skill_text,) = [t for t in texts if t.startswith("<skill>")]
    assert "<name>greeter</name>" in skill_text
    assert "Always greet with WARM-HELLO-7." in skill_text  # the server read the SKILL.md


def test_a_mention_is_kept_in_the_user_message(env: OfflineEnvironment) -> None:
    env.model.enqueue(text("noted"))
    notes = env.workdir / "notes.txt"
    notes.write_text("remember me\n")
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        thread.run([TextInput("see the notes"), MentionInput("notes", str(notes))])
        (turn,) = thread.read(include_turns=True).thread.turns
    (user,) = [i for i in turn.items if i.type == "userMessage"]
    content = [json.loads(part.model_dump_json(by_alias=True)) for part in user.content]
    assert {"type": "mention", "name": "notes", "path": str(notes)} in content


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([], "a turn needs at least one input item"),
        ([{"type": "hologram"}], "input item 0: unknown type 'hologram'; known types: "),
        (["ok", {"type": "text"}], "input item 1 (type 'text'): field 'text': Field required"),
        ([3.5], "input item 0 is a float; pass a str, TextInput, ImageInput, LocalImageInput"),
    ],
    ids=["empty", "unknown-type", "missing-field", "wrong-object"],
)
def test_bad_input_is_refused_before_anything_is_sent(
    env: OfflineEnvironment, bad: Any, message: str
) -> None:
    env.model.enqueue(text("after the refusal"))
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        with pytest.raises(InvalidInputError) as info:
            thread.run(bad)
        assert message in str(info.value)
        assert env.model.requests == []  # no turn was started
        assert thread.run("fine").final_response == "after the refusal"


def test_fork_archive_and_unarchive(env: OfflineEnvironment) -> None:
    env.model.enqueue(text("original answer"), text("fork answer"))
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        thread.run("the original question")
        fork = codex.thread_fork(thread.id)
        assert fork.id != thread.id
        (copied,) = fork.read(include_turns=True).thread.turns  # the history came along
        assert copied.items[-1].text == "original answer"  # type: ignore[union-attr]
        assert fork.run("and in the fork?").final_response == "fork answer"
        assert "the original question" in " ".join(env.model.user_texts())

        codex.thread_archive(thread.id)
        assert thread.id not in {t.id for t in codex.thread_list().data}
        back = codex.thread_unarchive(thread.id)
        assert back.id == thread.id
        assert thread.id in {t.id for t in codex.thread_list().data}


async def test_fork_archive_and_unarchive_async(env: OfflineEnvironment) -> None:
    env.model.enqueue(text("original answer"))
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        await thread.run("the original question")
        fork = await codex.thread_fork(thread.id)
        assert fork.id != thread.id
        await codex.thread_archive(thread.id)
        assert thread.id not in {t.id for t in (await codex.thread_list()).data}
        back = await codex.thread_unarchive(thread.id)
        assert back.id == thread.id
        assert thread.id in {t.id for t in (await codex.thread_list()).data}


def test_compact_asks_the_model_for_a_summary(env: OfflineEnvironment) -> None:
    """The server answers `thread/compact/start` at once, then runs a compaction turn: one
    model request with its checkpoint prompt, and a turn holding a contextCompaction item."""
    env.model.enqueue(text("an answer"), text("the summary"))
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        thread.run("a question")
        thread.compact()
        env.model.wait_for_requests(2, timeout=60)

        def compacted() -> bool:
            turns = thread.read(include_turns=True).thread.turns
            last = turns[-1]
            return (
                len(turns) == 2
                and last.status == "completed"
                and [i.type for i in last.items] == ["contextCompaction"]
            )

        wait_until(compacted, "a completed compaction turn")
    assert "CONTEXT CHECKPOINT COMPACTION" in " ".join(env.model.user_texts())
