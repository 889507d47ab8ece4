"""Fixtures for the tool tests on the real binary: an offline environment whose client opts in
to the experimental API (dynamic tools need it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from codex_app_server import Codex
from codex_app_server._session import Session
from codex_app_server.testing import OfflineEnvironment, offline_environment


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[OfflineEnvironment]:
    original = Session.initialize

    async def initialize(self: Session, **options: Any) -> dict[str, Any]:
        options["capabilities"] = {"experimentalApi": True}
        return await original(self, **options)

    monkeypatch.setattr(Session, "initialize", initialize)
    with offline_environment() as environment:
        yield environment


@pytest.fixture
def codex(env: OfflineEnvironment) -> Iterator[Codex]:
    with Codex(env.config) as client:
        yield client
