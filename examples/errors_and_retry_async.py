"""Errors and retries, async: `async_retry_on_overload` and the same turn-retry policy as
errors_and_retry.py (retry only what is transient and changed nothing).

    python examples/errors_and_retry_async.py [--offline]
"""

import asyncio
import sys
from typing import Any

from _offline import codex_config, overloaded, text

from codex_app_server import (
    AppServerConfig,
    AsyncCodex,
    AsyncThread,
    AuthRequiredError,
    CodexBinaryError,
    TurnFailedError,
    TurnResult,
    async_retry_on_overload,
)

TRANSIENT = {
    "serverOverloaded",
    "internalServerError",
    "responseStreamDisconnected",
    "responseStreamConnectionFailed",
}
SIDE_EFFECTS = {"commandExecution", "fileChange", "mcpToolCall"}


def failure_kind(result: TurnResult[Any]) -> str:
    info = result.error.codex_error_info if result.error else None
    if info is None:
        return "unknown"
    if isinstance(info, str):
        return str(info)
    wire = info if isinstance(info, dict) else info.to_wire()
    return next(iter(wire), "unknown")


async def run_with_retry(thread: AsyncThread, prompt: str, attempts: int = 3) -> TurnResult[Any]:
    for attempt in range(1, attempts + 1):
        result = await thread.run(prompt)
        if result.succeeded:
            return result
        kind = failure_kind(result)
        message = result.error.message if result.error else ""
        print(f"attempt {attempt}: turn {result.status} ({kind}): {message}")
        changed = [item.type for item in result.items if item.type in SIDE_EFFECTS]
        if kind not in TRANSIENT or changed or attempt == attempts:
            return result
        await asyncio.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


async def main() -> None:
    try:
        await AsyncCodex.start(AppServerConfig(codex_bin="/nonexistent/codex"))
    except CodexBinaryError as exc:
        print("constructor:", type(exc).__name__, "-", exc)

    with codex_config(overloaded(), text("Recovered on the second attempt.")) as config:
        async with AsyncCodex(config) as codex:
            models = await async_retry_on_overload(codex.models, max_attempts=4)
            print("models offered:", len(models.data))
            thread = await codex.thread_start()
            try:
                result = await run_with_retry(thread, "Say something reassuring.")
            except AuthRequiredError as exc:
                sys.exit(f"not logged in: {exc}")
            try:
                result.raise_for_status()
            except TurnFailedError as exc:
                sys.exit(f"gave up: {exc}")
            print("answer:", result.final_response)


asyncio.run(main())
