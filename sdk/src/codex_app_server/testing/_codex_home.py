"""Write a throwaway ``CODEX_HOME`` whose ``config.toml`` points codex at a loopback model.

Stdlib only: this module ships inside the SDK.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from codex_app_server._toml import toml_key, toml_value

__all__ = ["CodexHome", "dumps_toml", "write_codex_home"]

MOCK_MODEL = "mock-model"
MOCK_PROVIDER = "mock"


@dataclass(frozen=True)
class CodexHome:
    """A ``CODEX_HOME`` directory written by :func:`write_codex_home`."""

    path: Path
    """The directory to pass as ``CODEX_HOME``."""
    config: Mapping[str, Any]
    """The settings written to ``config.toml``."""
    env: Mapping[str, str] = field(default_factory=dict[str, str])
    """Variables to set in the app-server's environment (``CODEX_HOME`` and friends)."""

    @property
    def config_path(self) -> Path:
        """``<path>/config.toml``."""
        return self.path / "config.toml"

    def spawn_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: ``os.environ``) overlaid with :attr:`env`, ready for spawning.

        Variables that would point codex at a real account or another home
        (``OPENAI_API_KEY``, ``CODEX_API_KEY``, ``OPENAI_BASE_URL``...) are removed.
        """
        merged = dict(os.environ if base is None else base)
        for name in SCRUBBED_ENV:
            merged.pop(name, None)
        merged.update(self.env)
        return merged


# Variables that could make a test codex use a real account, a real endpoint or a real home.
SCRUBBED_ENV = (
    "OPENAI_API_KEY",
    "CODEX_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORGANIZATION",
    "OPENAI_PROJECT",
    "CODEX_INTERNAL_ORIGINATOR_OVERRIDE",
    "CODEX_SANDBOX",
    "CODEX_SANDBOX_NETWORK_DISABLED",
    "CODEX_THREAD_ID",
)


def write_codex_home(
    path: str | os.PathLike[str],
    base_url: str,
    *,
    model: str = MOCK_MODEL,
    approval_policy: str | None = "never",
    sandbox_mode: str | None = "read-only",
    extra: Mapping[str, Any] | None = None,
    isolate_home: bool = True,
) -> CodexHome:
    """Create ``path`` (if needed) and write a ``config.toml`` that uses the loopback model.

    The file selects ``model`` from a provider ``mock`` at ``base_url`` (e.g.
    ``MockModelServer.base_url``, ``http://127.0.0.1:PORT/v1``) speaking the Responses
    wire API, with retries off so failures surface at once. ``approval_policy``
    (``"never"``, ``"on-request"``, ``"on-failure"``...) and ``sandbox_mode``
    (``"read-only"``, ``"workspace-write"``, ``"danger-full-access"``) are written when
    not None. ``extra`` is merged in last, table by table, so it may add keys or
    override any of the above (e.g. ``{"model_providers": {"mock":
    {"stream_idle_timeout_ms": 2000}}}``).

    Features that would reach remote services (analytics, feedback, update checks,
    plugin and skill sync, web search, remote control) are turned off. With
    ``isolate_home=True`` the returned ``env`` also sets ``HOME`` (and ``USERPROFILE``)
    to ``<path>/user-home`` so nothing reads or writes the real user's files.
    """
    home = Path(path).absolute()
    home.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "model": model,
        "model_provider": MOCK_PROVIDER,
    }
    if approval_policy is not None:
        config["approval_policy"] = approval_policy
    if sandbox_mode is not None:
        config["sandbox_mode"] = sandbox_mode
    config.update(copy.deepcopy(_OFFLINE_SETTINGS))  # `extra` merges into nested tables
    config["model_providers"] = {
        MOCK_PROVIDER: {
            "name": "Mock model (loopback)",
            "base_url": base_url,
            "wire_api": "responses",
            "request_max_retries": 0,
            "stream_max_retries": 0,
            "stream_idle_timeout_ms": 30_000,
        }
    }
    if extra:
        _merge(config, extra)
    (home / "config.toml").write_text(dumps_toml(config), encoding="utf-8")
    env = {"CODEX_HOME": str(home)}
    if isolate_home:
        user_home = home / "user-home"
        user_home.mkdir(exist_ok=True)
        env["HOME"] = str(user_home)
        env["USERPROFILE"] = str(user_home)
    return CodexHome(path=home, config=config, env=env)


_OFFLINE_SETTINGS: dict[str, Any] = {
    "check_for_update_on_startup": False,
    "analytics": {"enabled": False},
    "feedback": {"enabled": False},
    "web_search": "disabled",
    # Plugin sync and featured-plugin lookups call GitHub and chatgpt.com at thread start.
    "features": {"plugins": False, "remote_plugin": False, "apps": False},
}


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        current = into.get(key)
        if isinstance(value, Mapping):
            table = cast("Mapping[str, Any]", value)
            if isinstance(current, dict):
                _merge(cast("dict[str, Any]", current), table)
            else:
                fresh: dict[str, Any] = {}
                _merge(fresh, table)
                into[key] = fresh
        else:
            into[key] = value


# --------------------------------------------------------------------------- TOML


def _table(lines: list[str], prefix: tuple[str, ...], table: Mapping[str, Any]) -> None:
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, Mapping)]
    tables = [(k, cast("Mapping[str, Any]", v)) for k, v in table.items() if isinstance(v, Mapping)]
    if prefix and (scalars or not tables):
        if lines:
            lines.append("")
        lines.append("[" + ".".join(toml_key(p) for p in prefix) + "]")
    for key, value in scalars:
        if value is None:
            continue
        lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for key, value in tables:
        _table(lines, (*prefix, key), value)


def dumps_toml(config: Mapping[str, Any]) -> str:
    """Serialize a mapping of str/int/float/bool/list/mapping values as TOML.

    Nested mappings become ``[tables]``; None values are left out.
    """
    lines: list[str] = []
    _table(lines, (), config)
    return "\n".join(lines) + "\n"
