"""The protocol registry: every method of the pinned runtime, keyed by wire method name.

- `CLIENT_REQUESTS[method]` -> `RequestSpec` (`params_type`, `result_type`)
- `SERVER_NOTIFICATIONS[method]` -> `NotificationSpec` (`params_type`)
- `SERVER_REQUESTS[method]` -> `ServerRequestSpec` (`params_type`, `response_type`)
- `CLIENT_NOTIFICATIONS[method]` -> `ClientNotificationSpec` (notifications the client sends,
  such as `initialized`)
- `RUNTIME_VERSION`: the codex runtime the registry was generated from; `SCHEMA_SHA256` the
  sha256 of that runtime's protocol schema

The mappings are read-only. Types are imported when first asked for, so importing this module
is cheap.
"""

from __future__ import annotations

from codex_app_server._generated.registry import (
    CLIENT_NOTIFICATIONS,
    CLIENT_REQUESTS,
    SERVER_NOTIFICATIONS,
    SERVER_REQUESTS,
)
from codex_app_server._generated.runtime import RUNTIME_VERSION, SCHEMA_SHA256
from codex_app_server._specs import (
    ClientNotificationSpec,
    ModelRef,
    NotificationSpec,
    RequestSpec,
    ServerRequestSpec,
)

__all__ = [
    "CLIENT_NOTIFICATIONS",
    "CLIENT_REQUESTS",
    "RUNTIME_VERSION",
    "SCHEMA_SHA256",
    "SERVER_NOTIFICATIONS",
    "SERVER_REQUESTS",
    "ClientNotificationSpec",
    "ModelRef",
    "NotificationSpec",
    "RequestSpec",
    "ServerRequestSpec",
]
