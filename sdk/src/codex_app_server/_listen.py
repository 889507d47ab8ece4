"""One way for both twins to subscribe to a client's notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codex_app_server._client import AppServerClient, AsyncAppServerClient
    from codex_app_server._session import Subscription


def listen(
    client: AppServerClient | AsyncAppServerClient,
    maxsize: int | None = None,
    *,
    all_turns: bool = False,
) -> Subscription:
    """Subscribe to `client`'s notifications (`Session.subscribe_notifications`) on the
    client's event loop: the blocking client's loop runs on its own thread, so the
    subscription is made there, and is in place when this returns."""
    from codex_app_server._client import AppServerClient

    if not isinstance(client, AppServerClient):
        return client.session.subscribe_notifications(maxsize, all_turns=all_turns)
    session = client.session

    async def subscribe() -> Subscription:
        return session.subscribe_notifications(maxsize, all_turns=all_turns)

    return client.run(subscribe())


def unlisten(client: AppServerClient | AsyncAppServerClient, subscription: Subscription) -> None:
    """Close `subscription` on the client's loop, so that it is gone when this returns (a
    close from another thread only schedules its removal)."""
    from codex_app_server._client import AppServerClient
    from codex_app_server.errors import CodexError

    if not isinstance(client, AppServerClient) or client.closed:
        subscription.close()
        return

    async def close() -> None:
        subscription.close()

    try:
        client.run(close())
    except CodexError:  # the loop stopped meanwhile: the subscription goes with it
        subscription.close()
