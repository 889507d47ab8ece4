"""Errors and retries: what fails where, and what is safe to retry.

- `Codex(...)` fails fast, each cause with its own error (missing or broken binary, a server
  too old); see docs/faq.md.
- A turn that fails is *returned*, not raised: check `result.status` and `result.error`, or
  call `result.raise_for_status()` (raises `TurnFailedError`).
- `AuthRequiredError`: the turn cannot reach its model because Codex is not logged in.
- A request the server refuses because it is overloaded raises `ServerBusyError`: transient,
  so `retry_on_overload` retries it with backoff (`is_retryable_error` tells which are).
- A failed *turn* is retried here only when its failure is transient AND it changed nothing
  (no command ran, no file changed): a blind retry could repeat side effects.

    python examples/errors_and_retry.py [--offline]
"""

import sys
import time
from typing import Any

from _offline import codex_config, overloaded, text

from codex_app_server import (
    AppServerConfig,
    AuthRequiredError,
    Codex,
    CodexBinaryError,
    Thread,
    TurnFailedError,
    TurnResult,
    retry_on_overload,
)

# Turn failures worth another attempt (`TurnError.codex_error_info`); the rest (usage limit,
# context window exceeded, unauthorized, bad request...) fail again the same way.
TRANSIENT = {
    "serverOverloaded",
    "internalServerError",
    "responseStreamDisconnected",
    "responseStreamConnectionFailed",
}
SIDE_EFFECTS = {"commandExecution", "fileChange", "mcpToolCall"}


def failure_kind(result: TurnResult[Any]) -> str:
    """The `CodexErrorInfo` variant of a failed turn: a string, or a one-key object."""
    info = result.error.codex_error_info if result.error else None
    if info is None:
        return "unknown"
    if isinstance(info, str):
        return str(info)
    wire = info if isinstance(info, dict) else info.to_wire()
    return next(iter(wire), "unknown")


def run_with_retry(thread: Thread, prompt: str, attempts: int = 3) -> TurnResult[Any]:
    for attempt in range(1, attempts + 1):
        result = thread.run(prompt)
        if result.succeeded:
            return result
        kind = failure_kind(result)
        message = result.error.message if result.error else ""
        print(f"attempt {attempt}: turn {result.status} ({kind}): {message}")
        changed = [item.type for item in result.items if item.type in SIDE_EFFECTS]
        if kind not in TRANSIENT or changed or attempt == attempts:
            return result
        time.sleep(0.5 * attempt)  # back off before trying again
    raise AssertionError("unreachable")


# 1. Constructor errors name their cause and the fix.
try:
    Codex(AppServerConfig(codex_bin="/nonexistent/codex"))
except CodexBinaryError as exc:
    print("constructor:", type(exc).__name__, "-", exc)

SCRIPT = [overloaded(), text("Recovered on the second attempt.")]

with codex_config(*SCRIPT) as config, Codex(config) as codex:
    # 2. Requests: retry a transient overload with backoff.
    models = retry_on_overload(codex.models, max_attempts=4)
    print("models offered:", len(models.data))

    # 3. Turns: check the status; retry only what is transient and changed nothing.
    thread = codex.thread_start()
    try:
        result = run_with_retry(thread, "Say something reassuring.")
    except AuthRequiredError as exc:
        sys.exit(f"not logged in: {exc}")
    try:
        result.raise_for_status()
    except TurnFailedError as exc:
        sys.exit(f"gave up: {exc}")
    print("answer:", result.final_response)
