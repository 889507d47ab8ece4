"""Streaming progress, async: `async for note in turn.stream()`.

python examples/streaming_async.py [--offline]
"""

import asyncio
import sys

from _offline import codex_config, text

from codex_app_server import AsyncCodex
from codex_app_server.models import (
    ItemCompletedNotification,
    ItemStartedNotification,
    TurnCompletedNotification,
)

ANSWER = text(
    "Streaming means you see each piece of the answer as soon as the model writes it.",
    chunks=6,
    delta_delay=0.05,
)


async def main() -> None:
    with codex_config(ANSWER) as config:
        async with AsyncCodex(config) as codex:
            thread = await codex.thread_start()
            turn = await thread.turn("Explain streaming in one sentence.")
            async for note in turn.stream():
                if (delta := note.params_for("item/agentMessage/delta")) is not None:
                    sys.stdout.write(delta.delta)
                    sys.stdout.flush()
                match note.params:
                    case ItemStartedNotification(item=item):
                        print(f"[{item.type} started]")
                    case ItemCompletedNotification(item=item):
                        if item.type == "agentMessage":
                            print()  # end the streamed line
                        print(f"[{item.type} completed]")
                    case TurnCompletedNotification(turn=done):
                        print(f"[turn {done.status}]")
                    case _:
                        pass
            result = await turn.run()
            print("status:", result.status, "| items:", [type(i).__name__ for i in result.items])


asyncio.run(main())
