"""The `tools=` of `thread_start` / `thread_resume` / `thread_fork`: offer the tools on the
wire and register their functions with the client's router.

Only `thread/start` carries tools on the wire (`dynamicTools`, experimental API). The server
stores them with the thread: a resumed or forked thread keeps the tools it was started with,
so there `tools=` only says which functions answer them in this client.

Light on purpose: `codex.py` imports it, and pydantic (behind `@tool`) loads only once tools
are used, keeping `from codex_app_server import Codex` cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from codex_app_server.errors import ExperimentalApiError

if TYPE_CHECKING:
    from codex_app_server._client import AsyncAppServerClient
    from codex_app_server._tool_router import ToolRouter
    from codex_app_server.tools import Tool


def offer_tools(
    client: AsyncAppServerClient, tools: Iterable[Any] | None, params: dict[str, Any]
) -> list[Tool[..., Any]] | None:
    """Check `tools=` and add their specs to `thread/start`'s params (in place)."""
    if tools is None:
        return None
    if params.get("dynamic_tools") is not None:
        raise TypeError("pass tools= or dynamic_tools=, not both")
    checked = prepare_tools(client, tools, "thread/start")
    params["dynamic_tools"] = [entry.to_spec() for entry in checked]
    return checked


def prepare_tools(
    client: AsyncAppServerClient, tools: Iterable[Any], method: str
) -> list[Tool[..., Any]]:
    """`tools=` checked (see `as_tools`), on a client that opted in to the experimental API:
    the opt-in is part of the `initialize` handshake, so the SDK cannot turn it on later; it
    says so before anything is sent."""
    from codex_app_server._tool_router import as_tools

    checked = as_tools(tools)
    if not client.experimental_api:
        raise ExperimentalApiError(method, ("tools",))
    return checked


def register_tools(
    client: AsyncAppServerClient, thread_id: str, tools: list[Tool[..., Any]] | None
) -> None:
    """Answer `thread_id`'s tool calls with `tools` from now on."""
    if tools is not None:
        router_of(client).register(thread_id, tools)


def router_of(client: AsyncAppServerClient) -> ToolRouter:
    """The client's router, made on first use; sync tools run on the client's bounded
    handler pool (`AppServerConfig.handler_threads`), like blocking request handlers."""
    from codex_app_server._tool_router import ToolRouter

    dispatcher = client._dispatcher
    if dispatcher.tools is None:
        pool = dispatcher.pool

        async def run_blocking(fn: Callable[[], Any], name: str) -> Any:
            return await pool.run(lambda _params: fn(), None, f"{name} tool")

        dispatcher.tools = ToolRouter(run_blocking)
    return dispatcher.tools
