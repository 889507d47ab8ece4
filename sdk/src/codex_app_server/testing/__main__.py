"""`python -m codex_app_server.testing`: one real turn, offline, through the installed SDK.

Starts the loopback model, the real `codex app-server` (from the installed `codex-cli-bin`
runtime, or `--codex PATH`), runs a streamed turn, and prints a JSON summary. Exit status 0
only when the turn completed with the scripted answer.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from codex_app_server.testing import offline_environment, text

EXPECTED = "The rehearsal turn ran end to end."
PROG = "python -m codex_app_server.testing"  # argparse would say `__main__.py`


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--codex", help="codex binary (default: the installed runtime)")
    args = parser.parse_args(argv)

    from codex_app_server import Codex

    started = time.perf_counter()
    with (
        offline_environment(text(EXPECTED, chunks=4), codex_bin=args.codex) as env,
        Codex(env.config) as codex,
    ):
        thread = codex.thread_start()
        turn = thread.turn("Say something.")
        deltas = sum(1 for n in turn.stream() if n.method == "item/agentMessage/delta")
        result = turn.run()
        summary = {
            "server_version": codex.server_version,
            "thread_id": thread.id,
            "turn_id": result.id,
            "status": str(result.status),
            "final_response": result.final_response,
            "deltas": deltas,
            "total_tokens": result.usage.total.total_tokens if result.usage else None,
            "seconds": round(time.perf_counter() - started, 3),
        }
    print(json.dumps(summary, indent=2))
    ok = summary["status"] == "completed" and summary["final_response"] == EXPECTED
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
