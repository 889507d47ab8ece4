"""1. Cold import time: each statement in a fresh interpreter of the SDK's own environment,
timed inside that interpreter (`time.perf_counter()` around `exec` of the statement), so the
interpreter's own start-up is not counted. One untimed run first writes the bytecode caches.
"""

from __future__ import annotations

import subprocess

from benchmarks._common import OFFICIAL, OURS, REPO, Measurement, Settings, child_env, interleaved

BENCH = "1. cold import"
STATEMENTS = {
    OURS: ["import codex_app_server", "from codex_app_server import Codex"],
    OFFICIAL: ["import openai_codex", "from openai_codex import Codex"],
}
TIMER = (
    "import time\n"
    "started = time.perf_counter()\n"
    "exec({statement!r})\n"
    "print(time.perf_counter() - started)\n"
)


def time_import(python: str, statement: str) -> float:
    out = subprocess.run(
        [python, "-c", TIMER.format(statement=statement)],
        cwd=REPO / "benchmarks",  # no package named like an SDK here
        env=child_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def run(settings: Settings) -> list[Measurement]:
    out: list[Measurement] = []
    for index in range(2):
        samples: dict[str, list[float]] = {OURS: [], OFFICIAL: []}
        for sdk in samples:
            time_import(settings.pythons[sdk], STATEMENTS[sdk][index])  # warm the caches
        for _, sdk in interleaved(max(settings.reps, 5), [OURS, OFFICIAL]):
            samples[sdk].append(time_import(settings.pythons[sdk], STATEMENTS[sdk][index]))
        case = "import <package>" if index == 0 else "from <package> import Codex"
        for sdk, values in samples.items():
            out.append(
                Measurement(
                    BENCH, case, sdk, "s", values, extra={"statement": STATEMENTS[sdk][index]}
                )
            )
            settings.say(
                f"  {BENCH} {STATEMENTS[sdk][index]}: {sorted(values)[len(values) // 2]:.3f} s"
            )
    return out
