"""2. Start to first completed turn, in a fresh interpreter: import the SDK, start `Codex`
(spawn the real codex app-server + initialize), start a thread, run one turn to its end.
The real pinned binary talks to a loopback model (this SDK's testing kit, in a helper process);
each repetition gets a fresh CODEX_HOME and work directory. Timed from the parent's spawn of
the worker to the worker's stamp after `run()` returned (CLOCK_MONOTONIC, shared by both
processes): interpreter start-up is counted, closing is not.
"""

from __future__ import annotations

import json
import subprocess
import time

from benchmarks._common import (
    OFFICIAL,
    OURS,
    REPO,
    RESULT_PREFIX,
    Measurement,
    Settings,
    WorkerError,
    child_env,
    interleaved,
)

BENCH = "2. start to first turn"
PHASES = (
    ("import", "start", "imported"),
    ("Codex()", "imported", "started"),
    ("thread_start", "started", "thread"),
    ("turn run", "thread", "turn"),
)


def run(settings: Settings) -> list[Measurement]:
    order = interleaved(settings.reps, [OURS, OFFICIAL])
    root = settings.scratch / "first-turn"
    helper = subprocess.Popen(
        [settings.pythons[OURS], "-m", "benchmarks._model_server", str(root), str(len(order))],
        cwd=REPO,
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert helper.stdout is not None
        line = helper.stdout.readline()
        if not line.startswith(RESULT_PREFIX):
            raise WorkerError(f"model server helper failed: {line!r}")
        homes = json.loads(line[len(RESULT_PREFIX) :])["homes"]
        total: dict[str, list[float]] = {OURS: [], OFFICIAL: []}
        phases: dict[str, dict[str, list[float]]] = {
            OURS: {p[0]: [] for p in PHASES},
            OFFICIAL: {p[0]: [] for p in PHASES},
        }
        for index, (rep, sdk) in enumerate(order):
            home = homes[index]
            workdir = root / f"work-{index}"
            workdir.mkdir(parents=True)
            argv = [
                settings.pythons[sdk],
                "-m",
                "benchmarks._first_turn_worker",
                sdk,
                settings.codex_bin,
                str(workdir),
            ]
            spawned = time.monotonic()
            proc = subprocess.run(
                argv,
                cwd=REPO,
                env=child_env(home["env"]),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            result = None
            for out in proc.stdout.splitlines():
                if out.startswith(RESULT_PREFIX):
                    result = json.loads(out[len(RESULT_PREFIX) :])
            if proc.returncode != 0 or result is None:
                raise WorkerError(f"{argv} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
            stamps = result["stamps"]
            total[sdk].append(stamps["turn"] - spawned)
            for name, begin, end in PHASES:
                phases[sdk][name].append(stamps[end] - stamps[begin])
            settings.say(
                f"  {BENCH} rep {rep + 1} {sdk}: {stamps['turn'] - spawned:.3f} s "
                f"(final response {result['final']!r})"
            )
    finally:
        if helper.stdin is not None:
            helper.stdin.close()
        helper.wait(10)
    out: list[Measurement] = []
    for sdk in (OURS, OFFICIAL):
        out.append(
            Measurement(
                BENCH,
                "spawn of a fresh interpreter to run() returned",
                sdk,
                "s",
                total[sdk],
                extra={"phases": phases[sdk]},
            )
        )
        for name, values in phases[sdk].items():
            out.append(Measurement(BENCH, f"  of which {name}", sdk, "s", values))
    return out
