"""Several clients on one app-server: each connection sees only its own turns.

What the real app-server (0.163.0) does: every notification of a turn (``turn/*``,
``item/*``, token usage) goes only to the connection that started it; ``thread/started`` and
``thread/status/changed`` go to every connection."""

from __future__ import annotations

import asyncio
from typing import Any

from codex_app_server import AsyncCodex
from codex_app_server._session import Subscription
from codex_app_server.testing import ListeningAppServer, OfflineEnvironment, text


def _drain(tap: Subscription) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while (message := tap.get_nowait()) is not None:
        seen.append(message)
    return seen


def _ids(messages: list[dict[str, Any]], key: str) -> set[str]:
    found: set[str] = set()
    for message in messages:
        params = message.get("params") or {}
        value = params.get(key)
        if value is None and key == "turnId" and isinstance(params.get("turn"), dict):
            value = params["turn"].get("id")
        if isinstance(value, str):
            found.add(value)
    return found


def test_two_connections_each_see_only_their_own_turns(
    env: OfflineEnvironment, ws_server: ListeningAppServer
) -> None:
    env.model.enqueue(text("reply one", chunks=5), text("reply two", chunks=5))

    async def main() -> None:
        first = await AsyncCodex.connect(ws_server.url, token=ws_server.token)
        second = await AsyncCodex.connect(ws_server.url, token=ws_server.token)
        async with first, second:
            taps = [
                c.client.session.subscribe_notifications(all_turns=True) for c in (first, second)
            ]
            threads = [await first.thread_start(), await second.thread_start()]
            results = await asyncio.gather(*(t.run("hi") for t in threads))
            assert {r.final_response for r in results} == {"reply one", "reply two"}
            for tap, thread, result in zip(taps, threads, results, strict=True):
                seen = _drain(tap)
                turn_messages = [m for m in seen if _ids([m], "turnId")]
                assert _ids(turn_messages, "turnId") == {result.id}
                assert _ids(turn_messages, "threadId") == {thread.id}
                assert "turn/completed" in {m["method"] for m in turn_messages}
                # What the server does share: every thread's start and status changes.
                other = next(t for t in threads if t is not thread)
                shared = {m["method"] for m in seen if _ids([m], "threadId") == {other.id}}
                assert shared <= {"thread/started", "thread/status/changed"}

    asyncio.run(main())
