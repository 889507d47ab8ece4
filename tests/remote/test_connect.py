"""`Codex.connect` against the real app-server listening on ws:// and unix://: turns, streams,
handlers and login work as over stdio; the token stays secret; refusals happen before any
connection."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest

from codex_app_server import (
    AsyncCodex,
    Codex,
    ConnectConfig,
    ConnectionFailedError,
    ConnectionUnauthorizedError,
    InsecureConnectionError,
    accept_all,
)
from codex_app_server._endpoint import is_loopback_host, parse_endpoint
from codex_app_server.testing import ListeningAppServer, OfflineEnvironment, shell_command, text


def test_a_turn_streams_over_each_transport(
    env: OfflineEnvironment, server: ListeningAppServer
) -> None:
    env.model.enqueue(text("Hello over the socket.", chunks=4))
    with Codex.connect(server.url, token=server.token) as codex:
        assert codex.server_version == "0.163.0"
        turn = codex.thread_start().turn("hi")
        deltas = [
            n.params.delta  # type: ignore[union-attr]
            for n in turn.stream()
            if n.method == "item/agentMessage/delta"
        ]
        result = turn.run()
    assert "".join(deltas) == "Hello over the socket."
    assert result.status == "completed"
    assert result.final_response == "Hello over the socket."


def test_async_twin_runs_a_turn(env: OfflineEnvironment, ws_server: ListeningAppServer) -> None:
    env.model.enqueue(text("async over ws"))

    async def main() -> str | None:
        codex = await AsyncCodex.connect(ws_server.url, token=ws_server.token)
        async with codex:
            thread = await codex.thread_start()
            return (await thread.run("hi")).final_response

    assert asyncio.run(main()) == "async over ws"


def test_approval_handler_runs_over_ws(tmp_path: Any) -> None:
    """The server's approval request reaches the handler through the socket, and the answer
    goes back: the approved command runs."""
    from codex_app_server.testing import listening_app_server, offline_environment

    target = tmp_path / "created-by-approved-command"
    with (
        offline_environment(approval_policy="on-request", sandbox_mode="read-only") as env,
        listening_app_server(env.config, listen="ws") as server,
    ):
        env.model.enqueue(shell_command(f"touch {target}", workdir=str(env.workdir)), text("ok"))
        with Codex.connect(server.url, token=server.token, handlers=accept_all()) as codex:
            result = codex.thread_start().run("make the file")
    assert result.status == "completed"
    assert target.exists()


def test_login_over_unix_stores_the_key_and_never_logs_it(
    env: OfflineEnvironment, unix_server: ListeningAppServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Under the loopback (custom) provider the key is stored but not reported as an account;
    the WebSocket library's debug log, which shows message content, does not show it."""
    api_key = "sk-test-remote-login-0123456789"
    with caplog.at_level(logging.DEBUG), Codex.connect(unix_server.url) as codex:
        codex.login_api_key(api_key)
        assert codex.account().requires_openai_auth is False
        assert (env.home.path / "auth.json").is_file()
    assert caplog.records
    assert not [r for r in caplog.records if api_key in r.getMessage()]


def test_wrong_or_missing_token_is_refused_promptly(ws_server: ListeningAppServer) -> None:
    """The real server answers the upgrade with HTTP 401."""
    wrong = "not-the-token-but-secret-looking-1234"
    with pytest.raises(ConnectionUnauthorizedError) as caught:
        Codex.connect(ws_server.url, token=wrong)
    assert caught.value.status == 401
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)
    with pytest.raises(ConnectionUnauthorizedError):
        Codex.connect(ws_server.url)


def test_token_never_in_repr_or_logs(
    ws_server: ListeningAppServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert ws_server.token is not None
    with (
        caplog.at_level(logging.DEBUG),
        Codex.connect(ws_server.url, token=ws_server.token) as codex,
    ):
        codex.thread_start()
        shown = [repr(codex), repr(codex.client.session.transport)]
        shown.append(repr(getattr(codex.client.session.transport, "inner", None)))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Authorization" in logged  # the handshake was logged, with the token blanked
    assert ws_server.token not in logged
    for text_ in shown:
        assert ws_server.token not in text_


@pytest.mark.parametrize(
    "url", ["ws://10.1.2.3:4500", "ws://example.com/codex", "ws://[2001:db8::1]:80"]
)
def test_token_over_plain_ws_off_host_is_refused_before_connecting(
    url: str, no_connections: list[Any]
) -> None:
    with pytest.raises(InsecureConnectionError) as caught:
        Codex.connect(url, token="tok-abcdefghijklmnop")
    assert "tok-abcdefghijklmnop" not in str(caught.value)
    with pytest.raises(InsecureConnectionError):
        asyncio.run(AsyncCodex.connect(url, token="tok-abcdefghijklmnop"))
    assert no_connections == []


def test_token_policy_allows_tls_loopback_unix_or_explicit_consent() -> None:
    from codex_app_server._endpoint import check_token_allowed

    for url in ("wss://10.1.2.3:4500", "ws://127.0.0.1:1", "ws://localhost:1", "unix:///x.sock"):
        check_token_allowed(parse_endpoint(url), "tok", allow_insecure_token=False)
    check_token_allowed(parse_endpoint("ws://10.1.2.3:1"), "tok", allow_insecure_token=True)
    check_token_allowed(parse_endpoint("ws://10.1.2.3:1"), None, allow_insecure_token=False)
    assert is_loopback_host("127.8.9.10") and is_loopback_host("::1")
    assert not is_loopback_host("localhost.example.com")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:1", "unsupported"),
        ("ws://user:secret@127.0.0.1:1", "credentials"),
        ("unix://", "socket path"),
        ("ws://:80", "no host"),
    ],
)
def test_bad_urls_are_refused_before_connecting(
    url: str, message: str, no_connections: list[Any]
) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        Codex.connect(url)
    assert "secret" not in str(caught.value)


def test_nothing_listening_is_a_connection_failure(tmp_path: Any) -> None:
    with socket.socket() as probe:  # a loopback port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionFailedError, match=r"127\.0\.0\.1"):
        Codex.connect(f"ws://127.0.0.1:{port}")
    with pytest.raises(ConnectionFailedError):
        Codex.connect(f"unix://{tmp_path / 'missing.sock'}")


def test_connect_config_validates() -> None:
    with pytest.raises(ValueError):
        ConnectConfig(keepalive_interval=0)
    with pytest.raises(ValueError):
        ConnectConfig(max_message_bytes=10)


def test_tools_answer_over_each_transport(
    env: OfflineEnvironment, server: ListeningAppServer
) -> None:
    """`item/tool/call` comes through the socket like any server request: the function gets
    its arguments and the model its result."""
    from codex_app_server import tool
    from codex_app_server.testing import function_call

    @tool
    def add(a: int, b: int) -> str:
        """Add two numbers."""
        return str(a + b)

    env.model.enqueue(function_call("add", {"a": 2, "b": 3}, call_id="c1"), text("five"))
    config = ConnectConfig(experimental_api=True)
    with Codex.connect(server.url, token=server.token, config=config) as codex:
        result = codex.thread_start(tools=[add]).run("add them")
    assert result.status == "completed" and result.final_response == "five"
    assert env.model.function_call_outputs() == {"c1": "5"}
