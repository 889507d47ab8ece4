"""A multi-turn conversation, async.

python examples/multi_turn_async.py [--offline]
"""

import asyncio

from _offline import codex_config, text

from codex_app_server import AsyncCodex

QUESTIONS = [
    "Pick a prime number between 10 and 20. Answer with the number only.",
    "Double it. Answer with the number only.",
    "What was the number you picked first? Answer with the number only.",
]
SCRIPT = [text("13"), text("26"), text("13")]


async def main() -> None:
    with codex_config(*SCRIPT) as config:
        async with AsyncCodex(config) as codex:
            thread = await codex.thread_start()
            print("thread:", thread.id)
            for question in QUESTIONS:
                result = await thread.run(question)
                result.raise_for_status()
                print(f"> {question}\n{result.final_response}")
            history = (await thread.read(include_turns=True)).thread
            print("turns in the thread:", len(history.turns or []))


asyncio.run(main())
