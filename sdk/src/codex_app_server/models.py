"""Every protocol model by name (`from codex_app_server.models import ThreadItem`).

Each model is imported on first access; see `codex_app_server._generated.models`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codex_app_server._generated import models as _models

if TYPE_CHECKING:
    from codex_app_server._generated.models import *  # noqa: F403  # pyright: ignore[reportWildcardImportFromLibrary]

__all__ = list(_models.__all__)  # pyright: ignore[reportUnsupportedDunderAll]


def __getattr__(name: str) -> Any:
    return getattr(_models, name)


def __dir__() -> list[str]:
    return sorted(__all__)
