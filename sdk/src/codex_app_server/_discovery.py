"""Finding the codex binary and building the app-server's command line and environment."""

from __future__ import annotations

import importlib
import logging
import os
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import CodexBinaryError, CodexNotFoundError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ._config import AppServerConfig

__all__ = ["ResolvedBinary", "build_command", "build_env", "find_codex_bin", "secret_values"]

logger = logging.getLogger("codex_app_server")


@dataclass(frozen=True)
class ResolvedBinary:
    """The codex binary to run, where it came from, and a directory to put on PATH (the
    runtime package's bundled helpers, e.g. ``rg``) if any."""

    path: str
    source: str
    path_dir: str | None = None


def _is_executable_file(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


#: The runtime packages tried in order (import name, distribution, source label): this SDK's
#: own runtime wheel first, then OpenAI's (what the official SDK installs).
_RUNTIME_PACKAGES = (
    ("codex_app_server_runtime", "codex-cli-bin", "codex-cli-bin"),
    ("codex_cli_bin", "openai-codex-cli-bin", "openai-codex-cli-bin"),
)


def find_codex_bin(codex_bin: str | os.PathLike[str] | None = None) -> ResolvedBinary:
    """The codex binary the SDK runs for ``AppServerConfig(codex_bin=codex_bin)``: call it to
    see which codex (and where from) a client will start, without starting one.

    Looked up in order: explicit ``codex_bin``; else this SDK's runtime package
    (``codex-cli-bin``, import ``codex_app_server_runtime``); else OpenAI's
    (``openai-codex-cli-bin``, import ``codex_cli_bin``); else ``codex`` on ``PATH``.

    The result's ``source`` says which one was used, and the choice is logged (INFO, logger
    ``codex_app_server``). Raises :class:`CodexBinaryError` for an unusable explicit path and
    :class:`CodexNotFoundError` (listing every place tried) when nothing is found.
    """
    resolved = _find_codex_bin(codex_bin)
    logger.info("using codex %s (from %s)", resolved.path, resolved.source)
    return resolved


def _find_codex_bin(codex_bin: str | os.PathLike[str] | None) -> ResolvedBinary:
    if codex_bin is not None:
        path = os.fspath(codex_bin)
        if not path:
            raise CodexBinaryError(path, "is empty")
        has_sep = os.sep in path or (os.altsep is not None and os.altsep in path)
        if not has_sep and not os.path.exists(path):
            found = shutil.which(path)
            if found is None:
                raise CodexBinaryError(path, "was not found on PATH")
            return ResolvedBinary(found, "codex_bin (on PATH)")
        if not os.path.exists(path):
            raise CodexBinaryError(path, "does not exist")
        if os.path.isdir(path):
            raise CodexBinaryError(path, "is a directory, not an executable")
        if not os.access(path, os.X_OK):
            raise CodexBinaryError(path, "is not executable (check its permissions)")
        return ResolvedBinary(os.path.abspath(path), "codex_bin")

    tried: list[str] = []
    for module_name, distribution, source in _RUNTIME_PACKAGES:
        what = f"runtime package {distribution} (import {module_name})"
        try:
            runtime: Any = importlib.import_module(module_name)
        except ImportError:
            tried.append(f"{what}: not installed")
            continue
        try:
            bundled = str(runtime.bundled_codex_path())
        except Exception as exc:
            tried.append(f"{what}: {exc}")
            continue
        if not _is_executable_file(bundled):
            tried.append(f"{what}: {bundled} is not an executable file")
            continue
        path_dir: str | None = None
        try:
            extra: Any = runtime.bundled_path_dir()
            if extra is not None:
                path_dir = str(extra)
        except Exception:
            path_dir = None
        return ResolvedBinary(bundled, source, path_dir)

    found = shutil.which("codex")
    if found is not None:
        return ResolvedBinary(found, "PATH")
    search_path = os.environ.get("PATH", "")
    if len(search_path) > 300:
        search_path = search_path[:300] + "..."
    tried.append(f"`codex` on PATH (PATH={search_path!r}): not found")
    raise CodexNotFoundError(tried)


def build_command(config: AppServerConfig, binary: str) -> list[str]:
    """argv for the app-server: never run through a shell."""
    return [binary, "app-server", *config.override_args(), *config.extra_args]


def build_env(
    overrides: Mapping[str, str], path_dir: str | None = None, unset: Sequence[str] = ()
) -> dict[str, str]:
    """This process's environment without ``unset``, with ``overrides`` on top (and
    ``path_dir`` first on PATH)."""
    env = dict(os.environ)
    for name in unset:
        env.pop(name, None)
    if path_dir:
        env["PATH"] = path_dir + os.pathsep + env.get("PATH", "") if env.get("PATH") else path_dir
    for key, value in overrides.items():
        if not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"env[{key!r}] must be a str, not {type(value).__name__}")
        env[key] = value
    return env


def secret_values(env: Mapping[str, str]) -> tuple[str, ...]:
    """The values of ``env``'s secret-looking variables (``OPENAI_API_KEY``, ``*_TOKEN``...),
    longest first, to redact from what the SDK reports; short values and paths are left."""
    from ._config import _SECRET_KEY_RE

    found = {
        value
        for key, value in env.items()
        if _SECRET_KEY_RE.search(key) and len(value) >= 8 and not value.startswith("/")
    }
    return tuple(sorted(found, key=len, reverse=True))
