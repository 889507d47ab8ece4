"""Named unions: `codex_app_server.models.ThreadItem` (and the schema's other unions) pick their
variant by tag; a tag a newer server adds lands in the `Unrecognized...` variant."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from codex_app_server import Codex
from codex_app_server.models import (
    AgentMessageThreadItem,
    SandboxPolicy,
    TextUserInput,
    ThreadItem,
    UnrecognizedThreadItem,
    UserInput,
    UserMessageThreadItem,
)
from codex_app_server.testing import OfflineEnvironment, text

ITEMS: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)


def test_a_known_tag_picks_its_variant_and_checks_its_fields() -> None:
    item = ITEMS.validate_python({"type": "agentMessage", "id": "i1", "text": "hi"})
    assert isinstance(item, AgentMessageThreadItem) and item.text == "hi"
    with pytest.raises(ValidationError, match="agentMessage"):
        ITEMS.validate_python({"type": "agentMessage", "id": "i1"})  # no text


def test_an_unknown_tag_is_kept_as_the_unrecognized_variant() -> None:
    item = ITEMS.validate_python({"type": "hologram", "id": "i2", "depth": 3})
    assert isinstance(item, UnrecognizedThreadItem)
    assert item.type == "hologram" and item.model_extra == {"id": "i2", "depth": 3}


def test_other_unions_are_named_too() -> None:
    assert isinstance(TypeAdapter(UserInput).validate_python({"type": "text", "text": "x"}),
                      TextUserInput)  # fmt: skip
    policy = TypeAdapter(SandboxPolicy).validate_python({"type": "dangerFullAccess"})
    assert type(policy).__name__ == "DangerFullAccessSandboxPolicy"


def test_a_turns_items_are_the_named_union(env: OfflineEnvironment, codex: Codex) -> None:
    env.model.enqueue(text("Hello!"))
    result = codex.thread_start().run("Hi")
    kinds = [type(item) for item in result.items]
    assert UserMessageThreadItem in kinds and AgentMessageThreadItem in kinds
    for item in result.items:
        assert ITEMS.validate_python(item.to_wire()) == item
