"""The one place where the examples learn to run offline.

Every example runs against the real Codex runtime and your login by default. With
`--offline` on the command line (or `CODEX_EXAMPLES_OFFLINE=1` in the environment) it runs
the same code against the real `codex app-server`, but with a scripted loopback model from
`codex_app_server.testing` instead of OpenAI: no network, no account, and answers known in
advance (each example passes its script to `codex_config(...)`; online the script is ignored).

    with codex_config(text("Hi!")) as config, Codex(config) as codex:
        ...
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator
from contextlib import ExitStack, contextmanager
from typing import Any

from codex_app_server import AppServerConfig
from codex_app_server.testing import (  # re-exported: the replies an example scripts
    ListeningAppServer,
    OfflineEnvironment,
    Reply,
    fail,
    function_call,
    function_calls,
    hold,
    listening_app_server,
    messages,
    offline_environment,
    overloaded,
    shell_command,
    text,
)

__all__ = [
    "OFFLINE",
    "args",
    "codex_config",
    "fail",
    "fleet_configs",
    "function_call",
    "function_calls",
    "hold",
    "messages",
    "overloaded",
    "remote_server",
    "shell_command",
    "text",
]

OFFLINE = "--offline" in sys.argv[1:] or os.environ.get("CODEX_EXAMPLES_OFFLINE", "") not in (
    "",
    "0",
)


@contextmanager
def codex_config(*replies: Reply, **settings: Any) -> Generator[AppServerConfig | None, None, None]:
    """The config to start `Codex`/`AsyncCodex` with.

    Online: None (the installed runtime, your login and your ~/.codex). Offline: a config
    that points the real app-server at a loopback model answering `replies` in order, in a
    throwaway CODEX_HOME and work directory. `settings` go to `offline_environment`.
    """
    if not OFFLINE:
        yield None
        return
    with offline_environment(*replies, **settings) as env:
        yield env.config


def args() -> list[str]:
    """The command-line arguments without `--offline`."""
    return [arg for arg in sys.argv[1:] if arg != "--offline"]


@contextmanager
def fleet_configs(
    count: int, *replies: Reply
) -> Generator[list[AppServerConfig | None], None, None]:
    """Configs for `count` app-servers. Online: `count` times None (each the installed runtime
    with your login). Offline: each its own loopback model (answering `replies`), CODEX_HOME
    and work directory."""
    if not OFFLINE:
        yield [None] * count
        return
    with ExitStack() as stack:
        yield [stack.enter_context(offline_environment(*replies)).config for _ in range(count)]


class RemoteServer:
    """Where `remote.py` connects: `url` and `token`. Online: the URL given on the command
    line (or `CODEX_APP_SERVER_URL`) and `CODEX_APP_SERVER_TOKEN`; `restart()` does nothing.
    Offline: a real app-server listening on 127.0.0.1 with a fresh token; `restart()` kills
    it and starts another on the same CODEX_HOME (a new port), as a crash and a supervisor
    restarting it would."""

    def __init__(self, url: str, token: str | None, env: OfflineEnvironment | None) -> None:
        self.url = url
        self.token = token
        self._env = env
        self._stack = ExitStack()

    def serve(self) -> None:
        assert self._env is not None
        server: ListeningAppServer = self._stack.enter_context(
            listening_app_server(self._env.config)
        )
        self._server = server
        self.url, self.token = server.url, server.token

    def restart(self) -> None:
        if self._env is None:
            return
        self._server.kill()
        self._stack.close()
        self.serve()

    def close(self) -> None:
        self._stack.close()


@contextmanager
def remote_server(*replies: Reply) -> Generator[RemoteServer, None, None]:
    """The app-server `remote.py` connects to (see `RemoteServer`)."""
    if not OFFLINE:
        given = args()
        url = given[0] if given else os.environ.get("CODEX_APP_SERVER_URL", "")
        if not url:
            sys.exit("usage: remote.py URL (or set CODEX_APP_SERVER_URL); or --offline")
        yield RemoteServer(url, os.environ.get("CODEX_APP_SERVER_TOKEN"), None)
        return
    with offline_environment(*replies) as env:
        server = RemoteServer("", None, env)
        server.serve()
        try:
            yield server
        finally:
            server.close()
