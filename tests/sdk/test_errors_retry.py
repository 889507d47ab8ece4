"""Error classification and the overload retry helpers."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest

from codex_app_server.errors import (
    CodexError,
    InternalRpcError,
    InvalidParamsError,
    InvalidRequestError,
    JsonRpcError,
    MethodNotFoundError,
    ParseError,
    RequestTimeoutError,
    RetryLimitExceededError,
    ServerBusyError,
    StreamOverflowError,
    TransportClosedError,
    error_from_response,
)
from codex_app_server.retry import (
    async_retry_on_overload,
    backoff_delays,
    is_retryable_error,
    retry_on_overload,
)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (-32700, ParseError),
        (-32600, InvalidRequestError),
        (-32601, MethodNotFoundError),
        (-32602, InvalidParamsError),
        (-32603, InternalRpcError),
        (-32001, ServerBusyError),
        (-32050, JsonRpcError),
        (7, JsonRpcError),
    ],
)
def test_classes_by_code(code: int, cls: type[JsonRpcError]) -> None:
    error = error_from_response({"code": code, "message": "m"}, method="x/y", request_id=3)
    assert type(error) is cls
    assert (error.code, error.message, error.method, error.request_id) == (code, "m", "x/y", 3)
    assert isinstance(error, CodexError)


def test_real_server_invalid_request_messages() -> None:
    """What codex 0.163.0 actually sends (all -32600)."""
    unknown = error_from_response(
        {
            "code": -32600,
            "message": "Invalid request: unknown variant `no/such`, expected one of `initialize`",
        },
        method="no/such",
    )
    assert type(unknown) is MethodNotFoundError
    assert unknown.code == -32600
    enum_value = error_from_response(
        {
            "code": -32600,
            "message": "Invalid request: unknown variant `bogus`, expected one of `never`",
        },
        method="thread/start",
    )
    assert type(enum_value) is InvalidParamsError
    for message in (
        'Invalid request: invalid type: string "x", expected u32',
        "Invalid request: missing field `params`",
        "Invalid request: invalid length 0, expected struct ModelListParams with 3 elements",
    ):
        assert type(error_from_response({"code": -32600, "message": message})) is InvalidParamsError
    for message in ("Not initialized", "Already initialized", "invalid thread id: ..."):
        assert (
            type(error_from_response({"code": -32600, "message": message})) is InvalidRequestError
        )


@pytest.mark.parametrize(
    "data",
    [
        {"codexErrorInfo": "serverOverloaded"},
        {"codex_error_info": "server_overloaded"},
        {"codexErrorInfo": {"serverOverloaded": {}}},
    ],
)
def test_busy_by_error_info(data: Any) -> None:
    error = error_from_response({"code": -32000, "message": "busy", "data": data})
    assert type(error) is ServerBusyError
    assert is_retryable_error(error)


def test_busy_info_outside_server_range_is_not_busy() -> None:
    error = error_from_response(
        {"code": -32603, "message": "x", "data": {"codexErrorInfo": "serverOverloaded"}}
    )
    assert type(error) is InternalRpcError


def test_retry_limit() -> None:
    by_message = error_from_response({"code": -32001, "message": "retry limit reached (5/5)"})
    assert type(by_message) is RetryLimitExceededError
    by_data = error_from_response(
        {
            "code": -32000,
            "message": "stream failed",
            "data": {"codexErrorInfo": {"responseTooManyFailedAttempts": {"httpStatusCode": 503}}},
        }
    )
    assert type(by_data) is RetryLimitExceededError
    assert isinstance(by_data, ServerBusyError)
    assert not is_retryable_error(by_data)


def test_malformed_error_objects() -> None:
    assert type(error_from_response("oops")) is InternalRpcError
    error = error_from_response({"code": "x", "message": None})
    assert error.code == -32603
    assert error.message == "None"


def test_long_messages_are_shortened_in_str_only() -> None:
    error = error_from_response({"code": -32600, "message": "y" * 5000}, method="m")
    assert len(str(error)) < 400
    assert len(error.message) == 5000


def test_errors_pickle() -> None:
    error = error_from_response({"code": -32001, "message": "busy", "data": {"a": 1}}, method="m")
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is ServerBusyError
    assert (clone.code, clone.message, clone.data, clone.method) == (-32001, "busy", {"a": 1}, "m")


def test_other_errors() -> None:
    closed = TransportClosedError("the app-server process exited", exit_code=3, stderr_tail="boom")
    assert "exit code 3" in str(closed)
    assert "boom" in str(closed)
    timeout = RequestTimeoutError("model/list", 1.5, 9)
    assert isinstance(timeout, TimeoutError)
    assert "model/list" in str(timeout)
    assert "1.5" in str(timeout)
    assert StreamOverflowError(10).maxsize == 10


# --------------------------------------------------------------------------- retry


def _busy() -> ServerBusyError:
    return ServerBusyError(-32001, "Server overloaded; retry later.")


def test_backoff_delays() -> None:
    assert backoff_delays(5, initial_delay=0.25, max_delay=2.0, jitter=0.0) == [0.25, 0.5, 1.0, 2.0]
    assert backoff_delays(8, initial_delay=1, max_delay=3, jitter=0)[-1] == 3
    for delay, base in zip(
        backoff_delays(4, initial_delay=1.0, max_delay=10.0, jitter=0.2),
        [1.0, 2.0, 4.0],
        strict=True,
    ):
        assert base * 0.8 <= delay <= base * 1.2
    assert backoff_delays(1) == []
    with pytest.raises(ValueError, match="max_attempts"):
        backoff_delays(0)
    with pytest.raises(ValueError, match="jitter"):
        backoff_delays(2, jitter=2)


def test_retry_until_success() -> None:
    calls: list[int] = []
    sleeps: list[float] = []

    def op() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _busy()
        return "ok"

    assert retry_on_overload(op, max_attempts=3, jitter=0, sleep=sleeps.append) == "ok"
    assert len(calls) == 3
    assert sleeps == [0.25, 0.5]


def test_retry_gives_up_with_the_last_error() -> None:
    calls: list[int] = []

    def op() -> str:
        calls.append(1)
        raise _busy()

    with pytest.raises(ServerBusyError):
        retry_on_overload(op, max_attempts=4, sleep=lambda _: None)
    assert len(calls) == 4


@pytest.mark.parametrize(
    "error",
    [
        RetryLimitExceededError(-32001, "retry limit"),
        InvalidParamsError(-32602, "bad"),
        ValueError("not rpc"),
    ],
)
def test_no_retry_for_other_errors(error: Exception) -> None:
    calls: list[int] = []

    def op() -> str:
        calls.append(1)
        raise error

    with pytest.raises(type(error)):
        retry_on_overload(op, sleep=lambda _: None)
    assert len(calls) == 1


def test_async_retry() -> None:
    calls: list[int] = []
    sleeps: list[float] = []

    async def fake_sleep(delay: float) -> None:
        sleeps.append(delay)

    async def op() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise _busy()
        return 42

    result = asyncio.run(async_retry_on_overload(op, jitter=0, sleep=fake_sleep))
    assert result == 42
    assert sleeps == [0.25]

    async def never_retry() -> int:
        calls.append(1)
        raise RetryLimitExceededError(-32001, "exhausted retries")

    calls.clear()
    with pytest.raises(RetryLimitExceededError):
        asyncio.run(async_retry_on_overload(never_retry, sleep=fake_sleep))
    assert len(calls) == 1
