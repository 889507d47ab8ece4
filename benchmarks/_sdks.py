"""The same operations spelled for each SDK (worker side; the SDKs are imported lazily).

ours:     codex_app_server   (Codex, AppServerConfig, AppServerClient, AsyncAppServerClient)
official: openai_codex       (Codex, CodexConfig, CodexClient, AsyncCodexClient)
"""

from __future__ import annotations

from typing import Any

from benchmarks._common import OFFICIAL, OURS

DELTA = "item/agentMessage/delta"


def codex(sdk: str, codex_bin: str, cwd: str | None = None) -> Any:
    """A started `Codex` (its constructor spawns the app-server and initializes)."""
    if sdk == OURS:
        from codex_app_server import AppServerConfig, Codex

        return Codex(AppServerConfig(codex_bin=codex_bin, cwd=cwd))
    if sdk == OFFICIAL:
        from openai_codex import Codex, CodexConfig

        return Codex(CodexConfig(codex_bin=codex_bin, cwd=cwd))
    raise ValueError(sdk)


def run_turn(sdk: str, thread: Any, text: str) -> tuple[int, int, Any]:
    """Start a turn, consume every notification through `stream()`, then get the result
    `run()` returns. Returns (agent-message deltas seen, notifications seen, result).

    ours: `for n in turn.stream()` then `turn.run()`.
    official: `TurnHandle.stream()` closes the turn's subscription when it ends, so a later
    `run()` cannot be called; its `run()` is `_collect_turn_result(self.stream())`, so the
    same function is fed a counting wrapper of `stream()`: every notification passes through
    `stream()` and the result is exactly what `run()` returns.
    """
    deltas = 0
    total = 0
    if sdk == OURS:
        turn = thread.turn(text)
        for notification in turn.stream():
            total += 1
            if notification.method == DELTA:
                deltas += 1
        return deltas, total, turn.run()
    from openai_codex._run import _collect_turn_result

    handle = thread.turn(text)

    def counting() -> Any:
        nonlocal deltas, total
        for notification in handle.stream():
            total += 1
            if notification.method == DELTA:
                deltas += 1
            yield notification

    result = _collect_turn_result(counting(), turn_id=handle.id)
    return deltas, total, result


def final_text(result: Any) -> str | None:
    return getattr(result, "final_response", None)


def client(sdk: str, codex_bin: str) -> Any:
    """The blocking low-level client, started."""
    if sdk == OURS:
        from codex_app_server import AppServerClient, AppServerConfig

        return AppServerClient(AppServerConfig(codex_bin=codex_bin))
    from openai_codex import CodexConfig
    from openai_codex.client import CodexClient

    official = CodexClient(CodexConfig(codex_bin=codex_bin))
    official.start()
    official.initialize()
    return official
