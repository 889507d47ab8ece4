"""Load on the real app-server: many concurrent turns through one client, many sequential
requests with no growth in memory or open files.

Marked `slow` (run with `-m slow`, or `nox -s load`); the figures they print are the ones
reported in docs/reliability.md.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

import pytest

from codex_app_server import Codex
from codex_app_server.testing import OfflineEnvironment, offline_environment, text
from tests.reliability.conftest import open_fds, rss_kib

pytestmark = pytest.mark.slow

TURNS = 100
REQUESTS = 10_000


@pytest.mark.timeout(300)
def test_100_concurrent_turns_on_100_threads_through_one_client() -> None:
    """Each thread runs its own turn (own thread, input `turn-K`); the model answers in
    whatever order the requests reach it. Each turn's final response must be the reply served
    to the model request that carried its own input, and equal what its own stream saw."""
    replies = [
        text(f"answer number {k} for you", deltas=[f"answer number {k}", " for", " you"])
        for k in range(TURNS)
    ]
    with offline_environment(*replies, request_timeout=120.0) as env, Codex(env.config) as codex:
        barrier = threading.Barrier(TURNS)
        outcomes: dict[int, tuple[str | None, str, str]] = {}
        errors: list[BaseException] = []
        lock = threading.Lock()

        def one(k: int) -> None:
            try:
                thread = codex.thread_start()
                barrier.wait(60)
                turn = thread.turn(f"turn-{k}")
                streamed = "".join(
                    n.raw["delta"] for n in turn.stream() if n.method == "item/agentMessage/delta"
                )
                result = turn.run()
                assert result.status == "completed", result
                with lock:
                    outcomes[k] = (result.final_response, streamed, turn.id)
            except BaseException as exc:
                with lock:
                    errors.append(exc)

        rss_before = rss_kib()
        started = time.monotonic()
        workers = [threading.Thread(target=one, args=(k,), name=f"turn-{k}") for k in range(TURNS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(240)
        elapsed = time.monotonic() - started
        rss_after = rss_kib()
        assert not errors, errors[:3]
        assert len(outcomes) == TURNS
        served = served_by_input(env)
        for k, (final, streamed, _turn_id) in outcomes.items():
            assert final == served[f"turn-{k}"], k  # its own model reply, not a neighbour's
            assert streamed == final, k  # what its own stream saw
        assert len({final for final, _, _ in outcomes.values()}) == TURNS
        assert len({turn_id for _, _, turn_id in outcomes.values()}) == TURNS
    print(
        f"\n[load] {TURNS} concurrent turns on {TURNS} threads, one client: {elapsed:.1f} s; "
        f"RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MB"
    )


def served_by_input(env: OfflineEnvironment) -> dict[str, str]:
    """`turn-K` -> the text of the reply the model server gave to the request carrying it."""
    out: dict[str, str] = {}
    for index, reply in enumerate(env.model.served):
        mine = [t for t in env.model.user_texts(index) if t.startswith("turn-")]
        assert len(mine) == 1, mine
        out[mine[0]] = reply.text  # type: ignore[attr-defined]
    return out


def measure(calls: int, call: Any) -> tuple[float, int, int, int, int]:
    gc.collect()
    rss0, fds0 = rss_kib(), open_fds()
    started = time.monotonic()
    for _ in range(calls):
        call()
    elapsed = time.monotonic() - started
    gc.collect()
    return elapsed, rss0, rss_kib(), fds0, open_fds()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method", ["model/list", "thread/loaded/list"])
def test_10000_sequential_requests_do_not_grow_memory_or_fds(method: str) -> None:
    with offline_environment() as env, Codex(env.config) as codex:
        codex.thread_start()
        call = codex.models if method == "model/list" else codex.client.thread_loaded_list
        measure(1000, call)  # warm up: caches, allocator pools, lazy models
        elapsed, rss0, rss1, fds0, fds1 = measure(REQUESTS, call)
        stats = codex.client.stats
        assert codex.client.pending_requests == 0
    growth = (rss1 - rss0) / 1024
    print(
        f"\n[load] {REQUESTS:,} sequential {method}: {elapsed:.1f} s "
        f"({REQUESTS / elapsed:,.0f}/s); RSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MB "
        f"({growth:+.1f} MB); fds {fds0} -> {fds1}; lines read {stats.lines:,}"
    )
    assert fds1 <= fds0
    assert growth < 10
