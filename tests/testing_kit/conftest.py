"""Fixtures for the testing-kit tests: a scripted model and a real ``codex app-server``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    import codex_app_server.testing  # noqa: F401
except ImportError:  # the SDK is not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sdk" / "src"))

from codex_app_server.testing import MockModelServer, write_codex_home
from tests.support.raw_app_server import RawAppServer

StartServer = Callable[..., RawAppServer]


@pytest.fixture
def model() -> Iterator[MockModelServer]:
    with MockModelServer() as server:
        yield server


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def app_server(model: MockModelServer, tmp_path: Path, workdir: Path) -> Iterator[StartServer]:
    """Start the real ``codex app-server`` against ``model``; closed at teardown.

    Keyword arguments go to ``write_codex_home``.
    """
    started: list[RawAppServer] = []

    def start(**home_options: Any) -> RawAppServer:
        home = write_codex_home(
            tmp_path / f"codex-home-{len(started)}", model.base_url, **home_options
        )
        server = RawAppServer(env=home.spawn_env(), cwd=workdir)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.close()
