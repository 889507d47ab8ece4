"""Answering the requests the server sends to the client (approvals, user input, tool calls).

Set handlers on `codex.handlers` (a `ServerRequestHandlers`), one attribute per server
request, e.g. `codex.handlers.item_command_execution_request_approval = fn`. A handler takes
the typed params and returns the typed response (or a dict in its wire shape), directly or as
an awaitable. The response models' enum fields take the wire strings as well as the enum members
(`CommandExecutionRequestApprovalResponse(decision="accept")`); a string the schema does not
list is refused before anything is sent (a member built on purpose, `Kind("newValue")`, is not). Sync handlers run on a bounded pool of worker threads
(`AppServerConfig.handler_threads`, 8 by default), so a slow one blocks nothing else and a
storm of requests never starts more threads than that.

With no handler set, the SDK answers safely:

- command, file-change, permission and legacy patch/exec approvals are **declined**;
- every other server request gets a JSON-RPC error (-32601) naming the handler to set.

A handler that raises answers that request with a JSON-RPC error; the connection goes on.
Presets: `decline_all()`, `accept_all()`, `ask(callback)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from codex_app_server import _tolerant as tolerant
from codex_app_server._generated.handlers import HANDLER_NAMES, ServerRequestHandlers
from codex_app_server._generated.registry import SERVER_REQUESTS
from codex_app_server.errors import METHOD_NOT_FOUND, JsonRpcError

if TYPE_CHECKING:
    from codex_app_server._tool_router import ToolRouter

__all__ = [
    "DECLINE_RESPONSES",
    "ServerRequestHandlers",
    "accept_all",
    "ask",
    "decline_all",
]

log: logging.Logger = logging.getLogger("codex_app_server")

#: The answer that refuses each approval request, by wire method (what the SDK sends when
#: no handler is set, and what `decline_all()` answers).
DECLINE_RESPONSES: Mapping[str, dict[str, Any]] = {
    "item/commandExecution/requestApproval": {"decision": "decline"},
    "item/fileChange/requestApproval": {"decision": "decline"},
    "item/permissions/requestApproval": {"permissions": {}},
    "applyPatchApproval": {"decision": "denied"},
    "execCommandApproval": {"decision": "denied"},
}
ACCEPT_RESPONSES: Mapping[str, dict[str, Any]] = {
    "item/commandExecution/requestApproval": {"decision": "accept"},
    "item/fileChange/requestApproval": {"decision": "accept"},
    "applyPatchApproval": {"decision": "approved"},
    "execCommandApproval": {"decision": "approved"},
}
APPROVAL_METHODS = frozenset(DECLINE_RESPONSES)


def decline_all() -> ServerRequestHandlers:
    """Decline every approval (the default policy, spelled out)."""
    handlers = ServerRequestHandlers()
    for method, answer in DECLINE_RESPONSES.items():
        setattr(handlers, HANDLER_NAMES[method], _constant(answer))
    return handlers


def accept_all() -> ServerRequestHandlers:
    """Accept every command and file-change approval. Only for trusted, sandboxed work.

    Permission requests stay declined: granting them needs to say which permissions.
    """
    handlers = decline_all()
    for method, answer in ACCEPT_RESPONSES.items():
        setattr(handlers, HANDLER_NAMES[method], _constant(answer))
    return handlers


def ask(callback: Callable[[str, Any], bool]) -> ServerRequestHandlers:
    """Ask `callback(method, params)` for each command / file-change approval: True accepts,
    False declines. Other approvals are declined."""
    handlers = decline_all()
    for method, accept in ACCEPT_RESPONSES.items():
        decline = DECLINE_RESPONSES[method]

        def decide(params: Any, _m: str = method, _a: Any = accept, _d: Any = decline) -> Any:
            return _a if callback(_m, params) else _d

        setattr(handlers, HANDLER_NAMES[method], decide)
    return handlers


def _constant(answer: dict[str, Any]) -> Callable[[Any], dict[str, Any]]:
    def handler(_params: Any) -> dict[str, Any]:
        return dict(answer)

    return handler


class ServerRequestDispatcher:
    """Turns a raw server request into a call of the right typed handler, and its return value
    into the wire response; the engine runs each dispatch in its own task."""

    def __init__(
        self, handlers: ServerRequestHandlers | None = None, *, max_threads: int = 8
    ) -> None:
        self.handlers: ServerRequestHandlers = (
            handlers if handlers is not None else ServerRequestHandlers()
        )
        self.tools: ToolRouter | None = None  # the threads' @tool functions, once offered
        self._pool = HandlerPool(max_threads)

    @property
    def pool(self) -> HandlerPool:
        """The bounded worker threads blocking handlers run on."""
        return self._pool

    def set(self, handlers: ServerRequestHandlers) -> None:
        self.handlers = handlers

    async def __call__(self, method: str, params: Any) -> Any:
        if self.tools is not None and self.tools.routes(method, params):
            return await self.tools.answer(params)
        spec = SERVER_REQUESTS.get(method)
        handler = getattr(self.handlers, spec.handler_name, None) if spec else None
        if spec is None or handler is None:
            return self._default(method)
        typed = tolerant.validate(
            spec.params, params if params is not None else {}, f"the {method} params"
        )
        if inspect.iscoroutinefunction(handler):
            answer = await handler(typed)
        else:
            answer = await self._pool.run(handler, typed, spec.handler_name)
            if inspect.isawaitable(answer):
                answer = await answer
        if answer is None:
            raise JsonRpcError(
                -32603, f"the {spec.handler_name} handler returned None", method=method
            )
        # Validate what the handler returned, so a malformed answer fails here, named.
        return spec.response.dump(spec.response.validate(_plain(answer)))

    def _default(self, method: str) -> Any:
        if method in DECLINE_RESPONSES:
            log.info("declined %s (no handler set: the default policy)", method)
            return dict(DECLINE_RESPONSES[method])
        name = HANDLER_NAMES.get(method)
        hint = f"; set codex.handlers.{name}" if name else " (not in this SDK's protocol)"
        raise JsonRpcError(METHOD_NOT_FOUND, f"no handler for {method}{hint}", method=method)


# How long a handler worker waits for more work before its thread ends.
_IDLE_LINGER = 1.0


class HandlerPool:
    """At most ``size`` daemon threads running blocking handlers; more calls queue.

    Not the loop's default executor: a handler that never returns (a prompt nobody answers)
    would keep an executor worker busy, so `close()` would wait for it and the interpreter
    would hang at exit joining it. Daemon threads are abandoned when a request times out or
    the client closes (a worker ends whenever its handler returns; the answer is dropped).
    Workers start on demand and end once they have waited ``idle_linger`` seconds with nothing
    to do: back-to-back calls (a tool called in a loop) reuse a worker instead of paying for a
    new thread each, and an idle client holds no thread for long. A queued call whose request
    was already answered (timed out) is skipped.
    """

    def __init__(self, size: int, *, idle_linger: float = _IDLE_LINGER) -> None:
        if size < 1:
            raise ValueError("a handler pool needs at least one thread")
        self.size = size
        self.idle_linger = idle_linger
        self._lock = threading.Lock()
        self._queue: deque[Callable[[], None]] = deque()
        self._ready = threading.Condition(self._lock)  # a worker waiting for its next job
        self._workers = 0
        self._idle = 0  # workers waiting on _ready
        self.peak_workers: int = 0  # the most threads that ran at once (for tests and tuning)

    @property
    def workers(self) -> int:
        """The worker threads alive now (busy or waiting for work)."""
        with self._lock:
            return self._workers

    async def run(self, handler: Callable[[Any], Any], params: Any, name: str) -> Any:
        """Run ``handler(params)`` on a worker thread and await its answer."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def deliver(ok: bool, value: Any) -> None:
            if future.done():
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

        def job() -> None:
            if future.done():  # timed out or cancelled while queued: nobody wants it
                return
            try:
                result: tuple[bool, Any] = (True, handler(params))
            except Exception as exc:
                result = (False, exc)
            except BaseException as exc:  # SystemExit...: an error answer, not a dead loop
                result = (False, RuntimeError(f"the {name} handler raised {type(exc).__name__}"))
            # a closed loop: nobody waits for this answer any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(deliver, *result)

        self._submit(job)
        return await future

    def _submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._queue.append(job)
            if self._idle:
                self._ready.notify()
            if self._idle >= len(self._queue) or self._workers >= self.size:
                return  # a waiting worker takes it, or it queues behind the busy ones
            self._workers += 1
            self.peak_workers = max(self.peak_workers, self._workers)
        threading.Thread(target=self._work, name="codex-handler", daemon=True).start()

    def _work(self) -> None:
        with self._lock:
            while True:
                while not self._queue:
                    self._idle += 1
                    woke = self._ready.wait(self.idle_linger)
                    self._idle -= 1
                    if not woke and not self._queue:
                        self._workers -= 1
                        return
                job = self._queue.popleft()
                self._lock.release()
                try:
                    job()  # catches what the handler raises; never holds the lock
                finally:
                    self._lock.acquire()


def _plain(answer: Any) -> Any:
    to_wire = getattr(answer, "to_wire", None)
    return to_wire() if callable(to_wire) else answer


def handler_names() -> list[str]:
    return [f.name for f in fields(ServerRequestHandlers)]
