"""Blocking requests sent from the caller's thread (`Session.request_from_thread`, what
`AppServerClient`/`Codex` use for every plain call): the caller writes stdin itself, the loop
hands it the answer. Writes from many threads and from the loop must never interleave inside
a line, every answer must reach exactly its caller, and timeouts, Ctrl-C and process death
must end the wait as they do on the loop path.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from codex_app_server import AppServerClient, RequestTimeoutError, TransportClosedError
from tests.support.ctrl_c import ctrl_c_after
from tests.support.fake_codex import read_record, received

pytestmark = pytest.mark.timeout(60)

ECHO_ID = {"result": {"id": "$request_id"}}


def test_many_threads_and_the_loop_write_whole_lines_and_get_their_own_answers(
    make_fake: Any,
) -> None:
    """8 threads send 1 MiB requests (far past the pipe's buffer: partial writes, then the
    loop writes the rest) between small ones, while the loop writes requests of its own.
    The server parses every line, and the answers (each echoes its request id) reach
    exactly the callers whose requests they answer."""
    fake = make_fake({"methods": {"echo/id": ECHO_ID}})
    big = "x" * (1 << 20)
    per_thread = 12
    got: dict[int, list[int]] = {}
    errors: list[BaseException] = []
    with AppServerClient(fake.config) as client:

        def call(index: int) -> None:
            ids: list[int] = []
            try:
                for n in range(per_thread):
                    params = {"blob": big} if n % 3 == 0 else {"n": n}
                    ids.append(client.request_raw("echo/id", params)["id"])
            except BaseException as exc:
                errors.append(exc)
            got[index] = ids

        async def from_the_loop() -> list[int]:
            aio = client.aio  # the async client this one drives, on its loop
            return [(await aio.request_raw("echo/id", {"loop": n}))["id"] for n in range(40)]

        callers = [threading.Thread(target=call, args=(i,)) for i in range(8)]
        for caller in callers:
            caller.start()
        loop_ids = client.run(from_the_loop())
        for caller in callers:
            caller.join(30)
        assert not errors, errors
        assert client.stats.protocol_errors == 0

    records = [r for r in read_record(fake.record) if r.get("kind") == "unparsed"]
    assert records == []  # no line arrived torn or spliced
    sent = [m for m in received(fake.record) if m.get("method") == "echo/id"]
    assert len(sent) == 8 * per_thread + 40
    assert sum(1 for m in sent if m["params"].get("blob") == big) == 8 * 4
    answered = [i for ids in got.values() for i in ids] + loop_ids
    assert sorted(answered) == sorted(m["id"] for m in sent)  # each answer to its caller, once
    for index, ids in got.items():
        assert ids == sorted(ids), index  # a thread's requests go out in its order


def test_a_timeout_abandons_only_that_request(make_fake: Any) -> None:
    """The answer that comes after the timeout is recognised as late, not a protocol error,
    and the next request is answered normally."""
    fake = make_fake({"methods": {"slow/echo": [{"delay": 1.0, **ECHO_ID}, ECHO_ID]}})
    with AppServerClient(fake.config) as client:
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as info:
            client.request_raw("slow/echo", {}, timeout=0.2)
        assert time.monotonic() - started > 0.15  # raised by the timeout, not by the answer
        assert info.value.method == "slow/echo"
        late_id = info.value.request_id
        answer = client.request_raw("slow/echo", {})  # after the late answer was read
        assert answer["id"] != late_id
        assert client.stats.protocol_errors == 0
        assert client.pending_requests == 0


@pytest.mark.parametrize("how", ["signal", "interrupt_main"])
def test_ctrl_c_while_waiting_raises_at_once_and_the_client_goes_on(
    make_fake: Any, how: str
) -> None:
    # The first call is never answered: only Ctrl-C can end it (else the test times out).
    fake = make_fake({"methods": {"slow/echo": [{"actions": []}, ECHO_ID]}})
    with AppServerClient(fake.config) as client:
        timer = ctrl_c_after(0.2, how)
        with pytest.raises(KeyboardInterrupt):
            client.request_raw("slow/echo", {}, timeout=None)
        timer.join()
        assert client.pending_requests == 0
        assert "id" in client.request_raw("slow/echo", {})
        assert client.stats.protocol_errors == 0


def test_process_death_ends_waiting_threads_with_the_exit_code(make_fake: Any) -> None:
    """Threads blocked in calls fail within moments of the exit, with its code."""
    die = {"actions": [{"do": "sleep", "seconds": 0.3}, "exit"]}
    fake = make_fake({"methods": {"die/now": die, "never/answered": {"actions": []}}})
    outcomes: list[BaseException] = []
    with AppServerClient(fake.config) as client:

        def wait_forever() -> None:
            try:
                client.request_raw("never/answered", {}, timeout=None)
            except BaseException as exc:
                outcomes.append(exc)

        waiters = [threading.Thread(target=wait_forever) for _ in range(3)]
        for waiter in waiters:
            waiter.start()
        with pytest.raises(TransportClosedError) as info:
            client.request_raw("die/now", {})
        for waiter in waiters:  # they wait without a timeout: only the exit can end them
            waiter.join(60)
            assert not waiter.is_alive()
        assert info.value.exit_code == 0
        assert len(outcomes) == 3
        assert all(isinstance(e, TransportClosedError) and e.exit_code == 0 for e in outcomes)
        with pytest.raises(TransportClosedError):
            client.request_raw("never/answered", {})


def test_calling_it_on_the_loop_is_refused(make_fake: Any) -> None:
    with AppServerClient(make_fake().config) as client:

        async def on_the_loop() -> None:
            client.request_raw("model/list", {})  # the blocking call, on the loop thread

        with pytest.raises(RuntimeError, match="would deadlock"):
            client.run(on_the_loop())
