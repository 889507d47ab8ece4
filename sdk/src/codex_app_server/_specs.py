"""Descriptions of protocol methods that resolve their model types on first use.

The generated registry holds one spec per method. Types are named (module + class) and
imported only when a method is first called or a notification first parsed, so importing the
SDK never loads the ~900 protocol models.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pydantic import TypeAdapter

MODELS_PACKAGE = "codex_app_server._generated.models"

P = TypeVar("P")
R = TypeVar("R")
# A server-request handler: takes the typed params, returns the typed response (or a
# dict in its wire shape), directly or as an awaitable.
Handler = Callable[[P], R | dict[str, Any] | Awaitable[R | dict[str, Any]]]


class _Unset:
    """The default of `request_timeout`: use the client's configured timeout."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DEFAULT_TIMEOUT"


DEFAULT_TIMEOUT = _Unset()
# Seconds; None waits as long as the server lives; DEFAULT_TIMEOUT uses the config's value.
TimeoutArg = float | None | _Unset


@dataclass(frozen=True)
class ModelRef:
    """A generated type named by its module and name, imported on first use."""

    module: str
    name: str
    _cache: dict[str, Any] = field(default_factory=dict[str, Any], compare=False, repr=False)

    def resolve(self) -> Any:
        found = self._cache.get("type")
        if found is None:
            module = importlib.import_module(f"{MODELS_PACKAGE}.{self.module}")
            found = self._cache["type"] = getattr(module, self.name)
        return found

    @property
    def adapter(self) -> TypeAdapter[Any]:
        adapter = self._cache.get("adapter")
        if adapter is None:
            from pydantic import TypeAdapter  # first use: keeps `import codex_app_server` light

            adapter = self._cache["adapter"] = TypeAdapter(self.resolve())
        return adapter

    def validate(self, data: Any) -> Any:
        return self.adapter.validate_python(data)

    def dump(self, value: Any) -> Any:
        return self.adapter.dump_python(value, mode="json", by_alias=True, exclude_unset=True)


@dataclass(frozen=True)
class RequestSpec:
    """A client-to-server request: `CLIENT_REQUESTS[method]`."""

    method: str
    py_name: str
    params: ModelRef | None
    result: ModelRef
    doc: str = ""

    @property
    def params_type(self) -> Any:
        return None if self.params is None else self.params.resolve()

    @property
    def result_type(self) -> Any:
        return self.result.resolve()


@dataclass(frozen=True)
class NotificationSpec:
    """A server-to-client notification: `SERVER_NOTIFICATIONS[method]`."""

    method: str
    py_name: str
    params: ModelRef
    doc: str = ""

    @property
    def params_type(self) -> Any:
        return self.params.resolve()


@dataclass(frozen=True)
class ServerRequestSpec:
    """A server-to-client request the client must answer: `SERVER_REQUESTS[method]`."""

    method: str
    handler_name: str
    params: ModelRef
    response: ModelRef
    doc: str = ""

    @property
    def params_type(self) -> Any:
        return self.params.resolve()

    @property
    def response_type(self) -> Any:
        return self.response.resolve()


@dataclass(frozen=True)
class ClientNotificationSpec:
    method: str
    py_name: str


def compact(values: dict[str, Any]) -> dict[str, Any]:
    """Drop keyword arguments left at None: the server applies its own defaults."""
    return {key: value for key, value in values.items() if value is not None}
