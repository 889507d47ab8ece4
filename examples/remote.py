"""Connect to an app-server that is already running (in a container, a VM, on another
machine) instead of starting one, and reconnect and resume the thread when the connection
drops.

On the server's machine:

    codex app-server --listen ws://0.0.0.0:4500 \\
        --ws-auth capability-token --ws-token-file /run/codex/token

Here (TLS in front of it: wss://; a unix socket: unix:///path/to/socket):

    CODEX_APP_SERVER_TOKEN=$(cat token) python examples/remote.py wss://codex.internal:4500
    python examples/remote.py --offline

Nothing reconnects behind your back: a dropped connection fails the call in progress with
`TransportClosedError`. Threads live on the server (in its CODEX_HOME), so after connecting
again `thread_resume(id)` picks the conversation up where it was.
"""

import time

from _offline import remote_server, text

from codex_app_server import Codex, ConnectionFailedError, TransportClosedError

SCRIPT = [text("Paris."), text("Rome, as the thread remembers France came first.")]


def connect(url: str, token: str | None) -> Codex:
    """Connect, retrying a few times with a growing pause: a restarting server refuses
    connections for a moment. A wrong token (ConnectionUnauthorizedError) is not retried."""
    for attempt in range(5):
        try:
            return Codex.connect(url, token=token)
        except ConnectionFailedError as exc:
            if attempt == 4 or exc.__class__ is not ConnectionFailedError:
                raise
            print(f"connect failed ({exc.reason}); retrying")
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


with remote_server(*SCRIPT) as server:
    codex = connect(server.url, server.token)
    print("connected to codex", codex.server_version)
    thread = codex.thread_start()
    print("first answer:", thread.run("What is the capital of France?").final_response)

    server.restart()  # offline: the server crashes and is restarted (online: nothing happens)

    question = "And of Italy?"
    try:
        answer = thread.run(question).final_response
    except TransportClosedError as exc:
        print("connection lost:", exc.reason)
        thread_id = thread.id
        codex.close()
        codex = connect(server.url, server.token)
        thread = codex.thread_resume(thread_id)
        print("resumed the same thread:", thread.id == thread_id)
        answer = thread.run(question).final_response
    print("second answer:", answer)
    codex.close()
