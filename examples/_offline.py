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
from contextlib import contextmanager
from typing import Any

from codex_app_server import AppServerConfig
from codex_app_server.testing import (  # re-exported: the replies an example scripts
    Reply,
    fail,
    function_call,
    hold,
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
    "function_call",
    "hold",
    "messages",
    "overloaded",
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
