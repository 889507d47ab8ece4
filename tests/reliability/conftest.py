"""Fixtures of the reliability suite: leak checks, fake and real app-servers, measurements.

Every test here runs under ``no_leaks`` (autouse): when it ends, no process the SDK spawned
(nor anything such a process started), no other new child of this pytest process, and no thread
beyond those alive before the test may remain. Leftovers fail the test and are then killed, so
one leak does not cascade into later tests.

It needs no hook in the SDK: during each test this process is a child subreaper (Linux
``PR_SET_CHILD_SUBREAPER``), so whatever an app-server leaves behind when it dies is adopted
by this process instead of init, and shows up as a new child of ours.

Tests marked ``slow`` or ``network`` run only when asked (``-m slow``, ``-m network``); see
docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codex_app_server import AppServerConfig
from tests.support.fake_codex import write_fake_codex

HERE = Path(__file__).resolve().parent
LEAK_GRACE = 5.0  # seconds a process or thread may take to go away after a test


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`slow` and `network` tests run only when the marker expression names them."""
    expr = config.getoption("markexpr") or ""
    for item in items:
        if not Path(str(item.path)).is_relative_to(HERE):
            continue
        for mark in ("slow", "network"):
            if mark in item.keywords and mark not in expr:
                item.add_marker(pytest.mark.skip(reason=f"{mark} test: run with -m {mark}"))
                break


# --------------------------------------------------------------------------- /proc helpers


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    ppid: int
    pgrp: int
    session: int
    state: str
    name: str


def read_proc(pid: int) -> ProcInfo | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return ProcInfo(pid, int(fields[1]), int(fields[2]), int(fields[3]), fields[0], name)


def all_processes() -> list[ProcInfo]:
    out: list[ProcInfo] = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = read_proc(int(entry))
            if info is not None:
                out.append(info)
    return out


def rss_kib() -> int:
    return _status_kib("VmRSS")


def peak_rss_kib() -> int:
    return _status_kib("VmHWM")


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _status_kib(key: str) -> int:
    match = re.search(rf"^{key}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    assert match is not None
    return int(match.group(1))


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# --------------------------------------------------------------------------- leak checks


def new_children(baseline: set[int]) -> list[ProcInfo]:
    """Children of this process that were not there before the test. Zombies outside this
    process's session (orphans it adopted, e.g. a shell codex started that ended after codex
    was killed) ended, so they are no leak: reaped here. Everything else is."""
    me = os.getpid()
    my_session = os.getsid(0)
    left: list[ProcInfo] = []
    for info in all_processes():
        if info.ppid != me or info.pid in baseline:
            continue
        if info.state == "Z" and info.session != my_session:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(info.pid, os.WNOHANG)
            continue
        left.append(info)
    return left


def _kill(infos: list[ProcInfo]) -> None:
    for info in infos:
        with contextlib.suppress(OSError):
            os.kill(info.pid, signal.SIGKILL)


_PR_SET_CHILD_SUBREAPER = 36


def _set_subreaper(on: bool) -> None:
    """Adopt orphaned descendants (Linux); the check needs it, so failing to set it fails."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


@pytest.fixture(autouse=True)
def no_leaks() -> Iterator[None]:
    """Fail the test if it leaves a process or a thread behind (see the module docstring)."""
    _set_subreaper(True)
    me = os.getpid()
    baseline_children = {p.pid for p in all_processes() if p.ppid == me}
    threads_before = set(threading.enumerate())
    try:
        yield
        deadline = time.monotonic() + LEAK_GRACE
        while True:
            procs = new_children(baseline_children)
            threads = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
            if (not procs and not threads) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        _kill(procs)
        assert not procs, f"processes left behind: {procs}"
        assert not threads, f"threads left behind: {sorted(t.name for t in threads)}"
    finally:
        _set_subreaper(False)


# --------------------------------------------------------------------------- fakes


@dataclass
class Fake:
    """A scripted fake app-server: pass ``config`` to Codex; ``record`` lists what it got."""

    config: AppServerConfig
    record: Path

    def received(self) -> list[dict[str, Any]]:
        from tests.support.fake_codex import received

        return received(self.record)

    def answers(self) -> dict[Any, dict[str, Any]]:
        """The client's responses to the fake's server requests, by request id."""
        return {m["id"]: m for m in self.received() if "id" in m and "method" not in m}

    def methods(self) -> list[str]:
        return [m["method"] for m in self.received() if "method" in m]


@pytest.fixture
def make_fake(tmp_path: Path) -> Any:
    """``make_fake(scenario, **config_options) -> Fake`` (each call in its own directory)."""
    counter = iter(range(1000))

    def make(scenario: dict[str, Any] | None = None, **options: Any) -> Fake:
        folder = tmp_path / f"fake-{next(counter)}"
        record = folder / "record.jsonl"
        wrapper = write_fake_codex(folder, {"record": str(record), **(scenario or {})})
        options.setdefault("request_timeout", 20.0)
        options.setdefault("startup_timeout", 20.0)
        options.setdefault("shutdown_timeout", 2.0)
        return Fake(AppServerConfig(codex_bin=wrapper, cwd=str(tmp_path), **options), record)

    return make
