"""A transport with both ends in this process: the engine on one side, a test playing the
app-server on the other. Engine tests run on it without a process or a socket."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from typing import Any

from ._transport import TransportSink, send_threadsafe_via_loop
from .errors import TransportClosedError

__all__ = ["Answer", "MemoryTransport", "handshake_result"]

#: ``answer(message) -> reply``: a dict, a list of dicts, or ``None`` (see MemoryTransport).
Answer = Callable[[dict[str, Any]], "dict[str, Any] | list[dict[str, Any]] | None"]
_NOT_SCRIPTED: Any = object()


def handshake_result(request: dict[str, Any]) -> dict[str, Any]:
    """An ``initialize`` result as the pinned app-server sends it (its version in
    ``userAgent``), for the client named in ``request``."""
    from ._generated.runtime import RUNTIME_VERSION

    params: Any = request.get("params") or {}
    client: dict[str, Any] = params.get("clientInfo") or {}
    return {
        "userAgent": f"codex_memory/{RUNTIME_VERSION} (memory; any) memory "
        f"({client.get('name', 'tests')}; {client.get('version', '0')})",
        "codexHome": "/nonexistent/codex-home",
        "platformFamily": "unix",
        "platformOs": "linux",
    }


class MemoryTransport:
    """Both ends of an app-server connection in this process, for tests.

    The client's side is the :class:`Transport` interface (pass the transport as
    ``AsyncAppServerClient(config, transport=...)``); the test plays the app-server with
    :meth:`peer_receive`, :meth:`peer_send` and :meth:`peer_close`. While the client has
    paused receiving (backpressure), what the peer sends is held (:attr:`held`) and
    delivered on resume, in order; :attr:`pauses` counts the pauses."""

    def __init__(self, *, handshake: bool = True, answer: Answer | None = None) -> None:
        """``handshake``: answer ``initialize`` as a current app-server would and swallow
        ``initialized``, so the peer sees only what comes after. ``answer``: called (on the
        loop) with every other message the client sends, decoded; the dict or list of dicts
        it returns is sent back, a moment later, as the peer's reply (``None``: nothing). Use
        it where no coroutine can play the peer, e.g. with the blocking ``AppServerClient``;
        what it answers never reaches :meth:`peer_receive`."""
        self._handshake = handshake
        self._answer = answer
        self._sink: TransportSink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._paused = False
        self.held: deque[bytes] = deque()
        # made here (the queue binds to a loop at first use): the peer may wait before open
        self._inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._closed_error: TransportClosedError | None = None
        self.pauses: int = 0  # times the engine paused receiving

    # ------------------------------------------------------------------ the engine's side

    def open(self, sink: TransportSink) -> None:
        """Start delivering to ``sink`` (on the running loop)."""
        self._loop = asyncio.get_running_loop()
        self._sink = sink
        self._deliver()

    def send(self, message: bytes) -> bool:
        """Queue one message for the peer (never asks to drain)."""
        if self._closed_error is not None or self._sink is None:
            raise self._closed_error or TransportClosedError("the memory transport is not open")
        data = message.rstrip(b"\n")
        if self._handshake or self._answer is not None:
            decoded: dict[str, Any] = json.loads(data)
            reply = self._scripted_reply(decoded)
            if reply is not _NOT_SCRIPTED:
                if reply is not None:
                    # later, not from inside the client's own send
                    self._loop_or_fail().call_soon(self._send_replies, reply)
                return False
        self._inbox.put_nowait(data)
        return False

    def send_threadsafe(self, message: bytes) -> None:
        """:meth:`send` from any thread, in order."""
        loop = self._loop
        if loop is None:
            raise TransportClosedError("the memory transport is not open")
        send_threadsafe_via_loop(loop, self.send, lambda: self._closed_error, message)

    async def drain(self) -> None:
        """Nothing to wait for; raises once closed."""
        if self._closed_error is not None:
            raise self._closed_error

    def pause_receiving(self) -> None:
        """Hold what the peer sends until :meth:`resume_receiving`."""
        if not self._paused:
            self._paused = True
            self.pauses += 1

    def resume_receiving(self) -> None:
        """Deliver again, held messages first."""
        if self._paused:
            self._paused = False
            self._deliver()

    @property
    def paused(self) -> bool:
        """The engine has paused receiving."""
        return self._paused

    async def close(self) -> None:
        """End the connection from the client's side (idempotent)."""
        self._finish(TransportClosedError("the app-server session was closed"))

    @property
    def closed_error(self) -> TransportClosedError | None:
        """Why the connection ended; ``None`` while it is open."""
        return self._closed_error

    # ------------------------------------------------------------------ the peer's side

    def peer_send(self, message: bytes | dict[str, Any]) -> None:
        """Send the engine one message (a dict is encoded as JSON)."""
        if self._closed_error is not None:
            raise self._closed_error
        data = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.held.append(data)
        self._deliver()

    async def peer_receive(self) -> dict[str, Any]:
        """The next message the engine sent, decoded."""
        value: dict[str, Any] = json.loads(await self._inbox.get())
        return value

    def peer_close(self, reason: str = "the peer went away") -> None:
        """End the connection from the peer's side."""
        self._finish(TransportClosedError(reason))

    # ------------------------------------------------------------------ internals

    def _scripted_reply(self, message: dict[str, Any]) -> Any:
        method = message.get("method")
        if self._handshake and method == "initialize":
            return {"id": message["id"], "result": handshake_result(message)}
        if self._handshake and method == "initialized":
            return None
        if self._answer is not None:
            return self._answer(message)
        return _NOT_SCRIPTED

    def _send_replies(self, reply: dict[str, Any] | list[dict[str, Any]]) -> None:
        if self._closed_error is None:
            for each in reply if isinstance(reply, list) else [reply]:
                self.peer_send(each)

    def _loop_or_fail(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise TransportClosedError("the memory transport is not open")
        return self._loop

    def _deliver(self) -> None:
        sink = self._sink
        while sink is not None and self.held and not self._paused and self._closed_error is None:
            # one at a time: the engine may pause in the middle of a batch
            sink.messages_received([self.held.popleft()])

    def _finish(self, error: TransportClosedError) -> None:
        if self._closed_error is not None:
            return
        self._closed_error = error
        if self._sink is not None:
            self._sink.connection_lost(error)
