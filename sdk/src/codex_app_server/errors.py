"""Every exception the SDK raises derives from :class:`CodexError`.

The tree::

    CodexError
    +-- CodexNotFoundError          no codex binary anywhere we looked
    +-- CodexBinaryError            an explicit ``codex_bin`` is missing or not executable
    +-- TransportClosedError        the app-server process is gone (exit code, stderr tail)
    +-- ProtocolError               the server sent something that is not valid JSON-RPC
    +-- RequestTimeoutError         a request got no response in time (also a ``TimeoutError``)
    +-- StreamOverflowError         a subscriber fell too far behind; messages were dropped
    +-- IncompatibleServerError     the app-server is too old, or refused the handshake
    +-- AuthRequiredError           no credentials: turns cannot run until you log in
    +-- LoginError                  a login could not start, or ended without success
    +-- TurnFailedError             TurnResult.raise_for_status() on a turn that did not complete
    +-- ThreadBusyError             a turn was started on a thread whose turn is still running
    +-- TurnTimeoutError            Turn.run(timeout=...) / stream(idle_timeout=...) ran out
    +-- ForkedClientError           a client used in a process forked after it was created
    +-- ConnectionFailedError       a listening app-server could not be reached (ws://, unix://)
    |   +-- ConnectionUnauthorizedError   it refused the handshake: token missing or wrong (401)
    +-- InsecureConnectionError     refused before connecting: a token over plain ws:// off-host
    +-- InvalidArgumentError        a call's argument has a value it does not take (a ValueError)
    |   +-- ArgumentTypeError       ... or the wrong type (also a TypeError)
    +-- UnknownArgumentError        a keyword the call does not take (a TypeError)
    +-- JsonRpcError                the server answered a request with a JSON-RPC error
        +-- ParseError              -32700
        +-- InvalidRequestError     -32600
        +-- MethodNotFoundError     -32601 (and the real server's -32600 "unknown variant")
        +-- InvalidParamsError      -32602 (and the real server's -32600 deserialize errors)
        +-- InternalRpcError        -32603
        +-- ServerBusyError         -32001, or a server error whose data says serverOverloaded
            +-- RetryLimitExceededError   the server gave up retrying: do not retry again

:func:`error_from_response` turns the ``error`` member of a JSON-RPC response into the most
specific class. The real app-server (0.163.0) answers an unknown method and malformed params
with code -32600 ("Invalid request: unknown variant `x/y`, ...", "Invalid request: invalid
type: ..."); those are mapped to :class:`MethodNotFoundError` and :class:`InvalidParamsError`
while ``code`` keeps the value the server sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "SERVER_OVERLOADED",
    "ArgumentTypeError",
    "AuthRequiredError",
    "CodexBinaryError",
    "CodexError",
    "CodexNotFoundError",
    "ConnectionFailedError",
    "ConnectionUnauthorizedError",
    "ExperimentalApiError",
    "ForkedClientError",
    "IncompatibleServerError",
    "InsecureConnectionError",
    "InternalRpcError",
    "InvalidArgumentError",
    "InvalidParamsError",
    "InvalidRequestError",
    "JsonRpcError",
    "LoginError",
    "MethodNotFoundError",
    "ParseError",
    "ProtocolError",
    "RequestTimeoutError",
    "RetryLimitExceededError",
    "ServerBusyError",
    "StreamOverflowError",
    "ThreadBusyError",
    "TransportClosedError",
    "TurnFailedError",
    "TurnTimeoutError",
    "UnknownArgumentError",
    "error_from_response",
]

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
#: The app-server's ``OVERLOADED_ERROR_CODE`` ("Server overloaded; retry later.").
SERVER_OVERLOADED = -32001


class CodexError(Exception):
    """Base class of every error raised by codex_app_server."""


def _pinned_runtime() -> str:
    """The runtime version this SDK was generated for (imported late: errors load first)."""
    from codex_app_server._generated.runtime import RUNTIME_VERSION

    return RUNTIME_VERSION


class CodexNotFoundError(CodexError):
    """No codex binary was found. ``tried`` lists every place that was looked at."""

    def __init__(self, tried: Sequence[str]) -> None:
        self.tried: tuple[str, ...] = tuple(tried)
        lines = "\n".join(f"  - {place}" for place in self.tried)
        super().__init__(
            "could not find the codex binary. Looked in:\n"
            f"{lines}\n"
            f"Install a runtime: this SDK's codex-cli-bin wheel from its release, or OpenAI's "
            f"`pip install openai-codex-cli-bin=={_pinned_runtime()}`; or put `codex` on PATH, "
            "or pass codex_bin=... explicitly."
        )


class CodexBinaryError(CodexError):
    """An explicitly configured ``codex_bin`` cannot be used."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"codex_bin {path!r} {reason}")


class TransportClosedError(CodexError):
    """The app-server process is gone (or the session was closed).

    ``exit_code`` is the process's exit status when known (negative: killed by that signal),
    ``stderr_tail`` the last lines it wrote to stderr, ``reason`` a short description.
    """

    def __init__(
        self,
        reason: str,
        *,
        exit_code: int | None = None,
        stderr_tail: str = "",
    ) -> None:
        self.reason = reason
        self.exit_code = exit_code
        self.stderr_tail = stderr_tail
        message = reason
        if exit_code is not None:
            message += f" (exit code {exit_code})"
        if stderr_tail.strip():
            tail = stderr_tail.rstrip()
            if len(tail) > 2000:
                tail = "..." + tail[-2000:]
            message += f"\nstderr tail:\n{tail}"
        super().__init__(message)


class ProtocolError(CodexError):
    """The server sent bytes that are not a valid JSON-RPC message.

    ``raw`` holds (a prefix of) the offending line; ``request_id`` is set when the bad message
    could be tied to one of our requests.
    """

    def __init__(
        self,
        message: str,
        *,
        raw: bytes | None = None,
        request_id: int | str | None = None,
    ) -> None:
        self.raw: bytes | None = raw[:1000] if raw is not None else None
        self.request_id = request_id
        super().__init__(message)


class RequestTimeoutError(CodexError, TimeoutError):
    """No response arrived within ``timeout`` seconds (``method`` names what was awaited; a
    login's ``wait()`` uses ``account/login/completed``)."""

    def __init__(
        self,
        method: str,
        timeout: float,
        request_id: int | str | None = None,
        *,
        message: str | None = None,
    ) -> None:
        self.method = method
        self.timeout = timeout
        self.request_id = request_id
        super().__init__(message or f"{method}: no response within {timeout:g} s")


class StreamOverflowError(CodexError):
    """A subscription's consumer fell behind its bound; later messages were dropped.

    The subscription is finished: subscribe again to go on receiving.
    """

    def __init__(self, maxsize: int, what: str = "subscription", reason: str | None = None) -> None:
        self.maxsize = maxsize
        super().__init__(
            f"{what} overflowed: "
            f"{reason or f'more than {maxsize} undelivered messages'}; "
            "later messages were dropped. Consume faster or raise the buffer size."
        )


class JsonRpcError(CodexError):
    """The server answered a request with a JSON-RPC error object."""

    def __init__(
        self,
        code: int,
        message: str,
        data: Any = None,
        *,
        method: str | None = None,
        request_id: int | str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.data = data
        self.method = method
        self.request_id = request_id
        prefix = f"{method}: " if method else ""
        shown = message if len(message) <= 300 else message[:300] + "..."
        super().__init__(f"{prefix}{shown} (code {code})")

    def __reduce__(self) -> tuple[Any, ...]:
        state = {
            "code": self.code,
            "message": self.message,
            "data": self.data,
            "method": self.method,
            "request_id": self.request_id,
        }
        return (_rebuild_rpc_error, (type(self), state))


def _rebuild_rpc_error(cls: type[JsonRpcError], state: dict[str, Any]) -> JsonRpcError:
    return cls(
        state["code"],
        state["message"],
        state["data"],
        method=state["method"],
        request_id=state["request_id"],
    )


class ParseError(JsonRpcError):
    """-32700: the server could not parse what we sent."""


class InvalidRequestError(JsonRpcError):
    """-32600: the request was refused (e.g. "Not initialized", "Already initialized")."""


class MethodNotFoundError(JsonRpcError):
    """The server does not know the method (-32601, or -32600 "unknown variant")."""


class InvalidParamsError(JsonRpcError):
    """The params do not fit the method (-32602, or -32600 with a deserialization error)."""


class InternalRpcError(JsonRpcError):
    """-32603: the server failed while handling the request."""


class ServerBusyError(JsonRpcError):
    """The server is overloaded: a transient condition, retrying later may succeed."""


class RetryLimitExceededError(ServerBusyError):
    """The server already retried and gave up: retrying again is pointless."""


_BY_CODE: dict[int, type[JsonRpcError]] = {
    PARSE_ERROR: ParseError,
    INVALID_REQUEST: InvalidRequestError,
    METHOD_NOT_FOUND: MethodNotFoundError,
    INVALID_PARAMS: InvalidParamsError,
    INTERNAL_ERROR: InternalRpcError,
}

# serde's messages when a request's method or params do not deserialize; the real server
# wraps them as -32600 "Invalid request: <serde message>".
_UNKNOWN_METHOD_RE = re.compile(r"unknown variant `([^`]*)`")
_BAD_PARAMS_RE = re.compile(
    r"^Invalid request: (invalid type|invalid value|invalid length|missing field|"
    r"unknown field|duplicate field|data did not match)"
)
_RETRY_LIMIT_RE = re.compile(
    r"retry limit|retries exhausted|exhausted (all )?retries|too many failed attempts|"
    r"max(imum)? retries",
    re.IGNORECASE,
)
_OVERLOADED_NAMES = frozenset({"serverOverloaded", "server_overloaded", "ServerOverloaded"})
_RETRY_LIMIT_NAMES = frozenset(
    {
        "responseTooManyFailedAttempts",
        "response_too_many_failed_attempts",
        "ResponseTooManyFailedAttempts",
        "retryLimitExceeded",
        "retry_limit_exceeded",
    }
)


def _error_info_names(data: Any) -> set[str]:
    """The ``CodexErrorInfo`` variant names found in an error's ``data``."""
    names: set[str] = set()
    if not isinstance(data, Mapping):
        return names
    mapping = cast("Mapping[str, Any]", data)
    for key in ("codexErrorInfo", "codex_error_info", "errorInfo", "reason"):
        info = mapping.get(key)
        if isinstance(info, str):
            names.add(info)
        elif isinstance(info, Mapping):
            names.update(str(k) for k in cast("Mapping[Any, Any]", info))
    return names


def error_from_response(
    error: Any,
    *,
    method: str | None = None,
    request_id: int | str | None = None,
) -> JsonRpcError:
    """Build the most specific :class:`JsonRpcError` for a response's ``error`` member.

    ``error`` that is not a well-formed error object still yields an :class:`InternalRpcError`
    carrying what could be read, so a caller always gets a ``JsonRpcError``.
    """
    if isinstance(error, Mapping):
        obj = cast("Mapping[str, Any]", error)
        raw_code = obj.get("code")
        code = raw_code if isinstance(raw_code, int) else INTERNAL_ERROR
        if "message" not in obj:
            message = "error response without a message"
        else:
            raw_message = obj.get("message")
            message = raw_message if isinstance(raw_message, str) else repr(raw_message)
        data = obj.get("data")
    else:
        code, message, data = INTERNAL_ERROR, f"malformed error object: {error!r}", None

    names = _error_info_names(data)
    cls: type[JsonRpcError]
    if names & _RETRY_LIMIT_NAMES:
        cls = RetryLimitExceededError
    elif code == SERVER_OVERLOADED or (-32099 <= code <= -32000 and names & _OVERLOADED_NAMES):
        cls = RetryLimitExceededError if _RETRY_LIMIT_RE.search(message) else ServerBusyError
    elif code == INVALID_REQUEST:
        unknown = _UNKNOWN_METHOD_RE.search(message)
        if unknown is not None and message.startswith("Invalid request: unknown variant"):
            # The method enum failed to parse when the unknown variant is our method; an
            # unknown variant of some enum inside params is a params error.
            variant = unknown.group(1)
            is_method = variant == method if method is not None else "/" in variant
            cls = MethodNotFoundError if is_method else InvalidParamsError
        elif _BAD_PARAMS_RE.search(message):
            cls = InvalidParamsError
        else:
            cls = InvalidRequestError
    else:
        cls = _BY_CODE.get(code, JsonRpcError)
    return cls(code, message, data, method=method, request_id=request_id)


class IncompatibleServerError(CodexError):
    """The app-server is older than this SDK supports, or refused the handshake.

    ``server_version`` is what the server reported (``None`` if unknown); ``minimum`` the
    oldest runtime this SDK supports; ``sdk_runtime`` the runtime it was generated for.
    """

    def __init__(
        self, detail: str, *, server_version: str | None, minimum: str, sdk_runtime: str
    ) -> None:
        self.server_version = server_version
        self.minimum = minimum
        self.sdk_runtime = sdk_runtime
        super().__init__(
            f"{detail} (server: codex {server_version or 'unknown'}; this SDK supports "
            f"codex >= {minimum} and was generated for {sdk_runtime}). Install the matching "
            f"runtime (this SDK's codex-cli-bin=={sdk_runtime} wheel from its release, or "
            f"`pip install openai-codex-cli-bin=={sdk_runtime}`), or point codex_bin at a "
            "newer codex."
        )


class ExperimentalApiError(CodexError):
    """An experimental method, or an experimental-only argument, on a client that did not opt
    in with ``AppServerConfig(experimental_api=True)``; raised before anything is sent.

    ``method`` is the wire method; ``fields`` the experimental arguments used (wire names;
    empty when the whole method is experimental)."""

    def __init__(self, method: str, fields: tuple[str, ...] = ()) -> None:
        self.method = method
        self.fields = fields
        what = (
            f"`{method}` is an experimental method"
            if not fields
            else f"`{method}` argument(s) {', '.join(f'`{f}`' for f in fields)} are experimental"
        )
        super().__init__(
            f"{what}: the app-server accepts it only from a client that opts in. Start the "
            "client with `AppServerConfig(experimental_api=True)` (experimental methods and "
            "fields may change or disappear in any codex release)."
        )


class AuthRequiredError(CodexError):
    """The server has no credentials for its model provider, so turns cannot run."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            (detail + ". " if detail else "")
            + "Codex is not logged in. Log in with `codex.login_api_key(key)` (an OpenAI API "
            "key), `codex.login_chatgpt()` (browser) or `codex.login_chatgpt_device_code()`; "
            "or run `codex login` once (it stores credentials in the same CODEX_HOME); or "
            "configure a model provider that needs no OpenAI login. (An OPENAI_API_KEY in the "
            "app-server's environment is not used by codex's default provider.)"
        )


class LoginError(CodexError):
    """A login flow failed: the server refused to start it (``login_id`` is None), or it
    ended without success (cancelled, superseded by a newer login, the browser or the network
    failed).

    ``reason`` is the server's explanation; ``login_id`` the flow's id when it had one;
    ``cancelled`` is True when this client cancelled the flow. Secrets (an API key) never
    appear in the message.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        login_id: str | None = None,
        cancelled: bool = False,
    ) -> None:
        self.reason = reason
        self.login_id = login_id
        self.cancelled = cancelled
        super().__init__(message)


class TurnFailedError(CodexError):
    """Raised by `TurnResult.raise_for_status()` for a turn that did not complete."""

    def __init__(self, turn_id: str, status: str, message: str | None) -> None:
        self.turn_id = turn_id
        self.status = status
        self.error_message = message
        super().__init__(f"turn {turn_id} ended {status}" + (f": {message}" if message else ""))


class InvalidArgumentError(CodexError, ValueError):
    """An argument of a public call has a value it does not take, found before anything is
    sent. `field` names it (dotted for nested values, e.g. `sandbox_policy.type`), `expected`
    says what it takes, `got` what it was given."""

    def __init__(self, message: str, *, field: str, expected: str, got: str) -> None:
        self.field = field
        self.expected = expected
        self.got = got
        super().__init__(message)


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument of a public call has the wrong type (also a `TypeError`)."""


class UnknownArgumentError(CodexError, TypeError):
    """A keyword argument the call does not take (a typo: `modle=`), found before anything
    is sent. `name` is the keyword; `suggestion` the closest valid one, if any."""

    def __init__(self, message: str, *, name: str, suggestion: str | None) -> None:
        self.name = name
        self.suggestion = suggestion
        super().__init__(message)


class ThreadBusyError(CodexError):
    """A turn was started on a thread whose turn (``turn_id``) this client knows to be
    running. Nothing was sent: wait for that turn to finish, add input to it with
    ``turn.steer(...)``, or stop it with ``turn.interrupt()``."""

    def __init__(self, thread_id: str, turn_id: str | None) -> None:
        self.thread_id = thread_id
        self.turn_id = turn_id
        running = f"turn {turn_id}" if turn_id else "a turn that is being started"
        super().__init__(
            f"thread {thread_id} is busy: {running} is still running (one turn per thread). "
            "Wait for it to finish, add input to it with turn.steer(...), or stop it with "
            "turn.interrupt(); nothing was sent"
        )


class TurnTimeoutError(CodexError, TimeoutError):
    """A turn ran past ``Turn.run(timeout=...)`` / ``Thread.run(..., timeout=...)``, or its
    stream was silent for ``Turn.stream(idle_timeout=...)``. The SDK asked the server to
    interrupt the turn before raising. ``partial`` is a ``TurnResult`` of what the turn had
    produced so far (its completed items, usage; ``status`` as last known)."""

    def __init__(self, turn_id: str, timeout: float, partial: Any, *, idle: bool = False) -> None:
        self.turn_id = turn_id
        self.timeout = timeout
        self.partial = partial
        self.idle = idle
        what = "sent nothing for" if idle else "did not finish within"
        super().__init__(
            f"turn {turn_id} {what} {timeout:g} s; it was interrupted (what it produced so far "
            "is in .partial)"
        )


class ForkedClientError(CodexError):
    """A client was used in a child process forked after it was created (``os.fork()``,
    multiprocessing's ``fork`` start method, gunicorn or celery workers). The app-server and
    its pipes belong to the parent: create a new ``Codex`` in the child instead."""

    def __init__(self, what: str = "this client") -> None:
        super().__init__(
            f"{what} was created in another process (before a fork) and cannot be used here: "
            "its app-server belongs to the parent. Create a new Codex in this process"
        )


class ConnectionFailedError(CodexError):
    """A listening app-server (``Codex.connect``) could not be reached or refused the
    WebSocket handshake: nothing listens there, the TLS certificate did not verify, the
    handshake timed out, the server answered HTTP instead of upgrading.

    ``url`` is the address (never with a token), ``reason`` what went wrong.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"could not connect to the app-server at {url}: {reason}")


class ConnectionUnauthorizedError(ConnectionFailedError):
    """The app-server refused the WebSocket handshake with HTTP 401/403: the token is
    missing, wrong, or expired. ``status`` is the HTTP status. The token is never shown."""

    def __init__(self, url: str, status: int) -> None:
        self.status = status
        super().__init__(
            url,
            f"HTTP {status}: the server refused the token"
            " (pass the right one with `token=`; it is the content of the server's"
            " --ws-token-file)",
        )


class InsecureConnectionError(CodexError, ValueError):
    """Refused before any connection was attempted: a token would travel in clear text
    (plain ``ws://`` to a host other than this machine). Use ``wss://``, a ``unix://`` socket,
    or ``ConnectConfig(allow_insecure_token=True)`` when the network path is trusted (an SSH
    tunnel, a private container network)."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"refusing to send a token over plain ws:// to {url}: it would travel unencrypted. "
            "Use wss://, a unix:// socket, or ConnectConfig(allow_insecure_token=True) if the "
            "network path is trusted"
        )
