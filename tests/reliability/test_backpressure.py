"""A slow consumer of a huge turn: memory stays bounded and nothing is lost silently.

A turn's stream applies backpressure (reading stops while its buffer is full, so the server
blocks on its pipe); where backpressure cannot apply (a request is pending, or the consumer
abandoned the stream) the stream ends with an explicit `StreamOverflowError` after what it
buffered: never a silent gap.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from codex_app_server import AsyncCodex, Codex, StreamOverflowError
from tests.reliability.conftest import peak_rss_kib, reset_peak_rss, rss_kib

DELTA = "item/agentMessage/delta"


def flood_turn(count: int) -> dict[str, Any]:
    return {"methods": {"turn/start": {"turn": {"flood_deltas": count}}}}


def wait_for_a_pause(stats: Any, timeout: float = 30.0) -> bool:
    """Wait until the session has paused reading (the turn's buffer reached its high
    watermark while nobody consumed it): an event, not a race between reader and consumer."""
    deadline = time.monotonic() + timeout
    while stats.pauses == 0:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


@pytest.mark.timeout(60)
def test_a_million_deltas_to_a_slow_consumer_stay_bounded(make_fake: Any) -> None:
    count = 1_000_000
    with Codex(make_fake(flood_turn(count)).config) as codex:
        thread = codex.thread_start()
        can_reset = reset_peak_rss()
        base = rss_kib()
        started = time.monotonic()
        turn = thread.turn("flood")
        stats = codex.client.stats
        # Consume nothing until the buffer is full: reading must pause, whatever the speed of
        # the machine (a consumer as fast as the reader would otherwise never make it pause).
        assert wait_for_a_pause(stats)
        buffered = len(turn._subscription)  # pyright: ignore[reportPrivateUsage]
        received = 0
        for note in turn.stream():
            if note.method == DELTA:
                received += 1
                if received % 500 == 0:
                    time.sleep(0.002)  # about 4 s of sleeping: slower than the reader
        elapsed = time.monotonic() - started
        peak = peak_rss_kib()
        result = turn.run()
    growth_mb = (peak - base) / 1024
    print(
        f"\n[1M deltas, slow sync consumer] {received:,} received in {elapsed:.1f} s; "
        f"RSS {base / 1024:.0f} MB -> peak {peak / 1024:.0f} MB ({growth_mb:+.1f} MB; "
        f"peak reset: {can_reset}); reading paused {stats.pauses} times"
    )
    assert received == count  # nothing lost
    assert result.status == "completed" and len(result.final_response or "") == count
    # paused at the bound (10,000), well under the hard limit; nothing overflowed
    assert 10_000 <= buffered < 40_000 and stats.overflow_dropped == 0
    # 1M buffered notifications would take hundreds of MB; the bound keeps it to a few tens
    assert growth_mb < 100


@pytest.mark.timeout(60)
async def test_200k_deltas_to_a_slow_async_consumer(make_fake: Any) -> None:
    import asyncio

    count = 200_000
    async with AsyncCodex(make_fake(flood_turn(count)).config) as codex:
        thread = await codex.thread_start()
        turn = await thread.turn("flood")
        stats = codex.client.stats
        deadline = time.monotonic() + 30
        while stats.pauses == 0 and time.monotonic() < deadline:  # see wait_for_a_pause
            await asyncio.sleep(0.005)
        assert stats.pauses > 0
        received = 0
        async for note in turn.stream():
            if note.method == DELTA:
                received += 1
                if received % 500 == 0:
                    await asyncio.sleep(0.002)
        assert received == count
        assert stats.overflow_dropped == 0


@pytest.mark.timeout(60)
def test_a_call_inside_the_stream_loop_overflows_explicitly(make_fake: Any) -> None:
    """While a request is pending, reading cannot pause (the response must get through), so
    a stream whose consumer waits on a slow request overflows at its hard limit: the consumer
    gets every buffered delta, then `StreamOverflowError`; the client goes on."""
    scenario = flood_turn(200_000)
    scenario["methods"]["model/list"] = [{"delay": 2.0}, "builtin"]
    with Codex(make_fake(scenario).config) as codex:
        turn = codex.thread_start().turn("flood")
        counted: list[int] = []

        def consume() -> None:
            for note in turn.stream():
                if note.method == DELTA:
                    counted.append(1)
                    if len(counted) == 1:
                        codex.models()  # 2 s while the flood goes on

        with pytest.raises(StreamOverflowError) as info:
            consume()
        received = len(counted)
        limit = info.value.maxsize
        assert limit >= 10_000 and 0 < received <= limit + 1
        assert "overflowed" in str(info.value)
        assert codex.client.stats.overflow_dropped > 0  # counted, not silent
        assert codex.models().data  # the connection goes on


@pytest.mark.timeout(30)
def test_an_abandoned_stream_cannot_stall_the_others(make_fake: Any) -> None:
    """Turn A (100,000 deltas) is started and never read; turn B (another thread) still
    streams to its end. A is given up with an explicit StreamOverflowError, raised when A is
    read: after `stall_timeout` if A's full buffer paused reading, or at its hard limit if it
    filled while a request was pending."""
    with Codex(make_fake(flood_turn(100_000)).config) as codex:
        codex.client.session.stall_timeout = 0.5
        thread_a, thread_b = codex.thread_start(), codex.thread_start()
        abandoned = thread_a.turn("A")
        other = thread_b.turn("B")
        done = threading.Event()
        counted: list[int] = []

        def consume() -> None:
            counted.append(sum(1 for n in other.stream() if n.method == DELTA))
            done.set()

        consumer = threading.Thread(target=consume)
        consumer.start()
        assert done.wait(20), "turn B stalled behind the abandoned turn A"
        consumer.join()
        assert counted == [100_000]
        with pytest.raises(StreamOverflowError, match="overflowed"):
            list(abandoned.stream())
        assert codex.client.stats.overflow_dropped > 0
