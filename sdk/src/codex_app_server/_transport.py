"""The narrow interface between the JSON-RPC engine and whatever carries its messages.

A transport moves whole JSON-RPC messages (``bytes``, one JSON value each, without framing)
between the session and one app-server: a child process's stdio (newline-framed), a WebSocket
(one text frame per message, over TCP, TLS or a unix socket), or memory (tests).

The session drives it with:

* ``transport.open(sink)``: start delivering to ``sink``; what arrived earlier is delivered
  now. (Connecting is the transport's own business, before: ``ProcessTransport.spawn``,
  ``WebSocketTransport.connect``; the session gets a transport that is ready.)
* ``transport.send(message) -> bool``: queue one message; ``True`` means the outgoing buffer
  is over its high-water mark, so the caller should ``await transport.drain()`` before more.
* ``transport.send_threadsafe(message)``: the same from another thread, in order with
  :meth:`send`.
* ``pause_receiving()`` / ``resume_receiving()``: stop and restart delivery (backpressure).
  While paused, what the peer sends stays in bounded buffers and then in the peer.
* ``await transport.close()``: end the connection (idempotent); the sink is told once.
* ``transport.closed_error``: why it closed, ``None`` while open.

Optional extras a session uses when a transport has them: ``secrets`` and
``add_secret(value)`` (values to redact from logs and errors), ``kill_from_any_thread()`` (a
finalizer's last resort).

Receiving is pushed, not pulled: the transport calls ``sink.messages_received(batch)``
with every message it has in hand. On stdio that is every line of one read, delivered from
the event loop's read callback with no reader task between (a pulled ``receive()`` would add a
task switch per read, measured on the path of every response).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from .errors import ProtocolError, TransportClosedError

__all__ = ["Transport", "TransportSink", "send_threadsafe_via_loop"]


class TransportSink(Protocol):
    """What a transport delivers to (the session)."""

    def messages_received(self, messages: list[bytes]) -> None:
        """Whole messages, in order (never empty)."""
        ...

    def protocol_error(self, error: ProtocolError) -> None:
        """Framing-level garbage (an oversized message, a binary frame): reported, not
        fatal."""
        ...

    def connection_lost(self, error: TransportClosedError) -> None:
        """The connection is over (called exactly once)."""
        ...


class Transport(Protocol):
    """The message pipe a session runs over (see the module docstring)."""

    def open(self, sink: TransportSink) -> None:
        """Start delivering to ``sink`` (loop thread; the connection is already made)."""
        ...

    def send(self, message: bytes) -> bool:
        """Queue one message (loop thread). Returns True when the caller should
        ``await drain()``. Raises :class:`TransportClosedError` once closed."""
        ...

    def send_threadsafe(self, message: bytes) -> None:
        """:meth:`send` from any thread, in order with every other send."""
        ...

    async def drain(self) -> None:
        """Wait until the outgoing buffer is below its high-water mark."""
        ...

    def pause_receiving(self) -> None:
        """Deliver nothing until :meth:`resume_receiving` (backpressure)."""
        ...

    def resume_receiving(self) -> None:
        """Deliver again, starting with what was held back."""
        ...

    async def close(self) -> None:
        """End the connection and release everything (idempotent)."""
        ...

    @property
    def closed_error(self) -> TransportClosedError | None:
        """Why the connection ended; ``None`` while it is open."""
        ...


def send_threadsafe_via_loop(
    loop: asyncio.AbstractEventLoop, send: _Send, closed: _Closed, message: bytes
) -> None:
    """``send_threadsafe`` for a transport that can only be written from its loop: hand the
    message to the loop (``call_soon_threadsafe`` keeps the order of calls)."""
    error = closed()
    if error is not None:
        raise error
    try:
        loop.call_soon_threadsafe(_send_quietly, send, message)
    except RuntimeError:  # the loop is closed: so is the connection
        raise TransportClosedError("the app-server connection is closed") from None


class _Send(Protocol):
    def __call__(self, message: bytes, /) -> bool: ...


class _Closed(Protocol):
    def __call__(self) -> TransportClosedError | None: ...


def _send_quietly(send: _Send, message: bytes) -> None:
    # A send that fails here fails whoever waits for its answer through connection_lost.
    with contextlib.suppress(TransportClosedError):
        send(message)
