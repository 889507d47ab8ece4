"""One "left out" sentinel: `NOT_GIVEN` is not sent, `None` is sent as `null`.

On the real app-server (0.163.0), `threadSection/update` documents its `appearance` as "omit
to preserve appearance, use `null` to clear it": left out, the appearance stays; None clears it.
"""

from __future__ import annotations

import asyncio
import pickle

import pytest

from codex_app_server import DEFAULT_TIMEOUT, NOT_GIVEN, AsyncAppServerClient, Codex, NotGiven
from codex_app_server.errors import JsonRpcError
from codex_app_server.testing import MemoryTransport


def test_left_out_keeps_a_value_and_none_clears_it(codex: Codex) -> None:
    client = codex.client
    section = client.thread_section_create(name="A", appearance={"color": "red"}).section
    kept = client.thread_section_update(section_id=section.id, name="A").section
    assert kept.appearance is not None and kept.appearance.color == "red"
    cleared = client.thread_section_update(section_id=section.id, name="A", appearance=None)
    assert cleared.section.appearance is None


def test_none_is_encoded_as_null_and_not_given_is_left_out() -> None:
    """What `thread_start` writes, seen by the peer of a MemoryTransport."""

    async def main() -> None:
        transport = MemoryTransport()
        async with AsyncAppServerClient(transport=transport) as client:
            for kwargs, wire in (({"model": None}, {"model": None}), ({}, {})):
                call = asyncio.ensure_future(client.thread_start(**kwargs))
                request = await transport.peer_receive()
                assert request["params"] == wire
                transport.peer_send({"id": request["id"], "error": {"code": -1, "message": "-"}})
                with pytest.raises(JsonRpcError):
                    await call

    asyncio.run(main())


def test_one_sentinel_for_left_out_and_the_default_timeout(codex: Codex) -> None:
    assert DEFAULT_TIMEOUT is NOT_GIVEN
    assert NotGiven() is NOT_GIVEN
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert codex.client.model_list(request_timeout=NOT_GIVEN).data


def test_none_where_the_server_refuses_null_is_caught_before_sending(codex: Codex) -> None:
    """0.163.0 answers `account/read` with `refreshToken: null` by "invalid type: null,
    expected a boolean"; the SDK says so first, naming the field."""
    from codex_app_server import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="refresh_token does not take None") as caught:
        codex.client.account_read(refresh_token=None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    assert caught.value.field == "refresh_token"
    assert codex.client.account_read().requires_openai_auth is False  # left out: fine
