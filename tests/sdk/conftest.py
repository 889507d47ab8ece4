"""Fixtures for the engine tests: the real codex binary, a private CODEX_HOME, fake peers."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

try:
    import codex_app_server  # noqa: F401  # pyright: ignore[reportUnusedImport]
except ImportError:  # the SDK is not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sdk" / "src"))

from codex_app_server import AppServerConfig, AsyncAppServerClient

T = TypeVar("T")

PEER = Path(__file__).resolve().parent / "fake_peers" / "peer.py"


def peer_argv(*args: str) -> list[str]:
    """argv of the scripted fake peer (see fake_peers/peer.py)."""
    return [sys.executable, str(PEER), *args]


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run a coroutine on a fresh event loop, under a hard timeout."""

    async def guarded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(guarded())


@pytest.fixture(scope="session")
def peer_bin(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A ``codex`` stand-in that runs the fake peer, for ``AppServerConfig(codex_bin=...)``:
    the peer's options go in ``extra_args`` (it ignores ``app-server``)."""
    wrapper = tmp_path_factory.mktemp("peer-bin") / "codex"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{PEER}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return str(wrapper)


async def start_peer_client(peer_bin: str, *args: str, **options: Any) -> AsyncAppServerClient:
    """The public client over the fake peer (spawned as its ``codex``), handshake done."""
    options.setdefault("startup_timeout", 20.0)
    config = AppServerConfig(codex_bin=peer_bin, extra_args=args, **options)
    return await AsyncAppServerClient.start(config)


MISSING_RUNTIME = (
    "the pinned codex runtime is missing or broken, so the real-binary tests cannot run: "
    'install it with `pip install "openai-codex-cli-bin==0.163.0"` (nox -s tests does)'
)


def real_codex_bin() -> str:
    """Path of the real codex binary; fails the test (never skips it) when the runtime
    package is missing or its binary is not runnable."""
    try:
        import codex_cli_bin  # pyright: ignore[reportMissingImports]
    except ImportError as exc:
        pytest.fail(f"{MISSING_RUNTIME} ({exc})")
    path = str(codex_cli_bin.bundled_codex_path())  # pyright: ignore
    if not os.access(path, os.X_OK):
        pytest.fail(f"{MISSING_RUNTIME} ({path} is not executable)")
    return path


@pytest.fixture(scope="session")
def codex_bin() -> str:
    """Path of the real codex binary (from the installed runtime package)."""
    return real_codex_bin()


def write_minimal_codex_home(home: Path) -> Path:
    """A CODEX_HOME whose provider is an unreachable loopback port: nothing leaves the host
    and the user's ~/.codex is untouched."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        'model = "mock-model"\n'
        'model_provider = "mock"\n'
        "\n"
        "[model_providers.mock]\n"
        'name = "mock"\n'
        'base_url = "http://127.0.0.1:9/v1"\n'
        'wire_api = "responses"\n'
        "request_max_retries = 0\n"
        "stream_max_retries = 0\n"
    )
    return home


@pytest.fixture
def codex_home(tmp_path: Path) -> Path:
    return write_minimal_codex_home(tmp_path / "codex-home")


@pytest.fixture
def real_config(codex_bin: str, codex_home: Path, tmp_path: Path) -> AppServerConfig:
    work = tmp_path / "work"
    work.mkdir()
    return AppServerConfig(
        codex_bin=codex_bin,
        cwd=work,
        env={"CODEX_HOME": str(codex_home)},
        client_name="engine-tests",
        client_version="0.0.1",
        request_timeout=20.0,
        startup_timeout=20.0,
    )


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """Fail when a test leaves a thread behind (child-watcher threads get 10 s to finish: a
    grace period for a busy machine, not a speed claim)."""
    before = _threads()
    yield
    deadline = time.monotonic() + 10.0
    while True:
        extra = {t for t in _threads() - before if t.is_alive()}
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not extra, f"threads left behind: {sorted(t.name for t in extra)}"


def process_gone(pid: int) -> bool:
    """The process is neither running nor a zombie waiting to be reaped by us."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # already reaped (or not ours)
    else:
        return False  # still our child: running, or a zombie we just reaped ourselves
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return True
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return True
    # a pid reused by an unrelated process is not ours: its parent is not us
    return int(fields[1]) != os.getpid()
