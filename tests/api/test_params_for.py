"""`note.params_for(method)`: the typed params of one notification method, None for any other."""

from __future__ import annotations

from typing import Any

import pytest

from codex_app_server import Codex, Notification, ProtocolError
from codex_app_server.models import (
    AgentMessageDeltaNotification,
    ItemCompletedNotification,
    TurnCompletedNotification,
)
from codex_app_server.protocol import SERVER_NOTIFICATIONS
from codex_app_server.testing import OfflineEnvironment, text

DELTA = {"threadId": "t1", "turnId": "u1", "itemId": "i1", "delta": "Hel"}


def test_the_named_method_gives_its_model_any_other_gives_none() -> None:
    note = Notification("item/agentMessage/delta", DELTA)
    params = note.params_for("item/agentMessage/delta")
    assert isinstance(params, AgentMessageDeltaNotification) and params.delta == "Hel"
    assert params is note.params  # the same parsed model, not a second parse
    assert note.params_for("turn/completed") is None


def test_a_method_this_sdk_does_not_know_gives_the_raw_dict_when_it_matches() -> None:
    note = Notification("brand/newThing", {"x": 1})
    unknown: Any = "brand/newThing"  # not a method the overloads accept: a type error if spelled
    assert note.params_for(unknown) == {"x": 1}
    assert note.params_for("item/agentMessage/delta") is None


def test_params_that_do_not_fit_fail_as_params_does() -> None:
    note = Notification("item/agentMessage/delta", {"threadId": "t1"})
    with pytest.raises(ProtocolError, match="AgentMessageDeltaNotification"):
        note.params_for("item/agentMessage/delta")
    assert note.params_for("turn/completed") is None  # another method never parses


def test_every_server_notification_has_its_overload() -> None:
    """The generated overloads cover exactly the registry's methods, each with its model."""
    import ast
    import inspect

    from codex_app_server._generated import notifications

    tree = ast.parse(inspect.getsource(notifications.ParamsByMethod))
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            annotation = node.args.args[1].annotation
            assert isinstance(annotation, ast.Subscript) and isinstance(node.returns, ast.BinOp)
            method = ast.literal_eval(annotation.slice)
            typed[method] = ast.unparse(node.returns.left)
    assert typed == {wire: spec.params.name for wire, spec in SERVER_NOTIFICATIONS.items()}


def test_on_a_real_turn(env: OfflineEnvironment, codex: Codex) -> None:
    env.model.enqueue(text("Hello there"))
    deltas: list[str] = []
    completed: list[TurnCompletedNotification] = []
    items = 0
    for note in codex.thread_start().turn("Hi").stream():
        if (delta := note.params_for("item/agentMessage/delta")) is not None:
            deltas.append(delta.delta)
        if (done := note.params_for("turn/completed")) is not None:
            completed.append(done)
        match note.params:  # matching on the params class narrows the same way
            case ItemCompletedNotification(item=item):
                items += bool(item.id)
            case _:
                pass
    assert "".join(deltas) == "Hello there"
    assert [c.turn.status for c in completed] == ["completed"]
    assert items >= 2  # the user message and the agent message
