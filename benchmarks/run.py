"""Run the benchmarks: this SDK and the official `openai-codex` side by side, in one run.

    python -m benchmarks.run [--quick] [--reps N] [--only 1,3] [--out FILE] [--markdown FILE]

The official SDK runs from `.cache/bench-official-venv` (created on first use: pip install
openai-codex==0.163.0); this SDK from the current interpreter when it is a virtual environment
that has it (`nox -s bench`), else from `.cache/bench-ours-venv` (-e . -e sdk + the runtime).
Prints a table (markdown) and writes the samples and summaries as JSON
(default `.cache/bench/results.json`). Measurements:

1. cold import            bench_import        4. request round-trip   bench_requests
2. start to first turn    bench_first_turn    5. peak RSS streaming   bench_memory
3. notification throughput bench_throughput   6. tooling wall times   bench_tooling
7. fleet and sockets (this SDK only: N app-servers, ws:// and unix:// against stdio) bench_fleet
8. tool-call overhead     bench_tools (ours and a bare loop only: the official SDK has none)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks import (
    bench_first_turn,
    bench_fleet,
    bench_import,
    bench_memory,
    bench_requests,
    bench_throughput,
    bench_tooling,
    bench_tools,
)
from benchmarks._common import BARE, OFFICIAL, OURS, REPO, Measurement, Settings, summarize
from benchmarks._venvs import official_python, ours_python

BENCHES = {
    "1": bench_import,
    "2": bench_first_turn,
    "3": bench_throughput,
    "4": bench_requests,
    "5": bench_memory,
    "6": bench_tooling,
    "7": bench_fleet,
    "8": bench_tools,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 reps, N=100k, memory 100k+500k")
    parser.add_argument("--reps", type=int, help="repetitions per SDK (default 5, quick 3)")
    parser.add_argument("--only", help="comma-separated benchmark numbers, e.g. 1,3")
    parser.add_argument("--out", type=Path, default=REPO / ".cache" / "bench" / "results.json")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--ours-python", help="interpreter with this SDK (default: see above)")
    parser.add_argument("--official-python", help="interpreter with openai-codex==0.163.0")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))  # tests.support.fake_codex for the fake app-server

    chosen = args.only.split(",") if args.only else list(BENCHES)
    pythons = {
        OURS: args.ours_python or ours_python(),
        OFFICIAL: args.official_python or official_python(),
    }
    codex_bin = subprocess.run(
        [pythons[OURS], "-c", "import codex_cli_bin; print(codex_cli_bin.bundled_codex_path())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    machine = machine_facts(pythons, codex_bin)
    started = time.monotonic()
    log_lines: list[str] = []

    def say(text: str) -> None:
        log_lines.append(text)
        print(text, file=sys.stderr, flush=True)

    measurements: list[Measurement] = []
    errors: dict[str, str] = {}
    scratch = Path(tempfile.mkdtemp(prefix="codex-bench-"))
    settings = Settings(
        pythons=pythons,
        reps=args.reps or (3 if args.quick else 5),
        quick=args.quick,
        scratch=scratch,
        codex_bin=codex_bin,
        stream_n=100_000 if args.quick else 200_000,
        memory_ns=(100_000, 500_000) if args.quick else (100_000, 1_000_000),
        sequential_n=3_000 if args.quick else 10_000,
        log=say,
    )
    try:
        for key in chosen:
            module = BENCHES[key]
            say(f"== {module.BENCH}")
            bench_started = time.monotonic()
            try:
                measurements += module.run(settings)
            except Exception:  # one broken benchmark must not hide the others
                errors[module.BENCH] = traceback.format_exc()
                say(f"  FAILED:\n{errors[module.BENCH]}")
            say(f"  ({time.monotonic() - bench_started:.0f} s)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    machine["load_average_end"] = os.getloadavg()
    machine["wall_seconds"] = round(time.monotonic() - started, 1)
    command = " ".join(["python -m benchmarks.run", *(sys.argv[1:] if argv is None else argv)])
    table = render(measurements, errors, machine, command)
    print(table)
    verdicts = targets(measurements)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "command": command,
                "machine": machine,
                "settings": {
                    "reps": settings.reps,
                    "quick": settings.quick,
                    "stream_n": settings.stream_n,
                    "memory_ns": settings.memory_ns,
                    "sequential_n": settings.sequential_n,
                    "concurrent_n": settings.concurrent_n,
                },
                "measurements": [m.as_json() for m in measurements],
                "targets": verdicts,
                "errors": errors,
            },
            indent=1,
        )
    )
    print(f"\nresults: {args.out}", file=sys.stderr)
    if args.markdown:
        args.markdown.write_text(table + "\n")
    return 1 if errors else 0


# --------------------------------------------------------------------------- facts


def machine_facts(pythons: dict[str, str], codex_bin: str) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    versions = {}
    for sdk, python in pythons.items():
        versions[sdk] = subprocess.run(
            [python, "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    codex_version = subprocess.run(
        [codex_bin, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory": memory,
        "python": versions,
        "interpreters": pythons,
        "codex": codex_version,
        "load_average_start": os.getloadavg(),
    }


# --------------------------------------------------------------------------- the table


def _fmt(value: float, unit: str) -> str:
    if unit == "msg/s":
        return f"{value / 1000:,.0f}k"
    if unit == "s":
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    if unit in ("ms", "us"):
        return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"
    return f"{value:,.0f}"


def cell(m: Measurement | None) -> str:
    if m is None or not m.samples:
        return ""
    s = m.summary()
    unit = "k msg/s" if m.unit == "msg/s" else m.unit
    return f"{_fmt(s['median'], m.unit)} ({_fmt(s['min'], m.unit)}–{_fmt(s['max'], m.unit)}) {unit}"


def _median(measurements: list[Measurement], bench: str, case: str, sdk: str) -> float | None:
    for m in measurements:
        if m.bench == bench and m.case == case and m.sdk == sdk and m.samples:
            return summarize(m.samples)["median"]
    return None


def targets(ms: list[Measurement]) -> list[dict[str, Any]]:
    """Each target of issue 6, computed from the medians."""
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, goal: str, ok: bool | None) -> None:
        if value is not None:
            out.append({"target": name, "value": round(value, 3), "goal": goal, "met": ok})

    for case in ("import <package>", "from <package> import Codex"):
        value = _median(ms, bench_import.BENCH, case, OURS)
        add(f"cold `{case}` (ours)", value, "<= 0.100 s", value is not None and value <= 0.1)
    case = "spawn of a fresh interpreter to run() returned"
    ours, official = (_median(ms, bench_first_turn.BENCH, case, s) for s in (OURS, OFFICIAL))
    if ours and official:
        add(
            "start to first turn: ours / official",
            ours / official,
            "<= 0.5",
            ours / official <= 0.5,
        )
    cases = {m.case for m in ms if m.bench == bench_throughput.BENCH and m.unit == "s"}
    for case in sorted(cases):
        ours, official, bare = (
            _median(ms, bench_throughput.BENCH, case, s) for s in (OURS, OFFICIAL, BARE)
        )
        if ours and official:
            add("throughput: official time / ours", official / ours, ">= 3", official / ours >= 3)
        if ours and bare:
            add(
                "throughput: ours as a fraction of the bare loop",
                bare / ours,
                ">= 0.5",
                bare / ours >= 0.5,
            )
    for m in ms:
        if m.bench == bench_requests.BENCH and m.sdk == OURS:
            ours = _median(ms, m.bench, m.case, OURS)
            official = _median(ms, m.bench, m.case, OFFICIAL)
            if ours and official:
                add(
                    f"requests, {m.case}: ours / official",
                    ours / official,
                    "<= 1",
                    ours / official <= 1,
                )
    peaks = [m for m in ms if m.bench == bench_memory.BENCH and m.sdk == OURS and "peak" in m.case]
    if len(peaks) >= 2:
        low, high = (summarize(p.samples)["median"] for p in (peaks[0], peaks[-1]))
        add(
            f"peak RSS, ours: {peaks[-1].case.split(':')[0]} / {peaks[0].case.split(':')[0]}",
            high / low,
            "flat (about 1)",
            high / low <= 1.2,
        )
    stage = _median(ms, bench_tooling.BENCH, "stage-runtime --build", "stage-runtime")
    zipped = _median(ms, bench_tooling.BENCH, "stage-runtime --build", "zip -6 (same files)")
    if stage and zipped:
        add("stage-runtime / zip -6", stage / zipped, "<= 1.3", stage / zipped <= 1.3)
    return out


def render(
    ms: list[Measurement], errors: dict[str, str], machine: dict[str, Any], command: str
) -> str:
    lines = [f"`{command}`, {machine['date']}; median (min–max) of the repetitions.", ""]
    benches: list[str] = []
    for m in ms:
        if m.bench not in benches:
            benches.append(m.bench)
    for bench in benches:
        rows = [m for m in ms if m.bench == bench]
        columns: list[str] = []
        for m in rows:
            if m.sdk not in columns:
                columns.append(m.sdk)
        lines.append(f"**{bench}**")
        lines.append("")
        lines.append("| case | " + " | ".join(columns) + " |")
        lines.append("| --- | " + " | ".join("---" for _ in columns) + " |")
        cases: list[str] = []
        for m in rows:
            if m.case not in cases:
                cases.append(m.case)
        for case in cases:
            by_sdk = {m.sdk: m for m in rows if m.case == case}
            lines.append(f"| {case} | " + " | ".join(cell(by_sdk.get(c)) for c in columns) + " |")
        lines.append("")
    verdicts = targets(ms)
    if verdicts:
        lines += ["**targets**", "", "| target | value | goal | met |", "| --- | --- | --- | --- |"]
        for v in verdicts:
            met = "yes" if v["met"] else "NO"
            lines.append(f"| {v['target']} | {v['value']:.3f} | {v['goal']} | {met} |")
        lines.append("")
    for bench, error in errors.items():
        lines += [f"**{bench}: FAILED**", "", "```", error.strip()[-1500:], "```", ""]
    lines.append(
        f"machine: {machine['cpu']}, {machine['cpus']} CPUs, {machine['memory']}, "
        f"{machine['platform']}; Python {machine['python'].get(OURS)} (ours) / "
        f"{machine['python'].get(OFFICIAL)} (official); {machine['codex']}; load average "
        f"{machine['load_average_start'][0]:.2f} at start, "
        f"{machine.get('load_average_end', (0.0,))[0]:.2f} at end; "
        f"{machine.get('wall_seconds', 0):.0f} s in all."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
