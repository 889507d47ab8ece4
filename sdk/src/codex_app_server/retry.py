"""Retry an operation while the server reports a transient overload.

Only :class:`~codex_app_server.errors.ServerBusyError` is retried, and never its subclass
:class:`~codex_app_server.errors.RetryLimitExceededError` (the server already gave up).
Delays grow exponentially from ``initial_delay`` up to ``max_delay``, each multiplied by a
random factor in ``[1 - jitter, 1 + jitter]``.

    models = retry_on_overload(lambda: codex.models())
    models = await async_retry_on_overload(lambda: client.models())
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING, TypeVar

from .errors import RetryLimitExceededError, ServerBusyError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["async_retry_on_overload", "backoff_delays", "is_retryable_error", "retry_on_overload"]

T = TypeVar("T")


def is_retryable_error(exc: BaseException) -> bool:
    """True for a transient overload (:class:`ServerBusyError` but not
    :class:`RetryLimitExceededError`)."""
    return isinstance(exc, ServerBusyError) and not isinstance(exc, RetryLimitExceededError)


def _check(max_attempts: int, initial_delay: float, max_delay: float, jitter: float) -> None:
    if max_attempts < 1:
        raise ValueError("max_attempts must be >= 1")
    if initial_delay < 0 or max_delay < 0:
        raise ValueError("delays must be >= 0")
    if not 0 <= jitter <= 1:
        raise ValueError("jitter must be within [0, 1]")


def backoff_delays(
    max_attempts: int,
    *,
    initial_delay: float = 0.25,
    max_delay: float = 2.0,
    jitter: float = 0.2,
    rng: Callable[[], float] = random.random,
) -> list[float]:
    """The ``max_attempts - 1`` sleeps between attempts."""
    _check(max_attempts, initial_delay, max_delay, jitter)
    delays: list[float] = []
    for attempt in range(max_attempts - 1):
        base = min(max_delay, initial_delay * (2**attempt))
        factor = 1.0 + jitter * (2.0 * rng() - 1.0)
        delays.append(max(0.0, base * factor))
    return delays


def retry_on_overload(
    op: Callable[[], T],
    *,
    max_attempts: int = 3,
    initial_delay: float = 0.25,
    max_delay: float = 2.0,
    jitter: float = 0.2,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Call ``op()``; on a retryable overload error sleep and call again, at most
    ``max_attempts`` calls in all. Other errors, and the last overload error, propagate."""
    delays = backoff_delays(
        max_attempts, initial_delay=initial_delay, max_delay=max_delay, jitter=jitter
    )
    for delay in delays:
        try:
            return op()
        except ServerBusyError as exc:
            if not is_retryable_error(exc):
                raise
        sleep(delay)
    return op()


async def async_retry_on_overload(
    op: Callable[[], Awaitable[T]],
    *,
    max_attempts: int = 3,
    initial_delay: float = 0.25,
    max_delay: float = 2.0,
    jitter: float = 0.2,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """The async twin of :func:`retry_on_overload`: ``op`` returns an awaitable (a fresh one
    per call, e.g. ``lambda: client.request(...)``)."""
    delays = backoff_delays(
        max_attempts, initial_delay=initial_delay, max_delay=max_delay, jitter=jitter
    )
    for delay in delays:
        try:
            return await op()
        except ServerBusyError as exc:
            if not is_retryable_error(exc):
                raise
        await sleep(delay)
    return await op()
