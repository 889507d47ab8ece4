"""A minimal raw JSON-RPC client for ``codex app-server`` (and the fake), for tests only.

It spawns the process, speaks newline-delimited JSON-RPC over stdio with one reader
thread (stdout) and one drain thread (stderr), and keeps every incoming message in
``messages`` so tests can wait for and inspect notifications and server requests.
Every wait has a timeout; ``close()`` closes stdin, waits briefly, then kills.

It deliberately knows nothing of the SDK: it is the independent witness used to verify
the testing kit and the fake app-server against the real binary.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import json
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import os
    from types import TracebackType

Message = dict[str, Any]
RequestHandler = Callable[[Message], Any]


def codex_bin() -> str:
    """Path of the real codex binary shipped in the ``openai-codex-cli-bin`` wheel."""
    import codex_cli_bin  # pyright: ignore[reportMissingImports]

    return str(codex_cli_bin.bundled_codex_path())  # pyright: ignore


class RpcError(Exception):
    """A JSON-RPC error response."""

    def __init__(self, method: str, error: Message) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error

    @property
    def code(self) -> int | None:
        return self.error.get("code")

    @property
    def message(self) -> str | None:
        return self.error.get("message")


@dataclasses.dataclass(frozen=True)
class ErrorAnswer:
    """What a server-request handler returns to answer with a JSON-RPC error instead."""

    code: int
    message: str


class ProcessExited(Exception):
    """The app-server exited (stdout reached EOF) while we were waiting."""


class RawAppServer:
    """Spawn an app-server and talk raw JSON-RPC to it."""

    def __init__(
        self,
        argv: Sequence[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        handlers: Mapping[str, RequestHandler] | None = None,
    ) -> None:
        self.argv = list(argv) if argv is not None else [codex_bin(), "app-server"]
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.handlers: dict[str, RequestHandler] = dict(handlers or {})
        self.messages: list[Message] = []
        self.times: list[float] = []
        self.bad_lines: list[bytes] = []
        self.stderr_lines: collections.deque[str] = collections.deque(maxlen=2000)
        self.answered: list[tuple[Message, Any]] = []
        self.eof = False
        self.started_at = 0.0
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._pending: dict[int | str, Message | None] = {}
        self._ids = itertools.count(1)
        self._threads: list[threading.Thread] = []
        self.proc: subprocess.Popen[bytes] | None = None

    # -- lifecycle

    def start(self, *, initialize: bool = True, timeout: float = 15.0) -> Message | None:
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            cwd=self.cwd,
        )
        for target, name in ((self._read_stdout, "stdout"), (self._read_stderr, "stderr")):
            thread = threading.Thread(target=target, name=f"raw-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if not initialize:
            return None
        result = self.request(
            "initialize",
            {"clientInfo": {"name": "raw_test_driver", "title": "Raw driver", "version": "0.0.1"}},
            timeout=timeout,
        )
        self.notify("initialized")
        return result

    def close(self, timeout: float = 5.0) -> int | None:
        proc = self.proc
        if proc is None:
            return None
        try:
            if proc.stdin and not proc.stdin.closed:
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
        for thread in self._threads:
            thread.join(timeout)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
        return proc.returncode

    def __enter__(self) -> RawAppServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reading

    def _read_stdout(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.rstrip(b"\r\n")
            if not line:
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                with self._cond:
                    self.bad_lines.append(line)
                    self._cond.notify_all()
                continue
            if not isinstance(msg, dict):
                with self._cond:
                    self.bad_lines.append(line)
                    self._cond.notify_all()
                continue
            self._dispatch(msg)
        with self._cond:
            self.eof = True
            self._cond.notify_all()

    def _dispatch(self, msg: Message) -> None:
        is_response = "method" not in msg and ("result" in msg or "error" in msg)
        with self._cond:
            self.messages.append(msg)
            self.times.append(time.monotonic())
            if is_response and msg.get("id") in self._pending and self._pending[msg["id"]] is None:
                self._pending[msg["id"]] = msg  # the first answer wins; duplicates stay in messages
            self._cond.notify_all()
        if "method" in msg and "id" in msg:
            handler = self.handlers.get(msg["method"])
            if handler is not None:
                result = handler(msg)
                self.answered.append((msg, result))
                if isinstance(result, ErrorAnswer):
                    self.respond_error(msg["id"], result.code, result.message)
                else:
                    self.respond(msg["id"], result)

    def _read_stderr(self) -> None:
        assert self.proc is not None
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.stderr_lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    # -- writing

    def send(self, msg: Message) -> None:
        self.send_raw(json.dumps(msg).encode() + b"\n")

    def send_raw(self, data: bytes) -> None:
        assert self.proc is not None
        assert self.proc.stdin is not None
        with self._write_lock:
            try:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError) as exc:
                raise ProcessExited(f"cannot write to the app-server: {exc}") from exc

    def notify(self, method: str, params: Any = None) -> None:
        msg: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def send_request(self, method: str, params: Any = None) -> int:
        request_id = next(self._ids)
        msg: Message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            msg["params"] = params
        with self._cond:
            self._pending[request_id] = None
        self.send(msg)
        return request_id

    def wait_response(self, request_id: int, timeout: float = 10.0) -> Message:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending.get(request_id) is None:
                if self.eof:
                    raise ProcessExited(f"app-server exited before answering id {request_id}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no response to id {request_id} within {timeout}s")
                self._cond.wait(remaining)
            msg = self._pending.pop(request_id)
        assert msg is not None
        return msg

    def request(self, method: str, params: Any = None, timeout: float = 10.0) -> Any:
        msg = self.wait_response(self.send_request(method, params), timeout)
        if "error" in msg:
            raise RpcError(method, msg["error"])
        return msg.get("result")

    def respond(self, request_id: Any, result: Any) -> None:
        self.send({"jsonrpc": "2.0", "id": request_id, "result": result})

    def respond_error(self, request_id: Any, code: int, message: str) -> None:
        self.send({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}})

    # -- waiting

    def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float = 10.0, start: int = 0
    ) -> Message:
        """The first message at index >= ``start`` matching ``predicate``."""
        deadline = time.monotonic() + timeout
        index = start
        with self._cond:
            while True:
                while index < len(self.messages):
                    msg = self.messages[index]
                    index += 1
                    if predicate(msg):
                        return msg
                if self.eof:
                    raise ProcessExited("app-server exited while waiting")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no matching message within {timeout}s")
                self._cond.wait(remaining)

    def wait_notification(
        self,
        method: str,
        timeout: float = 10.0,
        *,
        start: int = 0,
        where: Callable[[Message], bool] | None = None,
    ) -> Message:
        def matches(msg: Message) -> bool:
            if msg.get("method") != method or "id" in msg:
                return False
            return where is None or where(msg.get("params") or {})

        return self.wait_for(matches, timeout, start)

    def wait_server_request(self, method: str, timeout: float = 10.0, *, start: int = 0) -> Message:
        return self.wait_for(lambda m: m.get("method") == method and "id" in m, timeout, start)

    def notifications(self, method: str | None = None, *, start: int = 0) -> list[Message]:
        with self._cond:
            return [
                m
                for m in self.messages[start:]
                if "method" in m and "id" not in m and (method is None or m["method"] == method)
            ]

    def mark(self) -> int:
        """The current message count: pass as ``start`` to wait only for newer messages."""
        with self._cond:
            return len(self.messages)

    def wait_exit(self, timeout: float = 10.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    # -- conveniences for real turns

    def start_thread(self, cwd: str | os.PathLike[str] | None = None, **params: Any) -> str:
        if cwd is not None:
            params["cwd"] = str(Path(cwd))
        mark = self.mark()
        result = self.request("thread/start", params, timeout=20.0)
        thread_id: str = result["thread"]["id"]
        # thread/started follows the response: wait for it so later marks exclude it.
        self.wait_notification(
            "thread/started", start=mark, where=lambda p: p["thread"]["id"] == thread_id
        )
        return thread_id

    def start_turn(self, thread_id: str, text: str, **params: Any) -> Message:
        params = {"threadId": thread_id, "input": [{"type": "text", "text": text}], **params}
        return self.request("turn/start", params, timeout=20.0)["turn"]

    def turn_notifications(self, turn_id: str, start: int = 0) -> list[Message]:
        out: list[Message] = []
        for msg in self.notifications(start=start):
            params = msg.get("params") or {}
            if params.get("turnId") == turn_id or (params.get("turn") or {}).get("id") == turn_id:
                out.append(msg)
        return out

    def wait_turn_completed(self, turn_id: str, timeout: float = 20.0, start: int = 0) -> Message:
        return self.wait_notification(
            "turn/completed",
            timeout,
            start=start,
            where=lambda p: p.get("turn", {}).get("id") == turn_id,
        )
