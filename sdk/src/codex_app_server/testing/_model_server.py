"""A scripted, loopback stand-in for the Responses API that drives real ``codex`` turns.

The real ``codex app-server`` talks to its model provider over HTTP: it POSTs a JSON body
to ``<base_url>/responses`` and reads the answer as server-sent events. ``MockModelServer``
listens on ``127.0.0.1`` (a port chosen by the OS), answers each POST with the next
scripted :class:`Reply` (or the default one when the script is empty), and records every
request body so a test can assert what the app-server sent to the model.

Stdlib only: this module ships inside the SDK.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import select
import socket
import sys
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from os import PathLike, fspath
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from types import TracebackType

__all__ = [
    "CutStreamReply",
    "EventsReply",
    "FailedReply",
    "FunctionCallReply",
    "HoldReply",
    "HttpErrorReply",
    "MessagesReply",
    "MockModelServer",
    "RecordedRequest",
    "Reply",
    "TextReply",
    "apply_patch",
    "context_window_exceeded",
    "cut_stream",
    "fail",
    "failed_event",
    "function_call",
    "function_calls",
    "hold",
    "messages",
    "overloaded",
    "rate_limited",
    "raw_events",
    "shell_command",
    "text",
    "unauthorized",
    "usage_limit_reached",
]

_DEFAULT_HOLD_TIMEOUT = 30.0
_JOIN_TIMEOUT = 5.0


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Reply:
    """One scripted answer to one ``POST .../responses``.

    ``delay`` is how long the server waits (in seconds) before it starts answering.
    """

    delay: float = 0.0


@dataclass(frozen=True)
class TextReply(Reply):
    """An assistant message streamed as ``response.output_text.delta`` events.

    ``deltas`` are the pieces streamed in order; they join to ``text``. ``delta_delay``
    is the pause between two deltas. ``usage`` is sent in ``response.completed``.
    ``phase`` (``"commentary"``, ``"final_answer"``...) is sent on the message item as real
    models do; None leaves it out (a phase-less message).
    """

    text: str = ""
    deltas: tuple[str, ...] = ()
    delta_delay: float = 0.0
    usage: Mapping[str, int] | None = None
    phase: str | None = None


@dataclass(frozen=True)
class MessagesReply(Reply):
    """Several assistant messages in one response, in order (e.g. commentary around the
    final answer): the turn then shows one ``agentMessage`` item per message."""

    messages: tuple[TextReply, ...] = ()
    usage: Mapping[str, int] | None = None


@dataclass(frozen=True)
class FunctionCallReply(Reply):
    """A ``function_call`` output item: the model asks codex to run a tool.

    ``arguments`` is the JSON text the model would send (codex parses it). ``namespace``
    names the group of a namespaced tool (an MCP server's tools are offered as the namespace
    ``mcp__<server>``); None sends no namespace.
    """

    name: str = ""
    arguments: str = "{}"
    call_id: str = ""
    usage: Mapping[str, int] | None = None
    namespace: str | None = None


@dataclass(frozen=True)
class HttpErrorReply(Reply):
    """An HTTP error status (500, 429, 401...) with a body (JSON when ``body`` is not a str)."""

    status: int = 500
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FailedReply(Reply):
    """A stream that reports ``response.failed`` with ``{"error": {"code", "message"}}``."""

    code: str | None = "server_error"
    message: str = "The model failed to answer."
    error_type: str | None = None


@dataclass(frozen=True)
class CutStreamReply(Reply):
    """A text stream whose connection is dropped after ``after_deltas`` deltas.

    The HTTP body is chunked and the terminating chunk is never sent: to the client the
    stream ends abruptly, before ``response.completed``.
    """

    text: str = ""
    deltas: tuple[str, ...] = ()
    after_deltas: int = 1
    delta_delay: float = 0.0


@dataclass(frozen=True)
class EventsReply(Reply):
    """Raw SSE events, sent as given: each a mapping with a ``"type"`` key.

    The escape hatch for anything the other replies do not cover (reasoning deltas,
    several output items in one response, malformed events...). ``event_delay`` is the
    pause between two events.
    """

    events: tuple[Mapping[str, Any], ...] = ()
    event_delay: float = 0.0


class HoldReply(Reply):
    """A reply that blocks until the test calls :meth:`release` (or ``timeout`` expires).

    With ``after_deltas=None`` the server holds before it sends anything (the request is
    pending); with ``after_deltas=N`` and a text ``then`` reply it holds after streaming
    N deltas, so the app-server has an agent message in progress. After release (or on
    timeout: ``timed_out`` is then True) the rest of ``then`` is sent. When the client
    hangs up while the reply is held (e.g. the turn was interrupted), the handler stops
    and ``client_disconnected`` becomes True.
    """

    def __init__(
        self,
        then: Reply | None = None,
        *,
        after_deltas: int | None = None,
        timeout: float = _DEFAULT_HOLD_TIMEOUT,
        delay: float = 0.0,
    ) -> None:
        if isinstance(then, HoldReply):
            raise TypeError("a HoldReply cannot wrap another HoldReply")
        if after_deltas is not None and not isinstance(then, TextReply):
            raise TypeError("after_deltas needs a TextReply to hold in the middle of")
        object.__setattr__(self, "delay", delay)
        self.then: Reply = then if then is not None else text("Released.")
        self.after_deltas = after_deltas
        self.timeout = timeout
        self._started = threading.Event()
        self._released = threading.Event()
        self._finished = threading.Event()
        self.timed_out = False
        self.client_disconnected = False

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return (
            f"HoldReply(then={self.then!r}, after_deltas={self.after_deltas!r}, "
            f"timeout={self.timeout!r}, started={self.started}, released={self.released})"
        )

    @property
    def started(self) -> bool:
        """True once a request reached the hold point."""
        return self._started.is_set()

    @property
    def released(self) -> bool:
        """True once :meth:`release` was called."""
        return self._released.is_set()

    @property
    def finished(self) -> bool:
        """True once the handler serving this reply has returned."""
        return self._finished.is_set()

    def wait_started(self, timeout: float = 10.0) -> bool:
        """Block until a request reaches the hold point; False on timeout."""
        return self._started.wait(timeout)

    def wait_finished(self, timeout: float = 10.0) -> bool:
        """Block until the held request has been answered (or abandoned); False on timeout."""
        return self._finished.wait(timeout)

    def release(self) -> None:
        """Let the held request continue with ``then``."""
        self._released.set()


# --------------------------------------------------------------------------- constructors


def _split(value: str, chunks: int) -> tuple[str, ...]:
    if chunks < 1:
        raise ValueError("chunks must be >= 1")
    if not value:
        return ()
    chunks = min(chunks, len(value))
    size, extra = divmod(len(value), chunks)
    pieces: list[str] = []
    start = 0
    for index in range(chunks):
        end = start + size + (1 if index < extra else 0)
        pieces.append(value[start:end])
        start = end
    return tuple(pieces)


def _deltas_for(value: str, deltas: Sequence[str] | None, chunks: int) -> tuple[str, ...]:
    if deltas is None:
        return _split(value, chunks)
    if isinstance(deltas, str):
        raise TypeError("deltas must be a sequence of str, not a str")
    pieces = tuple(deltas)
    if "".join(pieces) != value:
        raise ValueError(f"deltas {pieces!r} do not join to the text {value!r}")
    return pieces


def text(
    value: str,
    *,
    deltas: Sequence[str] | None = None,
    chunks: int = 3,
    delay: float = 0.0,
    delta_delay: float = 0.0,
    usage: Mapping[str, int] | None = None,
    phase: str | None = None,
) -> TextReply:
    """Answer with an assistant message whose final text is ``value``.

    The text is streamed as ``chunks`` deltas of about equal size, or exactly as
    ``deltas`` (which must join to ``value``). ``delay`` waits before answering,
    ``delta_delay`` between deltas. ``phase`` marks the message as ``"commentary"``,
    ``"final_answer"``... (left out when None).
    """
    return TextReply(
        delay=delay,
        text=value,
        deltas=_deltas_for(value, deltas, chunks),
        delta_delay=delta_delay,
        usage=usage,
        phase=phase,
    )


def messages(
    *replies: TextReply | str, delay: float = 0.0, usage: Mapping[str, int] | None = None
) -> MessagesReply:
    """Answer with several assistant messages in one response (a ``str`` is a phase-less
    message), e.g. ``messages(text("Looking...", phase="commentary"),
    text("42", phase="final_answer"))``."""
    if not replies:
        raise ValueError("messages() needs at least one message")
    items: list[TextReply] = []
    for reply in replies:
        checked: Any = reply  # callers may not be type-checked
        if isinstance(checked, str):
            checked = text(checked)
        if not isinstance(checked, TextReply):
            raise TypeError(f"messages() takes text replies or str, not {reply!r}")
        items.append(checked)
    return MessagesReply(delay=delay, messages=tuple(items), usage=usage)


_call_ids = itertools.count(1)


def function_call(
    name: str,
    arguments: Mapping[str, Any] | str,
    *,
    call_id: str | None = None,
    namespace: str | None = None,
    delay: float = 0.0,
) -> FunctionCallReply:
    """Answer with a ``function_call`` output item calling tool ``name``.

    ``arguments`` is a mapping (JSON-encoded for you) or the raw JSON text. A tool the
    request offers inside a namespace is called with ``namespace``: codex 0.163.0 offers
    the tools of the MCP server ``NAME`` (``[mcp_servers.NAME]`` in ``config.toml``) in the
    namespace ``mcp__NAME``, e.g. ``function_call("search", {"q": "x"},
    namespace="mcp__docs")``.
    """
    encoded = arguments if isinstance(arguments, str) else json.dumps(dict(arguments))
    return FunctionCallReply(
        delay=delay,
        name=name,
        arguments=encoded,
        call_id=call_id if call_id is not None else f"call_{next(_call_ids)}",
        namespace=namespace,
    )


def function_calls(*calls: FunctionCallReply, delay: float = 0.0) -> EventsReply:
    """Answer with several ``function_call`` items in one response (parallel tool calls);
    each built with :func:`function_call`. Codex runs them all (0.163.0: one after the
    other) before asking the model again, which then gets one ``function_call_output`` per
    call."""
    if not calls:
        raise ValueError("function_calls() needs at least one function_call(...)")
    response_id = f"resp_calls_{next(_call_ids)}"
    events: list[dict[str, Any]] = [{"type": "response.created", "response": {"id": response_id}}]
    for index, call in enumerate(calls):
        item = {
            "type": "function_call",
            "id": f"fc_{call.call_id}",
            "call_id": call.call_id,
            "name": call.name,
            "arguments": call.arguments,
            "status": "completed",
        }
        if call.namespace is not None:
            item["namespace"] = call.namespace
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    events.append(
        {
            "type": "response.completed",
            "response": {"id": response_id, "status": "completed", "usage": _default_usage()},
        }
    )
    return raw_events(*events, delay=delay)


def shell_command(
    cmd: str,
    *,
    workdir: str | PathLike[str] | None = None,
    escalate: bool = True,
    justification: str = "The test asks to run this command.",
    call_id: str | None = None,
    delay: float = 0.0,
) -> FunctionCallReply:
    """Answer with a call of codex's ``exec_command`` tool running the shell line ``cmd``.

    With ``escalate=True`` the call asks for ``sandbox_permissions="require_escalated"``:
    under ``approval_policy="on-request"`` the app-server then sends the client an
    ``item/commandExecution/requestApproval`` server request before running it.
    """
    arguments: dict[str, Any] = {"cmd": cmd}
    if workdir is not None:
        arguments["workdir"] = fspath(workdir)
    if escalate:
        arguments["sandbox_permissions"] = "require_escalated"
        arguments["justification"] = justification
    return function_call("exec_command", arguments, call_id=call_id, delay=delay)


def apply_patch(
    patch: str,
    *,
    workdir: str | PathLike[str] | None = None,
    call_id: str | None = None,
    delay: float = 0.0,
) -> FunctionCallReply:
    """Answer with a call of the shell tool (``exec_command``) running ``apply_patch`` on
    ``patch``, the ``*** Begin Patch`` ... ``*** End Patch`` text, as a heredoc.

    Codex intercepts ``apply_patch`` run through the shell and applies it as a file change
    (a ``fileChange`` item); under ``approval_policy="on-request"`` in a read-only sandbox the
    app-server first sends the client ``item/fileChange/requestApproval``. This is how a test
    reaches that request: codex 0.163.0 offers a custom model no ``apply_patch`` tool.
    """
    if "\nPATCH\n" in f"\n{patch}\n":
        raise ValueError("the patch must not contain a line 'PATCH' (it ends the heredoc)")
    body = patch if patch.endswith("\n") else patch + "\n"
    arguments: dict[str, Any] = {"cmd": f"apply_patch <<'PATCH'\n{body}PATCH\n"}
    if workdir is not None:
        arguments["workdir"] = fspath(workdir)
    return function_call("exec_command", arguments, call_id=call_id, delay=delay)


def _error_body(message: str, error_type: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}


def fail(
    status: int = 500,
    *,
    body: Any = None,
    message: str = "The mock model failed.",
    headers: Mapping[str, str] | None = None,
    delay: float = 0.0,
) -> HttpErrorReply:
    """Answer with HTTP ``status`` and a JSON error body (or ``body`` as given)."""
    if body is None:
        body = _error_body(message, "server_error", None)
    return HttpErrorReply(
        delay=delay, status=status, body=body, headers=tuple((headers or {}).items())
    )


def overloaded(*, status: int = 503, delay: float = 0.0) -> HttpErrorReply:
    """Answer like an overloaded service: HTTP 503 with ``code: server_is_overloaded``."""
    body = _error_body(
        "The server is overloaded. Please try again later.", "server_error", "server_is_overloaded"
    )
    return fail(status, body=body, delay=delay)


def rate_limited(*, retry_after: float | None = None, delay: float = 0.0) -> HttpErrorReply:
    """Answer HTTP 429 with a ``rate_limit_exceeded`` error (and ``Retry-After`` if given)."""
    body = _error_body(
        "Rate limit reached. Please try again in 1s.", "rate_limit_exceeded", "rate_limit_exceeded"
    )
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    return fail(429, body=body, headers=headers, delay=delay)


def usage_limit_reached(
    *, plan_type: str = "plus", resets_at: int | None = None, delay: float = 0.0
) -> HttpErrorReply:
    """Answer HTTP 429 with a ``usage_limit_reached`` error (the ChatGPT plan limit)."""
    error: dict[str, Any] = {
        "type": "usage_limit_reached",
        "message": "You've hit your usage limit.",
        "plan_type": plan_type,
    }
    if resets_at is not None:
        error["resets_at"] = resets_at
    return fail(429, body={"error": error}, delay=delay)


def unauthorized(*, delay: float = 0.0) -> HttpErrorReply:
    """Answer HTTP 401 with an ``invalid_api_key`` error."""
    body = _error_body("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
    return fail(401, body=body, delay=delay)


def failed_event(
    code: str | None = "server_error",
    message: str = "The model failed to answer.",
    *,
    error_type: str | None = None,
    delay: float = 0.0,
) -> FailedReply:
    """Answer 200 with a stream whose last event is ``response.failed``."""
    return FailedReply(delay=delay, code=code, message=message, error_type=error_type)


def context_window_exceeded(*, delay: float = 0.0) -> FailedReply:
    """``response.failed`` with ``code: context_length_exceeded``."""
    return failed_event(
        "context_length_exceeded",
        "Your input exceeds the context window of this model.",
        error_type="invalid_request_error",
        delay=delay,
    )


def cut_stream(
    value: str = "This answer is cut short",
    *,
    after_deltas: int = 1,
    chunks: int = 3,
    delay: float = 0.0,
    delta_delay: float = 0.0,
) -> CutStreamReply:
    """Start streaming ``value`` and drop the connection after ``after_deltas`` deltas."""
    return CutStreamReply(
        delay=delay,
        text=value,
        deltas=_split(value, chunks),
        after_deltas=after_deltas,
        delta_delay=delta_delay,
    )


def raw_events(
    *events: Mapping[str, Any], delay: float = 0.0, event_delay: float = 0.0
) -> EventsReply:
    """Answer 200 and stream exactly ``events`` (each needs a ``"type"``)."""
    for event in events:
        if not isinstance(event.get("type"), str):
            raise ValueError(f"SSE event without a str 'type': {event!r}")
    return EventsReply(delay=delay, events=tuple(events), event_delay=event_delay)


def hold(
    then: Reply | None = None,
    *,
    after_deltas: int | None = None,
    timeout: float = _DEFAULT_HOLD_TIMEOUT,
    delay: float = 0.0,
) -> HoldReply:
    """A reply that waits for :meth:`HoldReply.release`, then answers with ``then``.

    See :class:`HoldReply`. Keep the returned object to release it.
    """
    return HoldReply(then, after_deltas=after_deltas, timeout=timeout, delay=delay)


# --------------------------------------------------------------------------- recording


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the server received."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    """The parsed JSON body; None when empty or not JSON (see ``raw``)."""
    raw: bytes = field(repr=False)
    received_at: float = 0.0
    """``time.monotonic()`` when the request was read."""


# --------------------------------------------------------------------------- server


class _ClientGone(Exception):
    """The HTTP client closed the connection."""


class _Closing(Exception):
    """The server is closing: abandon the reply."""


class _HTTPServer(ThreadingMixIn, HTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False

    def __init__(self, owner: MockModelServer) -> None:
        self.owner = owner
        self.handler_threads: set[threading.Thread] = set()
        self.connections: set[socket.socket] = set()
        self.track_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._run_request,
            args=(request, client_address),
            name="mock-model-request",
            daemon=True,
        )
        with self.track_lock:
            self.handler_threads.add(thread)
            self.connections.add(cast("socket.socket", request))
        thread.start()

    def _run_request(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.track_lock:
                self.handler_threads.discard(threading.current_thread())
                self.connections.discard(cast("socket.socket", request))

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up is not worth a traceback; a bug in a reply is.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MockResponses/1.0"
    server: _HTTPServer  # pyright: ignore[reportIncompatibleVariableOverride]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- reading

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(1024)
            raw = b"".join(parts)
        else:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "").lower()
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        return raw

    def _record(self, raw: bytes) -> RecordedRequest:
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        recorded = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
            raw=raw,
            received_at=time.monotonic(),
        )
        return recorded

    # -- verbs

    def do_POST(self) -> None:
        owner = self.server.owner
        raw = self._read_body()
        recorded = self._record(raw)
        path = self.path.split("?", 1)[0].rstrip("/")
        if not path.endswith("/responses"):
            owner._record_other(recorded)
            self._send_json(404, _error_body(f"no route {self.path}", "not_found", None))
            return
        reply = owner._next_reply(recorded)
        try:
            self._answer(reply)
        except (_ClientGone, _Closing, OSError):
            self.close_connection = True

    def do_GET(self) -> None:
        self.server.owner._record_other(self._record(b""))
        self._send_json(404, _error_body(f"no route {self.path}", "not_found", None))

    def do_DELETE(self) -> None:
        self.do_GET()

    # -- writing

    def _send_json(self, status: int, body: Any, headers: Sequence[tuple[str, str]] = ()) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True

    def _event(self, event: Mapping[str, Any]) -> None:
        payload = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))
            self.wfile.flush()
        except OSError as exc:
            raise _ClientGone from exc

    def _end_stream(self) -> None:
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError as exc:
            raise _ClientGone from exc

    def _pause(self, seconds: float) -> None:
        if seconds > 0 and self.server.owner._closing.wait(seconds):
            raise _Closing

    def _client_hung_up(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _wait_hold(self, reply: HoldReply) -> None:
        reply._started.set()
        deadline = time.monotonic() + reply.timeout
        closing = self.server.owner._closing
        while not reply._released.wait(0.02):
            if closing.is_set():
                raise _Closing
            if self._client_hung_up():
                reply.client_disconnected = True
                raise _ClientGone
            if time.monotonic() >= deadline:
                reply.timed_out = True
                return

    def _answer(self, reply: Reply) -> None:
        self._pause(reply.delay)
        if isinstance(reply, HoldReply):
            try:
                if reply.after_deltas is None:
                    self._wait_hold(reply)
                    self._answer(reply.then)
                else:
                    text_reply = cast("TextReply", reply.then)
                    self._pause(text_reply.delay)
                    self._stream_text(text_reply, gate=(reply.after_deltas, reply))
            finally:
                reply._finished.set()
            return
        if isinstance(reply, HttpErrorReply):
            self._send_json(reply.status, reply.body, reply.headers)
            return
        if isinstance(reply, TextReply):
            self._stream_text(reply)
            return
        if isinstance(reply, MessagesReply):
            self._stream_messages(reply)
            return
        response_id = self.server.owner._new_id("resp")
        if isinstance(reply, FunctionCallReply):
            self._stream_function_call(reply, response_id)
        elif isinstance(reply, FailedReply):
            self._start_stream()
            self._event({"type": "response.created", "response": {"id": response_id}})
            error: dict[str, Any] = {"code": reply.code, "message": reply.message}
            if reply.error_type is not None:
                error["type"] = reply.error_type
            self._event(
                {
                    "type": "response.failed",
                    "response": {"id": response_id, "status": "failed", "error": error},
                }
            )
            self._end_stream()
        elif isinstance(reply, CutStreamReply):
            self._stream_cut(reply, response_id)
        elif isinstance(reply, EventsReply):
            self._start_stream()
            for index, event in enumerate(reply.events):
                if index:
                    self._pause(reply.event_delay)
                self._event(event)
            self._end_stream()
        else:
            raise TypeError(f"unknown reply {reply!r}")

    def _message_events(
        self, item_id: str, value: str, phase: str | None = None, index: int = 0
    ) -> tuple[dict[str, Any], Callable[[str], dict[str, Any]], dict[str, Any]]:
        extra: dict[str, Any] = {"phase": phase} if phase is not None else {}
        added: dict[str, Any] = {
            "type": "response.output_item.added",
            "output_index": index,
            "item": {
                "type": "message",
                "role": "assistant",
                "id": item_id,
                "status": "in_progress",
                "content": [],
                **extra,
            },
        }

        def delta(piece: str) -> dict[str, Any]:
            return {
                "type": "response.output_text.delta",
                "item_id": item_id,
                "output_index": index,
                "content_index": 0,
                "delta": piece,
            }

        done: dict[str, Any] = {
            "type": "response.output_item.done",
            "output_index": index,
            "item": {
                "type": "message",
                "role": "assistant",
                "id": item_id,
                "status": "completed",
                "content": [{"type": "output_text", "text": value, "annotations": []}],
                **extra,
            },
        }
        return added, delta, done

    def _completed(self, response_id: str, usage: Mapping[str, int] | None) -> dict[str, Any]:
        return {
            "type": "response.completed",
            "response": {
                "id": response_id,
                "status": "completed",
                "usage": dict(usage) if usage is not None else _default_usage(),
            },
        }

    def _stream_text(self, reply: TextReply, gate: tuple[int, HoldReply] | None = None) -> None:
        owner = self.server.owner
        response_id = owner._new_id("resp")
        item_id = owner._new_id("msg")
        added, delta, done = self._message_events(item_id, reply.text, reply.phase)
        self._start_stream()
        self._event({"type": "response.created", "response": {"id": response_id}})
        self._event(added)
        sent = 0
        for piece in reply.deltas:
            if gate is not None and sent == gate[0]:
                self._wait_hold(gate[1])
            elif sent:
                self._pause(reply.delta_delay)
            self._event(delta(piece))
            sent += 1
        if gate is not None and sent <= gate[0] and not gate[1].started:
            self._wait_hold(gate[1])
        self._event(done)
        self._event(self._completed(response_id, reply.usage))
        self._end_stream()

    def _stream_messages(self, reply: MessagesReply) -> None:
        owner = self.server.owner
        response_id = owner._new_id("resp")
        self._start_stream()
        self._event({"type": "response.created", "response": {"id": response_id}})
        for index, message in enumerate(reply.messages):
            item_id = owner._new_id("msg")
            added, delta, done = self._message_events(item_id, message.text, message.phase, index)
            self._event(added)
            for piece in message.deltas:
                self._event(delta(piece))
            self._event(done)
        self._event(self._completed(response_id, reply.usage))
        self._end_stream()

    def _stream_function_call(self, reply: FunctionCallReply, response_id: str) -> None:
        item_id = self.server.owner._new_id("fc")
        item = {
            "type": "function_call",
            "id": item_id,
            "call_id": reply.call_id,
            "name": reply.name,
            "arguments": reply.arguments,
        }
        if reply.namespace is not None:
            item["namespace"] = reply.namespace
        self._start_stream()
        self._event({"type": "response.created", "response": {"id": response_id}})
        self._event(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**item, "arguments": "", "status": "in_progress"},
            }
        )
        self._event(
            {
                "type": "response.output_item.done",
                "output_index": 0,
                "item": {**item, "status": "completed"},
            }
        )
        self._event(self._completed(response_id, reply.usage))
        self._end_stream()

    def _stream_cut(self, reply: CutStreamReply, response_id: str) -> None:
        item_id = self.server.owner._new_id("msg")
        added, delta, _ = self._message_events(item_id, reply.text)
        self._start_stream()
        self._event({"type": "response.created", "response": {"id": response_id}})
        self._event(added)
        for index, piece in enumerate(reply.deltas[: reply.after_deltas]):
            if index:
                self._pause(reply.delta_delay)
            self._event(delta(piece))
        # Drop the connection without the terminating chunk.
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _as_list(value: Any) -> list[Any]:
    return cast("list[Any]", value) if isinstance(value, list) else []


def _as_object(value: Any) -> dict[str, Any]:
    return cast("dict[str, Any]", value) if isinstance(value, dict) else {}


def _default_usage() -> dict[str, Any]:
    return {
        "input_tokens": 12,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 5,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 17,
    }


class MockModelServer:
    """A loopback Responses-API server that answers with scripted replies.

    Use it as a context manager::

        with MockModelServer() as model:
            model.enqueue(text("Hello!"))
            home = write_codex_home(tmp_path / "home", model.base_url)
            ...  # run codex app-server with home.env
            assert model.requests[-1]["input"][-1]["content"][0]["text"] == "hi"

    Each ``POST .../responses`` consumes the next scripted reply; when the script is
    empty the ``default`` reply is used (a short text by default). Every request is
    recorded (``requests`` holds the parsed JSON bodies). All waits have timeouts and
    :meth:`close` joins every thread the server started.
    """

    def __init__(self, *replies: Reply, default: Reply | None = None) -> None:
        self.default: Reply = default if default is not None else text("Done.")
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._script: deque[Reply] = deque(replies)
        self._recorded: list[RecordedRequest] = []
        self._other: list[RecordedRequest] = []
        self._served: list[Reply] = []
        self._ids = itertools.count(1)
        self._closing = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> MockModelServer:
        """Bind 127.0.0.1 on a free port and start serving (idempotent)."""
        if self._closing.is_set():
            raise RuntimeError("a closed MockModelServer cannot be restarted")
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="mock-model-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, abandon held and delayed replies, and join every thread."""
        self._closing.set()
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        httpd.shutdown()
        thread.join(_JOIN_TIMEOUT)
        with httpd.track_lock:
            connections = list(httpd.connections)
            threads = list(httpd.handler_threads)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for handler in threads:
            handler.join(_JOIN_TIMEOUT)
        httpd.server_close()
        self._thread = None

    def __enter__(self) -> MockModelServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- addresses

    @property
    def port(self) -> int:
        """The TCP port (the server must be started)."""
        if self._httpd is None:
            raise RuntimeError("MockModelServer is not started")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: the provider ``base_url`` for ``config.toml``."""
        return f"{self.url}/v1"

    # -- script

    def enqueue(self, *replies: Reply) -> None:
        """Append replies to the script; each POST consumes one, in order."""
        with self._changed:
            self._script.extend(replies)

    def clear(self) -> None:
        """Drop every reply not yet consumed."""
        with self._changed:
            self._script.clear()

    @property
    def pending(self) -> int:
        """How many scripted replies are not consumed yet."""
        with self._lock:
            return len(self._script)

    def _next_reply(self, recorded: RecordedRequest) -> Reply:
        with self._changed:
            reply = self._script.popleft() if self._script else self.default
            self._recorded.append(recorded)
            self._served.append(reply)
            self._changed.notify_all()
        return reply

    def _record_other(self, recorded: RecordedRequest) -> None:
        with self._changed:
            self._other.append(recorded)
            self._changed.notify_all()

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    # -- recordings

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The JSON bodies of every ``POST .../responses``, oldest first (a copy)."""
        with self._lock:
            return [_as_object(r.body) for r in self._recorded]

    @property
    def recorded(self) -> list[RecordedRequest]:
        """Every ``POST .../responses`` with path and headers, oldest first (a copy)."""
        with self._lock:
            return list(self._recorded)

    @property
    def other_requests(self) -> list[RecordedRequest]:
        """Requests to any other path (answered 404), oldest first (a copy)."""
        with self._lock:
            return list(self._other)

    @property
    def served(self) -> list[Reply]:
        """The reply given to each recorded request, in order (a copy)."""
        with self._lock:
            return list(self._served)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until at least ``count`` model requests arrived; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._recorded) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"expected {count} model requests within {timeout}s, "
                        f"got {len(self._recorded)}"
                    )
                self._changed.wait(remaining)
        return self.requests

    def iter_requests(self) -> Iterator[dict[str, Any]]:
        """Iterate over a snapshot of :attr:`requests`."""
        return iter(self.requests)

    def user_texts(self, index: int = -1) -> list[str]:
        """The ``input_text`` parts of the user messages in request ``index``, in order.

        Codex also sends its environment context as a user message; the prompt of the
        latest turn is the last entry.
        """
        texts: list[str] = []
        for item in _as_list(self.requests[index].get("input")):
            entry = _as_object(item)
            if entry.get("type") == "message" and entry.get("role") == "user":
                for part in _as_list(entry.get("content")):
                    content = _as_object(part)
                    if content.get("type") == "input_text":
                        texts.append(str(content.get("text", "")))
        return texts

    def function_call_outputs(self, index: int = -1) -> dict[str, Any]:
        """What request ``index`` tells the model its tool calls gave: each
        ``function_call_output``'s ``output`` by ``call_id`` (a str, or a list of content
        parts such as ``{"type": "input_image", ...}``). Codex resends the turn's history
        with each request, so the last request holds every output of the turn so far."""
        outputs: dict[str, Any] = {}
        for item in _as_list(self.requests[index].get("input")):
            entry = _as_object(item)
            if entry.get("type") == "function_call_output":
                outputs[str(entry.get("call_id"))] = entry.get("output")
        return outputs

    def tool_names(self, index: int = -1) -> list[str]:
        """The names of the tools offered to the model in request ``index``."""
        names: list[str] = []
        for tool in _as_list(self.requests[index].get("tools")):
            entry = _as_object(tool)
            names.append(str(entry.get("name") or entry.get("type") or ""))
        return names
