"""Typed Python SDK for the OpenAI Codex app-server."""

from __future__ import annotations

from codex_app_server._generated.runtime import RUNTIME_VERSION

__all__ = ["RUNTIME_VERSION"]
