"""Fixtures for the public API tests: the real codex binary against the loopback model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codex_app_server import Codex
from codex_app_server.testing import OfflineEnvironment, offline_environment


@pytest.fixture
def env() -> Iterator[OfflineEnvironment]:
    with offline_environment() as environment:
        yield environment


@pytest.fixture
def approval_env() -> Iterator[OfflineEnvironment]:
    """Commands that need escalation ask for approval (on-request, read-only sandbox)."""
    with offline_environment(approval_policy="on-request", sandbox_mode="read-only") as environment:
        yield environment


@pytest.fixture
def codex(env: OfflineEnvironment) -> Iterator[Codex]:
    with Codex(env.config) as client:
        yield client
