"""The engine over the in-memory transport: no process, no socket; the test plays the server."""

from __future__ import annotations

import asyncio

import pytest

from codex_app_server._memory_transport import MemoryTransport
from codex_app_server._session import Session
from codex_app_server.errors import TransportClosedError


async def session_over(transport: MemoryTransport, **options: object) -> Session:
    return Session(transport, **options)  # type: ignore[arg-type]


def test_request_response_and_turn_routing() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        session = await session_over(transport)
        call = asyncio.ensure_future(session.request_turn("turn/start", {"threadId": "t"}))
        request = await transport.peer_receive()
        assert request["method"] == "turn/start" and request["params"] == {"threadId": "t"}
        transport.peer_send({"method": "turn/started", "params": {"turnId": "u1"}})  # early
        transport.peer_send({"id": request["id"], "result": {"turn": {"id": "u1"}}})
        transport.peer_send({"method": "turn/completed", "params": {"turn": {"id": "u1"}}})
        result, subscription = await call
        assert result == {"turn": {"id": "u1"}}
        methods = [message["method"] async for message in subscription]
        assert methods == ["turn/started", "turn/completed"]
        await session.close()

    asyncio.run(main())


def test_a_full_turn_buffer_pauses_receiving_until_drained() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        session = await session_over(transport, notification_buffer=4)
        subscription = session.subscribe_turn("t", "u1")
        for n in range(10):
            transport.peer_send({"method": "item/delta", "params": {"turnId": "u1", "n": n}})
        assert transport.paused and transport.pauses == 1
        assert len(subscription) == 4 and len(transport.held) == 6
        transport.peer_send({"method": "turn/completed", "params": {"turnId": "u1"}})
        numbers = [m["params"].get("n") async for m in subscription]
        assert numbers == [*range(10), None]
        assert not transport.paused
        await session.close()

    asyncio.run(main())


def test_peer_gone_fails_pending_requests_and_streams() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        session = await session_over(transport)
        subscription = session.subscribe_turn("t", "u1")
        call = asyncio.ensure_future(session.request("model/list"))
        await transport.peer_receive()
        transport.peer_close("the peer went away")
        with pytest.raises(TransportClosedError, match="went away"):
            await call
        with pytest.raises(TransportClosedError):
            await subscription.aget()
        with pytest.raises(TransportClosedError):
            await session.request("model/list")
        await session.close()

    asyncio.run(main())


def test_requests_from_another_thread() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        session = await session_over(transport)

        async def answer() -> None:
            request = await transport.peer_receive()
            transport.peer_send({"id": request["id"], "result": {"ok": True}})

        server = asyncio.ensure_future(answer())
        result = await asyncio.to_thread(session.request_from_thread, "model/list")
        await server
        assert result == {"ok": True}
        await session.close()

    asyncio.run(main())


def test_the_engine_loads_without_process_or_socket_code() -> None:
    """The session is given its transport: importing it loads no process spawning, binary
    discovery or WebSocket code."""
    import subprocess
    import sys

    code = (
        "import sys, codex_app_server._session, codex_app_server._memory_transport\n"
        "print(sorted(m for m in sys.modules if m.startswith(('codex_app_server._process',"
        " 'codex_app_server._discovery', 'codex_app_server._ws', 'websockets'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
