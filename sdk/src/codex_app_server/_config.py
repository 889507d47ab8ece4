"""How to start and talk to one ``codex app-server`` process."""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, cast

from codex_app_server._toml import toml_value

__all__ = ["AppServerConfig", "ConfigValue", "toml_value"]

#: A value of a ``-c key=value`` override: encoded as TOML (strings are quoted).
ConfigValue: TypeAlias = (
    "str | int | float | bool | Sequence[ConfigValue] | Mapping[str, ConfigValue]"
)

_SECRET_KEY_RE = re.compile(r"key|token|secret|passw|auth|credential|cookie", re.IGNORECASE)


_DIST_INFO_PREFIX = "codex_app_server_sdk-"


@functools.lru_cache(maxsize=1)
def _sdk_version() -> str:
    """The installed distribution's version, from the name of its ``.dist-info`` directory
    (``codex_app_server_sdk-<version>.dist-info``, first on ``sys.path`` as importlib.metadata
    would find it). Importing ``importlib.metadata`` takes ~12 ms, a sixth of
    ``from codex_app_server import Codex``, so it is only the fallback."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.startswith(_DIST_INFO_PREFIX) and name.endswith(".dist-info"):
                return name[len(_DIST_INFO_PREFIX) : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("codex-app-server-sdk")
    except PackageNotFoundError:
        return "0"


@dataclass(frozen=True, repr=False)
class AppServerConfig:
    """Everything needed to spawn ``codex app-server`` and run a session over it.

    * ``codex_bin``: the binary to run. ``None``: the ``codex-cli-bin`` runtime package, else
      ``codex`` on ``PATH``.
    * ``cwd``: working directory of the process (``None``: ours).
    * ``env``: variables set for the process, merged over this process's environment. Their
      values never appear in ``repr()``.
    * ``unset_env``: names removed from the inherited environment (e.g. ``OPENAI_API_KEY``).
    * ``config_overrides``: ``-c key=value`` arguments; values are encoded as TOML (strings
      quoted, lists/tables inline). Keys are dotted paths (``"model_providers.x.name"``).
    * ``client_name`` / ``client_version``: ``clientInfo`` sent with ``initialize``.
    * ``request_timeout``: default seconds to wait for a response (``None``: no limit; the wait
      still ends when the process dies).
    * ``startup_timeout``: seconds for spawn + ``initialize``.
    * ``notification_buffer``: bound of the notification buffers: the default size of a global
      notification subscription, the high watermark of a turn subscription (reading pauses
      above it), and the number of notifications held for turns not yet subscribed.
    * ``server_request_timeout``: seconds a server-to-client request handler may take before
      the request is answered with an error (``None``: no limit).
    * ``shutdown_timeout``: seconds ``close()`` waits for the process at each step (stdin EOF,
      then SIGTERM, then SIGKILL).
    * ``extra_args``: more arguments after ``app-server`` (e.g. ``("--enable", "feature")``).
    * ``handler_threads``: at most this many blocking (non-async) server-request handlers run
      at once, each in a worker thread; more requests wait their turn (within
      ``server_request_timeout``).
    * ``experimental_api``: opt in to the experimental API (``capabilities.experimentalApi``
      in ``initialize``). Experimental methods and arguments (marked ``[Experimental]`` in
      their docstrings, e.g. ``dynamic_tools`` of ``thread_start``) raise
      :class:`~codex_app_server.errors.ExperimentalApiError` without it. They may change or
      disappear in any codex release. Default: off.
    """

    codex_bin: str | os.PathLike[str] | None = None
    cwd: str | os.PathLike[str] | None = None
    env: Mapping[str, str] = field(default_factory=lambda: cast("dict[str, str]", {}))
    unset_env: Sequence[str] = ()
    config_overrides: Mapping[str, ConfigValue] = field(
        default_factory=lambda: cast("dict[str, ConfigValue]", {})
    )
    client_name: str = "codex_app_server_sdk"
    client_version: str = field(default_factory=_sdk_version)
    request_timeout: float | None = 60.0
    startup_timeout: float | None = 30.0
    notification_buffer: int = 10_000
    server_request_timeout: float | None = 300.0
    shutdown_timeout: float = 3.0
    extra_args: Sequence[str] = ()
    handler_threads: int = 8
    experimental_api: bool = False

    def __post_init__(self) -> None:
        from codex_app_server._arguments import check_config_fields

        check_config_fields(self)
        if self.handler_threads < 1:
            raise ValueError("handler_threads must be at least 1")
        if self.notification_buffer < 2:
            raise ValueError("notification_buffer must be at least 2")
        for name in ("request_timeout", "startup_timeout", "server_request_timeout"):
            value = cast("float | None", getattr(self, name))
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be > 0 or None, not {value!r}")
        if not self.shutdown_timeout > 0:
            raise ValueError("shutdown_timeout must be > 0")
        if isinstance(self.extra_args, str):
            raise TypeError("extra_args must be a sequence of strings, not a string")
        for key in self.config_overrides:
            if not key or "=" in key:
                raise ValueError(f"invalid config override key {key!r}")

    def override_args(self) -> list[str]:
        """The ``-c key=value`` arguments for ``config_overrides``."""
        args: list[str] = []
        for key, value in self.config_overrides.items():
            args += ["-c", f"{key}={toml_value(value)}"]
        return args

    def __repr__(self) -> str:
        env = ", ".join(f"{k!r}: '<redacted>'" for k in self.env)
        overrides = ", ".join(
            f"{k!r}: {'<redacted>' if _SECRET_KEY_RE.search(k) else repr(_redact(v))}"
            for k, v in self.config_overrides.items()
        )
        extra_args = tuple(_redact_arg(arg) for arg in self.extra_args)
        return (
            f"AppServerConfig(codex_bin={self.codex_bin!r}, cwd={self.cwd!r}, "
            f"env={{{env}}}, config_overrides={{{overrides}}}, "
            f"client_name={self.client_name!r}, client_version={self.client_version!r}, "
            f"request_timeout={self.request_timeout!r}, "
            f"startup_timeout={self.startup_timeout!r}, "
            f"notification_buffer={self.notification_buffer!r}, "
            f"server_request_timeout={self.server_request_timeout!r}, "
            f"shutdown_timeout={self.shutdown_timeout!r}, extra_args={extra_args!r}, "
            f"handler_threads={self.handler_threads!r}, "
            f"experimental_api={self.experimental_api!r})"
        )


_REDACTED = "<redacted>"


def _redact(value: Any) -> Any:
    """``value`` with the values under secret-looking keys of nested tables replaced."""
    if isinstance(value, Mapping):
        items = cast("Mapping[Any, Any]", value).items()
        return {
            k: _REDACTED if isinstance(k, str) and _SECRET_KEY_RE.search(k) else _redact(v)
            for k, v in items
        }
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in cast("Sequence[Any]", value)]
    return value


def _redact_arg(arg: str) -> str:
    """``key=value`` arguments (``-c`` overrides in extra_args) with a secret-looking key."""
    key, sep, _ = arg.partition("=")
    return f"{key}={_REDACTED}" if sep and _SECRET_KEY_RE.search(key) else arg
