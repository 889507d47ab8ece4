"""Routing and forward compatibility: what arrives early, for nobody, or from a newer server.

* Notifications of a turn sent before the `turn/start` response: the turn's stream still sees
  every one, in order.
* Notifications for turns nobody started: they reach no other stream; the holding area for
  them is bounded (oldest evicted, counted).
* Unknown methods reach `codex.notifications()` as a generic `Notification` (raw params).
* Unknown enum values, item types and extra fields reach the user as data, never as errors.
"""

from __future__ import annotations

from typing import Any

import pytest

from codex_app_server import AsyncCodex, Codex
from codex_app_server.notification import Notification

pytestmark = pytest.mark.timeout(30)

TEXT = "Hello from the fake app-server."
# What the fake's builtin turn sends for the turn itself (thread/status/changed is global).
TURN_METHODS = [
    "turn/started",
    "item/started",
    "item/completed",
    "item/started",
    "item/agentMessage/delta",
    "item/agentMessage/delta",
    "item/agentMessage/delta",
    "item/completed",
    "thread/tokenUsage/updated",
    "turn/completed",
]


def early(respond_after: int, **turn: Any) -> dict[str, Any]:
    return {"methods": {"turn/start": {"turn": {"respond_after": respond_after, **turn}}}}


@pytest.mark.parametrize("respond_after", [1, 4, 1000], ids=["after-1", "after-4", "after-all"])
def test_turn_notifications_before_the_response_are_all_streamed(
    make_fake: Any, respond_after: int
) -> None:
    """`after-all`: even turn/completed arrives before the turn/start response."""
    with Codex(make_fake(early(respond_after)).config) as codex:
        turn = codex.thread_start().turn("hi")
        methods = [n.method for n in turn.stream()]
        assert methods == TURN_METHODS
        result = turn.run()  # also after a full stream()
        assert result.status == "completed" and result.final_response == TEXT
        assert codex.client.stats.held_evicted == 0


async def test_turn_notifications_before_the_response_async(make_fake: Any) -> None:
    async with AsyncCodex(make_fake(early(1000)).config) as codex:
        thread = await codex.thread_start()
        turn = await thread.turn("hi")
        methods = [n.method async for n in turn.stream()]
        assert methods == TURN_METHODS
        again = await thread.turn("again")
        assert (await again.run()).final_response == TEXT


MARKER = {"do": "notify", "method": "test/marker", "params": {}}


def chaos(**turn: Any) -> dict[str, Any]:
    """The fake's chaos turn; `model/list` sends a `test/marker` notification first."""
    return {
        "methods": {
            "turn/start": {"turn": {"chaos": True, **turn}},
            "model/list": {"actions": [MARKER, "respond"]},
        }
    }


def drain(codex: Codex, notes: Any) -> list[Notification]:
    """Every notification `notes` got so far: up to a marker the fake sends on model/list."""
    codex.models()
    out: list[Notification] = []
    for note in notes:
        if note.method == "test/marker":
            return out
        out.append(note)
    raise AssertionError("the notification stream ended before the marker")


def test_notifications_for_unknown_turns_reach_no_stream(make_fake: Any) -> None:
    """The chaos turn also sends a delta for a turn id nobody started."""
    with Codex(make_fake(chaos()).config) as codex:
        notes = codex.notifications()
        turn = codex.thread_start().turn("hi")
        streamed = list(turn.stream())
        assert all(n.turn_id == turn.id for n in streamed)
        assert "for a turn nobody started" not in [n.raw.get("delta") for n in streamed]
        assert turn.run().final_response == TEXT
        seen = drain(codex, notes)
        assert "fake/unknownNotification" in [n.method for n in seen]
        assert all(n.turn_id is None for n in seen)
        assert codex.client.stats.held_evicted == 0  # held, bounded, not dropped yet


def test_a_flood_for_unknown_turns_is_bounded(
    make_fake: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """100,000 deltas for 100,000 different unknown turns: held in a bounded area (the oldest
    evicted and counted, the log warned a bounded number of times), and the next real turn is
    untouched."""
    flood = {
        "do": "flood",
        "method": "item/agentMessage/delta",
        "params": {"threadId": "t", "turnId": "ghost-$index", "itemId": "i", "delta": "x"},
        "count": 100_000,
        "numbered": True,
    }
    scenario = {"methods": {"model/list": [{"actions": [flood, "respond"]}, "builtin"]}}
    config = make_fake(scenario).config
    with Codex(config) as codex:
        codex.models()
        stats = codex.client.stats
        # the holding area is as large as a subscriber's buffer
        assert stats.held_evicted >= 100_000 - config.notification_buffer
        turn = codex.thread_start().turn("hi")
        assert [n.method for n in turn.stream()] == TURN_METHODS
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert 0 < len(warnings) <= 20


def test_notifications_is_subscribed_when_called_not_when_first_read(make_fake: Any) -> None:
    """What arrives between `codex.notifications()` and the first read is not lost."""
    with Codex(make_fake().config) as codex:
        notes = codex.notifications()
        thread = codex.thread_start()  # the fake sends thread/started after its response
        codex.models()
        started = next(n for n in notes if n.method == "thread/started")
        assert started.raw["thread"]["id"] == thread.id
        notes.close()


async def test_async_notifications_is_subscribed_when_called(make_fake: Any) -> None:
    async with AsyncCodex(make_fake().config) as codex:
        notes = codex.notifications()
        thread = await codex.thread_start()
        await codex.models()
        async for note in notes:
            if note.method == "thread/started":
                assert note.raw["thread"]["id"] == thread.id
                break


def test_unknown_methods_arrive_as_generic_notifications(make_fake: Any) -> None:
    with Codex(make_fake(chaos()).config) as codex:
        notes = codex.notifications()  # subscribed from here on
        codex.thread_start().run("hi")
        unknown = next(n for n in notes if n.method == "fake/unknownNotification")
        assert not unknown.known
        assert isinstance(unknown.params, dict)
        assert unknown.params["x"] == 1 and unknown.params is unknown.raw


def test_unknown_values_types_and_fields_are_data(make_fake: Any) -> None:
    """A turn from a 'newer server': an unknown turn status, thread status and item type, and
    an extra field on every notification: all parse, nothing raises, all is visible."""
    with Codex(make_fake(chaos(status="someNewStatus")).config) as codex:
        notes = codex.notifications()
        turn = codex.thread_start().turn("hi")
        streamed = list(turn.stream())
        for note in streamed:
            params = note.params  # validates: must not raise
            assert not isinstance(params, dict)
            assert params.model_extra == {"fakeExtraField": {"nested": [1, 2, 3]}}
        result = turn.run()
        assert result.status == "someNewStatus"
        assert not result.status.is_known
        kinds = [type(item).__name__ for item in result.items]
        assert "UnrecognizedThreadItem" in kinds
        unknown_item = result.items[kinds.index("UnrecognizedThreadItem")]
        assert unknown_item.type == "futureItemType" and unknown_item.model_extra["x"] == 1
        seen = drain(codex, notes)
        changed = [n.params for n in seen if n.method == "thread/status/changed"]
        unknown_status = next(p.status for p in changed if p.status.type == "hibernating")
        assert type(unknown_status).__name__ == "UnrecognizedThreadStatus"


def thread_without_project_id(cwd: str) -> dict[str, Any]:
    """A `thread/start` result as an older server (0.147.0) sends it: no `thread.projectId`
    (required, nullable in the pinned 0.163.0 schema)."""
    from tests.fakes.fake_app_server import Fake

    fake = Fake({}, [])
    thread = fake.thread_object("11111111-2222-4333-8444-555555555555", cwd)
    del thread["projectId"]
    return fake.thread_response(thread)


def test_a_field_an_older_server_omits_is_none(make_fake: Any, tmp_path: Any) -> None:
    result = thread_without_project_id(str(tmp_path))
    scenario = {"methods": {"thread/start": {"result": result}}}
    with Codex(make_fake(scenario).config) as codex:
        thread = codex.thread_start()
        assert thread.id == "11111111-2222-4333-8444-555555555555"
        full = codex.client.thread_start()
        assert full.thread.project_id is None


def test_a_result_that_does_not_fit_is_a_protocol_error(make_fake: Any) -> None:
    """Not a bare pydantic ValidationError: a CodexError naming the method and the field."""
    from codex_app_server import ProtocolError

    scenario = {"methods": {"model/list": [{"result": {"data": "not a list"}}, "builtin"]}}
    with Codex(make_fake(scenario).config) as codex:
        with pytest.raises(ProtocolError, match=r"the model/list result does not fit .* at data"):
            codex.models()
        assert codex.models().data  # the connection goes on
