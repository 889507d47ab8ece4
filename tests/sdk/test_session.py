"""The JSON-RPC engine against the real codex binary and against small fake peers."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from codex_app_server import (
    AppServerClient,
    AppServerConfig,
    AsyncAppServerClient,
    ServerRequestHandlers,
)
from codex_app_server._process_transport import ProcessTransport
from codex_app_server._session import Session, Subscription
from codex_app_server._startup import initialize, open_session
from codex_app_server.errors import (
    InternalRpcError,
    InvalidParamsError,
    JsonRpcError,
    MethodNotFoundError,
    ProtocolError,
    RequestTimeoutError,
    ServerBusyError,
    StreamOverflowError,
    TransportClosedError,
)
from codex_app_server.testing import MemoryTransport
from tests.sdk.conftest import peer_argv, process_gone, run, start_peer_client

POSIX = sys.platform != "win32"


async def start_peer(*args: str, **kwargs: Any) -> Session:
    transport = await ProcessTransport.spawn_argv(peer_argv(*args))
    session = Session(transport, **kwargs)
    await session.initialize(client_name="tests", client_version="0")
    return session


async def drain(sub: Subscription, into: list[dict[str, Any]] | None = None) -> None:
    """Consume ``sub`` to its end (raising what ended it)."""
    while (msg := await sub.aget(timeout=5)) is not None:
        if into is not None:
            into.append(msg)


async def drain_notes(notes: AsyncIterator[Any]) -> None:
    """Consume a client's notification stream to its end (raising what ended it)."""
    async for _ in notes:
        pass


# =========================================================================== real binary


def test_real_initialize_requests_and_errors(real_config: AppServerConfig, no_leaks: None) -> None:
    async def main() -> int:
        session = await open_session(real_config)
        notes = session.subscribe_notifications()  # before initialize: sees start-up notes
        try:
            info = await initialize(session, real_config)
            assert info is session.initialize_result
            assert "userAgent" in info
            assert info["userAgent"].startswith("engine-tests/")

            models = await session.request("model/list", {})
            assert isinstance(models["data"], list)
            assert models["data"]

            # The real server answers -32600 for both; the engine classifies them.
            with pytest.raises(MethodNotFoundError) as unknown:
                await session.request("no/such/method", {})
            assert unknown.value.code == -32600
            assert unknown.value.method == "no/such/method"
            assert "unknown variant" in unknown.value.message

            with pytest.raises(InvalidParamsError) as bad:
                await session.request("model/list", {"limit": "many"})
            assert bad.value.code == -32600
            with pytest.raises(InvalidParamsError):
                await session.request("thread/start", {"approvalPolicy": "bogus"})

            thread = await session.request("thread/start", {})
            thread_id = thread["thread"]["id"]
            seen: list[str] = []
            while "thread/started" not in seen:
                note = await notes.aget(timeout=10)
                assert note is not None
                seen.append(note["method"])
            # unsolicited start-up notifications reach the global stream, not responses
            assert "configWarning" in seen or "remoteControl/status/changed" in seen

            # many requests in flight, interleaved with notifications: each gets its own
            results = await asyncio.gather(
                *(session.request("model/list", {"limit": 1 + i % 3}) for i in range(20)),
                session.request("thread/read", {"threadId": thread_id}),
            )
            for i, result in enumerate(results[:-1]):
                assert len(result["data"]) <= 1 + i % 3
            assert results[-1]["thread"]["id"] == thread_id
            assert session.stats.protocol_errors == 0
            transport: Any = session.transport
            pid: int = transport.pid
        finally:
            await session.close()
        assert session.closed
        assert session.transport.exit_code == 0
        return pid

    pid = run(main())
    assert process_gone(pid)


@pytest.mark.skipif(not POSIX, reason="signals")
def test_real_kill_9_fails_pending_at_once(real_config: AppServerConfig, no_leaks: None) -> None:
    async def main() -> None:
        client = await AsyncAppServerClient.start(real_config)
        pid = client.pid
        assert pid is not None
        notes = client.notifications()
        os.kill(pid, signal.SIGSTOP)  # it cannot answer: the request stays pending
        pending = asyncio.ensure_future(client.request_raw("model/list", {}, timeout=None))
        await asyncio.sleep(0)  # one pass of the loop: the request is written
        assert not pending.done() and client.pending_requests == 1
        os.kill(pid, signal.SIGKILL)
        # No timeout and a stopped server: only the process's death can end this request.
        with pytest.raises(TransportClosedError) as info:
            await pending
        assert info.value.exit_code == -signal.SIGKILL
        assert "exit code -9" in str(info.value)
        with pytest.raises(TransportClosedError):
            await drain_notes(notes)  # what came before the death, then the error
        with pytest.raises(TransportClosedError):
            await client.request_raw("model/list", {})
        assert client.closed and client.pending_requests == 0
        await client.close()
        assert process_gone(pid)

    run(main())


def test_real_sync_bridge(real_config: AppServerConfig, no_leaks: None) -> None:
    """The blocking client drives the engine from its loop thread: calls and a notification
    stream from this (non-loop) thread; closing ends the stream and the thread."""
    with AppServerClient(real_config) as client:
        notes = client.notifications()
        result = client.request_raw("thread/start", {})
        assert result["thread"]["id"]
        methods: list[str] = []
        while "thread/started" not in methods:
            methods.append(next(notes).method)  # blocking, from this thread
    assert client.closed
    assert next(notes, None) is None  # the global stream ends normally on close


# =========================================================================== fake peers


def test_exit_before_initialize(peer_bin: str, no_leaks: None) -> None:
    async def main() -> None:
        args = ("--stderr-at-start", "fatal: bad config", "--exit-at-start", "5")
        with pytest.raises(TransportClosedError) as info:
            await start_peer_client(peer_bin, *args, startup_timeout=10)
        assert info.value.exit_code == 5
        assert "fatal: bad config" in info.value.stderr_tail
        assert "fatal: bad config" in str(info.value)

    run(main())


def our_children() -> set[int]:
    """Pids of this process's children (running or zombie), from /proc."""
    me, found = os.getpid(), set[int]()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        if int(text[text.rindex(")") + 2 :].split()[1]) == me:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_startup_timeout(tmp_path: Path) -> None:
    """A server that never answers `initialize`: the start fails with the timeout, and the
    process it started is stopped and reaped (no child of ours is left)."""
    silent = tmp_path / "codex"
    silent.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "import time; time.sleep(30)"\n')
    silent.chmod(0o755)
    config = AppServerConfig(codex_bin=str(silent), startup_timeout=0.3, shutdown_timeout=0.5)
    before = our_children()

    async def main() -> None:
        with pytest.raises(RequestTimeoutError, match="initialize"):
            await AsyncAppServerClient.start(config)

    run(main())
    assert our_children() - before == set()


def test_garbage_never_kills_the_reader(peer_bin: str) -> None:
    async def main() -> None:
        client = await start_peer_client(peer_bin)
        errors: list[ProtocolError] = []
        client.on_protocol_error = errors.append
        garbage = [
            "not json at all",
            '{"id": 1, "result": ',  # a partial line
            "[1, 2, 3]",
            '"just a string"',
            "",
            "   ",
            '{"neither": "method nor result"}',
        ]
        assert await client.request_raw("garbage", {"lines": garbage}) == "ok"
        raw = {"hex": (b"\xff\xfe{bad utf8}\n").hex()}
        assert await client.request_raw("raw_bytes", raw) == "ok"
        assert await client.request_raw("echo", {"x": 1}) == {"method": "echo", "params": {"x": 1}}
        messages = [str(e) for e in errors]
        assert len(errors) == 6, messages  # the blank lines are not errors
        assert any("not a JSON line" in m for m in messages)
        assert any("expected a JSON object, got list" in m for m in messages)
        assert any("neither method nor result" in m for m in messages)
        assert client.stats.protocol_errors == 6
        await client.close()

    run(main())


def test_unknown_duplicate_and_malformed_responses(peer_bin: str) -> None:
    async def main() -> None:
        client = await start_peer_client(peer_bin)
        errors: list[ProtocolError] = []
        client.on_protocol_error = errors.append
        assert await client.request_raw("unknown_id") == "ok"
        assert any("unknown request id 987654" in str(e) for e in errors)
        assert await client.request_raw("duplicate") == "first"
        assert await client.request_raw("echo") == {"method": "echo", "params": {}}
        assert any("duplicate response" in str(e) for e in errors)
        with pytest.raises(ProtocolError, match="malformed response") as info:
            await client.request_raw("malformed")
        assert info.value.request_id is not None
        assert await client.request_raw("echo", {"still": "alive"})
        await client.close()

    run(main())


def test_ten_megabyte_line(peer_bin: str) -> None:
    async def main() -> None:
        client = await start_peer_client(peer_bin)
        size = 10 * 1024 * 1024
        result = await client.request_raw("big", {"size": size})
        assert len(result["text"]) == size
        await client.close()

    run(main())


def test_stderr_flood_while_request_waits(peer_bin: str) -> None:
    """100 MB on stderr: drained as it comes, so the child never blocks; a bounded tail."""

    async def main() -> None:
        client = await start_peer_client(peer_bin)
        assert await client.request_raw("stderr", {"mb": 100}, timeout=20) == "ok"
        tail = client.stderr_tail
        assert tail.endswith("stderr flood done")
        assert len(tail) <= 64 * 1024
        await client.close()

    run(main())


def test_json_rpc_errors_are_typed(peer_bin: str) -> None:
    async def main() -> None:
        client = await start_peer_client(peer_bin)
        with pytest.raises(ServerBusyError) as busy:
            await client.request_raw(
                "error", {"code": -32001, "message": "Server overloaded; retry later."}
            )
        assert busy.value.method == "error"
        with pytest.raises(InternalRpcError) as internal:
            await client.request_raw("error", {"code": -32603, "message": "boom", "data": {"x": 1}})
        assert internal.value.data == {"x": 1}
        with pytest.raises(JsonRpcError) as other:
            await client.request_raw("error", {"code": 42, "message": "custom"})
        assert type(other.value) is JsonRpcError
        assert other.value.code == 42
        await client.close()

    run(main())


def test_timeouts_cancellation_and_late_responses(peer_bin: str) -> None:
    async def main() -> None:
        client = await start_peer_client(peer_bin, request_timeout=0.2)
        errors: list[ProtocolError] = []
        client.on_protocol_error = errors.append
        with pytest.raises(RequestTimeoutError) as info:
            await client.request_raw("never")
        assert isinstance(info.value, TimeoutError)
        assert info.value.method == "never"
        # per-call override, and a late answer is not a protocol error
        with pytest.raises(RequestTimeoutError):
            await client.request_raw("late", {"seconds": 0.3}, timeout=0.05)
        lines = client.stats.lines
        assert await client.request_raw("late", {"seconds": 0.05}, timeout=10) == "late"
        while client.stats.lines < lines + 2:  # the timed-out request's late answer is read
            await asyncio.sleep(0.01)
        # cancellation cleans the pending table
        task = asyncio.ensure_future(client.request_raw("never", timeout=None))
        await asyncio.sleep(0)  # one pass of the loop: the request is pending
        assert client.pending_requests == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert client.pending_requests == 0
        assert errors == []
        await client.close()

    run(main())


def test_process_death_fails_everything_at_once(peer_bin: str) -> None:
    async def main() -> None:
        client = await start_peer_client(peer_bin, request_timeout=None)
        _, turn = await client.request_turn("turn/start", {"threadId": "thread-1", "input": []})
        notes = client.notifications()
        # `never` is never answered and nothing times out: only the death can end them.
        waiting = [asyncio.ensure_future(client.request_raw("never")) for _ in range(5)]
        await asyncio.sleep(0)  # one pass of the loop: they are written before `die`
        with pytest.raises(TransportClosedError) as died:
            await client.request_raw("die", {"code": 7, "stderr": "panic: out of cheese\n"})
        assert died.value.exit_code == 7
        assert "out of cheese" in died.value.stderr_tail
        for task in waiting:
            with pytest.raises(TransportClosedError) as info:
                await task
            assert info.value.exit_code == 7
        with pytest.raises(TransportClosedError):
            await turn.aget()
        with pytest.raises(TransportClosedError):
            await drain_notes(notes)
        with pytest.raises(TransportClosedError):
            await client.request_raw("anything")
        assert client.closed
        assert client.exit_code == 7
        await client.close()

    run(main())


def test_close_fails_pending_and_ends_streams() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        client = await AsyncAppServerClient.start(transport=transport)
        notes = client.notifications()
        sub = await start_turn(client, transport, "turn-y")
        pending = asyncio.ensure_future(client.request_raw("never", timeout=None))
        assert (await transport.peer_receive())["method"] == "never"  # it was sent
        await client.close()
        with pytest.raises(TransportClosedError, match="closed"):
            await pending
        with pytest.raises(TransportClosedError):
            await sub.aget()
        assert [note async for note in notes] == []  # a normal end
        await client.close()

    run(main())


# --------------------------------------------------------------------------- routing
# Over the in-memory transport: the test plays the app-server, message by message.


def turn(turn_id: str) -> dict[str, Any]:
    return {"id": turn_id, "items": [], "status": "inProgress"}


def note(method: str, turn_id: str | None = None, **params: Any) -> dict[str, Any]:
    return {"method": method, "params": {**({"turnId": turn_id} if turn_id else {}), **params}}


async def round_trip(client: AsyncAppServerClient, transport: MemoryTransport) -> None:
    """One request answered: everything the peer sent before is processed by then."""
    call = asyncio.ensure_future(client.request_raw("echo"))
    request = await transport.peer_receive()
    transport.peer_send({"id": request["id"], "result": "echoed"})
    assert await call == "echoed"


def completed(turn_id: str) -> dict[str, Any]:
    return {"method": "turn/completed", "params": {"turn": {"id": turn_id}}}


async def start_turn(
    client: AsyncAppServerClient,
    transport: MemoryTransport,
    turn_id: str,
    before: list[dict[str, Any]] | None = None,
    after: list[dict[str, Any]] | None = None,
) -> Any:
    """`turn/start` answered with `turn_id`: the peer sends `before`, the response, then
    `after` (all before the client reads the response); the turn's subscription."""
    call = asyncio.ensure_future(
        client.request_turn("turn/start", {"threadId": "thread-1", "input": []})
    )
    request = await transport.peer_receive()
    for message in before or []:
        transport.peer_send(message)
    transport.peer_send({"id": request["id"], "result": {"turn": turn(turn_id)}})
    for message in after or []:
        transport.peer_send(message)
    result, sub = await call
    assert result.turn.id == turn_id
    return sub


def test_turn_notifications_before_the_response_are_kept() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        async with AsyncAppServerClient(transport=transport) as client:
            notes = client.notifications()
            early = [note("turn/started", "turn-1")]
            early += [note("item/agentMessage/delta", "turn-1", delta=str(i)) for i in range(5)]
            sub = await start_turn(client, transport, "turn-1", early, [completed("turn-1")])
            methods = [msg["method"] async for msg in sub]
            assert methods == [
                "turn/started",
                *["item/agentMessage/delta"] * 5,
                "turn/completed",
            ]
            assert await sub.aget() is None
            # after its end: counted, and not sent to the global stream either
            transport.peer_send(note("thread/tokenUsage/updated", "turn-1"))
            await round_trip(client, transport)
            assert client.stats.late_turn_notifications == 1
            transport.peer_send(note("configWarning", summary="x"))
            first = await notes.__anext__()
            assert first.method == "configWarning"  # no turn notification came before it

    run(main())


def test_request_turn_subscribes_atomically() -> None:
    """Even with a buffer far smaller than the burst right behind the response, nothing of
    the turn is lost: request_turn subscribes as the response is read."""

    async def main() -> None:
        transport = MemoryTransport()
        config = AppServerConfig(notification_buffer=10)
        async with AsyncAppServerClient(config, transport=transport) as client:
            burst = [note("item/agentMessage/delta", "T", delta=str(i)) for i in range(5000)]
            sub = await start_turn(client, transport, "T", after=[*burst, completed("T")])
            assert transport.paused  # the burst did not fit: reading paused, nothing dropped
            deltas = [m["params"]["delta"] async for m in sub if m["method"] != "turn/completed"]
            assert deltas == [str(i) for i in range(5000)]
            call = asyncio.ensure_future(
                client.request_turn("turn/start", {"threadId": "t", "input": []})
            )
            request = await transport.peer_receive()
            transport.peer_send({"id": request["id"], "result": {"echo": True}})
            with pytest.raises(ProtocolError, match="names no turn"):
                await call

    run(main())


def test_holding_area_is_bounded() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        config = AppServerConfig(notification_buffer=50)
        async with AsyncAppServerClient(config, transport=transport) as client:
            for i in range(200):  # 20 turns nobody has asked for (yet), 10 each
                transport.peer_send(note("item/started", f"t{i // 10}"))
            await round_trip(client, transport)
            assert client.stats.held_evicted == 150  # only 50 are held
            # the newest turns are still there
            sub = await start_turn(client, transport, "t19")
            assert len(await sub.aget_batch()) == 10

    run(main())


def test_unsubscribed_notifications_are_counted() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        async with AsyncAppServerClient(transport=transport) as client:
            for _ in range(3):
                transport.peer_send(note("configWarning"))
            await round_trip(client, transport)
            assert client.stats.notifications_dropped == 3

    run(main())


def test_global_overflow_is_explicit() -> None:
    async def main() -> None:
        transport = MemoryTransport()
        async with AsyncAppServerClient(transport=transport) as client:
            small = client.notifications(maxsize=10)
            big = client.notifications(maxsize=1000)
            for i in range(100):
                transport.peer_send(note("item/agentMessage/delta", delta=str(i)))
            got: list[Any] = []

            async def read_small() -> None:
                async for message in small:
                    got.append(message.raw["delta"])

            with pytest.raises(StreamOverflowError):
                await read_small()
            assert got == [str(i) for i in range(10)]
            assert [(await big.__anext__()).raw["delta"] for _ in range(100)] == [
                str(i) for i in range(100)
            ]

    run(main())


def test_request_while_paused_is_answered() -> None:
    """A consumer that awaits a request while its turn's buffer is full does not deadlock."""

    async def main() -> None:
        transport = MemoryTransport()
        config = AppServerConfig(notification_buffer=1000)
        async with AsyncAppServerClient(config, transport=transport) as client:
            burst = [note("item/agentMessage/delta", "T", delta=str(i)) for i in range(3000)]
            sub = await start_turn(client, transport, "T", after=[*burst, completed("T")])
            assert transport.paused and client.stats.pauses == 1
            call = asyncio.ensure_future(client.request_raw("echo", timeout=5))
            request = await transport.peer_receive()
            transport.peer_send({"id": request["id"], "result": "echoed"})  # behind the burst
            assert await call == "echoed"
            total = 0
            async for _ in sub:
                total += 1
            assert total == 3001

    run(main())


def answer_turns(count: int) -> Any:
    """A MemoryTransport answer: every `turn/start` gets turn "S" and `count` deltas."""

    def answer(message: dict[str, Any]) -> list[dict[str, Any]] | None:
        if message.get("method") != "turn/start":
            return None
        deltas = [note("item/agentMessage/delta", "S", delta=str(i)) for i in range(count)]
        return [{"id": message["id"], "result": {"turn": turn("S")}}, *deltas]

    return answer


def test_sync_consumer_with_backpressure(no_leaks: None) -> None:
    transport = MemoryTransport(answer=answer_turns(20_000))
    config = AppServerConfig(notification_buffer=500)
    with AppServerClient(config, transport=transport) as client:
        _, sub = client.request_turn("turn/start", {"threadId": "thread-1", "input": []})
        received = 0
        while received < 20_000:
            msg = sub.get(timeout=20)
            assert msg is not None and msg["params"]["delta"] == str(received)
            received += 1
            if received % 1000 == 0:
                time.sleep(0.001)  # a consumer slower than the reader
        assert client.stats.pauses > 0
        assert client.stats.notifications_dropped == 0  # none fell to the global stream


def test_subscription_close_from_another_thread() -> None:
    with AppServerClient(transport=MemoryTransport(answer=answer_turns(0))) as client:
        _, sub = client.request_turn("turn/start", {"threadId": "thread-1", "input": []})
        got: list[Any] = []
        reading = threading.Event()

        def read() -> None:
            reading.set()
            got.append(sub.get(timeout=60))  # nothing comes: only close() can end the wait

        reader = threading.Thread(target=read)
        reader.start()
        assert reading.wait(10)
        sub.close()
        reader.join(60)
        assert not reader.is_alive()
        assert got == [None]  # a normal end, not a TimeoutError


def test_handler_tasks_are_cancelled_on_close() -> None:
    async def main() -> None:
        started = asyncio.Event()
        cancelled = asyncio.Event()

        async def handler(params: Any) -> Any:
            started.set()
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        transport = MemoryTransport()
        config = AppServerConfig(server_request_timeout=None)
        handlers = ServerRequestHandlers(item_tool_call=handler)
        client = await AsyncAppServerClient.start(config, handlers=handlers, transport=transport)
        params = {"threadId": "t", "turnId": "u", "callId": "c", "tool": "x", "arguments": {}}
        transport.peer_send({"id": 7, "method": "item/tool/call", "params": params})
        await asyncio.wait_for(started.wait(), 5)
        await client.close()
        assert cancelled.is_set()

    run(main())


def test_subscribe_right_after_the_response_misses_nothing() -> None:
    """Plain request + subscribe_turn in one task: the session yields after delivering the
    response, so the burst behind it is routed only once the subscription exists."""

    async def main() -> None:
        session = await start_peer(notification_buffer=10)
        await session.request("flood", {"count": 3000, "turnId": "U"})
        sub = session.subscribe_turn("thread-1", "U")
        count = 0
        async for _ in sub:
            count += 1
        assert count == 3001
        assert session.stats.held_evicted == 0
        await session.close()

    run(main())


def test_abandoned_turn_subscription_cannot_stall_everything() -> None:
    async def main() -> None:
        session = await start_peer(notification_buffer=100, stall_timeout=0.3)
        # Far more than one read holds, so lines remain unread when reading pauses.
        _, forgotten = await session.request_turn("flood", {"count": 20000, "turnId": "A"})
        while session.stats.pauses == 0:
            await asyncio.sleep(0.01)
        paused_at = session.stats.lines
        # nobody reads `forgotten`: after stall_timeout it overflows and reading goes on
        while session.stats.lines <= paused_at or session.stats.late_turn_notifications == 0:
            await asyncio.sleep(0.01)  # run()'s timeout fails the test if it never happens
        with pytest.raises(StreamOverflowError, match="took nothing"):
            await drain(forgotten)
        assert await session.request("echo", timeout=5) == {"method": "echo", "params": {}}
        await session.close()

    run(main())


def test_all_turns_tap_and_global_routing() -> None:
    async def main() -> None:
        session = await start_peer()
        tap = session.subscribe_notifications(all_turns=True)
        notes = session.subscribe_notifications()
        await session.request(
            "notify",
            {
                "messages": [
                    {"method": "configWarning", "params": {"summary": "x"}},
                    {"method": "item/started", "params": {"turnId": "t9"}},
                ]
            },
        )
        assert [m["method"] for m in await tap.aget_batch()] == ["configWarning", "item/started"]
        assert [m["method"] for m in await notes.aget_batch()] == ["configWarning"]
        await session.close()

    run(main())


def test_backpressure_keeps_a_slow_turn_consumer_flat(peer_bin: str) -> None:
    """200,000 deltas over the pipe to a consumer slower than the reader: the turn's buffer
    never grows past the high watermark; nothing is lost; the order holds."""

    async def main() -> None:
        count = 200_000
        args = ("--turn-start-flood", str(count))
        client = await start_peer_client(peer_bin, *args, notification_buffer=1000)
        _, sub = await client.request_turn("turn/start", {"threadId": "thread-1", "input": []})
        expected = 0
        peak = 0
        while True:
            peak = max(peak, len(sub))
            batch = await sub.aget_batch(max_items=100)
            if not batch:
                break
            for msg in batch:
                if msg["method"] == "turn/completed":
                    continue
                assert msg["params"]["delta"] == str(expected)
                expected += 1
            await asyncio.sleep(0)  # a consumer slower than the reader
        assert expected == count
        assert peak <= 1000
        assert client.stats.pauses > 0
        # requests still work after (and during) pauses
        assert await client.request_raw("echo") == {"method": "echo", "params": {}}
        await client.close()

    run(main(), timeout=60)


# --------------------------------------------------------------------------- server requests


def test_server_requests(peer_bin: str) -> None:
    """The peer's `ask` sends the client a server request and returns the client's answer."""

    async def main() -> None:
        client = await start_peer_client(peer_bin, server_request_timeout=0.3)

        async def ask(tool_name: str) -> Any:
            params = {"threadId": "t", "turnId": "u", "callId": "c", "tool": tool_name}
            return await client.request_raw(
                "ask", {"method": "item/tool/call", "params": {**params, "arguments": {}}}
            )

        # no handler: -32601, naming the handler to set
        answer = await ask("x")
        assert answer["error"]["code"] == -32601
        assert answer["error"]["message"] == (
            "no handler for item/tool/call; set codex.handlers.item_tool_call"
        )

        calls: list[str] = []
        release = asyncio.Event()

        async def handler(params: Any) -> Any:
            calls.append(params.tool)
            if params.tool == "raise":
                raise ValueError("handler exploded")
            if params.tool == "rpc_error":
                raise JsonRpcError(-32602, "bad params here", {"field": "x"})
            if params.tool == "hang":
                await asyncio.sleep(30)
            if params.tool == "slow":
                await release.wait()  # set only once an ordinary request got its answer
            return {"contentItems": [], "success": False}

        client.handlers = ServerRequestHandlers(item_tool_call=handler)
        assert await ask("ok") == {"result": {"contentItems": [], "success": False}}
        assert calls == ["ok"]

        answer = await ask("raise")
        assert answer["error"] == {"code": -32603, "message": "handler exploded"}
        answer = await ask("rpc_error")
        assert answer["error"] == {
            "code": -32602,
            "message": "bad params here",
            "data": {"field": "x"},
        }
        answer = await ask("hang")
        assert answer["error"]["code"] == -32603
        assert "timed out" in answer["error"]["message"]

        # a slow handler blocks nothing
        slow = asyncio.ensure_future(ask("slow"))
        # the handler waits for `release`, set after `echo`: if it blocked, this would hang
        assert await client.request_raw("echo") == {"method": "echo", "params": {}}
        assert not slow.done()
        release.set()
        assert (await slow)["result"] == {"contentItems": [], "success": False}
        assert client.stats.server_requests == 6
        await client.close()

    run(main())


# Throughput against the bare json loop is a speed claim: `nox -s bench` (bench_throughput).


@pytest.mark.skipif(not POSIX, reason="signals")
def test_timeout_covers_a_blocked_stdin() -> None:
    """A server that stops reading: the write side fills up, the timeout still applies."""

    async def main() -> None:
        session = await start_peer()
        transport: Any = session.transport
        os.kill(transport.pid, signal.SIGSTOP)
        try:
            pad = "x" * (4 * 1024 * 1024)
            with pytest.raises(RequestTimeoutError):
                await session.request("echo", {"pad": pad}, timeout=0.3)
            assert transport._write_paused
            with pytest.raises(RequestTimeoutError):
                await session.notify("note", {"pad": pad}, timeout=0.2)
        finally:
            os.kill(transport.pid, signal.SIGCONT)
        assert await session.request("echo", timeout=10) == {"method": "echo", "params": {}}
        await session.close()

    run(main())
