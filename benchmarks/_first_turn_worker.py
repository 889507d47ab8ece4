"""Worker of benchmark 2, kept free of imports the SDKs would not make themselves.

    python -m benchmarks._first_turn_worker {ours|official} CODEX_BIN WORKDIR

Prints `BENCH-RESULT {...}` with `time.monotonic()` stamps (CLOCK_MONOTONIC: the same clock in
the parent, which stamped the spawn).
"""

import sys
import time

stamps = {"start": time.monotonic()}
sdk, codex_bin, workdir = sys.argv[1:4]
if sdk == "ours":
    from codex_app_server import AppServerConfig, Codex

    stamps["imported"] = time.monotonic()
    codex = Codex(AppServerConfig(codex_bin=codex_bin, cwd=workdir))
else:
    from openai_codex import Codex, CodexConfig

    stamps["imported"] = time.monotonic()
    codex = Codex(CodexConfig(codex_bin=codex_bin, cwd=workdir))
stamps["started"] = time.monotonic()
thread = codex.thread_start()
stamps["thread"] = time.monotonic()
result = thread.turn("Say hi.").run()
stamps["turn"] = time.monotonic()
codex.close()
stamps["closed"] = time.monotonic()

import json  # noqa: E402  (after the timed part)

print("BENCH-RESULT " + json.dumps({"stamps": stamps, "final": result.final_response}))
