"""Robustness at the edges: exit with a client open, fork, a closed event loop, one turn per
thread, hostile lines, unencodable input, secrets, bounded handler threads, the turn watchdog
and the debug log. The real app-server wherever it can show the behaviour; the fake one for
faults it cannot produce.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codex_app_server import (
    AppServerConfig,
    AsyncCodex,
    AsyncThread,
    AsyncTurn,
    Codex,
    CodexError,
    ForkedClientError,
    InvalidInputError,
    ProtocolError,
    ServerRequestHandlers,
    Thread,
    ThreadBusyError,
    TransportClosedError,
    Turn,
    TurnTimeoutError,
)
from codex_app_server._redact import redact
from codex_app_server.testing import OfflineEnvironment, hold, offline_environment, text
from tests.reliability.conftest import read_proc

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env() -> Iterator[OfflineEnvironment]:
    with offline_environment() as environment:
        yield environment


def turn_when_free(thread: Thread, prompt: str) -> Turn[Any]:
    """Start a turn once the thread's earlier turn has completed: until then the client
    refuses it (ThreadBusyError) before anything is sent."""
    started: list[Turn[Any]] = []

    def attempt() -> bool:
        try:
            started.append(thread.turn(prompt))
        except ThreadBusyError:
            return False
        return True

    assert wait_until(attempt), f"thread {thread.id} stayed busy"
    return started[0]


def wait_until(condition: Any, timeout: float = 20.0) -> bool:
    """Wait for ``condition()`` (an event we cannot block on directly), up to ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def process_gone(pid: int) -> bool:
    info = read_proc(pid)
    return info is None or info.state in ("Z", "X")


# --------------------------------------------------------------------------- 1. exit


EXIT_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from codex_app_server import AppServerConfig, AsyncCodex, Codex

    mode, home = sys.argv[1], sys.argv[2]
    config = AppServerConfig(env={"CODEX_HOME": home}, shutdown_timeout=2.0)
    if mode.startswith("async"):
        kept = []

        async def main():
            codex = await AsyncCodex.start(config)
            kept.append(codex)  # still open when asyncio.run() closes the loop
            print(codex.client.pid, flush=True)
            if mode == "async-raise":
                raise RuntimeError("boom")

        asyncio.run(main())
    else:
        codex = Codex(config)
        print(codex.client.pid, flush=True)
        if mode == "exit":
            sys.exit(3)
        if mode == "raise":
            raise RuntimeError("boom")
    """
)


@pytest.mark.parametrize("mode", ["end", "exit", "raise", "async-end", "async-raise"])
def test_a_process_with_an_open_client_exits_and_stops_its_app_server(
    tmp_path: Path, mode: str
) -> None:
    """Ends normally, by sys.exit or by an uncaught exception with a Codex/AsyncCodex open:
    the interpreter exits (never waits on a loop thread that cannot run), the app-server is
    gone, and a ResourceWarning says the client was not closed."""
    script = tmp_path / "script.py"
    script.write_text(EXIT_SCRIPT)
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run(
        [sys.executable, "-W", "always::ResourceWarning", str(script), mode, str(home)],
        capture_output=True,
        text=True,
        timeout=45,  # a hang guard: the exit itself is measured in the closing note
        cwd=ROOT,
        check=False,
    )
    pid = int(proc.stdout.split()[0])
    assert wait_until(lambda: process_gone(pid)), f"app-server {pid} left running"
    expected = {"end": 0, "exit": 3, "raise": 1, "async-end": 0, "async-raise": 1}[mode]
    assert proc.returncode == expected, proc.stderr
    assert "ResourceWarning" in proc.stderr
    if "raise" in mode:
        assert "RuntimeError: boom" in proc.stderr


def test_a_dropped_client_warns_and_is_cleaned_up(env: OfflineEnvironment) -> None:
    clients = [Codex(env.config)]
    pid = clients[0].client.pid
    with pytest.warns(ResourceWarning, match="unclosed"):
        clients.clear()  # the last reference: finalized here
    assert pid is not None and wait_until(lambda: process_gone(pid))


def test_a_client_collected_on_its_own_loop_thread_is_cleaned_up(env: OfflineEnvironment) -> None:
    """The garbage collector may finalize a client on its own loop thread: the finalizer must
    not wait on that loop (it is the caller): it closes the session there and stops the loop."""
    codex = Codex(env.config)

    async def the_loop() -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
        return asyncio.get_running_loop(), threading.current_thread()

    loop, loop_thread = codex.client.run(the_loop())
    pid = codex.client.pid
    cycle: dict[str, Any] = {"codex": codex}
    cycle["self"] = cycle  # only the cycle collector can free it now
    del codex, cycle
    caught: list[warnings.WarningMessage] = []
    collected = threading.Event()

    def collect_here() -> None:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            gc.collect()
            caught.extend(record)
        collected.set()

    gc.disable()  # so that the collection happens on the loop thread, not here
    try:
        loop.call_soon_threadsafe(collect_here)
        assert collected.wait(20)
    finally:
        gc.enable()
    assert any(issubclass(w.category, ResourceWarning) for w in caught)
    assert wait_until(lambda: not loop_thread.is_alive())
    assert pid is not None and wait_until(lambda: process_gone(pid))


# --------------------------------------------------------------------------- 2. fork


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_a_forked_child_refuses_the_inherited_client_and_can_start_its_own(
    env: OfflineEnvironment,
) -> None:
    with Codex(env.config) as codex:
        assert codex.models().data
        before = codex.client.stats.protocol_errors
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:  # the child: report with one line, never return into pytest
            outcome = "?"
            try:
                os.close(read_end)
                try:
                    codex.models()
                    outcome = "used the parent's client"
                except ForkedClientError as exc:
                    outcome = f"refused: {exc}"
                try:
                    codex.thread_start()
                except ForkedClientError:
                    pass
                else:
                    outcome = "thread_start went through"
                codex.close()  # returns at once, touches nothing
                assert codex.closed
                with Codex(env.config) as own:
                    outcome += " | own client: " + str(len(own.models().data))
            except BaseException as exc:
                outcome = f"child failed: {exc!r}"
            finally:
                os.write(write_end, outcome.encode() + b"\n")
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            report = pipe.readline().strip()
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert report.startswith("refused: "), report
        assert "created in another process" in report
        assert "| own client: " in report and not report.endswith(": 0"), report
        # the parent's client is untouched, and never saw the child's traffic
        assert codex.models().data
        assert codex.thread_start().id
        assert codex.client.stats.protocol_errors == before


# --------------------------------------------------------------------------- 3. loop end


def test_an_async_client_whose_loop_closes_stops_its_process(env: OfflineEnvironment) -> None:
    kept: list[AsyncCodex] = []

    async def main() -> int | None:
        codex = await AsyncCodex.start(env.config)
        kept.append(codex)
        return codex.client.pid

    with pytest.warns(ResourceWarning, match="unclosed"):
        pid = asyncio.run(main())
    assert kept[0].closed
    assert pid is not None and wait_until(lambda: process_gone(pid))


# --------------------------------------------------------------------------- 4. one turn per thread


def test_a_second_turn_on_a_busy_thread_is_refused_before_anything_is_sent(
    env: OfflineEnvironment,
) -> None:
    held = hold(text("first done"), timeout=30)
    env.model.enqueue(held)
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        turn = thread.turn("first")
        assert held.wait_started()
        with pytest.raises(ThreadBusyError) as caught:
            thread.run("second")
        assert caught.value.turn_id == turn.id and caught.value.thread_id == thread.id
        assert "turn.steer" in str(caught.value) and "turn.interrupt" in str(caught.value)
        # stop receiving: the turn goes on, and the client still knows it runs
        turn.close()
        with pytest.raises(ThreadBusyError):
            thread.turn("third")
        with pytest.raises(CodexError, match="has not completed"):
            turn.run()  # never an in-progress result posing as a finished one
        held.release()
        env.model.enqueue(text("next done"))
        result = turn_when_free(thread, "next").run()
        assert result.status == "completed" and result.final_response == "next done"
        # "second" and "third" never reached the server (nor were steered into the turn)
        prompts = [t for i in range(len(env.model.requests)) for t in env.model.user_texts(i)]
        assert "second" not in prompts and "third" not in prompts


def test_leaving_a_stream_early_keeps_the_thread_busy(env: OfflineEnvironment) -> None:
    held = hold(text("done"), after_deltas=2, timeout=30)
    env.model.enqueue(held)
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        turn = thread.turn("first")
        for note in turn.stream():
            if note.method == "item/agentMessage/delta":
                break
        with pytest.raises(ThreadBusyError):
            thread.run("again")
        held.release()
        assert turn.run().status == "completed"
        env.model.enqueue(text("free again"))
        assert thread.run("again").final_response == "free again"  # no longer busy


async def test_two_tasks_starting_turns_on_one_thread_get_one_turn(
    env: OfflineEnvironment,
) -> None:
    held = hold(text("only one"), timeout=30)
    env.model.enqueue(held)
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        outcomes = await asyncio.gather(thread.turn("a"), thread.turn("b"), return_exceptions=True)
        turns = [o for o in outcomes if not isinstance(o, BaseException)]
        busy = [o for o in outcomes if isinstance(o, ThreadBusyError)]
        assert len(turns) == 1 and len(busy) == 1, outcomes
        held.release()
        assert (await turns[0].run()).final_response == "only one"


# --------------------------------------------------------------------------- 5. hostile lines


def test_hostile_lines_are_reported_and_the_reader_goes_on(make_fake: Any) -> None:
    deep = 100_000
    hostile = [
        {"do": "raw", "text": "[" * deep + "]" * deep + "\n"},
        {"do": "raw", "text": '{"method": "x", "params": ' * deep + "\n"},
        {"do": "raw", "text": "A", "repeat": 50 * 1024 * 1024, "newline": True},
        {"do": "raw", "hex": "fffe410a"},  # invalid UTF-8 (and not JSON either)
        {"do": "raw", "text": '{"method": "n", "params": {"v": NaN}}\n'},
        {"do": "raw", "text": '{"id": 999, "result": Infinity}\n'},
        {"do": "raw", "text": "[1, 2, 3]\n"},
        {"do": "raw", "text": "42\n"},
        {"do": "respond"},
    ]
    fake = make_fake({"methods": {"model/list": [{"actions": hostile}, "builtin"]}})
    errors: list[ProtocolError] = []
    with Codex(fake.config) as codex:
        codex.client.on_protocol_error = errors.append
        assert codex.models().data is not None  # answered after every hostile line
        assert codex.models().data is not None  # and the connection goes on
    assert len(errors) == 8, [str(e) for e in errors]
    messages = [str(e) for e in errors]
    assert sum("nested too deeply" in m for m in messages) == 2
    assert sum("NaN" in m or "Infinity" in m for m in messages) == 2
    assert all(e.raw is None or len(e.raw) <= 1000 for e in errors)


# --------------------------------------------------------------------------- 6. inputs


def test_unencodable_text_is_invalid_input_and_nothing_is_sent(make_fake: Any) -> None:
    fake = make_fake()
    with Codex(fake.config) as codex:
        thread = codex.thread_start()
        with pytest.raises(InvalidInputError, match="lone surrogate"):
            thread.run("bad \ud800 text")
        with pytest.raises(InvalidInputError, match="lone surrogate"):
            thread.set_name("name \udc80")
        assert codex.models().data is not None
    assert "turn/start" not in fake.methods()
    assert "thread/name/set" not in fake.methods()


# --------------------------------------------------------------------------- 7. secrets

LOGIN_KEY = "login-key-0123456789abcdef"  # given to login_api_key(): not key-shaped
SK_KEY = "sk-proj-AbCdEf0123456789xyz"
BEARER = "tok_0123456789abcdef"


def test_secrets_never_reach_errors_tails_or_log_lines(
    make_fake: Any, caplog: pytest.LogCaptureFixture
) -> None:
    leak = f"key={LOGIN_KEY} {SK_KEY} Authorization: Bearer {BEARER}"
    fake = make_fake(
        {
            "methods": {
                "account/login/start": {
                    "actions": [
                        {"do": "stderr", "text": f"echo: {leak}\n"},
                        {"do": "notify", "method": "x/echo", "params": {"text": leak}},
                        {"do": "raw", "text": f"not json {leak}\n"},
                        {"do": "respond", "result": {"type": "apiKey"}},
                    ]
                },
                "model/list": {"actions": [{"do": "stderr", "text": leak}, {"do": "exit"}]},
            }
        }
    )
    caplog.set_level(logging.DEBUG, logger="codex_app_server")
    with Codex(fake.config) as codex:
        codex.login_api_key(LOGIN_KEY)
        with pytest.raises(TransportClosedError) as caught:
            codex.models()
        shown = [str(caught.value), caught.value.stderr_tail, repr(caught.value)]
        shown.append(codex.client.stderr_tail)
    shown += [record.getMessage() for record in caplog.records]
    assert any("<redacted>" in text for text in shown)
    assert any(r.getMessage().startswith("recv:") for r in caplog.records)
    for secret in (LOGIN_KEY, SK_KEY, BEARER):
        assert not [text for text in shown if secret in text], secret


def test_the_one_redaction_function() -> None:
    text = f"a {SK_KEY} b bearer {BEARER} c {LOGIN_KEY} d"
    assert redact(text, (LOGIN_KEY,)) == "a <redacted> b bearer <redacted> c <redacted> d"
    assert redact("sk-short and no token") == "sk-short and no token"


# --------------------------------------------------------------------------- 8. bounded handlers


@pytest.mark.timeout(120)
def test_3000_approvals_to_a_slow_blocking_handler_use_a_bounded_pool(make_fake: Any) -> None:
    count = 3000
    spec = {"count": count, "concurrent": True, "timeout": 100}
    fake = make_fake({"methods": {"turn/start": {"turn": {"approvals": spec}}}}, handler_threads=4)
    calls: list[str] = []
    lock = threading.Lock()
    peak = [0]

    running = [0, 0]  # handlers running now, most at once

    def slow_accept(params: Any) -> dict[str, str]:
        with lock:
            running[0] += 1
            running[1] = max(running)
        time.sleep(0.002)
        with lock:
            running[0] -= 1
            calls.append(params.item_id)
            peak[0] = max(peak[0], threading.active_count())
        return {"decision": "accept"}

    handlers = ServerRequestHandlers(item_command_execution_request_approval=slow_accept)
    with Codex(fake.config, handlers=handlers) as codex:
        base = threading.active_count()  # with the client's own threads (loop, child watcher)
        result = codex.thread_start().run("storm")
        print(
            f"\n[3000 approvals, slow blocking handler] peak threads {peak[0]} (base {base}), "
            f"handlers at once: {running[1]}"
        )
    assert result.status == "completed"
    assert len(calls) == len(set(calls)) == count
    answers = fake.answers()
    assert len(answers) == count
    assert all(a["result"] == {"decision": "accept"} for a in answers.values())
    assert running[1] <= 4
    assert peak[0] - base <= 4


def test_handler_threads_is_validated() -> None:
    with pytest.raises(ValueError, match="handler_threads"):
        AppServerConfig(handler_threads=0)


# --------------------------------------------------------------------------- 9. watchdog


def test_run_timeout_interrupts_the_turn_and_carries_what_it_produced(
    env: OfflineEnvironment,
) -> None:
    held = hold(text("never sent"), timeout=30)
    env.model.enqueue(held)
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        turn = thread.turn("a long task")
        assert held.wait_started()
        with pytest.raises(TurnTimeoutError) as caught:
            turn.run(timeout=0.3)
        error = caught.value
        assert error.turn_id == turn.id and error.timeout == 0.3 and not error.idle
        # what it produced so far; by the time the interrupt is answered, often its end too
        assert error.partial.id == turn.id
        assert error.partial.status in ("inProgress", "interrupted")
        assert isinstance(error, TimeoutError)
        assert turn.run().status == "interrupted"  # the SDK interrupted it on the server
        assert held.wait_finished(10) and held.client_disconnected
        env.model.enqueue(text("fine"))
        assert thread.run("next", timeout=30).final_response == "fine"


def test_thread_run_timeout_and_stream_idle_timeout(env: OfflineEnvironment) -> None:
    env.model.enqueue(hold(text("never sent"), timeout=30))
    with Codex(env.config) as codex:
        thread = codex.thread_start()
        with pytest.raises(TurnTimeoutError) as caught:
            thread.run("slow", timeout=0.3)
        assert caught.value.partial.status in ("inProgress", "interrupted")
        held = hold(text("after two deltas"), after_deltas=2, timeout=30)
        env.model.enqueue(held)
        turn = turn_when_free(thread, "stream it")
        for note in turn.stream():  # the model is streaming: deltas arrive
            if note.method == "item/agentMessage/delta":
                break
        seen: list[str] = []

        def consume() -> None:  # then the model goes quiet mid-message
            seen.extend(note.method for note in turn.stream(idle_timeout=0.5))

        with pytest.raises(TurnTimeoutError) as idle:
            consume()
        assert idle.value.idle and idle.value.timeout == 0.5
        assert "turn/completed" not in seen
        assert turn.run().status == "interrupted"


async def test_async_turn_watchdog(env: OfflineEnvironment) -> None:
    env.model.enqueue(hold(text("never sent"), timeout=30))
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        with pytest.raises(TurnTimeoutError):
            await thread.run("slow", timeout=0.3)
        env.model.enqueue(hold(text("never sent"), timeout=30))
        turn = await _turn_when_free(thread, "idle")
        with pytest.raises(TurnTimeoutError) as idle:
            await _consume(turn.stream(idle_timeout=0.3))
        assert idle.value.idle
        assert (await turn.run()).status == "interrupted"


async def _consume(stream: Any) -> None:
    async for _ in stream:
        pass


async def _turn_when_free(thread: AsyncThread, prompt: str) -> AsyncTurn[Any]:
    """Start a turn once the thread's interrupted turn has completed: until then the client
    refuses it (ThreadBusyError) before anything is sent."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return await thread.turn(prompt)
        except ThreadBusyError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.01)


# --------------------------------------------------------------------------- 10. debug log


LOG_SCRIPT = textwrap.dedent(
    """
    import sys
    from codex_app_server import AppServerConfig, Codex

    with Codex(AppServerConfig(env={"CODEX_HOME": sys.argv[1]})) as codex:
        codex.models()
    """
)


def test_the_environment_variable_turns_on_a_redacted_bounded_wire_log(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(LOG_SCRIPT)
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run(
        [sys.executable, str(script), str(home)],
        capture_output=True,
        text=True,
        timeout=45,
        cwd=ROOT,
        check=False,
        env={**os.environ, "CODEX_APP_SERVER_LOG": "debug"},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    sent = [line for line in lines if " send: " in line]
    received = [line for line in lines if " recv: " in line]
    assert any('"method":"initialize"' in line for line in sent)
    assert any('"method":"model/list"' in line for line in sent)
    assert any('"userAgent"' in line for line in received)
    assert any(" stderr: " in line for line in lines)  # codex's own stderr lines
    assert all(len(line) < 2200 for line in lines)  # each message cut to LOG_LIMIT
    quiet = subprocess.run(
        [sys.executable, str(script), str(home)],
        capture_output=True,
        text=True,
        timeout=45,
        cwd=ROOT,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "CODEX_APP_SERVER_LOG"},
    )
    assert quiet.returncode == 0 and " send: " not in quiet.stderr
