"""The experimental API opt-in, on the real binary: `AppServerConfig(experimental_api=True)`
sends `capabilities.experimentalApi` and unlocks experimental methods and fields; without it,
the SDK refuses them with `ExperimentalApiError` before anything is written to the server.

The server's stdin is recorded by a shim (`tee` in front of the real binary), so the tests see
exactly what was sent."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codex_app_server import (
    AppServerClient,
    AppServerConfig,
    AsyncAppServerClient,
    ExperimentalApiError,
)
from codex_app_server._generated.models import FunctionDynamicToolSpec
from codex_app_server.errors import JsonRpcError
from codex_app_server.testing import MemoryTransport, OfflineEnvironment, offline_environment

TOOL = FunctionDynamicToolSpec(
    name="lookup", description="Look a word up.", input_schema={"type": "object"}, type="function"
)


@pytest.fixture
def recording_bin(codex_bin: str, tmp_path: Path) -> tuple[str, Path]:
    """A codex "binary" that writes everything the client sends to a file, then runs codex."""
    log = tmp_path / "stdin.jsonl"
    shim = tmp_path / "codex-recording"
    shim.write_text(f'#!/bin/sh\ntee "{log}" | exec "{codex_bin}" "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return str(shim), log


def sent(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture
def plain_env(recording_bin: tuple[str, Path]) -> Iterator[OfflineEnvironment]:
    with offline_environment(codex_bin=recording_bin[0]) as env:
        yield env


@pytest.fixture
def experimental_env(recording_bin: tuple[str, Path]) -> Iterator[OfflineEnvironment]:
    with offline_environment(codex_bin=recording_bin[0], experimental_api=True) as env:
        yield env


def test_opted_in_client_uses_experimental_methods_and_fields(
    experimental_env: OfflineEnvironment, recording_bin: tuple[str, Path]
) -> None:
    with AppServerClient(experimental_env.config) as client:
        assert client.experimental_api
        modes = client.collaboration_mode_list()
        assert type(modes).__name__ == "CollaborationModeListResponse"
        started = client.thread_start(dynamic_tools=[TOOL])
        assert started.thread.id
    messages = sent(recording_bin[1])
    initialize = next(m for m in messages if m.get("method") == "initialize")
    assert initialize["params"]["capabilities"] == {"experimentalApi": True}
    start = next(m for m in messages if m.get("method") == "thread/start")
    assert start["params"]["dynamicTools"][0]["name"] == "lookup"


def test_without_opt_in_experimental_calls_fail_before_sending(
    plain_env: OfflineEnvironment, recording_bin: tuple[str, Path]
) -> None:
    with AppServerClient(plain_env.config) as client:
        assert not client.experimental_api
        with pytest.raises(ExperimentalApiError, match="experimental_api=True") as method_error:
            client.collaboration_mode_list()
        assert method_error.value.method == "collaborationMode/list"
        assert method_error.value.fields == ()
        with pytest.raises(ExperimentalApiError, match="dynamicTools") as field_error:
            client.thread_start(dynamic_tools=[TOOL])
        assert field_error.value.fields == ("dynamicTools",)
        # Stable arguments of the same method still go through; the session is unharmed.
        assert client.thread_start(model="mock-model").thread.id
    methods = [m.get("method") for m in sent(recording_bin[1])]
    assert "collaborationMode/list" not in methods
    assert methods.count("thread/start") == 1
    initialize = next(m for m in sent(recording_bin[1]) if m.get("method") == "initialize")
    assert "capabilities" not in initialize["params"]


def test_the_server_itself_refuses_experimental_methods_without_the_capability(
    plain_env: OfflineEnvironment,
) -> None:
    """What the SDK's check spares the user: the raw request, sent anyway, is refused."""
    with AppServerClient(plain_env.config) as client, pytest.raises(JsonRpcError) as refused:
        client.request_raw("collaborationMode/list", {})
    assert "experimentalApi" in refused.value.message or "experimental" in refused.value.message


def test_async_client_checks_the_same_way(
    plain_env: OfflineEnvironment, recording_bin: tuple[str, Path]
) -> None:
    async def scenario() -> None:
        async with AsyncAppServerClient(plain_env.config) as client:
            with pytest.raises(ExperimentalApiError):
                await client.collaboration_mode_list()
            with pytest.raises(ExperimentalApiError, match="dynamicTools"):
                await client.thread_start(dynamic_tools=[TOOL])

    asyncio.run(asyncio.wait_for(scenario(), 60))
    assert "collaborationMode/list" not in [m.get("method") for m in sent(recording_bin[1])]


def test_setting_an_experimental_field_to_none_is_not_using_it() -> None:
    """Seen by the peer of a MemoryTransport: `dynamic_tools=None` is sent (as null) without
    the opt-in; a list is refused before anything is sent, unless the client opted in."""

    async def first_params(client: AsyncAppServerClient, transport: MemoryTransport) -> Any:
        call = asyncio.ensure_future(client.thread_start(model="m", dynamic_tools=None))
        request = await transport.peer_receive()
        transport.peer_send({"id": request["id"], "error": {"code": -1, "message": "-"}})
        with pytest.raises(JsonRpcError):
            await call
        return request["params"]

    async def main() -> None:
        plain = MemoryTransport()
        async with AsyncAppServerClient(transport=plain) as client:
            assert await first_params(client, plain) == {"model": "m", "dynamicTools": None}
            with pytest.raises(ExperimentalApiError):
                await client.thread_start(dynamic_tools=[])
            assert client.pending_requests == 0
        opted_in = MemoryTransport()
        config = AppServerConfig(experimental_api=True)
        async with AsyncAppServerClient(config, transport=opted_in) as client:
            call = asyncio.ensure_future(client.thread_start(dynamic_tools=[]))
            request = await opted_in.peer_receive()
            assert request["params"] == {"dynamicTools": []}
            opted_in.peer_send({"id": request["id"], "error": {"code": -1, "message": "-"}})
            with pytest.raises(JsonRpcError):
                await call

    asyncio.run(main())
