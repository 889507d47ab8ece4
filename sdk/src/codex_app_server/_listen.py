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
