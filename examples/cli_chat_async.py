"""A small chat app for the terminal, async: stdin is read in a worker thread so the event
loop stays free. `/new` starts a new thread, `/quit` (or end of input) leaves.

    python examples/cli_chat_async.py [--offline]
    printf 'hello\\nhow are you?\\n' | python examples/cli_chat_async.py --offline
"""

import asyncio
import sys

from _offline import codex_config, text

from codex_app_server import AsyncCodex, AsyncThread
from codex_app_server.models import AgentMessageDeltaNotification

SCRIPT = [
    text("Hi! What shall we work on?", chunks=4, delta_delay=0.02),
    text("I'm doing well, thanks for asking.", chunks=4, delta_delay=0.02),
]
INTERACTIVE = sys.stdin.isatty()


async def read_line() -> str | None:
    if INTERACTIVE:
        print("you> ", end="", flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    if not line:
        return None
    if not INTERACTIVE:
        print(f"you> {line.rstrip()}")
    return line.strip()


async def answer(thread: AsyncThread, prompt: str) -> None:
    print("codex> ", end="", flush=True)
    turn = await thread.turn(prompt)
    async for note in turn.stream():
        if isinstance(note.params, AgentMessageDeltaNotification):
            print(note.params.delta, end="", flush=True)
    result = await turn.run()
    print()
    if not result.succeeded:
        print(f"[turn {result.status}: {result.error.message if result.error else ''}]")


async def main() -> None:
    with codex_config(*SCRIPT) as config:
        async with AsyncCodex(config) as codex:
            print(f"codex {codex.server_version} - /new for a new thread, /quit to leave")
            thread = await codex.thread_start()
            while (line := await read_line()) is not None:
                if line == "/quit":
                    break
                if line == "/new":
                    thread = await codex.thread_start()
                    print(f"[new thread {thread.id}]")
                elif line:
                    await answer(thread, line)
            print("bye")


asyncio.run(main())
