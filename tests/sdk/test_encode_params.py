"""What the generated methods put on the wire, seen by the peer of a `MemoryTransport`: a call
without arguments sends the params an uncached encoding gives (the SDK computes them once per
method), every time, for every method; arguments are encoded afresh."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError

from codex_app_server import AppServerConfig, AsyncAppServerClient
from codex_app_server._generated.registry import CLIENT_REQUESTS
from codex_app_server.errors import InvalidArgumentError, JsonRpcError
from codex_app_server.testing import MemoryTransport

#: `initialize` is the handshake: the client sends it itself, once.
CALLED = [spec for spec in CLIENT_REQUESTS.values() if spec.method != "initialize"]
WITH_PARAMS = [spec for spec in CALLED if spec.params is not None]


def uncached(spec: Any) -> Any:
    return spec.params.dump(spec.params.validate({}))


async def sent(
    client: AsyncAppServerClient, transport: MemoryTransport, py_name: str, **kwargs: Any
) -> Any:
    """The params of the request `client.<py_name>(**kwargs)` writes (its call then fails:
    the peer answers with an error)."""
    call = asyncio.ensure_future(getattr(client, py_name)(**kwargs))
    request = await transport.peer_receive()
    transport.peer_send({"id": request["id"], "error": {"code": -32603, "message": "unserved"}})
    with pytest.raises(JsonRpcError):
        await call
    return request.get("params")


def on_the_wire(test: Any) -> None:
    async def main() -> None:
        transport = MemoryTransport()
        config = AppServerConfig(experimental_api=True)  # every method may be called
        async with AsyncAppServerClient(config, transport=transport) as client:
            await test(client, transport)

    asyncio.run(main())


def test_a_call_without_arguments_encodes_as_it_would_uncached() -> None:
    """One test over every method with params (each one's keyword encoding is checked on the
    wire by tests/codegen/test_wire.py)."""

    async def test(client: AsyncAppServerClient, transport: MemoryTransport) -> None:
        required = 0
        for spec in WITH_PARAMS:
            try:
                expected = uncached(spec)
            except ValidationError:
                required += 1
                for _ in range(2):  # refused every time, not just the first
                    with pytest.raises((TypeError, InvalidArgumentError)):
                        await getattr(client, spec.py_name)()
                continue
            for _ in range(3):
                assert await sent(client, transport, spec.py_name) == expected, spec.method
        assert 0 < required < len(WITH_PARAMS)  # both kinds were seen
        assert client.pending_requests == 0  # the refused calls sent nothing

    on_the_wire(test)


def test_arguments_bypass_the_no_argument_cache() -> None:
    async def test(client: AsyncAppServerClient, transport: MemoryTransport) -> None:
        assert await sent(client, transport, "model_list") == {}
        assert await sent(client, transport, "model_list", limit=3, include_hidden=True) == {
            "limit": 3,
            "includeHidden": True,
        }
        assert await sent(client, transport, "model_list") == {}
        assert await sent(client, transport, "thread_start", model="m") == {"model": "m"}

    on_the_wire(test)


def test_methods_without_params_send_none() -> None:
    spec = next(spec for spec in CALLED if spec.params is None)

    async def test(client: AsyncAppServerClient, transport: MemoryTransport) -> None:
        assert await sent(client, transport, spec.py_name) is None

    on_the_wire(test)
