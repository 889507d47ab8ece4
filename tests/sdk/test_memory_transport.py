"""The client over the in-memory transport (``codex_app_server.testing.MemoryTransport``):
no process, no socket; the test plays the app-server through the public seam a user's own
tests would use."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from codex_app_server import AppServerClient, AppServerConfig, AsyncAppServerClient
from codex_app_server.errors import IncompatibleServerError, TransportClosedError
from codex_app_server.testing import MemoryTransport


def turn(turn_id: str, status: str = "inProgress") -> dict[str, Any]:
    return {"id": turn_id, "items": [], "status": status}


def test_the_handshake_is_answered_and_the_client_reports_the_runtime() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        async with AsyncAppServerClient(transport=transport) as client:
            assert client.metadata.user_agent.startswith("codex_memory/")
            assert client.pid is None  # no process: an injected transport
            call = asyncio.ensure_future(client.request_raw("model/list", {}))
            request = await transport.peer_receive()  # the handshake never shows here
            assert request["method"] == "model/list"
            transport.peer_send({"id": request["id"], "result": {"data": []}})
            assert await call == {"data": []}
        assert transport.closed_error is not None and client.closed

    asyncio.run(main())


def test_request_response_and_turn_routing() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        async with AsyncAppServerClient(transport=transport) as client:
            params = {"threadId": "t", "input": []}
            call = asyncio.ensure_future(client.request_turn("turn/start", params))
            request = await transport.peer_receive()
            assert request["method"] == "turn/start" and request["params"] == params
            transport.peer_send({"method": "turn/started", "params": {"turnId": "u1"}})  # early
            transport.peer_send({"id": request["id"], "result": {"turn": turn("u1")}})
            transport.peer_send({"method": "turn/completed", "params": {"turn": {"id": "u1"}}})
            result, subscription = await call
            assert result.turn.id == "u1"
            methods = [message["method"] async for message in subscription]
            assert methods == ["turn/started", "turn/completed"]
            assert client.pending_requests == 0

    asyncio.run(main())


def test_a_full_turn_buffer_pauses_receiving_until_drained() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        config = AppServerConfig(notification_buffer=4)
        async with AsyncAppServerClient(config, transport=transport) as client:
            call = asyncio.ensure_future(
                client.request_turn("turn/start", {"threadId": "t", "input": []})
            )
            request = await transport.peer_receive()
            transport.peer_send({"id": request["id"], "result": {"turn": turn("u1")}})
            _, subscription = await call
            for n in range(10):
                transport.peer_send({"method": "item/delta", "params": {"turnId": "u1", "n": n}})
            assert transport.paused and transport.pauses == 1
            assert client.stats.pauses == 1
            assert len(subscription) == 4 and len(transport.held) == 6
            transport.peer_send({"method": "turn/completed", "params": {"turnId": "u1"}})
            numbers = [m["params"].get("n") async for m in subscription]
            assert numbers == [*range(10), None]
            assert not transport.paused

    asyncio.run(main())


def test_peer_gone_fails_pending_requests_and_streams() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        async with AsyncAppServerClient(transport=transport) as client:
            started = asyncio.ensure_future(
                client.request_turn("turn/start", {"threadId": "t", "input": []})
            )
            request = await transport.peer_receive()
            transport.peer_send({"id": request["id"], "result": {"turn": turn("u1")}})
            _, subscription = await started
            call = asyncio.ensure_future(client.request_raw("model/list"))
            await transport.peer_receive()
            assert client.pending_requests == 1
            transport.peer_close("the peer went away")
            with pytest.raises(TransportClosedError, match="went away"):
                await call
            with pytest.raises(TransportClosedError):
                await subscription.aget()
            with pytest.raises(TransportClosedError):
                await client.request_raw("model/list")
            assert client.closed and client.pending_requests == 0

    asyncio.run(main())


def test_requests_from_another_thread() -> None:
    """The blocking client writes from the caller's thread; a scripted ``answer`` plays the
    peer, since no coroutine of the test runs on the client's loop."""
    seen: list[str] = []

    def answer(message: dict[str, Any]) -> dict[str, Any]:
        seen.append(message["method"])
        return {"id": message["id"], "result": {"ok": True, "n": message["params"]["n"]}}

    with AppServerClient(transport=MemoryTransport(answer=answer)) as client:
        results = [client.request_raw("model/list", {"n": n}) for n in range(3)]
        assert results == [{"ok": True, "n": n} for n in range(3)]
        assert seen == ["model/list"] * 3
        assert client.pending_requests == 0 and client.pid is None


def test_without_the_handshake_the_peer_answers_initialize_itself() -> None:
    async def main() -> None:
        transport = MemoryTransport(handshake=False)
        opening = asyncio.ensure_future(AsyncAppServerClient.start(transport=transport))
        initialize = await transport.peer_receive()
        assert initialize["method"] == "initialize"
        transport.peer_send({"id": initialize["id"], "result": {"userAgent": "codex/0.1.0"}})
        with pytest.raises(IncompatibleServerError, match=r"0\.1\.0"):
            await opening

    asyncio.run(main())


def test_the_engine_loads_without_process_or_socket_code() -> None:
    """The session is given its transport: importing it loads no process spawning, binary
    discovery or WebSocket code. (A private mechanism by nature: which modules load.)"""
    import subprocess
    import sys

    code = (
        "import sys, codex_app_server._session, codex_app_server._memory_transport\n"
        "print(sorted(m for m in sys.modules if m.startswith(('codex_app_server._process',"
        " 'codex_app_server._discovery', 'codex_app_server._ws', 'websockets'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
