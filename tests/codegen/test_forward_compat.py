"""Generated models accept what a newer server may send."""

from __future__ import annotations

from typing import Any

from codex_app_server.protocol import SERVER_NOTIFICATIONS


def turn_completed(turn: dict[str, Any]) -> Any:
    model = SERVER_NOTIFICATIONS["turn/completed"].params_type
    return model.model_validate({"threadId": "thr", "turn": turn})


def test_unknown_fields_are_kept() -> None:
    note = turn_completed({"id": "t1", "items": [], "status": "completed", "newField": {"a": 1}})
    assert note.turn.model_extra == {"newField": {"a": 1}}


def test_unknown_enum_values_are_kept_as_strings() -> None:
    note = turn_completed({"id": "t1", "items": [], "status": "paused"})
    assert note.turn.status == "paused"
    assert isinstance(note.turn.status, str)
    assert not note.turn.status.is_known
    known = turn_completed({"id": "t1", "items": [], "status": "completed"}).turn.status
    assert known.is_known and known.name == "COMPLETED"


def test_unknown_union_variants_are_kept_as_data() -> None:
    items = [
        {"type": "agentMessage", "id": "i1", "text": "hello"},
        {"type": "hologram", "id": "i2", "depth": 3},
    ]
    note = turn_completed({"id": "t1", "items": items, "status": "completed"})
    known, unknown = note.turn.items
    assert type(known).__name__ == "AgentMessageThreadItem" and known.text == "hello"
    assert type(unknown).__name__ == "UnrecognizedThreadItem"
    assert unknown.type == "hologram" and unknown.model_extra == {"id": "i2", "depth": 3}


def test_known_variants_round_trip_by_wire_names() -> None:
    item = {"type": "agentMessage", "id": "i1", "text": "hi"}
    note = turn_completed({"id": "t1", "items": [item], "status": "completed"})
    dumped = note.to_wire()
    assert dumped["threadId"] == "thr"
    assert dumped["turn"]["items"][0] == item
