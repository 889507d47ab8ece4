"""The async surface is the sync surface's twin: same names, same parameters, same results."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from codex_app_server import (
    AppServerClient,
    AsyncAppServerClient,
    AsyncChatgptDeviceCodeLogin,
    AsyncChatgptLogin,
    AsyncCodex,
    AsyncGoalRun,
    AsyncThread,
    AsyncTurn,
    ChatgptDeviceCodeLogin,
    ChatgptLogin,
    Codex,
    GoalRun,
    Thread,
    Turn,
)

PAIRS = [
    (Codex, AsyncCodex),
    (Thread, AsyncThread),
    (Turn, AsyncTurn),
    (AppServerClient, AsyncAppServerClient),
    (ChatgptLogin, AsyncChatgptLogin),
    (ChatgptDeviceCodeLogin, AsyncChatgptDeviceCodeLogin),
    (GoalRun, AsyncGoalRun),
]
# Members that exist on one side by nature: context-manager protocols, the async
# constructor, and the sync client's handles on its private loop thread.
ONE_SIDED = {
    "__enter__",
    "__exit__",
    "__aenter__",
    "__aexit__",
    "__del__",
    "start",
    "aio",
    "run",
}


def public_members(cls: type[Any]) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if (not name.startswith("_") or name in {"__init__"})
        and name not in ONE_SIDED
        and (inspect.isfunction(member) or isinstance(member, property))
    }


def normalized(annotation: Any) -> str:
    text = (
        annotation
        if isinstance(annotation, str)
        else getattr(annotation, "__name__", repr(annotation))
    )
    for async_name, sync_name in (
        ("AsyncAppServerClient", "AppServerClient"),
        ("AsyncCodex", "Codex"),
        ("AsyncThread", "Thread"),
        ("AsyncTurn", "Turn"),
        ("AsyncChatgptLogin", "ChatgptLogin"),
        ("AsyncChatgptDeviceCodeLogin", "ChatgptDeviceCodeLogin"),
        ("AsyncGoalRun", "GoalRun"),
        ("AsyncIterator", "Iterator"),
    ):
        text = text.replace(async_name, sync_name)
    return text


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda c: c.__name__)
def test_same_names(sync_cls: type[Any], async_cls: type[Any]) -> None:
    assert set(public_members(sync_cls)) == set(public_members(async_cls))


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda c: c.__name__)
def test_same_signatures(sync_cls: type[Any], async_cls: type[Any]) -> None:
    sync_members, async_members = public_members(sync_cls), public_members(async_cls)
    for name, sync_member in sync_members.items():
        async_member = async_members[name]
        if isinstance(sync_member, property):
            assert isinstance(async_member, property), name
            continue
        s, a = inspect.signature(sync_member), inspect.signature(async_member)
        assert [
            (p.name, p.kind, normalized(p.annotation), repr(p.default))
            for p in s.parameters.values()
        ] == [
            (p.name, p.kind, normalized(p.annotation), repr(p.default))
            for p in a.parameters.values()
        ], f"{sync_cls.__name__}.{name}"
        assert normalized(s.return_annotation) == normalized(a.return_annotation), name
        if name != "__init__" and name not in {"thread", "notifications"}:
            assert inspect.iscoroutinefunction(async_member) or inspect.isasyncgenfunction(
                async_member
            ), f"{async_cls.__name__}.{name} should be awaitable"


def test_generated_methods_are_twins() -> None:
    from codex_app_server._generated.client import AsyncClientMethods, ClientMethods
    from codex_app_server._generated.experimental_client import (
        AsyncExperimentalClientMethods,
        ExperimentalClientMethods,
    )

    for sync_class, async_class, count in (
        (ClientMethods, AsyncClientMethods, 105),
        (ExperimentalClientMethods, AsyncExperimentalClientMethods, 67),
    ):
        sync_names = {n for n in vars(sync_class) if not n.startswith("_")}
        async_names = {n for n in vars(async_class) if not n.startswith("_")}
        assert sync_names == async_names and len(sync_names) == count
        for name in sync_names:
            assert inspect.signature(getattr(sync_class, name)) == inspect.signature(
                getattr(async_class, name)
            )
