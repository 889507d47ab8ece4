"""Descriptions of protocol methods that resolve their model types on first use.

The generated registry holds one spec per method. Types are named (module + class) and
imported only when a method is first called or a notification first parsed, so importing the
SDK never loads the ~900 protocol models.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

from codex_app_server._not_given import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from pydantic import TypeAdapter

MODELS_PACKAGE = "codex_app_server._generated.models"

P = TypeVar("P")
R = TypeVar("R")
# A server-request handler: takes the typed params, returns the typed response (or a
# dict in its wire shape), directly or as an awaitable.
Handler = Callable[[P], R | dict[str, Any] | Awaitable[R | dict[str, Any]]]


#: The default of `request_timeout`: the config's timeout. The same object as `NOT_GIVEN`
#: (one sentinel for "left out"); kept under this name for code that spells it so.
DEFAULT_TIMEOUT: Final = NOT_GIVEN
# Seconds; None waits as long as the server lives; NOT_GIVEN uses the config's value.
TimeoutArg = float | None | NotGiven


@dataclass(frozen=True)
class ModelRef:
    """A generated type named by its module and name, imported on first use."""

    module: str
    name: str
    _cache: dict[str, Any] = field(default_factory=dict[str, Any], compare=False, repr=False)

    def resolve(self) -> Any:
        """The type itself (imported on first call)."""
        found = self._cache.get("type")
        if found is None:
            module = importlib.import_module(f"{MODELS_PACKAGE}.{self.module}")
            found = self._cache["type"] = getattr(module, self.name)
        return found

    @property
    def adapter(self) -> TypeAdapter[Any]:
        """A pydantic `TypeAdapter` for the type (built on first use)."""
        adapter = self._cache.get("adapter")
        if adapter is None:
            from pydantic import TypeAdapter  # first use: keeps `import codex_app_server` light

            adapter = self._cache["adapter"] = TypeAdapter(self.resolve())
        return adapter

    def validate(self, data: Any) -> Any:
        """Wire data (a dict) -> the typed value."""
        return self.adapter.validate_python(data)

    def dump(self, value: Any) -> Any:
        """A typed value -> wire data, by wire names, without unset fields."""
        return self.adapter.dump_python(value, mode="json", by_alias=True, exclude_unset=True)


@dataclass(frozen=True)
class RequestSpec:
    """A client-to-server request: `CLIENT_REQUESTS[method]`."""

    method: str
    py_name: str
    params: ModelRef | None
    result: ModelRef
    doc: str = ""
    #: Needs ``AppServerConfig(experimental_api=True)`` (the whole method).
    experimental: bool = False
    #: Wire names of params fields that need ``AppServerConfig(experimental_api=True)``.
    experimental_fields: frozenset[str] = frozenset()

    @property
    def params_type(self) -> Any:
        """The params model (None for a method without params)."""
        return None if self.params is None else self.params.resolve()

    @property
    def result_type(self) -> Any:
        """The result model."""
        return self.result.resolve()


@dataclass(frozen=True)
class NotificationSpec:
    """A server-to-client notification: `SERVER_NOTIFICATIONS[method]`."""

    method: str
    py_name: str
    params: ModelRef
    doc: str = ""
    #: Sent only to clients that opted in with ``AppServerConfig(experimental_api=True)``.
    experimental: bool = False

    @property
    def params_type(self) -> Any:
        """The params model."""
        return self.params.resolve()


@dataclass(frozen=True)
class ServerRequestSpec:
    """A server-to-client request the client must answer: `SERVER_REQUESTS[method]`."""

    method: str
    handler_name: str
    params: ModelRef
    response: ModelRef
    doc: str = ""
    #: Sent only to clients that opted in with ``AppServerConfig(experimental_api=True)``.
    experimental: bool = False

    @property
    def params_type(self) -> Any:
        """The params model."""
        return self.params.resolve()

    @property
    def response_type(self) -> Any:
        """The model of the answer the client sends back."""
        return self.response.resolve()


@dataclass(frozen=True)
class ClientNotificationSpec:
    """A client-to-server notification (`initialized`): `CLIENT_NOTIFICATIONS[method]`."""

    method: str
    py_name: str


#: What a first turn validates: the requests' params and results, then the turn's result.
_WARM_METHODS = ("thread/start", "turn/start")
_WARM_MODELS = ("Turn", "ThreadTokenUsage")
_warm_started = threading.Event()


def warm_up_models() -> None:
    """Import and build, in a daemon thread, the models a first turn needs (once per process).

    Called while the app-server starts: building them (pydantic itself, then the thread and
    turn models: ~0.1 s of CPU on first use) then overlaps the ~0.1 s this process only waits
    for the `initialize` answer, instead of adding to the first `thread_start()` and turn.
    A model used before the thread is done is simply built (or waited for) by its user."""
    if _warm_started.is_set():
        return
    _warm_started.set()
    threading.Thread(target=_warm_up, name="codex-app-server-warm-up", daemon=True).start()


def _warm_up() -> None:
    try:
        from codex_app_server._generated.registry import CLIENT_REQUESTS

        for method in _WARM_METHODS:
            spec = CLIENT_REQUESTS[method]
            if spec.params is not None:
                spec.params.resolve()
            spec.result.resolve()
        models = importlib.import_module(MODELS_PACKAGE)
        for name in _WARM_MODELS:
            getattr(models, name)
    except Exception:  # only an optimization: the real use reports any problem
        return


def lazy_methods(module: str, class_name: str) -> type:
    """A base class whose instances find the methods of `module.class_name` on first use.

    The generated clients inherit the experimental requests' methods through it, so their
    module (67 methods in 0.163.0) is imported when one is first called, not with the SDK."""

    class LazyMethods:
        def __getattr__(self, name: str) -> Any:
            if name.startswith("_"):  # never for private or special names: no import loops
                raise AttributeError(name)
            methods = getattr(importlib.import_module(module), class_name)
            function = getattr(methods, name, None)
            if function is None:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}"
                ) from None
            return function.__get__(self, type(self))

    LazyMethods.__name__ = LazyMethods.__qualname__ = f"Lazy{class_name}"
    return LazyMethods


def compact(values: dict[str, Any]) -> dict[str, Any]:
    """Drop keyword arguments left out (`NOT_GIVEN`): the server applies its own defaults.
    `None` stays, and is sent as `null`."""
    return {key: value for key, value in values.items() if value is not NOT_GIVEN}
