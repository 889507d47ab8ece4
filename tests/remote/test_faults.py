"""Faults over a socket, on the real app-server: the server gone mid-turn, a peer that stops
answering (keepalive), backpressure, and messages over 10 MB."""

from __future__ import annotations

import asyncio
import time

import pytest

from codex_app_server import (
    AsyncCodex,
    Codex,
    ConnectConfig,
    InvalidParamsError,
    TransportClosedError,
)
from codex_app_server.testing import ListeningAppServer, OfflineEnvironment, hold, text


def test_server_killed_mid_turn_fails_the_stream_and_later_calls(
    env: OfflineEnvironment, server: ListeningAppServer
) -> None:
    held = hold(text("never finished", chunks=4), after_deltas=1)
    env.model.enqueue(held)
    with Codex.connect(server.url, token=server.token) as codex:
        stream = codex.thread_start().turn("hi").stream()
        first = next(stream)  # the turn is running
        assert held.wait_started()
        server.kill()
        with pytest.raises(TransportClosedError):
            for _ in stream:
                pass
        with pytest.raises(TransportClosedError):
            codex.models()
        assert first.method


def test_server_killed_fails_a_pending_call(
    env: OfflineEnvironment, ws_server: ListeningAppServer
) -> None:
    """A request the server has not answered (it is stopped) fails when it dies; nothing
    reconnects behind the caller's back."""

    async def main() -> BaseException | None:
        codex = await AsyncCodex.connect(ws_server.url, token=ws_server.token)
        async with codex:
            ws_server.freeze()
            pending = asyncio.ensure_future(codex.models())
            await asyncio.sleep(0)  # let it write the request
            assert not pending.done()
            ws_server.kill()
            with pytest.raises(TransportClosedError) as caught:
                await pending
            assert codex.closed
            with pytest.raises(TransportClosedError):
                await codex.thread_start()
            return caught.value

    error = asyncio.run(main())
    assert error is not None and "lost" in str(error)


def test_keepalive_detects_a_peer_that_stopped_answering(
    env: OfflineEnvironment, server: ListeningAppServer
) -> None:
    """SIGSTOP keeps the server's socket open but nothing answers: only keepalive can tell.
    The request has no timeout, so the keepalive failure is what ends it."""
    config = ConnectConfig(keepalive_interval=0.2, keepalive_timeout=0.5, request_timeout=None)
    with Codex.connect(server.url, token=server.token, config=config) as codex:
        server.freeze()
        with pytest.raises(TransportClosedError, match="keepalive"):
            codex.models()
        assert codex.closed


def test_messages_over_10_mb_pass_both_ways(
    env: OfflineEnvironment, ws_server: ListeningAppServer
) -> None:
    """An 11 MB request reaches the server whole: it reads it and answers with its own limit
    on turn input (1 Mi characters), and the connection stays up. An 11 MB model reply comes
    back as 11 MB notifications (the delta and the completed item)."""
    big_reply = "r" * (11 * 1024 * 1024)
    env.model.enqueue(text(big_reply, chunks=1))
    with Codex.connect(ws_server.url, token=ws_server.token) as codex:
        thread = codex.thread_start()
        with pytest.raises(InvalidParamsError, match="maximum length"):
            thread.run("i" * (11 * 1024 * 1024))
        result = thread.run("send the big one")
    assert result.final_response == big_reply


def test_a_slow_consumer_pauses_the_socket_and_loses_nothing(
    env: OfflineEnvironment, ws_server: ListeningAppServer
) -> None:
    """With a small buffer, the session stops taking messages from the connection while the
    consumer sleeps on the job; the library's receive queue is bounded, so the socket is left
    unread and the server waits. Every delta arrives, in order."""
    deltas = [f"{n} " for n in range(3000)]
    env.model.enqueue(text("".join(deltas), deltas=deltas))
    config = ConnectConfig(notification_buffer=64, receive_queue=16)
    with Codex.connect(ws_server.url, token=ws_server.token, config=config) as codex:
        turn = codex.thread_start().turn("go")
        deadline = time.monotonic() + 30  # a bound for a hang, not a speed claim
        while codex.client.stats.pauses == 0:  # nobody reads: the session pauses the socket
            assert time.monotonic() < deadline, "the session never paused the socket"
            time.sleep(0.01)
        got = [
            n.params.delta  # type: ignore[union-attr]
            for n in turn.stream()
            if n.method == "item/agentMessage/delta"
        ]
        assert codex.client.stats.pauses >= 1
    assert got == deltas
