"""wss://: TLS with verification on, a private CA by `ConnectConfig(ca_file=...)`.

The real app-server speaks plain ws:// only (TLS is for a proxy in front of it), so the test
puts one in front of it: a TLS-terminating WebSocket proxy on 127.0.0.1 with a certificate
from a throwaway CA (trustme), forwarding frames both ways to the real server."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trustme
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from codex_app_server import AsyncCodex, ConnectConfig, ConnectionFailedError
from codex_app_server.testing import ListeningAppServer, OfflineEnvironment, text


@asynccontextmanager
async def tls_proxy(upstream: ListeningAppServer, ca: trustme.CA) -> AsyncIterator[str]:
    """wss://localhost:PORT forwarding to ``upstream`` with its token."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    headers = {"Authorization": f"Bearer {upstream.token}"}

    async def forward(client: ServerConnection) -> None:
        async with connect(upstream.url, additional_headers=headers, max_size=None) as server:

            async def pump(source: object, sink: object) -> None:
                async for message in source:  # type: ignore[attr-defined]
                    await sink.send(message)  # type: ignore[attr-defined]

            tasks = [
                asyncio.ensure_future(pump(client, server)),
                asyncio.ensure_future(pump(server, client)),
            ]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                task.cancel()

    async with serve(forward, "127.0.0.1", 0, ssl=context, max_size=None) as proxy:
        port = proxy.sockets[0].getsockname()[1]
        yield f"wss://localhost:{port}"


def test_wss_with_a_private_ca_runs_a_turn(
    env: OfflineEnvironment, ws_server: ListeningAppServer, tmp_path: Path
) -> None:
    env.model.enqueue(text("over TLS"))
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    async def main() -> str | None:
        async with tls_proxy(ws_server, ca) as url:
            codex = await AsyncCodex.connect(url, config=ConnectConfig(ca_file=ca_file))
            async with codex:
                thread = await codex.thread_start()
                return (await thread.run("hi")).final_response

    assert asyncio.run(main()) == "over TLS"


def test_wss_refuses_a_certificate_it_cannot_verify(
    ws_server: ListeningAppServer, tmp_path: Path
) -> None:
    """Without the private CA the system's trust store cannot verify the proxy's
    certificate: the connection is refused, and the token is not sent."""
    ca = trustme.CA()

    async def main() -> None:
        async with tls_proxy(ws_server, ca) as url:
            with pytest.raises(ConnectionFailedError, match="certificate verification failed"):
                await AsyncCodex.connect(url, token="never-sent-token-0123456789")

    asyncio.run(main())
