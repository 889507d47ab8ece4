"""3. Notification throughput: the fake app-server streams N `item/agentMessage/delta`
notifications for one turn (pre-encoded, written in 4 MiB chunks); the time from starting the
turn until `stream()` has yielded all of them and `run()` has returned.

The physical limit ("bare loop"): the same fake with the same scenario, driven by hand over the
same kind of pipe; the timed part reads stdout with `os.read` (256 KiB, like the SDK's
transport), splits lines and `json.loads` each one, until `turn/completed`. Both SDKs are
reported as a fraction of it.

    python -m benchmarks.bench_throughput worker {ours|official|bare} CODEX N
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._common import (
    BARE,
    OFFICIAL,
    OURS,
    Measurement,
    Settings,
    emit,
    interleaved,
    proc_status,
    run_worker,
)

BENCH = "3. notification throughput"


def flood_scenario(n: int) -> dict[str, Any]:
    return {"methods": {"turn/start": {"turn": {"flood_deltas": n, "flood_delta": "x"}}}}


def write_fake(directory: Path, n: int) -> str:
    from tests.support.fake_codex import write_fake_codex

    return str(write_fake_codex(directory, flood_scenario(n)))


def run(settings: Settings) -> list[Measurement]:
    n = settings.stream_n
    fake = write_fake(settings.scratch / f"flood-{n}", n)
    seconds: dict[str, list[float]] = {OURS: [], OFFICIAL: [], BARE: []}
    for rep, who in interleaved(settings.reps, [BARE, OURS, OFFICIAL]):
        python = settings.pythons[OURS if who == BARE else who]
        sdk = "bare" if who == BARE else who
        result = run_worker(python, "bench_throughput", [sdk, fake, str(n)])
        if result["deltas"] != n:
            raise RuntimeError(f"{who} saw {result['deltas']} deltas, not {n}")
        seconds[who].append(result["seconds"])
        settings.say(f"  {BENCH} rep {rep + 1} {who}: {result['seconds']:.3f} s")
    out: list[Measurement] = []
    for who, values in seconds.items():
        out.append(Measurement(BENCH, f"{n:,} deltas: time to run() returned", who, "s", values))
        out.append(
            Measurement(
                BENCH,
                f"{n:,} deltas: notifications per second",
                who,
                "msg/s",
                [n / s for s in values],
                higher_is_better=True,
            )
        )
    return out


# --------------------------------------------------------------------------- worker side


def _sdk_worker(sdk: str, fake: str, n: int) -> dict[str, Any]:
    from benchmarks import _sdks

    with _sdks.codex(sdk, fake) as codex:
        thread = codex.thread_start()
        before = proc_status()
        cpu = time.process_time()
        started = time.perf_counter()
        deltas, total, result = _sdks.run_turn(sdk, thread, "go")
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        text = _sdks.final_text(result) or ""
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "deltas": deltas,
        "notifications": total,
        "final_len": len(text),
        "status_before": before,
        "status_after": proc_status(),
    }


class _Pipe:
    """Newline-delimited JSON over a child's pipes, read with os.read (untimed helpers)."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin = self.proc.stdin
        self.fd = self.proc.stdout.fileno()
        self.rest = b""

    def send(self, message: dict[str, Any]) -> None:
        self.stdin.write(json.dumps(message).encode() + b"\n")

    def wait_response(self, rid: int) -> dict[str, Any]:
        while True:
            data = os.read(self.fd, 1 << 18)
            if not data:
                raise RuntimeError("fake app-server closed stdout")
            *lines, self.rest = (self.rest + data).split(b"\n")
            for line in lines:
                msg = json.loads(line)
                if msg.get("id") == rid and "method" not in msg:
                    return msg

    def close(self) -> None:
        self.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _bare_worker(fake: str, n: int) -> dict[str, Any]:
    pipe = _Pipe([fake, "app-server"])
    pipe.send({"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "bare"}}})
    pipe.wait_response(1)
    pipe.send({"method": "initialized"})
    pipe.send({"id": 2, "method": "thread/start", "params": {}})
    thread_id = pipe.wait_response(2)["result"]["thread"]["id"]
    turn = {"threadId": thread_id, "input": [{"type": "text", "text": "go"}]}
    loads = json.loads
    read = os.read
    fd = pipe.fd
    deltas = 0
    rest = pipe.rest
    done = False
    cpu = time.process_time()
    started = time.perf_counter()
    pipe.send({"id": 3, "method": "turn/start", "params": turn})
    while not done:
        data = read(fd, 1 << 18)
        if not data:
            raise RuntimeError("fake app-server closed stdout")
        *lines, rest = (rest + data).split(b"\n") if rest else data.split(b"\n")
        for line in lines:
            method = loads(line).get("method")
            if method == "item/agentMessage/delta":
                deltas += 1
            elif method == "turn/completed":
                done = True
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    pipe.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "deltas": deltas, "status_after": proc_status()}


def worker(argv: list[str]) -> None:
    sdk, fake, n = argv[0], argv[1], int(argv[2])
    if sdk == "bare":
        emit(_bare_worker(fake, n))
    else:
        emit(_sdk_worker(sdk, fake, n))


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker(sys.argv[2:])
