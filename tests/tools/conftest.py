"""Fixtures for the tool tests on the real binary: an offline environment whose client opts in
to the experimental API (dynamic tools need it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codex_app_server import Codex
from codex_app_server.testing import OfflineEnvironment, offline_environment


@pytest.fixture
def env() -> Iterator[OfflineEnvironment]:
    with offline_environment(experimental_api=True) as environment:
        yield environment


@pytest.fixture
def codex(env: OfflineEnvironment) -> Iterator[Codex]:
    with Codex(env.config) as client:
        yield client
