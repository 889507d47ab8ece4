"""What `Codex` and `AsyncCodex` do with their client, written once.

`AsyncConversations` is the source; `Conversations`, its blocking twin, is generated from it
(`codegen/unasync.py`) between the markers below. Both call the typed generated methods of the
low-level client; the options are checked by name first, so a typo is named with the closest
option of the high-level method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Sequence

    from codex_app_server._client import AppServerClient, AsyncAppServerClient
    from codex_app_server._client import AsyncAppServerClient as _ToolHost
    from codex_app_server._generated.models import (
        GetAccountResponse,
        LogoutAccountResponse,
        ModelListResponse,
        ThreadArchiveResponse,
        ThreadListResponse,
    )
    from codex_app_server._generated.options import (
        ThreadForkOptions,
        ThreadListOptions,
        ThreadResumeOptions,
        ThreadStartOptions,
    )
    from codex_app_server.notification import Notification
    from codex_app_server.thread import AsyncThread, Thread
    from codex_app_server.tools import ToolLike


def checked(options_type: str, options: dict[str, Any], method: str) -> None:
    """Every key of `options` is an option of the high-level `method` (see
    `codex_app_server.options`); else `UnknownArgumentError` with the closest one."""
    from codex_app_server._arguments import unknown_keyword
    from codex_app_server._generated import options as generated

    valid: frozenset[str] = getattr(generated, options_type).__optional_keys__
    for key in options:
        if key not in valid:
            raise unknown_keyword(key, valid, f"{method}()")


class AsyncConversations:
    """Threads and the account, over `self._client` (async API)."""

    @property
    def _client(self) -> AsyncAppServerClient:
        raise NotImplementedError

    def _handle(self, thread_id: str) -> AsyncThread:
        from codex_app_server.thread import AsyncThread  # the engine loads with the client

        return AsyncThread(self._client, thread_id)

    @property
    def _tool_host(self) -> _ToolHost:
        """The async client under both twins: the threads' tool router lives there."""
        return self._client  # unasync: async-only
        # unasync: sync-only return self._client.aio

    async def thread_start(
        self, *, tools: Sequence[ToolLike] | None = None, **options: Unpack[ThreadStartOptions]
    ) -> AsyncThread:
        """Start a new thread (model, cwd, sandbox, approval policy... as keyword options:
        see `ThreadStartOptions`).

        `tools`: Python functions the agent may call (`@tool`; needs
        `AppServerConfig(experimental_api=True)`, see `codex_app_server.tools`)."""
        from codex_app_server._thread_tools import offer_tools, register_tools

        checked("ThreadStartOptions", dict(options), "thread_start")
        params: dict[str, Any] = dict(options)
        offered = offer_tools(self._tool_host, tools, params)
        response = await self._client.thread_start(**params)
        register_tools(self._tool_host, response.thread.id, offered)
        return self._handle(response.thread.id)

    async def thread_resume(
        self,
        thread_id: str,
        /,
        *,
        tools: Sequence[ToolLike] | None = None,
        **overrides: Unpack[ThreadResumeOptions],
    ) -> AsyncThread:
        """Load a stored thread into the server (`thread/resume`), optionally overriding its
        model, instructions, sandbox, approval policy... (`ThreadResumeOptions`).

        `tools`: the functions that answer the thread's tools (it keeps the tools it was
        started with; these are matched by name)."""
        from codex_app_server._thread_tools import prepare_tools, register_tools

        checked("ThreadResumeOptions", dict(overrides), "thread_resume")
        offered = None if tools is None else prepare_tools(self._tool_host, tools, "thread/resume")
        response = await self._client.thread_resume(thread_id=thread_id, **overrides)
        register_tools(self._tool_host, response.thread.id, offered)
        return self._handle(response.thread.id)

    async def thread_fork(
        self,
        thread_id: str,
        /,
        *,
        tools: Sequence[ToolLike] | None = None,
        **options: Unpack[ThreadForkOptions],
    ) -> AsyncThread:
        """Copy a thread's history into a new thread (`ThreadForkOptions`).

        `tools`: the functions that answer the new thread's tools (it keeps the tools of the
        thread it copies; these are matched by name)."""
        from codex_app_server._thread_tools import prepare_tools, register_tools

        checked("ThreadForkOptions", dict(options), "thread_fork")
        offered = None if tools is None else prepare_tools(self._tool_host, tools, "thread/fork")
        response = await self._client.thread_fork(thread_id=thread_id, **options)
        register_tools(self._tool_host, response.thread.id, offered)
        return self._handle(response.thread.id)

    async def thread_list(self, **options: Unpack[ThreadListOptions]) -> ThreadListResponse:
        """Stored threads, newest first (paged with `cursor` / `limit`: see
        `ThreadListOptions`, and `client.iter_thread_list()` for every page)."""
        checked("ThreadListOptions", dict(options), "thread_list")
        return await self._client.thread_list(**options)

    async def thread_archive(self, thread_id: str) -> ThreadArchiveResponse:
        """Archive a stored thread (hidden from `thread_list` unless asked for)."""
        return await self._client.thread_archive(thread_id=thread_id)

    async def thread_unarchive(self, thread_id: str) -> AsyncThread:
        """Bring an archived thread back; returns a handle on it."""
        response = await self._client.thread_unarchive(thread_id=thread_id)
        return self._handle(response.thread.id)

    def thread(self, thread_id: str) -> AsyncThread:
        """A handle on a thread the server already has loaded. Sends nothing; use
        `thread_resume` to load a stored thread."""
        return self._handle(thread_id)

    async def models(self, *, include_hidden: bool = False) -> ModelListResponse:
        """The models the server offers."""
        return await self._client.model_list(include_hidden=include_hidden)

    def notifications(self, maxsize: int | None = None) -> AsyncIterator[Notification]:
        """Notifications tied to no turn (account, config, MCP status...), as they arrive,
        through a bounded buffer; ends when the client closes."""
        return self._client.notifications(maxsize)

    async def account(self, *, refresh_token: bool = False) -> GetAccountResponse:
        """Who Codex is logged in as (`account/read`).

        `account` is None when nobody is logged in; `requires_openai_auth` says whether the
        configured model provider needs an OpenAI login at all (a custom provider may not,
        and then the account is not reported either). `refresh_token=True` asks the server
        to refresh a ChatGPT token first.
        """
        return await self._client.account_read(refresh_token=refresh_token)

    async def logout(self) -> None:
        """Forget the stored credentials (`account/logout`)."""
        response: LogoutAccountResponse = await self._client.account_logout()
        del response  # nothing in it


# The blocking twin below is generated from AsyncConversations (codegen/unasync.py;
# regenerate with `python scripts/update_sdk_artifacts.py generate-types`): edit that instead.
# <unasync: Conversations from AsyncConversations>


class Conversations:
    """Threads and the account, over `self._client` (blocking API)."""

    @property
    def _client(self) -> AppServerClient:
        raise NotImplementedError

    def _handle(self, thread_id: str) -> Thread:
        from codex_app_server.thread import Thread  # the engine loads with the client

        return Thread(self._client, thread_id)

    @property
    def _tool_host(self) -> _ToolHost:
        """The async client under both twins: the threads' tool router lives there."""
        return self._client.aio

    def thread_start(
        self, *, tools: Sequence[ToolLike] | None = None, **options: Unpack[ThreadStartOptions]
    ) -> Thread:
        """Start a new thread (model, cwd, sandbox, approval policy... as keyword options:
        see `ThreadStartOptions`).

        `tools`: Python functions the agent may call (`@tool`; needs
        `AppServerConfig(experimental_api=True)`, see `codex_app_server.tools`)."""
        from codex_app_server._thread_tools import offer_tools, register_tools

        checked("ThreadStartOptions", dict(options), "thread_start")
        params: dict[str, Any] = dict(options)
        offered = offer_tools(self._tool_host, tools, params)
        response = self._client.thread_start(**params)
        register_tools(self._tool_host, response.thread.id, offered)
        return self._handle(response.thread.id)

    def thread_resume(
        self,
        thread_id: str,
        /,
        *,
        tools: Sequence[ToolLike] | None = None,
        **overrides: Unpack[ThreadResumeOptions],
    ) -> Thread:
        """Load a stored thread into the server (`thread/resume`), optionally overriding its
        model, instructions, sandbox, approval policy... (`ThreadResumeOptions`).

        `tools`: the functions that answer the thread's tools (it keeps the tools it was
        started with; these are matched by name)."""
        from codex_app_server._thread_tools import prepare_tools, register_tools

        checked("ThreadResumeOptions", dict(overrides), "thread_resume")
        offered = None if tools is None else prepare_tools(self._tool_host, tools, "thread/resume")
        response = self._client.thread_resume(thread_id=thread_id, **overrides)
        register_tools(self._tool_host, response.thread.id, offered)
        return self._handle(response.thread.id)

    def thread_fork(
        self,
        thread_id: str,
        /,
        *,
        tools: Sequence[ToolLike] | None = None,
        **options: Unpack[ThreadForkOptions],
    ) -> Thread:
        """Copy a thread's history into a new thread (`ThreadForkOptions`).

        `tools`: the functions that answer the new thread's tools (it keeps the tools of the
        thread it copies; these are matched by name)."""
        from codex_app_server._thread_tools import prepare_tools, register_tools

        checked("ThreadForkOptions", dict(options), "thread_fork")
        offered = None if tools is None else prepare_tools(self._tool_host, tools, "thread/fork")
        response = self._client.thread_fork(thread_id=thread_id, **options)
        register_tools(self._tool_host, response.thread.id, offered)
        return self._handle(response.thread.id)

    def thread_list(self, **options: Unpack[ThreadListOptions]) -> ThreadListResponse:
        """Stored threads, newest first (paged with `cursor` / `limit`: see
        `ThreadListOptions`, and `client.iter_thread_list()` for every page)."""
        checked("ThreadListOptions", dict(options), "thread_list")
        return self._client.thread_list(**options)

    def thread_archive(self, thread_id: str) -> ThreadArchiveResponse:
        """Archive a stored thread (hidden from `thread_list` unless asked for)."""
        return self._client.thread_archive(thread_id=thread_id)

    def thread_unarchive(self, thread_id: str) -> Thread:
        """Bring an archived thread back; returns a handle on it."""
        response = self._client.thread_unarchive(thread_id=thread_id)
        return self._handle(response.thread.id)

    def thread(self, thread_id: str) -> Thread:
        """A handle on a thread the server already has loaded. Sends nothing; use
        `thread_resume` to load a stored thread."""
        return self._handle(thread_id)

    def models(self, *, include_hidden: bool = False) -> ModelListResponse:
        """The models the server offers."""
        return self._client.model_list(include_hidden=include_hidden)

    def notifications(self, maxsize: int | None = None) -> Iterator[Notification]:
        """Notifications tied to no turn (account, config, MCP status...), as they arrive,
        through a bounded buffer; ends when the client closes."""
        return self._client.notifications(maxsize)

    def account(self, *, refresh_token: bool = False) -> GetAccountResponse:
        """Who Codex is logged in as (`account/read`).

        `account` is None when nobody is logged in; `requires_openai_auth` says whether the
        configured model provider needs an OpenAI login at all (a custom provider may not,
        and then the account is not reported either). `refresh_token=True` asks the server
        to refresh a ChatGPT token first.
        """
        return self._client.account_read(refresh_token=refresh_token)

    def logout(self) -> None:
        """Forget the stored credentials (`account/logout`)."""
        response: LogoutAccountResponse = self._client.account_logout()
        del response  # nothing in it


# </unasync>
