"""6. Maintainer tooling wall times (this project only; the official SDK has no equivalent):

* `python scripts/update_sdk_artifacts.py generate-types --check`: the whole codegen run
  (load + verify the schema, render, format, diff in memory) in a fresh interpreter.
* stage-runtime `--build` against `zip -6` of the same files: measured by
  `staging/bench_stage_runtime.py` (its own module, called here, its round lines parsed).
"""

from __future__ import annotations

import re
import subprocess
import time

from benchmarks._common import OURS, REPO, Measurement, Settings, child_env

BENCH = "6. tooling"
ROUND = re.compile(r"round \d+: zip -6 ([\d.]+) s, stage-runtime ([\d.]+) s")


def run(settings: Settings) -> list[Measurement]:
    python = settings.pythons[OURS]
    out: list[Measurement] = []
    generate: list[float] = []
    exit_codes: list[int] = []
    for rep in range(max(1, min(settings.reps, 3))):
        started = time.perf_counter()
        proc = subprocess.run(
            [python, "scripts/update_sdk_artifacts.py", "generate-types", "--check"],
            cwd=REPO,
            env=child_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if proc.returncode not in (0, 1):  # 1: the check found stale files (still timed)
            settings.say(f"  generate-types --check failed: {proc.stderr.strip()[-400:]}")
            break
        generate.append(elapsed)
        exit_codes.append(proc.returncode)
        settings.say(f"  {BENCH} generate-types --check rep {rep + 1}: {elapsed:.2f} s")
    if generate:
        out.append(
            Measurement(
                BENCH,
                "generate-types --check (fresh interpreter)",
                OURS,
                "s",
                generate,
                extra={"exit_codes": exit_codes},
            )
        )
    rounds = 1 if settings.quick else 3
    proc = subprocess.run(
        [python, "-m", "staging.bench_stage_runtime", "--rounds", str(rounds)],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    pairs = [(float(z), float(s)) for z, s in ROUND.findall(proc.stdout)]
    if proc.returncode != 0 or not pairs:
        settings.say(
            f"  staging.bench_stage_runtime failed ({proc.returncode}): "
            f"{(proc.stderr or proc.stdout).strip()[-400:]}"
        )
        return out
    payload = next((line for line in proc.stdout.splitlines() if line.startswith("payload:")), "")
    settings.say(f"  {BENCH} {payload}")
    extra = {"payload": payload}
    out.append(
        Measurement(
            BENCH, "stage-runtime --build", "stage-runtime", "s", [s for _, s in pairs], extra=extra
        )
    )
    out.append(
        Measurement(
            BENCH,
            "stage-runtime --build",
            "zip -6 (same files)",
            "s",
            [z for z, _ in pairs],
            extra=extra,
        )
    )
    return out
