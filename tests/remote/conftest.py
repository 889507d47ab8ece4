"""Fixtures for `Codex.connect`: the real codex binary listening on a loopback WebSocket (with a
capability token) or a unix socket, against the offline loopback model."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from codex_app_server.testing import (
    ListeningAppServer,
    OfflineEnvironment,
    listening_app_server,
    offline_environment,
)


@pytest.fixture
def env() -> Iterator[OfflineEnvironment]:
    with offline_environment() as environment:
        yield environment


@pytest.fixture
def ws_server(env: OfflineEnvironment) -> Iterator[ListeningAppServer]:
    """`codex app-server --listen ws://127.0.0.1:PORT --ws-auth capability-token
    --ws-token-file F`."""
    with listening_app_server(env.config, listen="ws") as server:
        yield server


@pytest.fixture
def unix_server(env: OfflineEnvironment) -> Iterator[ListeningAppServer]:
    """`codex app-server --listen unix://PATH`."""
    with listening_app_server(env.config, listen="unix") as server:
        yield server


@pytest.fixture(params=["ws", "unix"])
def server(request: pytest.FixtureRequest, env: OfflineEnvironment) -> Iterator[ListeningAppServer]:
    """Each listening transport in turn."""
    with listening_app_server(env.config, listen=request.param) as listening:
        yield listening


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Fail the test if anything tries to open a socket connection; returns the attempts."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"a connection to {address!r} was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts
