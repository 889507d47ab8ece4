"""Page iterators on the real app-server: every item across pages, fetched lazily.

codex 0.163.0 pages `thread/turns/list` by an opaque cursor (`next_cursor` is None on the last
page). `thread/list`'s cursor is a timestamp to the second, so threads created within one
second do not page apart: a server property, which is why these tests page turns.
"""

from __future__ import annotations

from typing import Any

from codex_app_server import AsyncCodex, Codex
from codex_app_server.testing import OfflineEnvironment


def thread_with_turns(codex: Codex, count: int) -> tuple[str, list[str]]:
    thread = codex.thread_start()
    turn_ids = [thread.run(f"turn {index}").id for index in range(count)]
    return thread.id, turn_ids


def test_every_turn_across_pages_one_page_at_a_time(codex: Codex) -> None:
    thread_id, turn_ids = thread_with_turns(codex, 3)
    client = codex.client
    pages: list[Any] = []
    list_page = client.thread_turns_list

    def counting(**kwargs: Any) -> Any:
        page = list_page(**kwargs)
        pages.append(page)
        return page

    client.thread_turns_list = counting  # type: ignore[method-assign]
    turns = client.iter_thread_turns_list(thread_id=thread_id, limit=1)
    first = next(turns)
    assert len(pages) == 1  # nothing fetched ahead
    rest = list(turns)
    assert sorted(t.id for t in [first, *rest]) == sorted(turn_ids)
    assert len(pages) == 3
    assert pages[-1].next_cursor is None


def test_a_single_page_ends_the_iteration(codex: Codex) -> None:
    models = list(codex.client.iter_model_list())
    assert [m.id for m in models] == [m.id for m in codex.client.model_list().data]


async def test_the_async_twin_walks_the_same_pages(env: OfflineEnvironment) -> None:
    with Codex(env.config) as codex:
        thread_id, turn_ids = thread_with_turns(codex, 2)
    async with AsyncCodex(env.config) as codex:
        await codex.thread_resume(thread_id)
        turns = codex.client.iter_thread_turns_list(thread_id=thread_id, limit=1)
        found = [turn.id async for turn in turns]
    assert sorted(found) == sorted(turn_ids)
