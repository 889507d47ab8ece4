"""4. Request round-trip against the fake app-server (`model/list`, answered at once), through
each SDK's low-level client:

* sequential: N requests one after the other, typed (`client.model_list()`, the response
  validated into the SDK's model) and raw (ours `request_raw`, official `_request_raw`) with
  the blocking clients, and typed with the async clients (ours `AsyncAppServerClient`,
  official `AsyncCodexClient`); reported as the mean latency per request.
* concurrent: M requests issued together. ours: `AsyncAppServerClient` + `asyncio.gather`;
  official: its `AsyncCodexClient` + `asyncio.gather` (it offloads each call to a thread with
  `asyncio.to_thread`), and its blocking `CodexClient` from a pool of 64 threads. Reported as
  the wall time of the whole batch.

    python -m benchmarks.bench_requests worker {ours|official} FAKE_CODEX N M
"""

from __future__ import annotations

import sys
import time
from typing import Any

from benchmarks._common import (
    OFFICIAL,
    OURS,
    Measurement,
    Settings,
    emit,
    interleaved,
    run_worker,
)

BENCH = "4. request round-trip"
OFFICIAL_THREADS = "official (64 threads)"
WARMUP = 200


def run(settings: Settings) -> list[Measurement]:
    from tests.support.fake_codex import write_fake_codex

    fake = str(write_fake_codex(settings.scratch / "requests", {}))
    n, m = settings.sequential_n, settings.concurrent_n
    keys = ("typed_us", "raw_us", "async_us", "gather_ms", "threads_ms")
    samples: dict[str, dict[str, list[float]]] = {
        OURS: {k: [] for k in keys},
        OFFICIAL: {k: [] for k in keys},
    }
    for rep, sdk in interleaved(settings.reps, [OURS, OFFICIAL]):
        result = run_worker(settings.pythons[sdk], "bench_requests", [sdk, fake, str(n), str(m)])
        for key in keys:
            if key in result:
                samples[sdk][key].append(result[key])
        settings.say(
            f"  {BENCH} rep {rep + 1} {sdk}: typed {result['typed_us']:.0f} us, raw "
            f"{result['raw_us']:.0f} us, gather({m}) {result['gather_ms']:.0f} ms"
        )
    out = [
        Measurement(
            BENCH, f"sequential x{n:,}, typed model_list()", s, "us", samples[s]["typed_us"]
        )
        for s in (OURS, OFFICIAL)
    ]
    out += [
        Measurement(BENCH, f"sequential x{n:,}, raw request", s, "us", samples[s]["raw_us"])
        for s in (OURS, OFFICIAL)
    ]
    out += [
        Measurement(
            BENCH, f"sequential x{n:,}, typed, async client", s, "us", samples[s]["async_us"]
        )
        for s in (OURS, OFFICIAL)
    ]
    out += [
        Measurement(BENCH, f"concurrent x{m:,}: batch wall time", s, "ms", samples[s]["gather_ms"])
        for s in (OURS, OFFICIAL)
    ]
    out.append(
        Measurement(
            BENCH,
            f"concurrent x{m:,}: batch wall time",
            OFFICIAL_THREADS,
            "ms",
            samples[OFFICIAL]["threads_ms"],
        )
    )
    return out


# --------------------------------------------------------------------------- worker side


def _ours(fake: str, n: int, m: int) -> dict[str, Any]:
    import asyncio

    from codex_app_server import AppServerClient, AppServerConfig, AsyncAppServerClient

    config = AppServerConfig(codex_bin=fake)
    out: dict[str, Any] = {}
    with AppServerClient(config) as client:
        for _ in range(WARMUP):
            client.model_list()
        started = time.perf_counter()
        for _ in range(n):
            client.model_list()
        out["typed_us"] = (time.perf_counter() - started) / n * 1e6
        started = time.perf_counter()
        for _ in range(n):
            client.request_raw("model/list", {})
        out["raw_us"] = (time.perf_counter() - started) / n * 1e6

    async def concurrent() -> None:
        async with AsyncAppServerClient(config) as aclient:
            await asyncio.gather(*(aclient.model_list() for _ in range(WARMUP)))
            started = time.perf_counter()
            for _ in range(n):
                await aclient.model_list()
            out["async_us"] = (time.perf_counter() - started) / n * 1e6
            started = time.perf_counter()
            await asyncio.gather(*(aclient.model_list() for _ in range(m)))
            out["gather_ms"] = (time.perf_counter() - started) * 1e3

    asyncio.run(concurrent())
    return out


def _official(fake: str, n: int, m: int) -> dict[str, Any]:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from openai_codex import CodexConfig
    from openai_codex.async_client import AsyncCodexClient
    from openai_codex.client import CodexClient

    config = CodexConfig(codex_bin=fake)
    out: dict[str, Any] = {}
    client = CodexClient(config)
    client.start()
    try:
        client.initialize()
        for _ in range(WARMUP):
            client.model_list()
        started = time.perf_counter()
        for _ in range(n):
            client.model_list()
        out["typed_us"] = (time.perf_counter() - started) / n * 1e6
        started = time.perf_counter()
        for _ in range(n):
            client._request_raw("model/list", {"includeHidden": False})
        out["raw_us"] = (time.perf_counter() - started) / n * 1e6
        with ThreadPoolExecutor(64) as pool:
            list(pool.map(lambda _: client.model_list(), range(WARMUP)))
            started = time.perf_counter()
            list(pool.map(lambda _: client.model_list(), range(m)))
            out["threads_ms"] = (time.perf_counter() - started) * 1e3
    finally:
        client.close()

    async def concurrent() -> None:
        aclient = AsyncCodexClient(config)
        await aclient.start()
        try:
            await aclient.initialize()
            await asyncio.gather(*(aclient.model_list() for _ in range(WARMUP)))
            started = time.perf_counter()
            for _ in range(n):
                await aclient.model_list()
            out["async_us"] = (time.perf_counter() - started) / n * 1e6
            started = time.perf_counter()
            await asyncio.gather(*(aclient.model_list() for _ in range(m)))
            out["gather_ms"] = (time.perf_counter() - started) * 1e3
        finally:
            await aclient.close()

    asyncio.run(concurrent())
    return out


def worker(argv: list[str]) -> None:
    sdk, fake, n, m = argv[0], argv[1], int(argv[2]), int(argv[3])
    emit(_ours(fake, n, m) if sdk == OURS else _official(fake, n, m))


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker(sys.argv[2:])
