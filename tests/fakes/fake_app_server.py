#!/usr/bin/env python3
"""A scripted stand-in for ``codex app-server``: JSON-RPC over stdio, for SDK fault tests.

Run it where the SDK expects the codex binary::

    fake_app_server.py app-server [--scenario FILE] [-c key=value]... [other flags ignored]
    fake_app_server.py --version            # prints "codex-cli <version>"

(``tests/support/fake_codex.py`` writes a small wrapper script that can be passed as
``codex_bin``.) Without a scenario it behaves like a healthy codex 0.163.0: ``initialize``,
``thread/start``, ``turn/start`` (a full streamed turn), ``turn/interrupt``, ``turn/steer``,
``thread/read``, ``thread/resume``, ``model/list`` and ``account/read`` answer with the real
server's shapes (no ``"jsonrpc"`` key, ``emittedAtMs`` on notifications, error code -32600
for "Not initialized", unknown methods, unknown threads...). Lines that are not JSON-RPC
are ignored, as the real server does.

Scenario
========
A JSON object, read from ``--scenario FILE``, or the file named by ``$CODEX_FAKE_SCENARIO``,
or the inline JSON in ``$CODEX_FAKE_SCENARIO_JSON``. Every key is optional::

    {
      "version": "0.163.0",            # in userAgent and --version
      "user_agent_name": "codex_fake", # userAgent "<name>/<version> (Fake OS; x86_64) fake (<client>; <ver>)"
      "codex_home": "/some/dir",       # initialize's codexHome (default: $CODEX_HOME or a temp path)
      "record": "FILE",                # append one JSON line per event, flushed at once:
                                       #   {"kind": "argv", "argv": [...], "env": {CODEX_*/RUST_* vars}}
                                       #   {"kind": "message", "message": <each JSON message received>}
                                       #   {"kind": "unparsed", "line": "<a line that was not JSON>"}
                                       # (the client's answers to server requests are messages too)
      "require_initialize": true,      # requests before initialize -> -32600 "Not initialized"
      "emitted_at_ms": true,           # add "emittedAtMs" to notifications, like the real server
      "unknown_method": "error",       # methods without behaviour or builtin: "error" (-32600
                                       # "Invalid request: unknown variant `m`...") or "empty" ({})
      "eof_exit_code": 0,              # exit code when stdin reaches EOF
      "ignore_sigterm": false,         # keep running on SIGTERM (to test kill escalation)
      "on_start": [ACTION, ...],       # before reading stdin (exit early, garbage, stderr flood...)
      "after_initialize": [ACTION...], # after the initialize response (default: one
                                       # remoteControl/status/changed notification, like the real one)
      "on_notification": {"initialized": [ACTION, ...]},   # when the client sends a notification
      "on_eof": [ACTION, ...],         # when stdin closes, before exiting
      "methods": {"METHOD": BEHAVIOUR or [BEHAVIOUR, ...]}  # a list is consumed one per call;
                                                            # its last entry repeats
    }

BEHAVIOUR (for one request), one of::

    "builtin"                          the default handler
    {"result": VALUE}                  answer with VALUE (templates expanded)
    {"error": OBJECT}                  answer with this error object verbatim (may lack "message")
    {"actions": [ACTION, ...]}         run actions in order; "respond" decides when/if to answer
    {"turn": TURN_OPTIONS}             (turn/start only) the builtin turn with options
  each may add "delay": seconds to wait first.

ACTION: an object with "do" naming it (a bare string such as "builtin" means {"do": it})::

    {"do": "respond", "result": V}     answer the current request (without "result": the
                                       builtin handler's answer and side effects)
    {"do": "error", "error": OBJ}      answer the current request with an error object
    {"do": "builtin"}                  run the builtin handler for the current request
    {"do": "sleep", "seconds": S}
    {"do": "exit", "code": N}          flush and exit at once
    {"do": "notify", "method": M, "params": P}
    {"do": "send", "message": V}       any JSON value as one line (a number, a list, a response
                                       to an unknown id, a duplicate response...)
    {"do": "raw", "text": T | "hex": H | "base64": B, "newline": false, "repeat": 1}
                                       bytes verbatim (repeated that many times)
    {"do": "big_line", "bytes": 10000000}   one item/agentMessage/delta line of that size
    {"do": "flood", "method": M, "params": P, "count": N, "numbered": false}
                                       N copies of one notification, pre-encoded, written in big
                                       chunks; "numbered" puts the index in params "$index"
    {"do": "deltas", "count": N, "delta": "x"}   flood of item/agentMessage/delta (current turn)
    {"do": "stderr", "text": T, "repeat": 1} or {"do": "stderr", "bytes": 100000000}
    {"do": "request", "method": M, "params": P, "wait": true, "timeout": 10}
                                       a server request (ids 0, 1, 2... like the real server);
                                       with "wait" block until the client answers
    {"do": "requests", "method": M, "params": P, "count": N, "wait": true, "timeout": 10}
                                       an approval storm: N requests sent at once ("$index" in P)
    {"do": "respond_to", "id": ID, "result": V | "error": OBJ}
    {"do": "close_stdout"}             close stdout and keep running
    {"do": "turn", ...TURN_OPTIONS}    run a builtin turn flow for the current thread

TURN_OPTIONS (all optional)::

    "text": "Hello from the fake app-server."   the agent message's final text
    "deltas": ["Hel", "lo"]            the streamed pieces (default: text in 3 pieces)
    "flood_deltas": N, "flood_delta": "x"       stream N deltas in bulk (text = delta * N)
    "delay": 0.0                       seconds between notifications
    "status": "completed" | "failed"   a failed turn emits an `error` notification first
    "error": TURN_ERROR                the error of a failed turn
    "respond_after": 0                 write the turn/start response after this many of the
                                       turn's notifications (>0: notifications before the response)
    "hold": false | true               pause the turn (after "hold_after_deltas" deltas) until
    "hold_after_deltas": 0             turn/steer or turn/interrupt arrives, or "hold_timeout"
    "hold_timeout": 30
    "approvals": {"count": 1, "command": "touch x", "concurrent": false, "timeout": 30}
                                       item/commandExecution/requestApproval server requests
                                       before the answer; the command item completes as
                                       "completed" on accept, "failed" on an error answer,
                                       else "declined" ("cancel" also interrupts the turn)
    "chaos": true                      extra unknown fields everywhere, an unknown notification
                                       method, a notification for an unknown turn, an item of an
                                       unknown type, an unknown thread status
    "before_complete": [ACTION, ...]   after the deltas, before the message completes (exit...)

Templates: in scenario values, a string equal to "$thread_id", "$turn_id", "$request_id",
"$item_id", "$index", "$turn" (the in-progress Turn object), "$thread" (the Thread object) or
"$now_ms" is replaced by the value; the string-valued ones are also replaced inside strings.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

Json = Any
Message = dict[str, Any]

DEFAULT_VERSION = "0.163.0"
DEFAULT_TEXT = "Hello from the fake app-server."
CHUNK_BYTES = 4 * 1024 * 1024
_EOF = object()


def _now_ms() -> int:
    return int(time.time() * 1000)


def _split(text: str, pieces: int = 3) -> list[str]:
    if not text:
        return []
    pieces = min(pieces, len(text))
    size, extra = divmod(len(text), pieces)
    out: list[str] = []
    start = 0
    for index in range(pieces):
        end = start + size + (1 if index < extra else 0)
        out.append(text[start:end])
        start = end
    return out


def _encode(message: Json) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


class Output:
    """stdout: whole lines under a lock; a vanished reader ends the process quietly."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stream = sys.stdout.buffer
        self.closed = False

    def write(self, data: bytes) -> None:
        with self.lock:
            if self.closed:
                return
            try:
                self.stream.write(data)
                self.stream.flush()
            except (BrokenPipeError, ValueError, OSError):
                os._exit(0)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            with contextlib.suppress(OSError, ValueError):
                self.stream.flush()
                # sys.stdout does not own fd 1: close the descriptor itself.
                os.close(self.stream.fileno())


class Recorder:
    def __init__(self, path: str | None) -> None:
        self.lock = threading.Lock()
        self.file = open(path, "a", encoding="utf-8") if path else None  # noqa: SIM115

    def write(self, entry: Mapping[str, Any]) -> None:
        if self.file is None:
            return
        with self.lock:
            self.file.write(json.dumps(entry) + "\n")
            self.file.flush()


class Context:
    """What templates and actions see: the current request, thread and turn."""

    def __init__(
        self,
        fake: Fake,
        request: Message | None = None,
        thread_id: str | None = None,
        turn_id: str | None = None,
    ) -> None:
        self.fake = fake
        self.request = request
        params = (request or {}).get("params")
        self.params: dict[str, Any] = params if isinstance(params, dict) else {}
        self.thread_id = thread_id or self.params.get("threadId") or fake.last_thread_id
        self.turn_id = turn_id or self.params.get("turnId") or self.params.get("expectedTurnId")
        self.item_id = "msg_0"
        self.index = 0
        self.responded = False

    @property
    def method(self) -> str | None:
        return None if self.request is None else self.request.get("method")

    @property
    def request_id(self) -> Json:
        return None if self.request is None else self.request.get("id")

    def tokens(self) -> dict[str, Json]:
        thread = self.fake.threads.get(self.thread_id or "")
        return {
            "$thread_id": self.thread_id,
            "$turn_id": self.turn_id,
            "$request_id": self.request_id,
            "$item_id": self.item_id,
            "$index": self.index,
            "$now_ms": _now_ms(),
            "$turn": self.fake.turn_object(self.turn_id or "", "inProgress"),
            "$thread": thread,
        }

    def expand(self, value: Json) -> Json:
        return _expand(value, self.tokens())


def _expand(value: Json, tokens: Mapping[str, Json]) -> Json:
    if isinstance(value, str):
        if value in tokens:
            return tokens[value]
        if "$" in value:
            for key in sorted(tokens, key=len, reverse=True):
                token = tokens[key]
                if isinstance(token, (str, int)) and not isinstance(token, bool):
                    value = value.replace(key, str(token))
        return value
    if isinstance(value, list):
        return [_expand(v, tokens) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, tokens) for k, v in value.items()}
    return value


class Fake:
    def __init__(self, scenario: Mapping[str, Any], argv: Sequence[str]) -> None:
        self.scenario = scenario
        self.version: str = scenario.get("version", DEFAULT_VERSION)
        self.out = Output()
        self.recorder = Recorder(scenario.get("record"))
        self.recorder.write(
            {
                "kind": "argv",
                "argv": list(argv),
                "env": {k: v for k, v in os.environ.items() if k.startswith(("CODEX_", "RUST_"))},
            }
        )
        self.emitted_at = bool(scenario.get("emitted_at_ms", True))
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.initialized = False
        self.threads: dict[str, dict[str, Any]] = {}
        self.last_thread_id: str | None = None
        self.turns: dict[str, TurnRun] = {}  # active turns by thread id
        self.calls: dict[str, int] = {}
        self.answers: dict[Json, Message] = {}
        self.answers_cond = threading.Condition()
        self.lock = threading.Lock()
        self._next_request_id = 0
        self._next_item = 0

    # -- output

    def send(self, message: Json) -> None:
        self.out.write(_encode(message))

    def notify(self, method: str, params: Json = None) -> None:
        message: Message = {"method": method}
        if params is not None:
            message["params"] = params
        if self.emitted_at:
            message["emittedAtMs"] = _now_ms()
        self.send(message)

    def respond(self, ctx: Context, result: Json) -> None:
        ctx.responded = True
        self.send({"id": ctx.request_id, "result": result})

    def respond_error(self, ctx: Context, error: Json) -> None:
        ctx.responded = True
        self.send({"error": error, "id": ctx.request_id})

    def invalid(self, ctx: Context, message: str) -> None:
        self.respond_error(ctx, {"code": -32600, "message": message})

    def new_request_id(self) -> int:
        with self.lock:
            value = self._next_request_id
            self._next_request_id += 1
            return value

    def new_item_id(self, prefix: str = "item") -> str:
        with self.lock:
            self._next_item += 1
            return f"{prefix}_{self._next_item}"

    # -- server requests

    def server_request(self, method: str, params: Json) -> int:
        request_id = self.new_request_id()
        self.send({"method": method, "id": request_id, "params": params})
        return request_id

    def wait_answer(self, request_id: Json, timeout: float) -> Message | None:
        deadline = time.monotonic() + timeout
        with self.answers_cond:
            while request_id not in self.answers:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.answers_cond.wait(remaining)
            return self.answers[request_id]

    # -- input

    def read_stdin(self) -> None:
        stream = sys.stdin.buffer
        for raw in stream:
            line = raw.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError:
                self.recorder.write({"kind": "unparsed", "line": line.decode("utf-8", "replace")})
                continue
            self.recorder.write({"kind": "message", "message": message})
            if not isinstance(message, dict):
                continue
            if "method" not in message and "id" in message:
                with self.answers_cond:
                    self.answers[message["id"]] = message
                    self.answers_cond.notify_all()
                continue
            self.inbox.put(message)
        self.inbox.put(_EOF)

    # -- main loop

    def run(self) -> NoReturn:
        if self.scenario.get("ignore_sigterm") and hasattr(signal, "SIGTERM"):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        self.run_actions(self.scenario.get("on_start", []), Context(self))
        threading.Thread(target=self.read_stdin, name="fake-stdin", daemon=True).start()
        while True:
            message = self.inbox.get()
            if message is _EOF:
                self.run_actions(self.scenario.get("on_eof", []), Context(self))
                self.exit(int(self.scenario.get("eof_exit_code", 0)))
            method = message.get("method")
            if not isinstance(method, str):
                continue
            if "id" in message:
                self.handle_request(message)
            else:
                actions = self.scenario.get("on_notification", {}).get(method, [])
                self.run_actions(actions, Context(self, message))

    def exit(self, code: int) -> NoReturn:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        # Another thread may be blocked writing to a full pipe while holding the lock.
        if self.out.lock.acquire(timeout=1.0):
            with contextlib.suppress(Exception):
                self.out.stream.flush()
        os._exit(code)

    def handle_request(self, message: Message) -> None:
        method: str = message["method"]
        ctx = Context(self, message)
        if method == "turn/start":
            ctx.turn_id = str(uuid.uuid4())
        behaviours = self.scenario.get("methods", {}).get(method)
        if behaviours is None:
            self.builtin(ctx)
            return
        if isinstance(behaviours, list):
            count = self.calls.get(method, 0)
            self.calls[method] = count + 1
            behaviour = behaviours[min(count, len(behaviours) - 1)] if behaviours else "builtin"
        else:
            behaviour = behaviours
        self.run_behaviour(behaviour, ctx)

    def run_behaviour(self, behaviour: Json, ctx: Context) -> None:
        if behaviour == "builtin" or behaviour is None:
            self.builtin(ctx)
            return
        if not isinstance(behaviour, dict):
            raise SystemExit(f"fake_app_server: bad behaviour {behaviour!r}")
        if behaviour.get("delay"):
            time.sleep(float(behaviour["delay"]))
        if "actions" in behaviour:
            self.run_actions(behaviour["actions"], ctx)
        elif "result" in behaviour:
            self.respond(ctx, ctx.expand(behaviour["result"]))
        elif "error" in behaviour:
            self.respond_error(ctx, ctx.expand(behaviour["error"]))
        elif "turn" in behaviour:
            self.builtin(ctx, turn_options=behaviour["turn"])
        else:
            self.builtin(ctx)

    # -- actions

    def run_actions(self, actions: Sequence[Mapping[str, Any] | str], ctx: Context) -> None:
        for action in actions:
            self.run_action(action, ctx)

    def run_action(self, action: Mapping[str, Any] | str, ctx: Context) -> None:
        if isinstance(action, str):  # "builtin", "respond", "close_stdout"...
            action = {"do": action}
        name = action.get("do")
        if name == "respond":
            if "result" in action:
                self.respond(ctx, ctx.expand(action["result"]))
            else:
                self.builtin(ctx)
        elif name == "error":
            self.respond_error(ctx, ctx.expand(action["error"]))
        elif name == "builtin":
            self.builtin(ctx)
        elif name == "sleep":
            time.sleep(float(action.get("seconds", 0)))
        elif name == "exit":
            self.exit(int(action.get("code", 0)))
        elif name == "notify":
            self.notify(action["method"], ctx.expand(action.get("params")))
        elif name == "send":
            self.send(ctx.expand(action["message"]))
        elif name == "raw":
            self.out.write(_raw_bytes(action))
        elif name == "big_line":
            self.big_line(ctx, int(action.get("bytes", 10_000_000)))
        elif name == "flood":
            self.flood(ctx, action["method"], action.get("params"), int(action["count"]), action)
        elif name == "deltas":
            params = {
                "threadId": "$thread_id",
                "turnId": "$turn_id",
                "itemId": action.get("item_id", "$item_id"),
                "delta": action.get("delta", "x"),
            }
            self.flood(ctx, "item/agentMessage/delta", params, int(action["count"]), action)
        elif name == "stderr":
            self.stderr(action)
        elif name == "request":
            request_id = self.server_request(action["method"], ctx.expand(action.get("params")))
            if action.get("wait", True):
                self.wait_answer(request_id, float(action.get("timeout", 10)))
        elif name == "requests":
            ids: list[int] = []
            for index in range(int(action["count"])):
                ctx.index = index
                ids.append(self.server_request(action["method"], ctx.expand(action.get("params"))))
            if action.get("wait", True):
                deadline = time.monotonic() + float(action.get("timeout", 10))
                for request_id in ids:
                    self.wait_answer(request_id, max(0.0, deadline - time.monotonic()))
        elif name == "respond_to":
            if "error" in action:
                self.send({"error": ctx.expand(action["error"]), "id": action["id"]})
            else:
                self.send({"id": action["id"], "result": ctx.expand(action.get("result", {}))})
        elif name == "close_stdout":
            self.out.close()
        elif name == "turn":
            options = {k: v for k, v in action.items() if k != "do"}
            run = TurnRun(self, ctx, options, respond=False)
            run.start()
        else:
            raise SystemExit(f"fake_app_server: unknown action {name!r}")

    def big_line(self, ctx: Context, size: int) -> None:
        head = _encode(
            {
                "method": "item/agentMessage/delta",
                "params": {
                    "threadId": ctx.thread_id or "thread",
                    "turnId": ctx.turn_id or "turn",
                    "itemId": ctx.item_id or "item",
                    "delta": "",
                },
            }
        )
        cut = head.rindex(b'""')
        filler = max(0, size - len(head))
        self.out.write(head[: cut + 1] + b"x" * filler + head[cut + 1 :])

    def flood(
        self,
        ctx: Context,
        method: str,
        params: Json,
        count: int,
        options: Mapping[str, Any],
        *,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        """``count`` notifications in big writes; ``stop`` is checked between chunks."""
        numbered = bool(options.get("numbered"))
        if not numbered:
            message: Message = {"method": method, "params": ctx.expand(params)}
            if self.emitted_at:
                message["emittedAtMs"] = _now_ms()
            line = _encode(message)
            per_chunk = max(1, CHUNK_BYTES // len(line))
            chunk = line * per_chunk
            sent = 0
            while sent < count:
                if stop is not None and stop():
                    return
                batch = min(per_chunk, count - sent)
                self.out.write(chunk if batch == per_chunk else line * batch)
                sent += batch
            return
        per_chunk = 20_000
        for start in range(0, count, per_chunk):
            if stop is not None and stop():
                return
            lines: list[bytes] = []
            for index in range(start, min(count, start + per_chunk)):
                ctx.index = index
                lines.append(_encode({"method": method, "params": ctx.expand(params)}))
            self.out.write(b"".join(lines))

    def stderr(self, action: Mapping[str, Any]) -> None:
        err = sys.stderr.buffer
        if "bytes" in action:
            total = int(action["bytes"])
            line = b"2026-01-01T00:00:00.000000Z  INFO codex_fake: stderr flood line\n"
            chunk = line * max(1, (1024 * 1024) // len(line))
            written = 0
            while written < total:
                piece = chunk[: total - written]
                err.write(piece)
                written += len(piece)
        else:
            text = str(action.get("text", ""))
            err.write((text * int(action.get("repeat", 1))).encode())
        err.flush()

    # -- builtin handlers

    def builtin(self, ctx: Context, turn_options: Mapping[str, Any] | None = None) -> None:
        method = ctx.method
        if method is None:
            return
        if method == "initialize":
            self.initialize(ctx)
            return
        if self.scenario.get("require_initialize", True) and not self.initialized:
            self.invalid(ctx, "Not initialized")
            return
        handler = {
            "thread/start": self.thread_start,
            "thread/resume": self.thread_resume,
            "thread/read": self.thread_read,
            "turn/interrupt": self.turn_interrupt,
            "turn/steer": self.turn_steer,
            "model/list": self.model_list,
            "account/read": self.account_read,
        }.get(method)
        if method == "turn/start":
            self.turn_start(ctx, turn_options or {})
        elif handler is not None:
            handler(ctx)
        elif self.scenario.get("unknown_method", "error") == "empty":
            self.respond(ctx, {})
        else:
            self.invalid(
                ctx, f"Invalid request: unknown variant `{method}`, expected one of `initialize`"
            )

    def initialize(self, ctx: Context) -> None:
        if self.initialized:
            self.invalid(ctx, "Already initialized")
            return
        client = ctx.params.get("clientInfo") or {}
        name = client.get("name", "unknown")
        agent = self.scenario.get("user_agent_name", "codex_fake")
        home = self.scenario.get("codex_home") or os.environ.get("CODEX_HOME")
        self.initialized = True
        self.respond(
            ctx,
            {
                "userAgent": f"{agent}/{self.version} (Fake OS; x86_64) fake "
                f"({name}; {client.get('version', '0')})",
                "codexHome": home or str(Path.home() / ".codex"),
                "platformFamily": "windows" if os.name == "nt" else "unix",
                "platformOs": {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux"),
            },
        )
        default_after = [
            {
                "do": "notify",
                "method": "remoteControl/status/changed",
                "params": {
                    "status": "disabled",
                    "serverName": "fake",
                    "installationId": "00000000-0000-4000-8000-000000000000",
                    "environmentId": None,
                },
            }
        ]
        self.run_actions(self.scenario.get("after_initialize", default_after), ctx)

    def thread_object(self, thread_id: str, cwd: str) -> dict[str, Any]:
        now = int(time.time())
        return {
            "id": thread_id,
            "environments": [
                {"environmentId": "local", "cwd": cwd, "runtimeWorkspaceRoots": [cwd]}
            ],
            "extra": None,
            "sessionId": thread_id,
            "forkedFromId": None,
            "parentThreadId": None,
            "preview": "",
            "ephemeral": False,
            "section": None,
            "sectionEnteredAt": None,
            "projectId": None,
            "historyMode": "paginated",
            "modelProvider": "mock",
            "model": "mock-model",
            "reasoningEffort": None,
            "createdAt": now,
            "updatedAt": now,
            "recencyAt": now,
            "status": {"type": "idle"},
            "path": None,
            "cwd": cwd,
            "cliVersion": self.version,
            "originator": "codex_fake",
            "source": "vscode",
            "canAcceptDirectInput": True,
            "threadSource": None,
            "agentNickname": None,
            "agentRole": None,
            "gitInfo": None,
            "name": None,
            "daybreakEnabled": None,
            "turns": [],
        }

    def thread_response(self, thread: dict[str, Any]) -> dict[str, Any]:
        cwd = thread["cwd"]
        return {
            "thread": thread,
            "model": "mock-model",
            "modelProvider": "mock",
            "serviceTier": None,
            "disabledPluginIds": [],
            "cwd": cwd,
            "runtimeWorkspaceRoots": [cwd],
            "instructionSources": [],
            "approvalPolicy": "never",
            "approvalsReviewer": "user",
            "sandbox": {"type": "readOnly", "networkAccess": False},
            "activePermissionProfile": None,
            "reasoningEffort": None,
            "multiAgentMode": "explicitRequestOnly",
        }

    def thread_start(self, ctx: Context) -> None:
        thread_id = str(uuid.uuid4())
        cwd = ctx.params.get("cwd") or os.getcwd()
        thread = self.thread_object(thread_id, str(cwd))
        self.threads[thread_id] = thread
        self.last_thread_id = thread_id
        ctx.thread_id = thread_id
        self.respond(ctx, self.thread_response(thread))
        self.notify("thread/started", {"thread": thread})

    def known_thread(self, ctx: Context) -> dict[str, Any] | None:
        thread = self.threads.get(ctx.params.get("threadId") or "")
        if thread is None:
            self.invalid(ctx, f"thread not found: {ctx.params.get('threadId')}")
        return thread

    def thread_resume(self, ctx: Context) -> None:
        thread = self.known_thread(ctx)
        if thread is not None:
            self.respond(ctx, self.thread_response(thread))

    def thread_read(self, ctx: Context) -> None:
        thread = self.known_thread(ctx)
        if thread is not None:
            self.respond(ctx, {"thread": thread})

    def model_list(self, ctx: Context) -> None:
        model = {
            "id": "mock-model",
            "model": "mock-model",
            "upgrade": None,
            "upgradeInfo": None,
            "availabilityNux": None,
            "displayName": "Mock model",
            "description": "The fake app-server's only model.",
            "modelSpecialty": None,
            "hidden": False,
            "supportedReasoningEfforts": [
                {"reasoningEffort": "low", "description": "Fast responses"},
                {"reasoningEffort": "medium", "description": "Balanced"},
            ],
            "defaultReasoningEffort": "low",
            "inputModalities": ["text", "image"],
            "supportsPersonality": False,
            "additionalSpeedTiers": [],
            "serviceTiers": [],
            "defaultServiceTier": None,
            "availableAccessPrograms": None,
            "isDefault": True,
        }
        self.respond(ctx, {"data": [model], "nextCursor": None})

    def account_read(self, ctx: Context) -> None:
        self.respond(ctx, {"account": None, "requiresOpenaiAuth": False})

    def turn_object(
        self,
        turn_id: str,
        status: str,
        *,
        items: list[Any] | None = None,
        error: Json = None,
        started_at: int | None = None,
        completed: bool = False,
        duration_ms: int | None = None,
    ) -> dict[str, Any]:
        return {
            "id": turn_id,
            "rootTurnId": turn_id,
            "items": items or [],
            "itemsView": "summary" if items else "notLoaded",
            "status": status,
            "error": error,
            "startedAt": started_at,
            "completedAt": int(time.time()) if completed else None,
            "durationMs": duration_ms,
        }

    def turn_start(self, ctx: Context, options: Mapping[str, Any]) -> None:
        if self.known_thread(ctx) is None:
            return
        run = TurnRun(self, ctx, options, respond=True)
        run.start()

    def turn_interrupt(self, ctx: Context) -> None:
        run = self.turns.get(ctx.params.get("threadId") or "")
        if run is None or run.finished.is_set():
            self.invalid(ctx, "no active turn to interrupt")
            return
        if ctx.params.get("turnId") != run.turn_id:
            self.invalid(
                ctx,
                f"expected active turn id {ctx.params.get('turnId')} but found {run.turn_id}",
            )
            return
        self.respond(ctx, {})
        run.interrupt.set()

    def turn_steer(self, ctx: Context) -> None:
        run = self.turns.get(ctx.params.get("threadId") or "")
        if run is None or run.finished.is_set():
            self.invalid(ctx, "no active turn to steer")
            return
        expected = ctx.params.get("expectedTurnId")
        if expected != run.turn_id:
            self.invalid(ctx, f"expected active turn id `{expected}` but found `{run.turn_id}`")
            return
        self.respond(ctx, {"turnId": run.turn_id})
        run.steers.put(ctx.params.get("input") or [])


def _raw_bytes(action: Mapping[str, Any]) -> bytes:
    if "hex" in action:
        data = bytes.fromhex(str(action["hex"]))
    elif "base64" in action:
        data = base64.b64decode(str(action["base64"]))
    else:
        data = str(action.get("text", "")).encode()
    data *= int(action.get("repeat", 1))
    return data + (b"\n" if action.get("newline") else b"")


def _user_content(inputs: Sequence[Any]) -> list[Any]:
    content: list[Any] = []
    for entry in inputs:
        if isinstance(entry, dict) and entry.get("type") == "text":
            content.append({"type": "text", "text": entry.get("text", ""), "text_elements": []})
        else:
            content.append(entry)
    return content


class TurnRun(threading.Thread):
    """One builtin turn, streamed from its own thread so interrupt/steer can arrive."""

    def __init__(
        self, fake: Fake, ctx: Context, options: Mapping[str, Any], *, respond: bool
    ) -> None:
        super().__init__(name="fake-turn", daemon=True)
        self.fake = fake
        self.ctx = ctx
        self.options = options
        self.thread_id: str = ctx.thread_id or ""
        self.turn_id: str = ctx.turn_id or str(uuid.uuid4())
        ctx.turn_id = self.turn_id
        self.must_respond = respond
        self.respond_after = int(options.get("respond_after", 0))
        self.emitted = 0
        self.interrupt = threading.Event()
        self.finished = threading.Event()
        self.steers: queue.Queue[list[Any]] = queue.Queue()
        self.started_at = int(time.time())
        self.started_mono = time.monotonic()
        fake.turns[self.thread_id] = self

    # -- emitting

    def _maybe_respond(self) -> None:
        if self.must_respond and self.emitted >= self.respond_after:
            self.must_respond = False
            self.fake.respond(self.ctx, {"turn": self.fake.turn_object(self.turn_id, "inProgress")})

    def emit(self, method: str, params: dict[str, Any]) -> None:
        self._maybe_respond()
        if self.options.get("chaos"):
            params = {**params, "fakeExtraField": {"nested": [1, 2, 3]}}
        self.fake.notify(method, params)
        self.emitted += 1
        delay = float(self.options.get("delay", 0))
        if delay:
            self.interrupt.wait(delay)

    def item(self, phase: str, item: dict[str, Any]) -> None:
        key = "startedAtMs" if phase == "started" else "completedAtMs"
        self.emit(
            f"item/{phase}",
            {"item": item, "threadId": self.thread_id, "turnId": self.turn_id, key: _now_ms()},
        )

    def status(self, status: dict[str, Any]) -> None:
        self.emit("thread/status/changed", {"threadId": self.thread_id, "status": status})

    def user_message(self, inputs: Sequence[Any]) -> None:
        item = {
            "type": "userMessage",
            "id": str(uuid.uuid4()),
            "clientId": None,
            "content": _user_content(inputs),
        }
        self.item("started", item)
        self.item("completed", item)

    def drain_steers(self) -> bool:
        steered = False
        while True:
            try:
                inputs = self.steers.get_nowait()
            except queue.Empty:
                return steered
            steered = True
            self.user_message(inputs)

    # -- the flow

    def run(self) -> None:
        try:
            self.flow()
        finally:
            self.finished.set()
            if self.fake.turns.get(self.thread_id) is self:
                del self.fake.turns[self.thread_id]

    def interrupted(self) -> bool:
        if not self.interrupt.is_set():
            return False
        self._maybe_respond_now()
        self.status({"type": "idle"})
        self.complete(
            self.fake.turn_object(
                self.turn_id,
                "interrupted",
                started_at=self.started_at,
                completed=True,
                duration_ms=self._duration(),
            )
        )
        return True

    def complete(self, turn: dict[str, Any]) -> None:
        """Emit turn/completed; the turn stops being active just before."""
        self.finished.set()
        if self.fake.turns.get(self.thread_id) is self:
            del self.fake.turns[self.thread_id]
        self.emit("turn/completed", {"threadId": self.thread_id, "turn": turn})

    def _maybe_respond_now(self) -> None:
        self.respond_after = 0
        self._maybe_respond()

    def _duration(self) -> int:
        return int((time.monotonic() - self.started_mono) * 1000)

    def hold(self) -> bool:
        """Wait for steer/interrupt/timeout; True when the turn was interrupted."""
        deadline = time.monotonic() + float(self.options.get("hold_timeout", 30))
        while time.monotonic() < deadline:
            if self.interrupted():
                return True
            if self.drain_steers():
                return False
            self.interrupt.wait(0.02)
        return False

    def flow(self) -> None:
        options = self.options
        chaos = bool(options.get("chaos"))
        text = str(options.get("text", DEFAULT_TEXT))
        flood = int(options.get("flood_deltas", 0))
        if flood:
            piece = str(options.get("flood_delta", "x"))
            if "text" not in options:
                text = piece * flood
            deltas: list[str] = []
        else:
            deltas = list(options.get("deltas") or _split(text))
        status = str(options.get("status", "completed"))
        hold_at = int(options.get("hold_after_deltas", 0)) if options.get("hold") else None

        self.status({"type": "active", "activeFlags": []})
        if chaos:
            self.emit("fake/unknownNotification", {"threadId": self.thread_id, "x": 1})
            self.emit(
                "thread/status/changed",
                {"threadId": self.thread_id, "status": {"type": "hibernating"}},
            )
        self.emit(
            "turn/started",
            {
                "threadId": self.thread_id,
                "turn": self.fake.turn_object(
                    self.turn_id, "inProgress", started_at=self.started_at
                ),
            },
        )
        inputs = self.ctx.params.get("input") or []
        self.user_message(inputs)
        if chaos:
            self.emit(
                "item/agentMessage/delta",
                {
                    "threadId": self.thread_id,
                    "turnId": "00000000-0000-4000-8000-00000000dead",
                    "itemId": "ghost",
                    "delta": "for a turn nobody started",
                },
            )
            future = {"type": "futureItemType", "id": self.fake.new_item_id("future"), "x": 1}
            self.item("started", future)
            self.item("completed", future)
        if self.interrupted():
            return

        approvals = options.get("approvals")
        if approvals and self.approvals(approvals):
            return

        message_id = self.fake.new_item_id("msg")
        self.ctx.item_id = message_id
        agent_item: dict[str, Any] = {
            "type": "agentMessage",
            "id": message_id,
            "text": "",
            "phase": None,
            "memoryCitation": None,
            "delivery": None,
            "questions": None,
        }
        self.item("started", agent_item)
        if flood:
            self._maybe_respond_now()
            params = {
                "threadId": self.thread_id,
                "turnId": self.turn_id,
                "itemId": message_id,
                "delta": str(options.get("flood_delta", "x")),
            }
            self.fake.flood(
                self.ctx, "item/agentMessage/delta", params, flood, {}, stop=self.interrupt.is_set
            )
        for index, piece in enumerate(deltas):
            if hold_at == index and self.hold():
                return
            if self.interrupted():
                return
            self.emit(
                "item/agentMessage/delta",
                {
                    "threadId": self.thread_id,
                    "turnId": self.turn_id,
                    "itemId": message_id,
                    "delta": piece,
                },
            )
        if hold_at is not None and hold_at >= len(deltas) and self.hold():
            return
        if self.interrupted():
            return
        self.drain_steers()
        self.fake.run_actions(options.get("before_complete", []), self.ctx)

        final_item = {**agent_item, "text": text}
        self.item("completed", final_item)
        self.emit(
            "thread/tokenUsage/updated",
            {
                "threadId": self.thread_id,
                "turnId": self.turn_id,
                "tokenUsage": {
                    "total": _usage(),
                    "last": _usage(),
                    "modelContextWindow": 258400,
                },
            },
        )
        error = None
        if status == "failed":
            error = options.get(
                "error",
                {
                    "message": "unexpected status 500 Internal Server Error",
                    "codexErrorInfo": "internalServerError",
                    "additionalDetails": None,
                    "misalignment": None,
                },
            )
            self.status({"type": "systemError"})
            self.emit(
                "error",
                {
                    "error": error,
                    "willRetry": False,
                    "threadId": self.thread_id,
                    "turnId": self.turn_id,
                },
            )
        else:
            self.status({"type": "idle"})
        items = [final_item] if status == "completed" else []
        self.complete(
            self.fake.turn_object(
                self.turn_id,
                status,
                items=items,
                error=error,
                started_at=self.started_at,
                completed=True,
                duration_ms=self._duration(),
            )
        )
        self._maybe_respond_now()

    def approvals(self, spec: Mapping[str, Any]) -> bool:
        """Send approval requests; True when the turn was interrupted meanwhile."""
        count = int(spec.get("count", 1))
        command = str(spec.get("command", "touch fake.txt"))
        cwd = str((self.fake.threads.get(self.thread_id) or {}).get("cwd") or os.getcwd())
        timeout = float(spec.get("timeout", 30))
        pending: list[tuple[int, dict[str, Any]]] = []
        for _ in range(count):
            call_id = self.fake.new_item_id("call")
            item: dict[str, Any] = {
                "type": "commandExecution",
                "id": call_id,
                "pluginId": None,
                "scriptPath": None,
                "command": f"/bin/bash -lc '{command}'",
                "cwd": cwd,
                "processId": None,
                "source": "agent",
                "status": "inProgress",
                "commandActions": [{"type": "unknown", "command": command}],
                "aggregatedOutput": None,
                "exitCode": None,
                "durationMs": None,
            }
            self.status({"type": "active", "activeFlags": ["waitingOnApproval"]})
            self.item("started", item)
            self._maybe_respond_now()
            request_id = self.fake.server_request(
                "item/commandExecution/requestApproval",
                {
                    "kind": "command",
                    "threadId": self.thread_id,
                    "turnId": self.turn_id,
                    "itemId": call_id,
                    "startedAtMs": _now_ms(),
                    "environmentId": "local",
                    "reason": "The fake model wants to run a command.",
                    "command": item["command"],
                    "cwd": cwd,
                    "commandActions": item["commandActions"],
                    "proposedExecpolicyAmendment": command.split(),
                    "availableDecisions": ["accept", "cancel"],
                },
            )
            pending.append((request_id, item))
            if not spec.get("concurrent", False):
                if self.settle(request_id, item, timeout):
                    return True
                pending.clear()
        deadline = time.monotonic() + timeout
        for request_id, item in pending:
            if self.settle(request_id, item, max(0.0, deadline - time.monotonic())):
                return True
        return False

    def settle(self, request_id: int, item: dict[str, Any], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        answer = None
        while answer is None and time.monotonic() < deadline:
            if self.interrupted():
                return True
            answer = self.fake.wait_answer(request_id, 0.05)
        decision = ((answer or {}).get("result") or {}).get("decision")
        self.emit("serverRequest/resolved", {"threadId": self.thread_id, "requestId": request_id})
        accepted = decision in ("accept", "acceptForSession") or (
            isinstance(decision, dict) and "acceptWithExecpolicyAmendment" in decision
        )
        # As codex 0.163.0 does (tests/fakes/test_fake_conformance.py): an error answer fails
        # the command, any other refusal declines it; a refused command completes before the
        # thread's status changes, an accepted one after; "cancel" also ends the turn.
        if accepted:
            self.status({"type": "active", "activeFlags": []})
            self.item("completed", {**item, "status": "completed", "exitCode": 0})
            return False
        failed = answer is not None and "error" in answer
        self.item("completed", {**item, "status": "failed" if failed else "declined"})
        self.status({"type": "active", "activeFlags": []})
        if decision == "cancel":
            self.interrupt.set()
            return self.interrupted()
        return False


def _usage() -> dict[str, int]:
    return {
        "totalTokens": 17,
        "inputTokens": 12,
        "cachedInputTokens": 0,
        "cacheWriteInputTokens": 0,
        "outputTokens": 5,
        "reasoningOutputTokens": 0,
    }


def load_scenario(path: str | None) -> dict[str, Any]:
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    env_path = os.environ.get("CODEX_FAKE_SCENARIO")
    if env_path:
        return json.loads(Path(env_path).read_text(encoding="utf-8"))
    inline = os.environ.get("CODEX_FAKE_SCENARIO_JSON")
    if inline:
        return json.loads(inline)
    return {}


def main(argv: Sequence[str]) -> int:
    args = list(argv)
    scenario_path: str | None = None
    positional: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ("--version", "-V"):
            version = load_scenario(scenario_path).get("version", DEFAULT_VERSION)
            print(f"codex-cli {version}")
            return 0
        if arg == "--scenario":
            scenario_path = args[index + 1]
            index += 2
            continue
        if arg.startswith("--scenario="):
            scenario_path = arg.split("=", 1)[1]
        elif arg in ("-c", "--config", "--enable", "--disable", "--listen"):
            index += 2
            continue
        elif not arg.startswith("-"):
            positional.append(arg)
        index += 1
    if positional[:1] != ["app-server"]:
        sys.stderr.write(f"fake_app_server: expected `app-server`, got {positional!r}\n")
        return 2
    Fake(load_scenario(scenario_path), args).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
