"""Shared pieces: statistics, results, child processes, the worker protocol (stdlib only).

A measurement runs in a fresh child process of the SDK's own interpreter
(`python -m benchmarks.<module> worker ...`, cwd = the repository); the worker prints one
line `BENCH-RESULT <json>` that the parent reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OURS = "ours"
OFFICIAL = "official"
BARE = "bare loop"
RESULT_PREFIX = "BENCH-RESULT "

# Variables that could point a codex process at a real account or another home (the same
# list as codex_app_server.testing's; both SDKs' children get the same scrubbed environment).
SCRUBBED_ENV = (
    "OPENAI_API_KEY",
    "CODEX_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORGANIZATION",
    "OPENAI_PROJECT",
    "CODEX_INTERNAL_ORIGINATOR_OVERRIDE",
    "CODEX_SANDBOX",
    "CODEX_SANDBOX_NETWORK_DISABLED",
    "CODEX_THREAD_ID",
    "CODEX_HOME",
    "PYTHONPATH",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONPROFILEIMPORTTIME",
    "VIRTUAL_ENV",
)


@dataclass
class Settings:
    """What every benchmark module gets from the runner."""

    pythons: dict[str, str]  # sdk -> interpreter
    reps: int
    quick: bool
    scratch: Path  # a temporary directory, removed by the runner
    codex_bin: str  # the real codex binary (the pinned runtime)
    stream_n: int = 200_000
    memory_ns: tuple[int, ...] = (100_000, 1_000_000)
    sequential_n: int = 10_000
    concurrent_n: int = 1_000
    log: Any = None  # a callable(str) for progress lines

    def say(self, text: str) -> None:
        if self.log is not None:
            self.log(text)


@dataclass
class Measurement:
    """Repeated samples of one quantity for one SDK (or the bare loop / a reference tool)."""

    bench: str  # e.g. "1. cold import"
    case: str  # e.g. "import codex_app_server"
    sdk: str  # OURS, OFFICIAL, BARE or a tool name
    unit: str  # "s", "ms", "us", "MiB", "msg/s"
    samples: list[float]
    higher_is_better: bool = False
    extra: dict[str, Any] = field(default_factory=dict[str, Any])

    def summary(self) -> dict[str, float]:
        return summarize(self.samples)

    def as_json(self) -> dict[str, Any]:
        return {
            "bench": self.bench,
            "case": self.case,
            "sdk": self.sdk,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "samples": self.samples,
            **self.summary(),
            "extra": self.extra,
        }


def summarize(samples: Sequence[float]) -> dict[str, float]:
    """Median, min, max and the quartiles (IQR) of `samples`."""
    import statistics

    values = sorted(samples)
    if not values:
        return {"n": 0}
    if len(values) >= 2:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    else:
        q1 = q3 = values[0]
    return {
        "n": len(values),
        "median": statistics.median(values),
        "min": values[0],
        "max": values[-1],
        "q1": q1,
        "q3": q3,
    }


# --------------------------------------------------------------------------- child processes


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without the variables in SCRUBBED_ENV, with `extra` on top."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env.update(extra or {})
    return env


class WorkerError(RuntimeError):
    pass


def run_worker(
    python: str,
    module: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
) -> dict[str, Any]:
    """Run `python -m benchmarks.<module> worker ARGS` and return its result object."""
    argv = [python, "-m", f"benchmarks.{module}", "worker", *args]
    started = time.monotonic()
    proc = subprocess.run(
        argv,
        cwd=REPO,
        env=dict(env) if env is not None else child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    result: dict[str, Any] | None = None
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
    if proc.returncode != 0 or result is None:
        raise WorkerError(
            f"{' '.join(argv)} failed (exit {proc.returncode}):\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )
    result.setdefault("_parent_spawn", started)
    return result


def emit(result: Mapping[str, Any]) -> None:
    """Worker side: hand the result to the parent."""
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """Memory lines of /proc/<pid>/status in KiB (VmHWM: peak RSS, VmRSS: now)."""
    out: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS", "VmPeak", "VmSize"):
            out[key] = int(value.split()[0])
    return out


def interleaved(reps: int, sdks: Sequence[str]) -> list[tuple[int, str]]:
    """(rep, sdk) pairs alternating between SDKs, so slow drifts hit both alike."""
    order: list[tuple[int, str]] = []
    for rep in range(reps):
        names = list(sdks) if rep % 2 == 0 else list(reversed(sdks))
        order += [(rep, name) for name in names]
    return order
