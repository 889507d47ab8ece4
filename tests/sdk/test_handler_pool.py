"""The blocking-handler pool: bounded, reuses a waiting worker, and lets idle workers go."""

from __future__ import annotations

import asyncio
import threading

from codex_app_server.handlers import HandlerPool


def _thread_name_of_caller(_params: object) -> int:
    return threading.get_ident()


async def test_back_to_back_calls_reuse_a_waiting_worker() -> None:
    """Sequential calls (a tool called in a loop) must not start a thread per call. A worker may
    still be on its way back to waiting when the next call arrives, so at most two serve them."""
    pool = HandlerPool(4, idle_linger=60.0)
    idents = {await pool.run(_thread_name_of_caller, None, "probe") for _ in range(50)}
    assert len(idents) <= 2
    assert pool.peak_workers <= 2


async def test_a_burst_runs_in_parallel_up_to_the_bound() -> None:
    pool = HandlerPool(3, idle_linger=60.0)
    gate = threading.Barrier(3, timeout=30)  # passes only when 3 handlers run at once

    def meet(_params: object) -> str:
        gate.wait()
        return "met"

    answers = await asyncio.gather(*(pool.run(meet, None, "meet") for _ in range(6)))
    assert answers == ["met"] * 6
    assert pool.peak_workers == 3


async def test_idle_workers_end_after_their_linger() -> None:
    pool = HandlerPool(2, idle_linger=0.01)
    await pool.run(_thread_name_of_caller, None, "probe")
    ended = threading.Event()

    def watch() -> None:
        # waits for the pool's own state, not for a guessed duration
        while pool.workers:
            threading.Event().wait(0.01)
        ended.set()

    threading.Thread(target=watch, daemon=True).start()
    assert await asyncio.to_thread(ended.wait, 30)
    assert pool.workers == 0
