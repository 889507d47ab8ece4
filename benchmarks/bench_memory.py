"""5. Peak memory while streaming: the worker of benchmark 3 (fake app-server flooding N deltas
into one turn, consumed through `stream()` + `run()`) for N = 100,000 and 1,000,000; the
worker's peak resident set (VmHWM of /proc/self/status, read by the worker itself when the turn
is over) and its growth over the resident set just before the turn started. Flat in N means
the SDK holds a bounded number of notifications, not the whole stream.
"""

from __future__ import annotations

from benchmarks._common import OFFICIAL, OURS, Measurement, Settings, interleaved, run_worker
from benchmarks.bench_throughput import write_fake

BENCH = "5. peak RSS while streaming"


def run(settings: Settings) -> list[Measurement]:
    out: list[Measurement] = []
    reps = max(1, min(settings.reps, 3))
    for n in settings.memory_ns:
        fake = write_fake(settings.scratch / f"flood-{n}", n)
        peak: dict[str, list[float]] = {OURS: [], OFFICIAL: []}
        growth: dict[str, list[float]] = {OURS: [], OFFICIAL: []}
        seconds: dict[str, list[float]] = {OURS: [], OFFICIAL: []}
        for rep, sdk in interleaved(reps, [OURS, OFFICIAL]):
            result = run_worker(settings.pythons[sdk], "bench_throughput", [sdk, fake, str(n)])
            if result["deltas"] != n:
                raise RuntimeError(f"{sdk} saw {result['deltas']} deltas, not {n}")
            hwm = result["status_after"]["VmHWM"] / 1024
            before = result["status_before"]["VmRSS"] / 1024
            peak[sdk].append(hwm)
            growth[sdk].append(hwm - before)
            seconds[sdk].append(result["seconds"])
            settings.say(
                f"  {BENCH} N={n:,} rep {rep + 1} {sdk}: VmHWM {hwm:.0f} MiB "
                f"(+{hwm - before:.0f} MiB over the start of the turn), {result['seconds']:.2f} s"
            )
        for sdk in (OURS, OFFICIAL):
            out.append(Measurement(BENCH, f"N={n:,}: peak RSS (VmHWM)", sdk, "MiB", peak[sdk]))
            out.append(
                Measurement(
                    BENCH,
                    f"N={n:,}: growth during the turn",
                    sdk,
                    "MiB",
                    growth[sdk],
                    extra={"seconds": seconds[sdk]},
                )
            )
    return out
