"""One call to get an offline Codex setup: a loopback model, a private CODEX_HOME, a work
directory and the `AppServerConfig` that ties them together."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._codex_home import SCRUBBED_ENV, CodexHome, write_codex_home
from ._model_server import MockModelServer, Reply

if TYPE_CHECKING:
    from codex_app_server._config import AppServerConfig


@dataclass(frozen=True)
class OfflineEnvironment:
    """What `offline_environment()` yields: the scripted model, the CODEX_HOME, a work
    directory and the config that ties them together."""

    model: MockModelServer
    """The scripted model: `model.enqueue(text(...))`, `model.requests`."""
    home: CodexHome
    workdir: Path
    """An empty working directory for the app-server (its `cwd`)."""
    config: AppServerConfig
    """Pass to `Codex(config)` / `AsyncCodex(config)`."""


@contextmanager
def offline_environment(
    *replies: Reply,
    approval_policy: str | None = "never",
    sandbox_mode: str | None = "read-only",
    extra: Mapping[str, Any] | None = None,
    codex_bin: str | None = None,
    **config_options: Any,
) -> Generator[OfflineEnvironment, None, None]:
    """Start a loopback model (answering `replies`, then "Done."), write a temporary
    CODEX_HOME pointing at it, and yield an `OfflineEnvironment`: the scripted model
    (`env.model`), the CODEX_HOME, a work directory and `env.config`, the `AppServerConfig`
    to start the real app-server with::

        with offline_environment(text("Hi!")) as env, Codex(env.config) as codex:
            assert codex.thread_start().run("hello").final_response == "Hi!"

    `config_options` go to `AppServerConfig` (e.g. `request_timeout`). Everything is removed
    on exit.
    """
    from codex_app_server._config import AppServerConfig

    root = Path(tempfile.mkdtemp(prefix="codex-offline-"))
    try:
        with MockModelServer(*replies) as model:
            home = write_codex_home(
                root / "codex-home",
                model.base_url,
                approval_policy=approval_policy,
                sandbox_mode=sandbox_mode,
                extra=extra,
            )
            workdir = root / "work"
            workdir.mkdir()
            config = AppServerConfig(
                codex_bin=codex_bin,
                cwd=str(workdir),
                env=dict(home.env),
                unset_env=SCRUBBED_ENV,
                **config_options,
            )
            yield OfflineEnvironment(model=model, home=home, workdir=workdir, config=config)
    finally:
        shutil.rmtree(root, ignore_errors=True)
