"""8. Tool-call overhead: the SDK's own cost per `item/tool/call` (request in -> argument
validation -> the function -> result conversion -> answer out), against a raw JSON-RPC loop
answering the same requests.

The fake app-server, asked `bench/toolCalls`, sends N `item/tool/call` requests one after the
other (each waits for its answer), then answers the trigger; the time from the trigger to its
answer, divided by N, is the latency of one tool call. The same fake and scenario serve:

* bare loop: the worker reads the pipe with `os.read`, `json.loads` each line, calls the plain
  function with the arguments as keywords and writes `{"contentItems": [...], "success":
  true}`: the least any client can do;
* ours, sync `@tool`: `Codex` with `thread_start(tools=[fn])`, the function run off the loop;
* ours, async `@tool`: `AsyncCodex`, the function awaited on the loop.

The overhead is ours minus the bare loop, per call. (The official SDK has no client tools.)

    python -m benchmarks.bench_tools worker {bare|sync|async} CODEX N
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._common import BARE, OURS, Measurement, Settings, emit, interleaved, run_worker

BENCH = "8. tool-call overhead"
TRIGGER = "bench/toolCalls"
WARMUP = 200
CASES = {"bare": BARE, "sync": f"{OURS}, sync @tool", "async": f"{OURS}, async @tool"}


def scenario(n: int) -> dict[str, Any]:
    call = {
        "do": "request",
        "method": "item/tool/call",
        "params": {
            "threadId": "$thread_id",
            "turnId": "turn-bench",
            "callId": "call-$index",
            "namespace": None,
            "tool": "get_weather",
            "arguments": {"city": "Paris", "days": 3},
        },
        "wait": True,
        "timeout": 30,
    }
    return {"methods": {TRIGGER: {"actions": [*([call] * n), {"do": "respond", "result": {}}]}}}


def write_fake(directory: Path, n: int) -> str:
    from tests.support.fake_codex import write_fake_codex

    return str(write_fake_codex(directory, scenario(n)))


def run(settings: Settings) -> list[Measurement]:
    n = settings.sequential_n
    warm = write_fake(settings.scratch / "tools-warm", WARMUP)
    fake = write_fake(settings.scratch / f"tools-{n}", n)
    per_call: dict[str, list[float]] = {case: [] for case in CASES}
    for rep, case in interleaved(settings.reps, list(CASES)):
        result = run_worker(settings.pythons[OURS], "bench_tools", [case, warm, fake, str(n)])
        if result["answered"] != n:
            raise RuntimeError(f"{case}: {result['answered']} of {n} tool calls answered")
        per_call[case].append(result["us_per_call"])
        settings.say(f"  {BENCH} rep {rep + 1} {CASES[case]}: {result['us_per_call']:.0f} us/call")
    out = [
        Measurement(BENCH, f"sequential x{n:,}: latency per tool call", CASES[case], "us", values)
        for case, values in per_call.items()
    ]
    bare = sorted(per_call["bare"])[len(per_call["bare"]) // 2]
    for case in ("sync", "async"):
        overhead = [value - bare for value in per_call[case]]
        out.append(
            Measurement(
                BENCH,
                "SDK overhead per tool call (ours - bare median)",
                CASES[case],
                "us",
                overhead,
            )
        )
    return out


# --------------------------------------------------------------------------- worker side


def get_weather(city: str, days: int = 1) -> str:
    """The forecast for a city."""
    return f"Sunny in {city} for {days} days"


async def get_weather_async(city: str, days: int = 1) -> str:
    """The forecast for a city."""
    return f"Sunny in {city} for {days} days"


def _sync_worker(warm: str, fake: str, n: int) -> dict[str, Any]:
    from codex_app_server import AppServerConfig, Codex, tool

    weather = tool(get_weather)
    for codex_bin in (warm, fake):
        config = AppServerConfig(codex_bin=codex_bin, experimental_api=True)
        with Codex(config) as codex:
            codex.thread_start(tools=[weather])
            started = time.perf_counter()
            codex.client.request_raw(TRIGGER, {})
            seconds = time.perf_counter() - started
    return {"us_per_call": seconds / n * 1e6, "answered": n}


def _async_worker(warm: str, fake: str, n: int) -> dict[str, Any]:
    import asyncio

    from codex_app_server import AppServerConfig, AsyncCodex, tool

    weather = tool(name="get_weather")(get_weather_async)

    async def main() -> float:
        seconds = 0.0
        for codex_bin in (warm, fake):
            config = AppServerConfig(codex_bin=codex_bin, experimental_api=True)
            async with AsyncCodex(config) as codex:
                await codex.thread_start(tools=[weather])
                started = time.perf_counter()
                await codex.client.request_raw(TRIGGER, {})
                seconds = time.perf_counter() - started
        return seconds

    return {"us_per_call": asyncio.run(main()) / n * 1e6, "answered": n}


def _bare_worker(warm: str, fake: str, n: int) -> dict[str, Any]:
    from benchmarks.bench_throughput import _Pipe

    answered = 0
    seconds = 0.0
    for codex_bin, expected in ((warm, WARMUP), (fake, n)):
        pipe = _Pipe([codex_bin, "app-server"])
        pipe.send({"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "bare"}}})
        pipe.wait_response(1)
        pipe.send({"method": "initialized"})
        pipe.send({"id": 2, "method": "thread/start", "params": {}})
        pipe.wait_response(2)
        loads, dumps, read, write = json.loads, json.dumps, os.read, pipe.stdin.write
        rest = pipe.rest
        answered = 0
        done = False
        started = time.perf_counter()
        pipe.send({"id": 3, "method": TRIGGER, "params": {}})
        while not done:
            data = read(pipe.fd, 1 << 18)
            if not data:
                raise RuntimeError("fake app-server closed stdout")
            *lines, rest = (rest + data).split(b"\n")
            for line in lines:
                message = loads(line)
                if message.get("method") == "item/tool/call":
                    text = get_weather(**message["params"]["arguments"])
                    answer = {
                        "contentItems": [{"type": "inputText", "text": text}],
                        "success": True,
                    }
                    write(dumps({"id": message["id"], "result": answer}).encode() + b"\n")
                    answered += 1
                elif message.get("id") == 3:
                    done = True
        seconds = time.perf_counter() - started
        pipe.close()
        if answered != expected:
            raise RuntimeError(f"bare loop answered {answered} of {expected}")
    return {"us_per_call": seconds / n * 1e6, "answered": answered}


def worker(argv: list[str]) -> None:
    case, warm, fake, n = argv[0], argv[1], argv[2], int(argv[3])
    run_case = {"bare": _bare_worker, "sync": _sync_worker, "async": _async_worker}[case]
    emit(run_case(warm, fake, n))


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker(sys.argv[2:])
