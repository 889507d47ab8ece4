"""Drive a fleet: one Python process, several app-servers, turns spread over them and run
concurrently (one worker thread per server).

Local app-servers (started here), or servers already listening elsewhere (given as URLs,
token from CODEX_APP_SERVER_TOKEN):

    python examples/fleet.py --offline [--servers 4] [--turns 20]
    python examples/fleet.py [--turns 20] ws://10.0.0.5:4500 wss://codex-2.internal:4500

Each server gets its own thread (conversation) and its share of the prompts; a server's
turns run one after the other, the servers side by side.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

from _offline import args, fleet_configs

from codex_app_server import AppServerConfig, Codex

given = args()
urls = [arg for arg in given if "://" in arg]
options = dict(zip(given[::2], given[1::2], strict=False))
servers = len(urls) or int(options.get("--servers", 4))
turns = int(options.get("--turns", 20))
prompts = [f"Task {n}: reply with one word." for n in range(turns)]
shares = [prompts[i::servers] for i in range(servers)]


def open_codex(where: str | AppServerConfig | None) -> Codex:
    if isinstance(where, str):
        return Codex.connect(where, token=os.environ.get("CODEX_APP_SERVER_TOKEN"))
    return Codex(where)


def work(codex: Codex, share: list[str]) -> int:
    thread = codex.thread_start()
    return sum(thread.run(prompt).succeeded for prompt in share)


with fleet_configs(0 if urls else servers) as configs, ExitStack() as stack:
    places: list[str | AppServerConfig | None] = [*urls] if urls else [*configs]
    with ThreadPoolExecutor(servers) as pool:
        fleet = list(pool.map(open_codex, places))  # start (or connect) them side by side
        for codex in fleet:
            stack.callback(codex.close)
        started = time.perf_counter()
        done = list(pool.map(work, fleet, shares))
        elapsed = time.perf_counter() - started
    for number, (codex, count) in enumerate(zip(fleet, done, strict=True), 1):
        print(f"server {number} (codex {codex.server_version}): {count} turns completed")
    print(f"{sum(done)} of {turns} turns on {servers} app-servers in {elapsed:.1f} s")
