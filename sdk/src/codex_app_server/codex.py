"""`Codex` (blocking) and `AsyncCodex` (async): the front door of the SDK.

    with Codex() as codex:
        thread = codex.thread_start()
        result = thread.run("Summarize this repository.")
        print(result.status, result.final_response)

`Codex(config)` is eager: the constructor starts `codex app-server` and completes the
`initialize` handshake, so a missing binary, a bad `codex_bin` or an incompatible server fail
right there, each with its own exception (`CodexNotFoundError`, `CodexBinaryError`,
`IncompatibleServerError`). `AsyncCodex` does the same in `async with AsyncCodex()` or
`await AsyncCodex.start()`.

Logging in: `login_api_key(key)`, `login_chatgpt()` (browser) and `login_chatgpt_device_code()`
(headless); `account()` tells who is logged in, `logout()` forgets the credentials. See
`codex_app_server.login`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codex_app_server._arguments import check_client_arguments
from codex_app_server._conversations import AsyncConversations, Conversations
from codex_app_server.compat import server_version
from codex_app_server.errors import JsonRpcError
from codex_app_server.login import (
    AsyncChatgptDeviceCodeLogin,
    AsyncChatgptLogin,
    ChatgptDeviceCodeLogin,
    ChatgptLogin,
    api_key_login_error,
    api_key_params,
    check_api_key_response,
)

# The engine (asyncio, the typed client: most of the SDK) loads when a client starts, not
# when `Codex` is imported.
if TYPE_CHECKING:
    from codex_app_server._client import AppServerClient, AsyncAppServerClient
    from codex_app_server._config import AppServerConfig
    from codex_app_server._connect_config import ConnectConfig
    from codex_app_server._generated.models import (
        InitializeResponse,
    )
    from codex_app_server.handlers import ServerRequestHandlers

_NOT_STARTED = "AsyncCodex is not started: use `async with` or AsyncCodex.start()"


class AsyncCodex(AsyncConversations):
    """A running `codex app-server` and the conversations on it (async API).

    `async with AsyncCodex(config) as codex:` or `codex = await AsyncCodex.start(config)`.
    """

    def __init__(
        self,
        config: AppServerConfig | None = None,
        *,
        handlers: ServerRequestHandlers | None = None,
    ) -> None:
        check_client_arguments(config, handlers, "AsyncCodex()")
        self._config = config
        self._initial_handlers = handlers
        self._client_or_none: AsyncAppServerClient | None = None
        # unasync: sync-only self._ensure_started()  # eager: a bad binary fails right here

    @classmethod  # unasync: async-only
    async def start(
        cls,
        config: AppServerConfig | None = None,
        *,
        handlers: ServerRequestHandlers | None = None,
    ) -> AsyncCodex:
        """Start the app-server and complete the handshake (the async twin of `Codex()`)."""
        codex = cls(config, handlers=handlers)
        await codex._ensure_started()
        return codex

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        token: str | None = None,
        config: ConnectConfig | None = None,
        handlers: ServerRequestHandlers | None = None,
    ) -> AsyncCodex:
        """Connect to an app-server that is already listening, instead of starting one:
        `ws://HOST:PORT`, `wss://HOST:PORT` (TLS, verified; a private CA with
        `ConnectConfig(ca_file=...)`) or `unix://PATH`, and run the handshake.

        `token` is sent as `Authorization: Bearer <token>` (the server's
        `--ws-token-file`); it never appears in a repr, a log line or an error. A token over
        plain `ws://` to another machine is refused before connecting
        (`InsecureConnectionError`) unless `ConnectConfig(allow_insecure_token=True)`.
        Raises `ConnectionUnauthorizedError` when the server refuses the token,
        `ConnectionFailedError` when it cannot be reached. If the connection drops, pending
        calls and turns fail with `TransportClosedError`; nothing reconnects silently
        (connect again and `thread_resume` the thread).
        """
        from codex_app_server._client import AsyncAppServerClient

        check_client_arguments(None, handlers, "AsyncCodex()")
        codex = cls.__new__(cls)  # not cls(): the blocking constructor starts a server
        codex._config, codex._initial_handlers = None, handlers
        codex._client_or_none = await AsyncAppServerClient.connect(
            url, token=token, config=config, handlers=handlers
        )
        return codex

    async def _ensure_started(self) -> AsyncAppServerClient:
        if self._client_or_none is None:
            from codex_app_server._client import AsyncAppServerClient

            client = AsyncAppServerClient(self._config, handlers=self._initial_handlers)
            await client._open()  # unasync: async-only
            self._client_or_none = client
        return self._client_or_none

    @property
    def _client(self) -> AsyncAppServerClient:
        if self._client_or_none is None:  # unasync: async-only
            raise RuntimeError(_NOT_STARTED)  # unasync: async-only
        # unasync: sync-only assert self._client_or_none is not None  # started by __init__
        return self._client_or_none

    @property
    def client(self) -> AsyncAppServerClient:
        """The low-level client: every protocol method, typed."""
        return self._client

    @property
    def handlers(self) -> ServerRequestHandlers:
        """Handlers for the server's requests (approvals, user input, ...). Unset: approvals
        are declined, other requests answered with an error. See `codex_app_server.handlers`."""
        return self._client.handlers

    @handlers.setter
    def handlers(self, handlers: ServerRequestHandlers) -> None:
        self._client.handlers = handlers

    @property
    def metadata(self) -> InitializeResponse:
        """The server's `initialize` answer (userAgent, codexHome, platform)."""
        return self._client.metadata

    @property
    def server_version(self) -> str | None:
        """The app-server's version (`0.163.0`), read from its `initialize` answer; None
        before it is started."""
        if self._client_or_none is None:
            return None
        return server_version(self._client_or_none.session.initialize_result or {})

    async def login_api_key(self, api_key: str, /) -> None:
        """Log in with an OpenAI API key; done when this returns.

        The app-server stores the key in its `CODEX_HOME` (like `codex login --with-api-key`).
        The key never appears in a repr, a log line or an exception message. Raises
        `LoginError` when the server refuses (e.g. `forced_login_method = "chatgpt"`).
        """
        params = api_key_params(api_key)
        self._client.session.add_secret(api_key)  # redacted from stderr, errors and logs
        try:
            response = await self._client.account_login_start(params)
        except JsonRpcError as exc:
            raise api_key_login_error(exc, api_key) from None
        check_api_key_response(response)

    async def login_chatgpt(self) -> AsyncChatgptLogin:
        """Start a ChatGPT login in the browser: open the returned handle's `auth_url`, then
        `await wait()` for the outcome (or `cancel()`). Raises `LoginError` when the server
        refuses to start the flow."""
        return await AsyncChatgptLogin._start(self._client)

    async def login_chatgpt_device_code(self) -> AsyncChatgptDeviceCodeLogin:
        """Start a ChatGPT device-code login (no browser on this machine): show the user the
        handle's `verification_url` and `user_code`, then `await wait()`. Needs network access
        to the login service; raises `LoginError` when the flow cannot start."""
        return await AsyncChatgptDeviceCodeLogin._start(self._client)

    async def close(self) -> None:
        """Stop the app-server (idempotent); no process, thread or task is left behind."""
        if self._client_or_none is not None:
            await self._client_or_none.close()

    @property
    def closed(self) -> bool:
        """True once the app-server has stopped (or before it was started)."""
        return self._client_or_none is None or self._client_or_none.closed

    async def __aenter__(self) -> AsyncCodex:
        await self._ensure_started()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncCodex(server_version={self.server_version!r}, closed={self.closed})"


# The blocking twin below is generated from AsyncCodex (codegen/unasync.py; regenerate with
# `python scripts/update_sdk_artifacts.py generate-types`): edit AsyncCodex instead.
# <unasync: Codex from AsyncCodex>


class Codex(Conversations):
    """A running `codex app-server` and the conversations on it (blocking API).

    `with Codex(config) as codex:` (the constructor starts it), or `Codex(config)` and `close()`.
    """

    def __init__(
        self,
        config: AppServerConfig | None = None,
        *,
        handlers: ServerRequestHandlers | None = None,
    ) -> None:
        check_client_arguments(config, handlers, "Codex()")
        self._config = config
        self._initial_handlers = handlers
        self._client_or_none: AppServerClient | None = None
        self._ensure_started()  # eager: a bad binary fails right here

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        token: str | None = None,
        config: ConnectConfig | None = None,
        handlers: ServerRequestHandlers | None = None,
    ) -> Codex:
        """Connect to an app-server that is already listening, instead of starting one:
        `ws://HOST:PORT`, `wss://HOST:PORT` (TLS, verified; a private CA with
        `ConnectConfig(ca_file=...)`) or `unix://PATH`, and run the handshake.

        `token` is sent as `Authorization: Bearer <token>` (the server's
        `--ws-token-file`); it never appears in a repr, a log line or an error. A token over
        plain `ws://` to another machine is refused before connecting
        (`InsecureConnectionError`) unless `ConnectConfig(allow_insecure_token=True)`.
        Raises `ConnectionUnauthorizedError` when the server refuses the token,
        `ConnectionFailedError` when it cannot be reached. If the connection drops, pending
        calls and turns fail with `TransportClosedError`; nothing reconnects silently
        (connect again and `thread_resume` the thread).
        """
        from codex_app_server._client import AppServerClient

        check_client_arguments(None, handlers, "Codex()")
        codex = cls.__new__(cls)  # not cls(): the blocking constructor starts a server
        codex._config, codex._initial_handlers = None, handlers
        codex._client_or_none = AppServerClient.connect(
            url, token=token, config=config, handlers=handlers
        )
        return codex

    def _ensure_started(self) -> AppServerClient:
        if self._client_or_none is None:
            from codex_app_server._client import AppServerClient

            client = AppServerClient(self._config, handlers=self._initial_handlers)
            self._client_or_none = client
        return self._client_or_none

    @property
    def _client(self) -> AppServerClient:
        assert self._client_or_none is not None  # started by __init__
        return self._client_or_none

    @property
    def client(self) -> AppServerClient:
        """The low-level client: every protocol method, typed."""
        return self._client

    @property
    def handlers(self) -> ServerRequestHandlers:
        """Handlers for the server's requests (approvals, user input, ...). Unset: approvals
        are declined, other requests answered with an error. See `codex_app_server.handlers`."""
        return self._client.handlers

    @handlers.setter
    def handlers(self, handlers: ServerRequestHandlers) -> None:
        self._client.handlers = handlers

    @property
    def metadata(self) -> InitializeResponse:
        """The server's `initialize` answer (userAgent, codexHome, platform)."""
        return self._client.metadata

    @property
    def server_version(self) -> str | None:
        """The app-server's version (`0.163.0`), read from its `initialize` answer; None
        before it is started."""
        if self._client_or_none is None:
            return None
        return server_version(self._client_or_none.session.initialize_result or {})

    def login_api_key(self, api_key: str, /) -> None:
        """Log in with an OpenAI API key; done when this returns.

        The app-server stores the key in its `CODEX_HOME` (like `codex login --with-api-key`).
        The key never appears in a repr, a log line or an exception message. Raises
        `LoginError` when the server refuses (e.g. `forced_login_method = "chatgpt"`).
        """
        params = api_key_params(api_key)
        self._client.session.add_secret(api_key)  # redacted from stderr, errors and logs
        try:
            response = self._client.account_login_start(params)
        except JsonRpcError as exc:
            raise api_key_login_error(exc, api_key) from None
        check_api_key_response(response)

    def login_chatgpt(self) -> ChatgptLogin:
        """Start a ChatGPT login in the browser: open the returned handle's `auth_url`, then
        `wait()` for the outcome (or `cancel()`). Raises `LoginError` when the server
        refuses to start the flow."""
        return ChatgptLogin._start(self._client)

    def login_chatgpt_device_code(self) -> ChatgptDeviceCodeLogin:
        """Start a ChatGPT device-code login (no browser on this machine): show the user the
        handle's `verification_url` and `user_code`, then `wait()`. Needs network access
        to the login service; raises `LoginError` when the flow cannot start."""
        return ChatgptDeviceCodeLogin._start(self._client)

    def close(self) -> None:
        """Stop the app-server (idempotent); no process, thread or task is left behind."""
        if self._client_or_none is not None:
            self._client_or_none.close()

    @property
    def closed(self) -> bool:
        """True once the app-server has stopped (or before it was started)."""
        return self._client_or_none is None or self._client_or_none.closed

    def __enter__(self) -> Codex:
        self._ensure_started()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Codex(server_version={self.server_version!r}, closed={self.closed})"


# </unasync>
