"""A small chat app for the terminal: each line you type is a turn; the answer streams back.

Commands: `/new` starts a new thread, `/quit` (or end of input, Ctrl-D) leaves. Ctrl-C during
an answer interrupts that turn (the SDK asks the server to stop it) and the chat goes on.

    python examples/cli_chat.py [--offline]
    printf 'hello\\nhow are you?\\n' | python examples/cli_chat.py --offline
"""

import sys

from _offline import codex_config, text

from codex_app_server import Codex, Thread
from codex_app_server.models import AgentMessageDeltaNotification

SCRIPT = [
    text("Hi! What shall we work on?", chunks=4, delta_delay=0.02),
    text("I'm doing well, thanks for asking.", chunks=4, delta_delay=0.02),
]
INTERACTIVE = sys.stdin.isatty()


def read_line() -> str | None:
    """The next line from stdin (None at the end); echoed when it comes from a pipe."""
    if INTERACTIVE:
        print("you> ", end="", flush=True)
    line = sys.stdin.readline()
    if not line:
        return None
    if not INTERACTIVE:
        print(f"you> {line.rstrip()}")
    return line.strip()


def answer(thread: Thread, prompt: str) -> None:
    print("codex> ", end="", flush=True)
    turn = thread.turn(prompt)
    try:
        for note in turn.stream():
            if isinstance(note.params, AgentMessageDeltaNotification):
                print(note.params.delta, end="", flush=True)
    except KeyboardInterrupt:
        print("\n[interrupted]")
        return
    result = turn.run()
    print()
    if not result.succeeded:
        print(f"[turn {result.status}: {result.error.message if result.error else ''}]")


with codex_config(*SCRIPT) as config, Codex(config) as codex:
    print(f"codex {codex.server_version} - /new for a new thread, /quit to leave")
    thread = codex.thread_start()
    while (line := read_line()) is not None:
        if line == "/quit":
            break
        if line == "/new":
            thread = codex.thread_start()
            print(f"[new thread {thread.id}]")
        elif line:
            answer(thread, line)
    print("bye")
