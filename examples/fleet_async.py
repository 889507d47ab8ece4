"""Drive a fleet: one Python process, several app-servers, turns spread over them and run
concurrently: the async twin of `fleet.py` (see there), one task per server.

    python examples/fleet_async.py --offline [--servers 4] [--turns 20]
    python examples/fleet_async.py [--turns 20] ws://10.0.0.5:4500 wss://codex-2.internal:4500
"""

import asyncio
import os
import time
from contextlib import AsyncExitStack

from _offline import args, fleet_configs

from codex_app_server import AppServerConfig, AsyncCodex

given = args()
urls = [arg for arg in given if "://" in arg]
options = dict(zip(given[::2], given[1::2], strict=False))
servers = len(urls) or int(options.get("--servers", 4))
turns = int(options.get("--turns", 20))
prompts = [f"Task {n}: reply with one word." for n in range(turns)]
shares = [prompts[i::servers] for i in range(servers)]


async def open_codex(where: str | AppServerConfig | None) -> AsyncCodex:
    if isinstance(where, str):
        return await AsyncCodex.connect(where, token=os.environ.get("CODEX_APP_SERVER_TOKEN"))
    return await AsyncCodex.start(where)


async def work(codex: AsyncCodex, share: list[str]) -> int:
    thread = await codex.thread_start()
    return sum([(await thread.run(prompt)).succeeded for prompt in share])


async def main() -> None:
    with fleet_configs(0 if urls else servers) as configs:
        places: list[str | AppServerConfig | None] = [*urls] if urls else [*configs]
        async with AsyncExitStack() as stack:
            fleet = await asyncio.gather(*(open_codex(place) for place in places))
            for codex in fleet:
                stack.push_async_callback(codex.close)
            started = time.perf_counter()
            done = await asyncio.gather(*(work(c, s) for c, s in zip(fleet, shares, strict=True)))
            elapsed = time.perf_counter() - started
            for number, (codex, count) in enumerate(zip(fleet, done, strict=True), 1):
                print(f"server {number} (codex {codex.server_version}): {count} turns completed")
    print(f"{sum(done)} of {turns} turns on {servers} app-servers in {elapsed:.1f} s")


asyncio.run(main())
