"""Quickstart, async: the same as quickstart.py with `AsyncCodex`.

python examples/quickstart_async.py [--offline]
"""

import asyncio

from _offline import codex_config, text

from codex_app_server import AsyncCodex


async def main() -> None:
    with codex_config(text("Hello! I'm Codex, ready to help.")) as config:
        async with AsyncCodex(config) as codex:
            print("server:", codex.server_version)
            thread = await codex.thread_start()
            result = await thread.run("Say hello in one short sentence.")
            print("status:", result.status)
            print("answer:", result.final_response)
            if result.usage is not None:
                print("tokens:", result.usage.total.total_tokens)


asyncio.run(main())
