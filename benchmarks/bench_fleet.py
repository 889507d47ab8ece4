"""7. Fleet and sockets (this SDK only, the real app-server, the loopback model answering "Done."):

* fleet turns/s: T turns spread over 4 conversations, run concurrently (asyncio), against one
  app-server (4 threads on it), against 4 app-servers started here (stdio, 1 thread each),
  and against 4 app-servers listening on loopback WebSockets (`AsyncCodex.connect`).
* per-message cost, ws:// and unix:// against stdio, on one app-server each: the mean
  round-trip of a raw request (`account/read`, sequential) and the client's CPU time per
  notification of a turn streaming D deltas (what the transport costs this process; the
  server's own time is the same whichever way it talks).
* failure detection: the time from SIGKILL of a listening server to the failure of a request
  pending on it (`TransportClosedError`).

    python -m benchmarks.bench_fleet worker CASE ARGS...
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from contextlib import AsyncExitStack, ExitStack
from typing import Any

from benchmarks._common import OURS, Measurement, Settings, emit, run_worker

BENCH = "7. fleet and sockets"
SERVERS = 4
TRANSPORTS = ("stdio", "ws", "unix")


def run(settings: Settings) -> list[Measurement]:
    turns = 40 if settings.quick else 100
    requests = 500 if settings.quick else 2000
    deltas = 20_000 if settings.quick else 50_000
    python = settings.pythons[OURS]
    fleet: dict[str, list[float]] = {"one": [], "stdio": [], "ws": []}
    rtt: dict[str, list[float]] = {t: [] for t in TRANSPORTS}
    cpu: dict[str, list[float]] = {t: [] for t in TRANSPORTS}
    detect: list[float] = []
    for rep in range(settings.reps):
        for layout, samples in fleet.items():
            result = run_worker(python, "bench_fleet", ["fleet", layout, str(turns)])
            samples.append(result["turns_per_s"])
            settings.say(f"  {BENCH} rep {rep + 1} fleet {layout}: {result['turns_per_s']:.1f}/s")
        for transport in TRANSPORTS:
            result = run_worker(
                python, "bench_fleet", ["messages", transport, str(requests), str(deltas)]
            )
            rtt[transport].append(result["rtt_us"])
            cpu[transport].append(result["cpu_us_per_notification"])
            settings.say(
                f"  {BENCH} rep {rep + 1} {transport}: round-trip {result['rtt_us']:.0f} us, "
                f"{result['cpu_us_per_notification']:.1f} us CPU per notification"
            )
        result = run_worker(python, "bench_fleet", ["detect"])
        detect.append(result["ms"])
        settings.say(f"  {BENCH} rep {rep + 1} kill detected after {result['ms']:.1f} ms")
    names = {
        "one": f"{turns} turns, 4 conversations on 1 app-server: turns/s",
        "stdio": f"{turns} turns, 4 app-servers (stdio): turns/s",
        "ws": f"{turns} turns, 4 app-servers (ws://, connect): turns/s",
    }
    out = [
        Measurement(BENCH, names[k], OURS, "turns/s", v, higher_is_better=True)
        for k, v in fleet.items()
    ]
    out += [
        Measurement(BENCH, f"raw request round-trip x{requests:,}, {t}", OURS, "us", v)
        for t, v in rtt.items()
    ]
    out += [
        Measurement(BENCH, f"client CPU per notification ({deltas:,} deltas), {t}", OURS, "us", v)
        for t, v in cpu.items()
    ]
    out.append(
        Measurement(BENCH, "server killed: pending request failed after", OURS, "ms", detect)
    )
    return out


# --------------------------------------------------------------------------- worker side


async def _open(transport: str, stack: AsyncExitStack, sync_stack: ExitStack, env: Any) -> Any:
    from codex_app_server import AsyncCodex
    from codex_app_server.testing import listening_app_server

    if transport == "stdio":
        codex = await AsyncCodex.start(env.config)
    else:
        server = sync_stack.enter_context(listening_app_server(env.config, listen=transport))  # type: ignore[arg-type]
        codex = await AsyncCodex.connect(server.url, token=server.token)
    stack.push_async_callback(codex.close)
    return codex


async def _conversation(codex: Any, turns: int) -> None:
    thread = await codex.thread_start()
    for _ in range(turns):
        result = await thread.run("go")
        if result.status != "completed":
            raise RuntimeError(f"turn ended {result.status}")


async def _fleet(layout: str, turns: int) -> dict[str, Any]:
    from codex_app_server.testing import offline_environment

    with ExitStack() as sync_stack:
        async with AsyncExitStack() as stack:
            if layout == "one":
                env = sync_stack.enter_context(offline_environment())
                codex = await _open("stdio", stack, sync_stack, env)
                fleet = [codex] * SERVERS
            else:
                transport = "stdio" if layout == "stdio" else "ws"
                envs = [sync_stack.enter_context(offline_environment()) for _ in range(SERVERS)]
                fleet = await asyncio.gather(
                    *(_open(transport, stack, sync_stack, env) for env in envs)
                )
            share = turns // SERVERS
            started = time.perf_counter()
            await asyncio.gather(*(_conversation(codex, share) for codex in fleet))
            seconds = time.perf_counter() - started
    return {"turns_per_s": share * SERVERS / seconds, "seconds": seconds}


async def _messages(transport: str, requests: int, deltas: int) -> dict[str, Any]:
    from codex_app_server.testing import offline_environment, text

    pieces = ["x"] * deltas
    with ExitStack() as sync_stack:
        env = sync_stack.enter_context(offline_environment(text("".join(pieces), deltas=pieces)))
        async with AsyncExitStack() as stack:
            codex = await _open(transport, stack, sync_stack, env)
            client = codex.client
            for _ in range(50):  # warm up
                await client.request_raw("account/read", {})
            started = time.perf_counter()
            for _ in range(requests):
                await client.request_raw("account/read", {})
            rtt = (time.perf_counter() - started) / requests
            thread = await codex.thread_start()
            turn = await thread.turn("go")
            seen = 0
            cpu = time.process_time()
            async for note in turn.stream():
                seen += note.method == "item/agentMessage/delta"
            cpu = time.process_time() - cpu
    if seen != deltas:
        raise RuntimeError(f"saw {seen} deltas, not {deltas}")
    return {"rtt_us": rtt * 1e6, "cpu_us_per_notification": cpu / deltas * 1e6}


async def _detect() -> dict[str, Any]:
    from codex_app_server import AsyncCodex, TransportClosedError
    from codex_app_server.testing import listening_app_server, offline_environment

    with offline_environment() as env, listening_app_server(env.config) as server:
        codex = await AsyncCodex.connect(server.url, token=server.token)
        async with codex:
            os.killpg(server.process.pid, signal.SIGSTOP)  # the request stays unanswered
            pending = asyncio.ensure_future(codex.client.request_raw("account/read", {}))
            await asyncio.sleep(0)
            started = time.perf_counter()
            os.killpg(server.process.pid, signal.SIGKILL)
            with contextlib.suppress(TransportClosedError):
                await pending
            seconds = time.perf_counter() - started
    return {"ms": seconds * 1e3}


def worker(argv: list[str]) -> None:
    case = argv[0]
    if case == "fleet":
        emit(asyncio.run(_fleet(argv[1], int(argv[2]))))
    elif case == "messages":
        emit(asyncio.run(_messages(argv[1], int(argv[2]), int(argv[3]))))
    elif case == "detect":
        emit(asyncio.run(_detect()))
    else:
        raise SystemExit(f"unknown case {case!r}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker(sys.argv[2:])
