"""A real ``codex app-server`` listening on a loopback WebSocket or a unix socket, for tests of
``Codex.connect``: started from an ``AppServerConfig`` (e.g. ``offline_environment().config``)
and stopped, socket removed, on exit."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from codex_app_server._config import AppServerConfig

__all__ = ["ListeningAppServer", "listening_app_server"]

_LISTENING_RE = re.compile(r"listening on: (ws://[0-9.]+:\d+)")


@dataclass
class ListeningAppServer:
    """What :func:`listening_app_server` yields."""

    url: str
    """``ws://127.0.0.1:PORT`` or ``unix://PATH``: pass to ``Codex.connect``."""
    token: str | None
    """The capability token the server expects (``None``: no authentication)."""
    process: subprocess.Popen[bytes]
    """The ``codex app-server`` process."""
    socket_path: str | None = None
    """The unix socket (``unix://`` only)."""
    _stderr: deque[str] = field(default_factory=lambda: deque(maxlen=200), repr=False)

    def __repr__(self) -> str:
        return f"ListeningAppServer(url={self.url!r}, pid={self.process.pid})"

    def stderr_tail(self) -> str:
        """The last lines the server wrote to stderr."""
        return "".join(self._stderr)

    def kill(self) -> None:
        """SIGKILL the server (and its process group) and reap it: the connection drops."""
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait()

    def freeze(self) -> None:
        """SIGSTOP the server: its sockets stay open but nothing answers (a dead peer, as
        keepalive sees it). :meth:`thaw` or leaving the context undoes it."""
        _signal_group(self.process, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after :meth:`freeze`."""
        _signal_group(self.process, signal.SIGCONT)


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@contextmanager
def listening_app_server(
    config: AppServerConfig,
    *,
    listen: Literal["ws", "unix"] = "ws",
    auth: bool = True,
    startup_timeout: float = 30.0,
) -> Generator[ListeningAppServer, None, None]:
    """Start ``codex app-server --listen ws://127.0.0.1:0`` (a free port; with ``auth`` a
    fresh capability token: ``--ws-auth capability-token --ws-token-file F``) or
    ``--listen unix://PATH`` (a fresh private directory), with ``config``'s binary,
    environment, working directory and overrides::

        with offline_environment() as env, listening_app_server(env.config) as server:
            with Codex.connect(server.url, token=server.token) as codex:
                ...

    Waits until it accepts connections; stops it (its whole process group) on exit.
    POSIX only.
    """
    from codex_app_server._discovery import build_command, build_env, find_codex_bin

    binary = find_codex_bin(config.codex_bin)
    private = Path(tempfile.mkdtemp(prefix="codex-listen-"))
    os.chmod(private, 0o700)
    token: str | None = None
    extra: list[str]
    socket_path: str | None = None
    if listen == "ws":
        extra = ["--listen", "ws://127.0.0.1:0"]
        if auth:
            token = secrets.token_urlsafe(24)
            token_file = private / "token"
            token_file.write_text(token)
            os.chmod(token_file, 0o600)
            extra += ["--ws-auth", "capability-token", "--ws-token-file", str(token_file)]
    elif listen == "unix":
        socket_path = str(private / "app-server.sock")
        extra = ["--listen", f"unix://{socket_path}"]
    else:
        raise ValueError(f"listen must be 'ws' or 'unix', not {listen!r}")
    argv = [*build_command(config, binary.path), *extra]
    env = build_env(config.env, binary.path_dir, config.unset_env)
    cwd = os.fspath(config.cwd) if config.cwd is not None else None
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    lines: deque[str] = deque(maxlen=200)
    found: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        stream = process.stderr
        assert stream is not None
        for raw in stream:
            text = raw.decode("utf-8", "replace")
            lines.append(text)
            match = _LISTENING_RE.search(text)
            if match and not found:
                found.append(match.group(1))
                ready.set()
        ready.set()  # the process is gone: stop waiting

    reader = threading.Thread(target=drain, name="codex-listen-stderr", daemon=True)
    reader.start()
    try:
        if listen == "ws":
            if not ready.wait(startup_timeout) or not found:
                raise RuntimeError(
                    "codex app-server did not report its address:\n" + "".join(lines)
                )
            url = found[0]
        else:
            assert socket_path is not None
            _wait_for_socket(process, socket_path, startup_timeout, lines)
            url = f"unix://{socket_path}"
        server = ListeningAppServer(url, token, process, socket_path, lines)
        yield server
    finally:
        _signal_group(process, signal.SIGCONT)  # a frozen server cannot exit
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
        _signal_group(process, signal.SIGKILL)  # helpers left in its group
        reader.join(5)
        if process.stderr is not None:
            process.stderr.close()
        if socket_path is not None:
            _remove_socket(socket_path)
        with contextlib.suppress(OSError):
            for entry in private.iterdir():
                entry.unlink()
            private.rmdir()


def _wait_for_socket(
    process: subprocess.Popen[bytes], path: str, timeout: float, lines: deque[str]
) -> None:
    """The server prints nothing when its unix socket is ready: watch for the file."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(
                f"codex app-server did not create {path} (exit code {process.poll()}):\n"
                + "".join(lines)
            )
        time.sleep(0.02)


def _remove_socket(path: str) -> None:
    """The server makes ``path`` a symlink into a private runtime directory: remove both."""
    with contextlib.suppress(OSError):
        if os.path.islink(path):
            target = os.path.realpath(path)
            os.unlink(path)
            if os.path.exists(target) and not os.path.isdir(target):
                os.unlink(target)
        elif os.path.exists(path):
            os.unlink(path)
