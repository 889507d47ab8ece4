"""The process layer: binary discovery, config, spawning, line framing, stderr, shutdown."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import stat
import sys
import time
import types
from pathlib import Path

import pytest

from codex_app_server import AppServerConfig, AsyncAppServerClient, find_codex_bin
from codex_app_server._process_transport import ProcessTransport
from codex_app_server._session import Session
from codex_app_server.errors import (
    CodexBinaryError,
    CodexNotFoundError,
    ProtocolError,
    TransportClosedError,
)
from tests.sdk.conftest import peer_argv, process_gone, run, start_peer_client

POSIX = sys.platform != "win32"

# --------------------------------------------------------------------------- discovery


def test_explicit_codex_bin_missing(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "codex"
    with pytest.raises(CodexBinaryError) as info:
        find_codex_bin(missing)
    assert str(missing) in str(info.value)
    assert "does not exist" in str(info.value)


@pytest.mark.skipif(not POSIX, reason="exec bits")
def test_explicit_codex_bin_not_executable(tmp_path: Path) -> None:
    path = tmp_path / "codex"
    path.write_text("#!/bin/sh\n")
    path.chmod(0o644)
    with pytest.raises(CodexBinaryError, match="not executable") as info:
        find_codex_bin(path)
    assert info.value.path == str(path)


def test_explicit_codex_bin_directory(tmp_path: Path) -> None:
    with pytest.raises(CodexBinaryError, match="directory"):
        find_codex_bin(tmp_path)


def test_explicit_bare_name_not_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(CodexBinaryError, match="not found on PATH"):
        find_codex_bin("codex-definitely-not-here")


@pytest.mark.skipif(not POSIX, reason="exec bits")
def test_explicit_codex_bin_found(tmp_path: Path) -> None:
    path = tmp_path / "codex"
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    resolved = find_codex_bin(str(path))
    assert resolved.path == str(path)
    assert resolved.source == "codex_bin"


def _hide_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import raise ImportError: neither runtime is installed
    monkeypatch.setitem(sys.modules, "codex_app_server_runtime", None)
    monkeypatch.setitem(sys.modules, "codex_cli_bin", None)


def _fake_runtime_package(
    monkeypatch: pytest.MonkeyPatch, name: str, binary: Path, helpers: Path | None
) -> None:
    """A runtime package as `name`, answering like the real ones do."""
    module = types.ModuleType(name)
    module.bundled_codex_path = lambda: binary  # type: ignore[attr-defined]
    module.bundled_path_dir = lambda: helpers  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)


def test_not_found_lists_every_place(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _hide_runtime(monkeypatch)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CodexNotFoundError) as info:
        find_codex_bin(None)
    message = str(info.value)
    assert "codex-cli-bin" in message
    assert "pip install openai-codex-cli-bin==0.163.0" in message
    assert "PATH" in message
    assert "codex-cli-bin (import codex_app_server_runtime): not installed" in message
    assert "openai-codex-cli-bin (import codex_cli_bin): not installed" in message
    assert len(info.value.tried) == 3


@pytest.mark.skipif(not POSIX, reason="exec bits")
def test_falls_back_to_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _hide_runtime(monkeypatch)
    fake = tmp_path / "codex"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    resolved = find_codex_bin(None)
    assert resolved.path == str(fake)
    assert resolved.source == "PATH"


def test_openai_runtime_package_is_used_without_ours(
    codex_bin: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "codex_app_server_runtime", None)
    with caplog.at_level(logging.INFO, logger="codex_app_server"):
        resolved = find_codex_bin(None)
    assert resolved.source == "openai-codex-cli-bin"
    assert resolved.path == codex_bin
    assert f"using codex {codex_bin} (from openai-codex-cli-bin)" in caplog.text


@pytest.mark.skipif(not POSIX, reason="exec bits")
def test_our_runtime_package_comes_before_openai_and_path(
    codex_bin: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ours = tmp_path / "ours" / "bin" / "codex"
    ours.parent.mkdir(parents=True)
    ours.write_text("#!/bin/sh\n")
    ours.chmod(0o755)
    helpers = tmp_path / "ours" / "codex-path"
    _fake_runtime_package(monkeypatch, "codex_app_server_runtime", ours, helpers)
    monkeypatch.setenv("PATH", str(Path(codex_bin).parent))  # a codex on PATH too
    resolved = find_codex_bin(None)
    assert (resolved.path, resolved.source, resolved.path_dir) == (
        str(ours),
        "codex-cli-bin",
        str(helpers),
    )


def test_a_broken_runtime_package_is_reported_and_skipped(
    codex_bin: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "gone" / "codex"
    _fake_runtime_package(monkeypatch, "codex_app_server_runtime", missing, None)
    assert find_codex_bin(None).source == "openai-codex-cli-bin"
    monkeypatch.setitem(sys.modules, "codex_cli_bin", None)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CodexNotFoundError) as info:
        find_codex_bin(None)
    assert info.value.tried[0] == (
        f"runtime package codex-cli-bin (import codex_app_server_runtime): {missing} "
        "is not an executable file"
    )


# --------------------------------------------------------------------------- config


def test_config_repr_redacts_env_and_secret_overrides() -> None:
    config = AppServerConfig(
        env={"OPENAI_API_KEY": "sk-secret-123", "PLAIN": "visible?"},
        config_overrides={"model": "o3", "model_providers.x.api_key": "hush"},
    )
    text = repr(config)
    assert "sk-secret-123" not in text
    assert "visible?" not in text
    assert "hush" not in text
    assert "OPENAI_API_KEY" in text
    assert "'o3'" in text


def test_config_overrides_are_toml() -> None:
    config = AppServerConfig(
        config_overrides={
            "model": "o3",
            "quote": 'say "hi"\n',
            "flag": True,
            "n": 3,
            "ratio": 0.5,
            "list": ["a", 1],
            "table": {"k": "v", "weird key": False},
        }
    )
    assert config.override_args() == [
        "-c",
        'model="o3"',
        "-c",
        'quote="say \\"hi\\"\\n"',
        "-c",
        "flag=true",
        "-c",
        "n=3",
        "-c",
        "ratio=0.5",
        "-c",
        'list=["a", 1]',
        "-c",
        'table={k = "v", "weird key" = false}',
    ]


def test_an_override_toml_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError):
        AppServerConfig(config_overrides={"odd": object()}).override_args()  # type: ignore[dict-item]  # pyright: ignore[reportArgumentType]


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="request_timeout"):
        AppServerConfig(request_timeout=0)
    with pytest.raises(ValueError, match="notification_buffer"):
        AppServerConfig(notification_buffer=1)
    with pytest.raises(TypeError):
        AppServerConfig(extra_args="--oops")
    with pytest.raises(ValueError, match="override key"):
        AppServerConfig(config_overrides={"a=b": 1})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_env_is_merged_over_parent(
    peer_bin: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The app-server's environment, as the process got it: ours, `env` over it, and the
    runtime package's helper directory first on PATH."""
    monkeypatch.setenv("KEEP_ME", "1")
    helpers = tmp_path / "codex-path"
    _fake_runtime_package(monkeypatch, "codex_app_server_runtime", Path(peer_bin), helpers)
    config = AppServerConfig(env={"CODEX_HOME": "/x"}, startup_timeout=20)

    async def main() -> dict[str, str]:
        async with AsyncAppServerClient(config) as client:
            raw = Path(f"/proc/{client.pid}/environ").read_bytes()
        pairs = (entry.split("=", 1) for entry in raw.decode().split("\0") if "=" in entry)
        return dict(pairs)

    env = run(main())
    assert env["KEEP_ME"] == "1"
    assert env["CODEX_HOME"] == "/x"
    assert env["PATH"].split(os.pathsep)[0] == str(helpers)


# --------------------------------------------------------------------------- framing


class _Sink:
    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.errors: list[ProtocolError] = []
        self.lost: list[TransportClosedError] = []

    def messages_received(self, lines: list[bytes]) -> None:
        self.lines.extend(lines)

    def protocol_error(self, error: ProtocolError) -> None:
        self.errors.append(error)

    def connection_lost(self, error: TransportClosedError) -> None:
        self.lost.append(error)


def test_line_framing_any_chunking() -> None:
    async def main() -> None:
        rng = random.Random(7)
        lines = [b"x" * rng.randrange(0, 3000) + b"%d" % i for i in range(300)]
        stream = b"".join(line + b"\n" for line in lines)
        for _ in range(20):
            transport = ProcessTransport(asyncio.get_running_loop())
            sink = _Sink()
            transport.open(sink)
            pos = 0
            while pos < len(stream):
                step = rng.choice([1, 2, 7, 100, 4096, 65536])
                transport._on_stdout(stream[pos : pos + step])
                pos += step
            assert sink.lines == lines
            assert not sink.errors

    run(main())


def test_lines_before_attach_are_kept() -> None:
    async def main() -> None:
        transport = ProcessTransport(asyncio.get_running_loop())
        transport._on_stdout(b'{"a":1}\n{"b"')
        sink = _Sink()
        transport.open(sink)
        transport._on_stdout(b":2}\n")
        assert sink.lines == [b'{"a":1}', b'{"b":2}']

    run(main())


def test_overlong_line_is_dropped_and_reported() -> None:
    async def main() -> None:
        transport = ProcessTransport(asyncio.get_running_loop(), max_line_bytes=1000)
        sink = _Sink()
        transport.open(sink)
        transport._on_stdout(b"ok1\n" + b"y" * 600)
        transport._on_stdout(b"y" * 600)
        transport._on_stdout(b"y" * 600 + b"\nok2\n")
        assert sink.lines == [b"ok1", b"ok2"]
        assert len(sink.errors) == 1
        assert "1000-byte limit" in str(sink.errors[0])

    run(main())


def test_stderr_ring_is_bounded() -> None:
    async def main() -> None:
        transport = ProcessTransport(asyncio.get_running_loop(), stderr_limit=1024)
        for i in range(10_000):
            transport._on_stderr(b"line %d\n" % i)
        assert len(transport._stderr) <= 2048
        tail = transport.stderr_tail()
        assert tail.endswith("line 9999")
        assert len(tail) <= 1024

    run(main())


# --------------------------------------------------------------------------- processes


def test_spawn_in_new_session_and_close_reaps(peer_bin: str, no_leaks: None) -> None:
    async def main() -> int:
        client = await start_peer_client(peer_bin)
        pid = client.pid
        assert pid is not None
        if POSIX:
            assert os.getsid(pid) == pid  # Ctrl-C in our terminal does not reach it
        await client.close()
        await client.close()  # idempotent
        assert client.closed
        assert client.exit_code == 0  # exited on stdin EOF
        return pid

    pid = run(main())
    assert process_gone(pid)


def test_concurrent_close(peer_bin: str) -> None:
    async def main() -> None:
        client = await start_peer_client(peer_bin)
        await asyncio.gather(*(client.close() for _ in range(5)))
        assert client.closed and client.exit_code == 0

    run(main())


@pytest.mark.skipif(not POSIX, reason="signals")
def test_close_escalates_to_sigkill(peer_bin: str, no_leaks: None) -> None:
    async def main() -> int:
        # It answers `initialize` only once its SIGTERM handler is installed.
        client = await start_peer_client(peer_bin, "--stubborn", shutdown_timeout=0.3)
        pid = client.pid
        assert pid is not None
        await client.close()
        assert client.exit_code == -signal.SIGKILL  # SIGTERM was ignored: it escalated
        return pid

    pid = run(main())
    assert process_gone(pid)


def _children(pid: int) -> set[int]:
    """Pids whose parent is ``pid``, from /proc."""
    found: set[int] = set()
    for record in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = record.read_text()
        except OSError:
            continue  # gone meanwhile
        if int(text[text.rindex(")") + 2 :].split()[1]) == pid:
            found.add(int(record.parent.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups, /proc")
def test_grandchild_holding_stdout(peer_bin: str, no_leaks: None) -> None:
    """The process dies but a child it left holds stdout open: the client still ends
    promptly, and close() kills the leftover."""

    async def main() -> int:
        # No request timeout: were the client waiting for stdout's EOF, `die` would hang.
        client = await start_peer_client(peer_bin, "--grandchild", request_timeout=None)
        assert client.pid is not None
        (grandchild,) = _children(client.pid)  # started before it answered `initialize`
        with pytest.raises(TransportClosedError) as info:
            await client.request_raw("die", {"code": 4})
        assert info.value.exit_code == 4
        await client.close()
        return grandchild

    grandchild = run(main())
    deadline = time.monotonic() + 10  # a grace period for pid 1 to reap it, not a speed claim
    while _running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _running(grandchild)


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie is reaped by pid 1 when it gets to it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not POSIX, reason="exec bits")
def test_spawn_failure_is_codex_binary_error(tmp_path: Path) -> None:
    """An executable file that is no program: found, but the operating system cannot run it."""
    not_a_program = tmp_path / "codex"
    not_a_program.write_bytes(b"\x7fELF but not really")
    not_a_program.chmod(0o755)

    async def main() -> None:
        with pytest.raises(CodexBinaryError, match="could not be started"):
            await AsyncAppServerClient.start(AppServerConfig(codex_bin=not_a_program))

    run(main())


def test_real_binary_argv_and_env(real_config: AppServerConfig, no_leaks: None) -> None:
    """The real binary accepts our -c overrides (its effective config shows them); the
    process is gone after close."""
    config = AppServerConfig(
        codex_bin=real_config.codex_bin,
        cwd=real_config.cwd,
        env=real_config.env,
        config_overrides={"model": "other-mock-model", "model_reasoning_effort": "low"},
    )
    assert config.override_args() == [
        "-c",
        'model="other-mock-model"',
        "-c",
        'model_reasoning_effort="low"',
    ]

    async def main() -> int:
        async with AsyncAppServerClient(config) as client:
            effective = await client.request_raw("config/read", {})
            pid = client.pid
        assert effective["config"]["model"] == "other-mock-model"
        assert effective["config"]["model_reasoning_effort"] == "low"
        assert pid is not None
        return pid

    pid = run(main())
    assert process_gone(pid)


@pytest.mark.skipif(not POSIX, reason="asyncio's POSIX pipe transports")
def test_stdout_read_size_follows_the_flow() -> None:
    """Reads ask for 64 KiB while they come back short (asyncio's 256 KiB buffer is mmapped
    and unmapped on every read, ~12 µs on each response's path) and for 256 KiB once a read
    comes back full (a stream is flowing); a 2 MiB line arrives whole either way."""
    from codex_app_server._process_transport import _READ_SMALL, _READ_STREAMING

    async def main() -> None:
        transport = await ProcessTransport.spawn_argv(peer_argv())
        session = Session(transport)
        reader = transport._stdout_reader
        assert reader is not None and reader.max_size == _READ_SMALL
        pt = transport._pt
        assert pt is not None
        assert getattr(pt.get_pipe_transport(2), "max_size", None) == _READ_SMALL
        sizes: list[int] = []
        on_stdout = transport._on_stdout

        def recording(data: bytes) -> None:
            on_stdout(data)
            sizes.append(reader.max_size)

        transport._on_stdout = recording  # type: ignore[method-assign]
        try:
            await session.initialize()
            assert sizes == [_READ_SMALL]
            size = 2 * 1024 * 1024
            assert await session.request("big", {"size": size}) == {"text": "x" * size}
            assert _READ_STREAMING in sizes
            assert await session.request("echo", {"n": 1}) == {"method": "echo", "params": {"n": 1}}
            assert sizes[-1] == _READ_SMALL
        finally:
            await session.close()

    run(main())
