"""Connect to an app-server that is already running, and reconnect and resume the thread
when the connection drops: the async twin of `remote.py` (see there).

    CODEX_APP_SERVER_TOKEN=$(cat token) python examples/remote_async.py wss://codex.internal:4500
    python examples/remote_async.py --offline
"""

import asyncio

from _offline import remote_server, text

from codex_app_server import AsyncCodex, ConnectionFailedError, TransportClosedError

SCRIPT = [text("Paris."), text("Rome, as the thread remembers France came first.")]


async def connect(url: str, token: str | None) -> AsyncCodex:
    """Connect, retrying a few times with a growing pause: a restarting server refuses
    connections for a moment. A wrong token (ConnectionUnauthorizedError) is not retried."""
    for attempt in range(5):
        try:
            return await AsyncCodex.connect(url, token=token)
        except ConnectionFailedError as exc:
            if attempt == 4 or exc.__class__ is not ConnectionFailedError:
                raise
            print(f"connect failed ({exc.reason}); retrying")
            await asyncio.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


async def main() -> None:
    with remote_server(*SCRIPT) as server:
        codex = await connect(server.url, server.token)
        print("connected to codex", codex.server_version)
        thread = await codex.thread_start()
        first = await thread.run("What is the capital of France?")
        print("first answer:", first.final_response)

        server.restart()  # offline: the server crashes and is restarted (online: nothing)

        question = "And of Italy?"
        try:
            answer = (await thread.run(question)).final_response
        except TransportClosedError as exc:
            print("connection lost:", exc.reason)
            thread_id = thread.id
            await codex.close()
            codex = await connect(server.url, server.token)
            thread = await codex.thread_resume(thread_id)
            print("resumed the same thread:", thread.id == thread_id)
            answer = (await thread.run(question)).final_response
        print("second answer:", answer)
        await codex.close()


asyncio.run(main())
