"""Answering `item/tool/call`: each thread's tools by name, run and turned into the answer.

One `ToolRouter` per client. `thread_start(tools=...)` (and `thread_resume` / `thread_fork`)
register a thread's tools; a call for a registered thread is answered here, whatever
happens: a result, or a failed result (`success: false`) whose text tells the model what went
wrong (unknown tool, arguments that do not fit, an exception, a timeout). Calls for threads
without SDK tools go to the user's `handlers.item_tool_call` as before.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, cast

from codex_app_server.tools import Tool, ToolArgumentsError, ToolCall, ToolError, ToolResult

TOOL_CALL_METHOD = "item/tool/call"

#: Runs a blocking call off the event loop and awaits its value (the client's handler pool).
RunBlocking = Callable[[Callable[[], Any], str], Awaitable[Any]]

log = logging.getLogger("codex_app_server")


def as_tools(tools: Iterable[Any]) -> list[Tool[..., Any]]:
    """The `tools=` argument checked: `Tool`s (a plain typed function is made one with
    `@tool`), with distinct names."""
    if isinstance(tools, str | bytes | Mapping) or not hasattr(tools, "__iter__"):
        raise TypeError("tools= takes a list of tools (functions decorated with @tool)")
    checked: list[Tool[..., Any]] = []
    for entry in tools:
        if isinstance(entry, Tool):
            checked.append(cast("Tool[..., Any]", entry))
        elif callable(entry):
            checked.append(Tool.from_function(cast("Callable[..., Any]", entry)))
        else:
            raise TypeError(
                f"tools= holds a {type(entry).__name__}; pass functions decorated with @tool, "
                "or Tool.from_model / Tool.from_spec"
            )
    seen: set[str] = set()
    for entry in checked:
        if entry.name in seen:
            raise ValueError(f"two tools are named {entry.name!r}: tool names must be distinct")
        seen.add(entry.name)
    return checked


class ToolRouter:
    """The tools of each thread of one client, and the answers to their calls."""

    def __init__(self, run_blocking: RunBlocking) -> None:
        self._run_blocking = run_blocking
        self._lock = threading.Lock()  # registered from caller threads, read on the loop
        self._by_thread: dict[str, dict[str, Tool[..., Any]]] = {}

    def register(self, thread_id: str, tools: Iterable[Tool[..., Any]]) -> None:
        """Answer this thread's tool calls with `tools` (replacing what it had)."""
        with self._lock:
            self._by_thread[thread_id] = {entry.name: entry for entry in tools}

    def tools_of(self, thread_id: str) -> Mapping[str, Tool[..., Any]] | None:
        """The tools registered for a thread, by name; None when it has none."""
        with self._lock:
            return self._by_thread.get(thread_id)

    def routes(self, method: str, params: Any) -> bool:
        """True when this router answers the request (a tool call on a registered thread)."""
        if method != TOOL_CALL_METHOD or not isinstance(params, dict):
            return False
        thread_id = cast("dict[str, Any]", params).get("threadId")
        return isinstance(thread_id, str) and self.tools_of(thread_id) is not None

    async def answer(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The `item/tool/call` answer for one call (never raises, except cancellation)."""
        call = ToolCall.from_params(params)
        tools = self.tools_of(call.thread_id) or {}
        entry = tools.get(call.tool)
        if entry is None:
            known = ", ".join(sorted(tools)) or "none"
            return ToolResult.failure(
                f"unknown tool {call.tool!r}; the tools of this thread are: {known}"
            ).to_wire()
        return (await run_tool(entry, call, self._run_blocking)).to_wire()


async def run_tool(entry: Tool[..., Any], call: ToolCall, run_blocking: RunBlocking) -> ToolResult:
    """Validate, run (within the tool's timeout) and convert one call; every failure is a
    failed `ToolResult` with text the model can act on."""
    try:
        invoke = entry.bind(call)
    except ToolArgumentsError as exc:
        return ToolResult.failure(f"{entry.name}: {exc}")
    try:
        value = await _within(entry.timeout, _start(entry, invoke, run_blocking))
    except _TimedOut:
        log.warning(
            "tool %s timed out after %g s (call %s)", entry.name, entry.timeout, call.call_id
        )
        return ToolResult.failure(f"{entry.name} timed out after {entry.timeout:g} s")
    except ToolError as exc:
        return ToolResult.failure(str(exc))
    except Exception as exc:
        log.warning("tool %s raised %r (call %s)", entry.name, exc, call.call_id, exc_info=exc)
        return ToolResult.failure(f"{entry.name} failed: {type(exc).__name__}: {exc}")
    if isinstance(value, ToolResult):
        return value
    try:
        return ToolResult.of(value)
    except Exception as exc:
        log.warning("tool %s returned a value that cannot be sent: %r", entry.name, exc)
        return ToolResult.failure(f"{entry.name} failed: {exc}")


async def _start(
    entry: Tool[..., Any], invoke: Callable[[], Any], run_blocking: RunBlocking
) -> Any:
    value = invoke() if entry.is_async else await run_blocking(invoke, entry.name)
    # an async function's coroutine, or a sync function that returned an awaitable
    while inspect.isawaitable(value):
        value = await value
    return value


class _TimedOut(Exception):
    pass


async def _within(timeout: float | None, awaitable: Awaitable[Any]) -> Any:
    """Await with a deadline; `_TimedOut` when it passes (a `TimeoutError` the tool itself
    raises stays the tool's error). A blocking function cannot be stopped: its worker
    finishes on its own, and its value is dropped."""
    if timeout is None:
        return await awaitable  # no task of its own: one less trip round the loop per call
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        raise _TimedOut
    return task.result()
