"""The app-server process: find the binary, spawn it, frame stdout into lines, drain stderr.

:class:`ProcessTransport` is an asyncio subprocess protocol, so stdout arrives through
callbacks with no reader task: each chunk the event loop reads (up to 64 KiB) is split on
``b"\\n"`` and the complete lines are handed to the attached :class:`TransportSink` in one call.
Lines may be of any size (a partial line is kept as a list of pieces and joined once, so a
10 MB line costs one copy); a line longer than ``max_line_bytes`` is dropped and reported.
stderr is drained continuously into a bounded ring (the last ``stderr_limit`` bytes), so the
child never blocks on it.

The session never sees the process: it uses the :class:`Transport` protocol (write, drain,
pause/resume reading, close) and receives lines and the end of the connection through
:class:`TransportSink`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from ._redact import configure_from_env, redact, trace
from .errors import (
    CodexBinaryError,
    CodexError,
    CodexNotFoundError,
    ProtocolError,
    TransportClosedError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ._config import AppServerConfig

__all__ = [
    "ProcessTransport",
    "ResolvedBinary",
    "Transport",
    "TransportSink",
    "build_command",
    "build_env",
    "find_codex_bin",
]

logger = logging.getLogger("codex_app_server")

_IS_WINDOWS = sys.platform == "win32"
#: How long to wait for the rest of stdout/stderr once the process has exited.
_EXIT_GRACE = 0.5
_STDERR_GRACE = 0.2
#: How long a process that closed its stdout may live on before the transport counts as closed.
_EOF_GRACE = 1.0
#: Bytes asked for per stdout read. asyncio asks for 256 KiB, a buffer over glibc's mmap
#: threshold: every read, however small, costs an mmap, an mremap and a munmap (~12 µs on the
#: path of every response), though a pipe never holds more than 64 KiB. So reads ask for
#: 64 KiB (from the heap, ~1 µs) while reads come back short. A full read means a stream is
#: flowing; then 256 KiB again, as measured faster for a blocking consumer: each read's
#: longer syscall lets it take turns with the loop thread instead of waiting for the turn's
#: buffer to fill (200,000 deltas: 0.80 s with 64 KiB reads, 0.65-0.70 s so).
_READ_SMALL = 64 * 1024
_READ_STREAMING = 256 * 1024


class TransportSink(Protocol):
    """What a transport delivers to (implemented by the session)."""

    def lines_received(self, lines: list[bytes]) -> None:
        """Complete lines from stdout, without their ``b"\\n"``, in order."""
        ...

    def protocol_error(self, error: ProtocolError) -> None:
        """Framing-level garbage (e.g. a line over the size limit): reported, not fatal."""
        ...

    def connection_lost(self, error: TransportClosedError) -> None:
        """The connection is over (called exactly once)."""
        ...


class Transport(Protocol):
    """The byte pipe a session runs over."""

    def attach(self, sink: TransportSink) -> None: ...
    def write(self, data: bytes) -> None: ...
    def write_threadsafe(self, data: bytes) -> None: ...
    @property
    def writing_paused(self) -> bool: ...
    async def drain(self) -> None: ...
    def pause_reading(self) -> None: ...
    def resume_reading(self) -> None: ...
    async def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def exit_code(self) -> int | None: ...
    def stderr_tail(self) -> str: ...


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class ResolvedBinary:
    """The codex binary to run, where it came from, and a directory to put on PATH (the
    runtime package's bundled helpers, e.g. ``rg``) if any."""

    path: str
    source: str
    path_dir: str | None = None


def _is_executable_file(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


#: The runtime packages tried in order (import name, distribution, source label): this SDK's
#: own runtime wheel first, then OpenAI's (what the official SDK installs).
_RUNTIME_PACKAGES = (
    ("codex_app_server_runtime", "codex-cli-bin", "codex-cli-bin"),
    ("codex_cli_bin", "openai-codex-cli-bin", "openai-codex-cli-bin"),
)


def find_codex_bin(codex_bin: str | os.PathLike[str] | None = None) -> ResolvedBinary:
    """Find the codex binary: explicit ``codex_bin``; else this SDK's runtime package
    (``codex-cli-bin``, import ``codex_app_server_runtime``); else OpenAI's
    (``openai-codex-cli-bin``, import ``codex_cli_bin``); else ``codex`` on ``PATH``.

    The result's ``source`` says which one was used, and the choice is logged (INFO, logger
    ``codex_app_server``). Raises :class:`CodexBinaryError` for an unusable explicit path and
    :class:`CodexNotFoundError` (listing every place tried) when nothing is found.
    """
    resolved = _find_codex_bin(codex_bin)
    logger.info("using codex %s (from %s)", resolved.path, resolved.source)
    return resolved


def _find_codex_bin(codex_bin: str | os.PathLike[str] | None) -> ResolvedBinary:
    if codex_bin is not None:
        path = os.fspath(codex_bin)
        if not path:
            raise CodexBinaryError(path, "is empty")
        has_sep = os.sep in path or (os.altsep is not None and os.altsep in path)
        if not has_sep and not os.path.exists(path):
            found = shutil.which(path)
            if found is None:
                raise CodexBinaryError(path, "was not found on PATH")
            return ResolvedBinary(found, "codex_bin (on PATH)")
        if not os.path.exists(path):
            raise CodexBinaryError(path, "does not exist")
        if os.path.isdir(path):
            raise CodexBinaryError(path, "is a directory, not an executable")
        if not os.access(path, os.X_OK):
            raise CodexBinaryError(path, "is not executable (check its permissions)")
        return ResolvedBinary(os.path.abspath(path), "codex_bin")

    tried: list[str] = []
    for module_name, distribution, source in _RUNTIME_PACKAGES:
        what = f"runtime package {distribution} (import {module_name})"
        try:
            runtime: Any = importlib.import_module(module_name)
        except ImportError:
            tried.append(f"{what}: not installed")
            continue
        try:
            bundled = str(runtime.bundled_codex_path())
        except Exception as exc:
            tried.append(f"{what}: {exc}")
            continue
        if not _is_executable_file(bundled):
            tried.append(f"{what}: {bundled} is not an executable file")
            continue
        path_dir: str | None = None
        try:
            extra: Any = runtime.bundled_path_dir()
            if extra is not None:
                path_dir = str(extra)
        except Exception:
            path_dir = None
        return ResolvedBinary(bundled, source, path_dir)

    found = shutil.which("codex")
    if found is not None:
        return ResolvedBinary(found, "PATH")
    search_path = os.environ.get("PATH", "")
    if len(search_path) > 300:
        search_path = search_path[:300] + "..."
    tried.append(f"`codex` on PATH (PATH={search_path!r}): not found")
    raise CodexNotFoundError(tried)


def build_command(config: AppServerConfig, binary: str) -> list[str]:
    """argv for the app-server: never run through a shell."""
    return [binary, "app-server", *config.override_args(), *config.extra_args]


def build_env(
    overrides: Mapping[str, str], path_dir: str | None = None, unset: Sequence[str] = ()
) -> dict[str, str]:
    """This process's environment without ``unset``, with ``overrides`` on top (and
    ``path_dir`` first on PATH)."""
    env = dict(os.environ)
    for name in unset:
        env.pop(name, None)
    if path_dir:
        env["PATH"] = path_dir + os.pathsep + env.get("PATH", "") if env.get("PATH") else path_dir
    for key, value in overrides.items():
        if not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"env[{key!r}] must be a str, not {type(value).__name__}")
        env[key] = value
    return env


def secret_values(env: Mapping[str, str]) -> tuple[str, ...]:
    """The values of ``env``'s secret-looking variables (``OPENAI_API_KEY``, ``*_TOKEN``...),
    longest first, to redact from what the SDK reports; short values and paths are left."""
    from ._config import _SECRET_KEY_RE

    found = {
        value
        for key, value in env.items()
        if _SECRET_KEY_RE.search(key) and len(value) >= 8 and not value.startswith("/")
    }
    return tuple(sorted(found, key=len, reverse=True))


# --------------------------------------------------------------------------- the process


class _PipeProtocol(asyncio.SubprocessProtocol):
    """Forwards the subprocess callbacks to the transport (kept separate so the transport's
    public surface is only what the session uses)."""

    def __init__(self, owner: ProcessTransport) -> None:
        self._owner = owner

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._owner._connection_made(cast("asyncio.SubprocessTransport", transport))

    def pipe_data_received(self, fd: int, data: bytes | str) -> None:
        raw = data if isinstance(data, bytes) else data.encode()
        if fd == 1:
            self._owner._on_stdout(raw)
        else:
            self._owner._on_stderr(raw)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._owner._on_pipe_lost(fd, exc)

    def process_exited(self) -> None:
        self._owner._on_exited()

    def pause_writing(self) -> None:
        self._owner._write_paused = True

    def resume_writing(self) -> None:
        self._owner._resume_writing()


class ProcessTransport:
    """One ``codex app-server`` child process speaking newline-delimited JSON on stdio.

    Create with :meth:`spawn`. All methods must be called on the event loop that spawned it.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        max_line_bytes: int = 256 * 1024 * 1024,
        stderr_limit: int = 64 * 1024,
        stderr_lines: int = 200,
        shutdown_timeout: float = 3.0,
        new_session: bool = True,
    ) -> None:
        self._loop = loop
        self._max_line_bytes = max_line_bytes
        self._stderr_limit = stderr_limit
        self._stderr_lines = stderr_lines
        self._shutdown_timeout = shutdown_timeout
        self._new_session = new_session and not _IS_WINDOWS
        self._pt: asyncio.SubprocessTransport | None = None
        self._sink: TransportSink | None = None
        # before attach(): what arrived, delivered on attach
        self._early_lines: list[bytes] = []
        self._early_errors: list[ProtocolError] = []
        # stdout framing
        self._partial: list[bytes] = []
        self._partial_len = 0
        self._overlong = False
        self._discard = False
        # stderr ring
        self._stderr = bytearray()
        self._stderr_total = 0
        self._secrets: tuple[str, ...] = ()  # redacted from stderr_tail() and the log
        configure_from_env()
        self._log_stderr = logger.isEnabledFor(logging.DEBUG)
        self._stderr_line = bytearray()  # the partial stderr line, when logging it
        # state
        self._stdout_eof = False  # no more stdout is expected (EOF, or given up after exit)
        self._stdout_pipe_eof = False  # the pipe itself reported EOF
        self._stderr_eof = False
        self._stdin_lost = False
        self._exited = False
        self._read_paused = False
        self._write_paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._stdout_reader: Any = None  # its read size adapts (see _READ_SMALL)
        # writes from other threads (see write_threadsafe)
        self._write_lock = threading.Lock()
        self._stdin_fd: int | None = None
        self._thread_buffer = bytearray()
        self._last_data = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._finished = False
        self._close_requested = False
        self._closed_error: TransportClosedError | None = None
        self._exit_future: asyncio.Future[None] = loop.create_future()
        self._close_done: asyncio.Future[None] | None = None
        self.argv: list[str] = []

    # ------------------------------------------------------------------ construction

    @classmethod
    async def spawn(cls, config: AppServerConfig) -> ProcessTransport:
        """Find the binary and start ``codex app-server`` (stdin/stdout/stderr pipes; on POSIX
        in a new session, so a Ctrl-C in the terminal does not reach it)."""
        binary = find_codex_bin(config.codex_bin)
        argv = build_command(config, binary.path)
        env = build_env(config.env, binary.path_dir, config.unset_env)
        cwd = os.fspath(config.cwd) if config.cwd is not None else None
        if cwd is not None and not os.path.isdir(cwd):
            raise CodexError(f"cwd {cwd!r} is not a directory")
        transport = await cls.spawn_argv(
            argv, env=env, cwd=cwd, shutdown_timeout=config.shutdown_timeout
        )
        transport._secrets = secret_values(env)
        return transport

    @classmethod
    async def spawn_argv(
        cls,
        argv: list[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        shutdown_timeout: float = 3.0,
        max_line_bytes: int = 256 * 1024 * 1024,
    ) -> ProcessTransport:
        """Start ``argv`` as-is (used by :meth:`spawn`, and by tests to run fake peers)."""
        loop = asyncio.get_running_loop()
        self = cls(loop, shutdown_timeout=shutdown_timeout, max_line_bytes=max_line_bytes)
        self.argv = list(argv)
        kwargs: dict[str, Any] = {}
        if self._new_session:
            kwargs["start_new_session"] = True
        elif _IS_WINDOWS:  # pragma: no cover - exercised on Windows only
            kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        try:
            await loop.subprocess_exec(
                lambda: _PipeProtocol(self),
                *argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=dict(env) if env is not None else None,
                **kwargs,
            )
        except OSError as exc:
            raise CodexBinaryError(argv[0], f"could not be started: {exc}") from exc
        logger.debug("started %s (pid %s)", argv[0], self.pid)
        return self

    def _connection_made(self, pt: asyncio.SubprocessTransport) -> None:
        self._pt = pt
        for fd in (1, 2):
            reader: Any = pt.get_pipe_transport(fd)
            if reader is not None and hasattr(reader, "max_size"):
                reader.max_size = _READ_SMALL
                if fd == 1:
                    self._stdout_reader = reader
        stdin = pt.get_pipe_transport(0)
        pipe: Any = stdin.get_extra_info("pipe") if stdin is not None else None
        if not _IS_WINDOWS and pipe is not None:
            # a non-blocking POSIX fd (asyncio made it so), written directly by other threads
            self._stdin_fd = pipe.fileno()

    def attach(self, sink: TransportSink) -> None:
        """Start delivering to ``sink`` (what arrived before is delivered now)."""
        if self._sink is not None:
            raise RuntimeError("transport already attached")
        self._sink = sink
        errors, self._early_errors = self._early_errors, []
        lines, self._early_lines = self._early_lines, []
        for error in errors:
            sink.protocol_error(error)
        if lines:
            sink.lines_received(lines)
        if self._finished and self._closed_error is not None:
            sink.connection_lost(self._closed_error)

    # ------------------------------------------------------------------ state

    @property
    def pid(self) -> int | None:
        return self._pt.get_pid() if self._pt is not None else None

    @property
    def exit_code(self) -> int | None:
        """The exit status once the process has exited (negative: killed by a signal)."""
        return self._pt.get_returncode() if self._pt is not None else None

    @property
    def closed(self) -> bool:
        return self._finished

    @property
    def closed_error(self) -> TransportClosedError | None:
        return self._closed_error

    def stderr_tail(self) -> str:
        """The last lines (at most ~64 KiB / 200 lines) the process wrote to stderr, with the
        values of secret-looking environment variables (API keys, tokens) replaced by
        ``<redacted>``, should the process echo them."""
        text = bytes(self._stderr[-self._stderr_limit :]).decode("utf-8", errors="replace")
        lines = text.splitlines()
        if self._stderr_total > self._stderr_limit and lines:
            lines = lines[1:]  # the first is probably cut
        return redact("\n".join(lines[-self._stderr_lines :]), self._secrets)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values redacted from what the SDK reports (see :mod:`codex_app_server._redact`)."""
        return self._secrets

    def add_secret(self, value: str) -> None:
        """Redact ``value`` too (e.g. a key given to ``login_api_key()``); longest first."""
        if value and value not in self._secrets:
            self._secrets = tuple(sorted((*self._secrets, value), key=len, reverse=True))

    # ------------------------------------------------------------------ stdout

    def _on_stdout(self, data: bytes) -> None:
        reader = self._stdout_reader
        if reader is not None:
            reader.max_size = _READ_STREAMING if len(data) >= _READ_SMALL else _READ_SMALL
        if self._exited:
            self._last_data = self._loop.time()
        if self._discard:
            return
        nl = data.find(b"\n")
        if nl < 0:
            self._add_partial(data)
            return
        lines: list[bytes]
        if self._partial:
            self._partial.append(data[:nl])
            first = b"".join(self._partial)
            overlong = self._overlong or len(first) > self._max_line_bytes
            self._partial = []
            self._partial_len = 0
            self._overlong = False
            lines = data[nl + 1 :].split(b"\n")
            if overlong:
                self._report_overlong(len(first))
            else:
                lines.insert(0, first)
        else:
            lines = data.split(b"\n")
        last = lines.pop()
        if last:
            self._add_partial(last)
        if lines:
            self._deliver(lines)

    def _add_partial(self, piece: bytes) -> None:
        self._partial_len += len(piece)
        if self._overlong:
            return
        if self._partial_len > self._max_line_bytes:
            self._overlong = True
            self._partial = [b""]  # keep "a line is in progress"
            return
        self._partial.append(piece)

    def _report_overlong(self, size: int) -> None:
        error = ProtocolError(
            f"dropped a line of {max(size, self._partial_len)} bytes: over the "
            f"{self._max_line_bytes}-byte limit"
        )
        if self._sink is None:
            self._early_errors.append(error)
        else:
            self._sink.protocol_error(error)

    def _deliver(self, lines: list[bytes]) -> None:
        sink = self._sink
        if sink is None:
            self._early_lines.extend(lines)
        else:
            sink.lines_received(lines)

    def _flush_partial(self) -> None:
        """At EOF, a final line without its newline is still a line."""
        if not self._partial:
            return
        if self._overlong:
            self._report_overlong(self._partial_len)
        elif not self._discard:
            self._deliver([b"".join(self._partial)])
        self._partial = []
        self._partial_len = 0
        self._overlong = False

    # ------------------------------------------------------------------ stderr

    def _on_stderr(self, data: bytes) -> None:
        if self._log_stderr:
            self._trace_stderr(data)
        self._stderr_total += len(data)
        buf = self._stderr
        buf += data
        if len(buf) > 2 * self._stderr_limit:
            del buf[: len(buf) - self._stderr_limit]

    def _trace_stderr(self, data: bytes) -> None:
        """Debug log: one line per complete stderr line (a partial one waits for its end)."""
        pending = self._stderr_line
        pending += data
        *lines, rest = bytes(pending).split(b"\n")
        pending[:] = rest[-4096:]
        for line in lines:
            trace("stderr:", line, self._secrets)

    # ------------------------------------------------------------------ end of life

    def _on_pipe_lost(self, fd: int, exc: Exception | None) -> None:
        if fd == 1:
            self._stdout_pipe_eof = True
            if not self._stdout_eof:
                self._stdout_eof = True
                self._flush_partial()
        elif fd == 2:
            self._stderr_eof = True
        elif fd == 0:
            self._stdin_lost = True
            self._wake_drainers()
        self._check_finished()

    def _on_exited(self) -> None:
        self._exited = True
        self._last_data = self._loop.time()
        if not self._exit_future.done():
            self._exit_future.set_result(None)
        self._check_finished()

    def _arm(self, delay: float, callback: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_later(delay, callback)

    def _check_finished(self) -> None:
        if self._finished:
            return
        if self._stdout_eof and self._exited:
            if self._stderr_eof:
                self._finish()
            else:
                self._arm(_STDERR_GRACE, self._finish)
        elif self._exited:
            # A grandchild may hold stdout open: stop waiting for EOF once the pipe is quiet.
            if not self._read_paused:
                self._arm(_EXIT_GRACE, self._exit_grace_expired)
        elif self._stdout_eof:
            self._arm(_EOF_GRACE, self._finish)

    def _exit_grace_expired(self) -> None:
        self._timer = None
        if self._finished or self._stdout_eof or self._read_paused:
            return
        quiet = self._loop.time() - self._last_data
        if quiet < _EXIT_GRACE:
            self._arm(_EXIT_GRACE - quiet, self._exit_grace_expired)
            return
        self._stdout_eof = True
        self._flush_partial()
        self._check_finished()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._close_requested:
            reason = "the app-server session was closed"
        elif self._exited:
            reason = "the app-server process exited"
        else:
            reason = "the app-server closed its stdout"
        error = TransportClosedError(
            reason, exit_code=self.exit_code, stderr_tail=self.stderr_tail()
        )
        self._closed_error = error
        self._wake_drainers()
        if self._exited:
            logger.debug("app-server exited with %s", self.exit_code)
        sink = self._sink
        if sink is not None:
            sink.connection_lost(error)

    # ------------------------------------------------------------------ writing

    def _error_for_write(self) -> TransportClosedError:
        if self._closed_error is not None:
            return self._closed_error
        return TransportClosedError(
            "the app-server's stdin is closed",
            exit_code=self.exit_code,
            stderr_tail=self.stderr_tail(),
        )

    def _stdin_pipe(self) -> asyncio.WriteTransport:
        pt = self._pt
        if self._finished or self._stdin_lost or self._close_requested or pt is None:
            raise self._error_for_write()
        pipe = pt.get_pipe_transport(0)
        if pipe is None or pipe.is_closing():
            raise self._error_for_write()
        return cast("asyncio.WriteTransport", pipe)

    def write(self, data: bytes) -> None:
        """Queue ``data`` (one or more complete lines) for the process's stdin (loop thread)."""
        pipe = self._stdin_pipe()
        with self._write_lock:
            if self._thread_buffer:  # what other threads queued goes first
                pipe.write(bytes(self._thread_buffer))
                self._thread_buffer.clear()
            if data:
                pipe.write(data)

    def write_threadsafe(self, data: bytes) -> None:
        """:meth:`write` from any thread, in order with every other write.

        A blocking caller writes stdin itself when nothing is queued ahead of it (one
        non-blocking ``os.write``), so its request costs no event-loop wake-up; whatever does
        not fit is queued for the loop to write, behind which later writes queue too."""
        pipe = self._stdin_pipe()
        with self._write_lock:
            fd = self._stdin_fd
            if fd is not None and not self._thread_buffer and not pipe.get_write_buffer_size():
                try:
                    written = os.write(fd, data)
                except BlockingIOError:
                    written = 0
                except OSError:  # the read end is gone: the process is exiting
                    raise self._error_for_write() from None
                if written == len(data):
                    return
                data = data[written:]
            first = not self._thread_buffer
            self._thread_buffer += data
        if first:
            try:
                self._loop.call_soon_threadsafe(self._flush_thread_buffer)
            except RuntimeError:  # the loop is closed: so is the connection
                raise self._error_for_write() from None

    def _flush_thread_buffer(self) -> None:
        """Loop thread: hand what other threads queued to the pipe transport (:meth:`write`
        writes it ahead of its own, here nothing)."""
        with contextlib.suppress(TransportClosedError):  # its end fails whoever waits
            self.write(b"")

    @property
    def writing_paused(self) -> bool:
        """stdin's buffer is above its high-water mark: :meth:`drain` before writing more."""
        return self._write_paused

    async def drain(self) -> None:
        """Wait until stdin's buffer is below its high-water mark."""
        if self._finished or self._stdin_lost:
            raise self._error_for_write()
        if not self._write_paused:
            return
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._drain_waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in self._drain_waiters:
                self._drain_waiters.remove(waiter)
        if self._finished or self._stdin_lost:
            raise self._error_for_write()

    def _resume_writing(self) -> None:
        self._write_paused = False
        self._wake_drainers()

    def _wake_drainers(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # ------------------------------------------------------------------ flow control

    def pause_reading(self) -> None:
        """Stop reading stdout (backpressure); the child blocks once the pipe is full."""
        if self._read_paused or self._pt is None:
            return
        pipe = self._pt.get_pipe_transport(1)
        if pipe is not None and not pipe.is_closing():
            self._read_paused = True
            cast("asyncio.ReadTransport", pipe).pause_reading()

    def resume_reading(self) -> None:
        if not self._read_paused or self._pt is None:
            return
        self._read_paused = False
        pipe = self._pt.get_pipe_transport(1)
        if pipe is not None and not pipe.is_closing():
            cast("asyncio.ReadTransport", pipe).resume_reading()
        if self._exited and not self._stdout_eof:
            self._check_finished()

    # ------------------------------------------------------------------ shutdown

    def _signal(self, sig: int) -> None:
        pt = self._pt
        if pt is None or pt.get_returncode() is not None:
            return
        try:
            if self._new_session:
                os.killpg(pt.get_pid(), sig)
            elif sig == signal.SIGTERM:
                pt.terminate()
            else:
                pt.kill()
        except (ProcessLookupError, PermissionError):
            pass

    async def _wait_exit(self, timeout: float) -> bool:
        if self._exited:
            return True
        try:
            await asyncio.wait_for(asyncio.shield(self._exit_future), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """Stop the process and release everything; idempotent and safe to call concurrently.

        stdin is closed (the app-server exits on EOF); if the process is still there after
        ``shutdown_timeout`` it gets SIGTERM (its whole process group on POSIX), then SIGKILL.
        The process is reaped, the pipes closed, and the sink told once.
        """
        if self._close_done is not None:
            await asyncio.shield(self._close_done)
            return
        self._close_done = self._loop.create_future()
        try:
            await self._close()
        except asyncio.CancelledError:
            # Interrupted mid-way (Ctrl-C in close(), the event loop shutting down): never
            # leave the process running.
            self._kill_now()
            raise
        finally:
            if not self._close_done.done():
                self._close_done.set_result(None)

    def kill_from_any_thread(self) -> None:
        """SIGKILL the process (its process group on POSIX) without the event loop: for
        finalizers when the loop cannot run any more (interpreter exit, a closed loop)."""
        pt = self._pt
        if pt is None or self._exited:
            return
        pid = pt.get_pid()
        kill = getattr(signal, "SIGKILL", signal.SIGTERM)
        with contextlib.suppress(OSError):
            if self._new_session:
                os.killpg(pid, kill)
            else:
                os.kill(pid, kill)

    def _kill_now(self) -> None:
        """SIGKILL the process (and on POSIX its process group) and close the pipes."""
        pt = self._pt
        if pt is None:
            self._finish()
            return
        kill = getattr(signal, "SIGKILL", signal.SIGTERM)
        if pt.get_returncode() is None or not self._stdout_pipe_eof:
            if self._new_session:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pt.get_pid(), kill)
            else:
                self._signal(kill)
        pt.close()
        self._finish()

    async def _close(self) -> None:
        self._close_requested = True
        self._discard = True
        pt = self._pt
        if pt is None:
            self._finish()
            return
        if self._read_paused:
            self.resume_reading()  # let the child write (into the void) so it can exit
        stdin = pt.get_pipe_transport(0)
        if stdin is not None and not stdin.is_closing():
            stdin.close()
        if not await self._wait_exit(self._shutdown_timeout):
            logger.debug("app-server did not exit on stdin EOF; sending SIGTERM")
            self._signal(signal.SIGTERM)
            if not await self._wait_exit(self._shutdown_timeout):
                logger.warning("app-server did not exit on SIGTERM; sending SIGKILL")
                self._signal(getattr(signal, "SIGKILL", signal.SIGTERM))
                await self._wait_exit(self._shutdown_timeout)
        if self._new_session and not self._stdout_pipe_eof:
            # The process is gone but something still holds stdout open: a leftover child in
            # its process group. The group id cannot be reused while that child lives.
            await self._wait_eof(_STDERR_GRACE)
            if not self._stdout_pipe_eof:
                logger.debug("killing leftover processes in the app-server's process group")
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pt.get_pid(), getattr(signal, "SIGKILL", signal.SIGTERM))
        pt.close()
        self._finish()
        # let the pipe transports run their connection_lost callbacks
        await asyncio.sleep(0)

    async def _wait_eof(self, timeout: float) -> None:
        deadline = self._loop.time() + timeout
        while not self._stdout_pipe_eof and self._loop.time() < deadline:
            await asyncio.sleep(0.01)
