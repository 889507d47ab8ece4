"""How to start and talk to one ``codex app-server`` process."""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeAlias, cast

__all__ = ["AppServerConfig", "ConfigValue", "toml_value"]

#: A value of a ``-c key=value`` override: encoded as TOML (strings are quoted).
ConfigValue: TypeAlias = (
    "str | int | float | bool | Sequence[ConfigValue] | Mapping[str, ConfigValue]"
)

_SECRET_KEY_RE = re.compile(r"key|token|secret|passw|auth|credential|cookie", re.IGNORECASE)
_BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@functools.lru_cache(maxsize=1)
def _sdk_version() -> str:
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

    def __post_init__(self) -> None:
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
            f"{k!r}: {'<redacted>' if _SECRET_KEY_RE.search(k) else repr(v)}"
            for k, v in self.config_overrides.items()
        )
        return (
            f"AppServerConfig(codex_bin={self.codex_bin!r}, cwd={self.cwd!r}, "
            f"env={{{env}}}, config_overrides={{{overrides}}}, "
            f"client_name={self.client_name!r}, client_version={self.client_version!r}, "
            f"request_timeout={self.request_timeout!r}, "
            f"startup_timeout={self.startup_timeout!r}, "
            f"notification_buffer={self.notification_buffer!r}, "
            f"server_request_timeout={self.server_request_timeout!r}, "
            f"shutdown_timeout={self.shutdown_timeout!r}, extra_args={tuple(self.extra_args)!r})"
        )


def _toml_string(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(value: Any) -> str:
    """Encode one value as an inline TOML value (what ``codex -c key=VALUE`` parses)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, os.PathLike):
        return _toml_string(os.fspath(cast("os.PathLike[str]", value)))
    if isinstance(value, Mapping):
        items = cast("Mapping[Any, Any]", value).items()
        parts: list[str] = []
        for k, v in items:
            if not isinstance(k, str):
                raise TypeError(f"TOML table keys must be strings, not {k!r}")
            key = k if _BARE_KEY_RE.match(k) else _toml_string(k)
            parts.append(f"{key} = {toml_value(v)}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        seq = cast("Sequence[Any]", value)
        return "[" + ", ".join(toml_value(v) for v in seq) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} as a TOML config value")
