"""The async API on the real app-server."""

from __future__ import annotations

import asyncio

from codex_app_server import AsyncCodex
from codex_app_server.testing import OfflineEnvironment, hold, text


async def test_async_turn_run_and_stream(env: OfflineEnvironment) -> None:
    env.model.enqueue(text("async hello", deltas=["async ", "hello"]))
    async with AsyncCodex(env.config) as codex:
        assert codex.server_version == "0.163.0"
        thread = await codex.thread_start()
        turn = await thread.turn("hi")
        deltas = [
            n.params.delta async for n in turn.stream() if n.method == "item/agentMessage/delta"
        ]  # type: ignore[union-attr]
        result = await turn.run()
    assert deltas == ["async ", "hello"]
    assert result.final_response == "async hello"


async def test_async_concurrent_turns_on_one_client(env: OfflineEnvironment) -> None:
    replies = [hold(text(f"answer {i}")) for i in range(3)]
    env.model.enqueue(*replies)
    async with AsyncCodex(env.config) as codex:
        threads = [await codex.thread_start() for _ in range(3)]
        turns = [await t.turn(f"q{i}") for i, t in enumerate(threads)]
        await asyncio.to_thread(env.model.wait_for_requests, 3)
        for reply in replies:
            reply.release()
        results = await asyncio.gather(*(t.run() for t in turns))
    assert sorted(r.final_response or "" for r in results) == ["answer 0", "answer 1", "answer 2"]
    assert [r.id for r in results] == [t.id for t in turns]


async def test_async_start_classmethod(env: OfflineEnvironment) -> None:
    codex = await AsyncCodex.start(env.config)
    try:
        models = (await codex.models()).data
        assert models and all(isinstance(m.id, str) and m.id for m in models)
    finally:
        await codex.close()
    assert codex.closed
