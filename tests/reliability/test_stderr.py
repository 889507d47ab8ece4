"""The server writes a lot to stderr: the SDK drains it as it comes (the child never blocks on
a full pipe, so nothing deadlocks) and keeps only a bounded tail for error messages."""

from __future__ import annotations

import time
from typing import Any

import pytest

from codex_app_server import Codex, TransportClosedError
from tests.reliability.conftest import rss_kib

pytestmark = pytest.mark.timeout(60)

MB = 1_000_000


def test_100_mb_of_stderr_while_a_call_waits(make_fake: Any) -> None:
    flood = {"do": "stderr", "bytes": 100 * MB}
    scenario = {"methods": {"model/list": [{"actions": [flood, "respond"]}, "builtin"]}}
    with Codex(make_fake(scenario).config) as codex:
        before = rss_kib()
        started = time.monotonic()
        assert codex.models().data  # answered after 100 MB went to stderr
        elapsed = time.monotonic() - started
        growth_mb = (rss_kib() - before) / 1024
        tail = codex.client.stderr_tail
        assert "stderr flood line" in tail
        assert len(tail.encode()) <= 64 * 1024
        assert growth_mb < 50  # the 100 MB was not kept
        assert codex.models().data
    print(f"\n[stderr 100 MB] call answered in {elapsed:.2f} s; RSS growth {growth_mb:+.1f} MB")


def test_100_mb_of_stderr_before_initialize(make_fake: Any) -> None:
    scenario = {"on_start": [{"do": "stderr", "bytes": 100 * MB}]}
    with Codex(make_fake(scenario).config) as codex:
        assert codex.models().data


def test_stderr_flood_then_death_gives_a_short_tail(make_fake: Any) -> None:
    scenario = {
        "methods": {
            "model/list": {
                "actions": [
                    {"do": "stderr", "bytes": 5 * MB},
                    {"do": "stderr", "text": "the last words\n"},
                    {"do": "exit", "code": 101},
                ]
            }
        }
    }
    with Codex(make_fake(scenario).config) as codex, pytest.raises(TransportClosedError) as info:
        codex.models()
    error = info.value
    assert error.exit_code == 101
    assert error.stderr_tail.endswith("the last words")
    assert len(error.stderr_tail.splitlines()) <= 200
    assert len(str(error)) < 2200  # the message quotes at most ~2000 characters of the tail
