"""Logging Codex in: an API key, ChatGPT in a browser, or ChatGPT with a device code.

    codex.login_api_key(os.environ["OPENAI_API_KEY"])   # done when it returns
    print(codex.account())                               # GetAccountResponse

    with codex.login_chatgpt() as login:                 # browser flow
        webbrowser.open(login.auth_url)
        login.wait(timeout=300)                          # its own account/login/completed

    with codex.login_chatgpt_device_code() as login:     # headless machines
        print(f"Open {login.verification_url} and enter {login.user_code}")
        login.wait()

The browser and device-code flows finish later, when the user has signed in: the server then
sends `account/login/completed` with the flow's `loginId`. That notification has no turn id,
so it travels on the global notification stream; each handle subscribes to that stream
*before* sending `account/login/start` (nothing can be missed) and stops listening as soon as
its flow has ended, is cancelled, or the handle is closed. `wait()` only ever looks at its own
flow's notification: other logins' outcomes are ignored.

Credentials are stored by the app-server in its `CODEX_HOME` (`auth.json`), exactly like
`codex login`. An API key never appears in a repr, a log line or an exception message.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from codex_app_server._listen import listen, unlisten
from codex_app_server.errors import (
    JsonRpcError,
    LoginError,
    ProtocolError,
    RequestTimeoutError,
    TransportClosedError,
)

if TYPE_CHECKING:
    from codex_app_server._client import AppServerClient, AsyncAppServerClient
    from codex_app_server._generated.models import (
        AccountLoginCompletedNotification,
        ApiKeyLoginAccountParams,
        CancelLoginAccountResponse,
        ChatgptDeviceCodeLoginAccountResponse,
        ChatgptLoginAccountResponse,
        LoginAccountParams,
        LoginAccountResponse,
    )
    from codex_app_server._model_base import CodexModel
    from codex_app_server._session import Subscription

__all__ = [
    "AsyncChatgptDeviceCodeLogin",
    "AsyncChatgptLogin",
    "ChatgptDeviceCodeLogin",
    "ChatgptLogin",
]

R = TypeVar("R", bound="CodexModel")

LOGIN_START = "account/login/start"
LOGIN_COMPLETED = "account/login/completed"
# After `account/login/cancel` the server announces the flow's end at once (0.163.0: within
# milliseconds); this bounds how long cancel() waits for that announcement.
CANCEL_SETTLE_TIMEOUT = 5.0
REDACTED = "<redacted>"


# --------------------------------------------------------------------------- API key


def api_key_params(key: object) -> ApiKeyLoginAccountParams:
    """The `account/login/start` params for an API key; the key is checked, never echoed."""
    if not isinstance(key, str):
        raise TypeError(f"the API key must be a str, not {type(key).__name__}")
    if not key.strip():
        raise ValueError("the API key is empty")
    from codex_app_server._generated.models import ApiKeyLoginAccountParams

    return ApiKeyLoginAccountParams(type="apiKey", api_key=key)


def redact(text: str, secret: str) -> str:
    """`text` with `secret` (and anything key- or token-shaped) replaced by `<redacted>`."""
    from codex_app_server._redact import redact as redact_all

    return redact_all(text, (secret,))


def api_key_login_error(exc: JsonRpcError, key: str) -> LoginError:
    reason = redact(exc.message, key)
    return LoginError(f"API-key login failed: {reason}", reason=reason)


def check_api_key_response(response: LoginAccountResponse) -> None:
    from codex_app_server._generated.models import ApiKeyLoginAccountResponse

    if not isinstance(response, ApiKeyLoginAccountResponse):
        raise ProtocolError(f"{LOGIN_START} answered an API-key login with type {response.type!r}")


# --------------------------------------------------------------------------- flows


def start_error(label: str, exc: JsonRpcError) -> LoginError:
    hint = ""
    if "error sending request" in exc.message or "dns error" in exc.message.lower():
        hint = (
            ". The app-server could not reach the login service: this flow needs network "
            "access (offline, log in with an API key instead)"
        )
    return LoginError(f"could not start the {label} login: {exc.message}{hint}", reason=exc.message)


class LoginState:
    """What a login handle knows about its flow (pure bookkeeping, no I/O)."""

    def __init__(self, label: str, login_id: str, subscription: Subscription) -> None:
        self.label = label
        self.login_id = login_id
        self.subscription = subscription
        self.outcome: AccountLoginCompletedNotification | None = None
        self.cancelled = False
        self.closed: bool = False

    def take(self, message: dict[str, Any] | None) -> None:
        """Look at one message from the subscription (None: the stream ended)."""
        if message is None:
            if self.closed:
                raise RuntimeError(f"this {self.label} login handle is closed")
            raise TransportClosedError(
                f"the app-server stopped before {self.label} login {self.login_id} completed"
            )
        if message.get("method") != LOGIN_COMPLETED:
            return
        params: Any = message.get("params")
        if not isinstance(params, dict):
            return
        raw = cast("dict[str, Any]", params)
        if raw.get("loginId") != self.login_id:
            return  # another flow's outcome
        from codex_app_server._generated.models import AccountLoginCompletedNotification

        self.outcome = AccountLoginCompletedNotification.model_validate(raw)
        self.subscription.close()

    def settle_cancelled(self) -> None:
        """cancel() was answered but no outcome came: record the cancellation ourselves."""
        if self.outcome is None:
            from codex_app_server._generated.models import AccountLoginCompletedNotification

            self.outcome = AccountLoginCompletedNotification.model_validate(
                {"loginId": self.login_id, "success": False, "error": "cancelled by the client"}
            )

    def remaining(self, deadline: float | None) -> float | None:
        return None if deadline is None else max(0.0, deadline - time.monotonic())

    def timeout_error(self, timeout: float) -> RequestTimeoutError:
        return RequestTimeoutError(
            LOGIN_COMPLETED,
            timeout,
            message=(
                f"{self.label} login {self.login_id} did not complete within {timeout:g} s; "
                "it is still open: call wait() again, or cancel()"
            ),
        )

    def result(self) -> AccountLoginCompletedNotification:
        outcome = self.outcome
        assert outcome is not None
        if outcome.success or self.cancelled:
            return outcome  # a cancellation this client asked for is an outcome, not an error
        raise LoginError(
            f"{self.label} login {self.login_id} failed: {outcome.error or 'no reason given'}",
            reason=outcome.error,
            login_id=self.login_id,
        )

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.subscription.close()


class _AsyncLogin:
    """A login flow in progress (async API)."""

    label: ClassVar[str] = "ChatGPT"

    def __init__(
        self, client: AsyncAppServerClient, login_id: str, subscription: Subscription
    ) -> None:
        self._client = client
        self.login_id = login_id
        """The flow's id (`loginId` on the wire)."""
        self._state = LoginState(self.label, login_id, subscription)
        # A handle dropped without close() must not keep a subscription open.
        weakref.finalize(self, subscription.close)

    @classmethod
    async def _start_flow(
        cls, client: AsyncAppServerClient, params: LoginAccountParams, answer: type[R]
    ) -> tuple[R, Subscription]:
        """Subscribe to global notifications, then send `account/login/start`. Returns the
        answer (of the `answer` variant) and the subscription that will see the outcome."""
        subscription = listen(client)
        try:
            response = await client.account_login_start(params)
            if not isinstance(response, answer):
                raise ProtocolError(f"{LOGIN_START} answered a {cls.label} login with {response!r}")
        except BaseException as exc:
            unlisten(client, subscription)
            if isinstance(exc, JsonRpcError):
                raise start_error(cls.label, exc) from exc
            raise
        return response, subscription

    @property
    def done(self) -> bool:
        """True once the flow's outcome is known (`wait()` then returns or raises at once)."""
        return self._state.outcome is not None

    @property
    def cancelled(self) -> bool:
        """True when this handle cancelled the flow (`cancel()` or leaving its `with`)."""
        return self._state.cancelled

    async def wait(self, timeout: float | None = None) -> AccountLoginCompletedNotification:
        """Wait until this flow ends; return its `account/login/completed` notification.

        A flow this handle cancelled returns its outcome too (`success` False, the reason in
        `error`; `cancelled` is then True). Raises `LoginError` when the flow failed
        (superseded by a newer login, refused...), `RequestTimeoutError` (a `TimeoutError`)
        when `timeout` seconds pass first - the flow is then still open: wait again or
        `cancel()` - and `TransportClosedError` if the app-server stops.
        """
        await self._settle(timeout)
        return self._state.result()

    async def _settle(self, timeout: float | None) -> None:
        state = self._state
        deadline = None if timeout is None else time.monotonic() + timeout
        while state.outcome is None:
            try:
                message = await state.subscription.aget(state.remaining(deadline))
            except TimeoutError:
                raise state.timeout_error(cast("float", timeout)) from None
            state.take(message)

    async def cancel(self) -> CancelLoginAccountResponse:
        """Cancel the flow on the server (`account/login/cancel`).

        Returns the server's answer: status `canceled`, or `notFound` when the flow had
        already ended. Afterwards `wait()` returns the cancelled outcome (`success` False),
        or reports how the flow had ended before.
        """
        state = self._state
        response = await self._client.account_login_cancel(login_id=self.login_id)
        if response.status == "canceled":
            state.cancelled = True
        if state.outcome is None and not state.closed:
            # The server announces the end right away; keep it so wait() can report it.
            with contextlib.suppress(TimeoutError, TransportClosedError):
                await self._settle(CANCEL_SETTLE_TIMEOUT)
        if state.cancelled:
            state.settle_cancelled()
        state.close()
        return response

    async def close(self) -> None:
        """Stop listening for the flow's outcome (the flow itself goes on: see `cancel()`)."""
        self._state.close()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Cancel the flow if it is still open, then stop listening."""
        if not self.done and not self._state.closed:
            with contextlib.suppress(Exception):  # the server may be gone
                await self.cancel()
        await self.close()


# The blocking twins below are generated from the async handles (codegen/unasync.py;
# regenerate with `python scripts/update_sdk_artifacts.py generate-types`): edit those instead.
# <unasync: _Login from _AsyncLogin>


class _Login:
    """A login flow in progress (blocking API)."""

    label: ClassVar[str] = "ChatGPT"

    def __init__(self, client: AppServerClient, login_id: str, subscription: Subscription) -> None:
        self._client = client
        self.login_id = login_id
        """The flow's id (`loginId` on the wire)."""
        self._state = LoginState(self.label, login_id, subscription)
        # A handle dropped without close() must not keep a subscription open.
        weakref.finalize(self, subscription.close)

    @classmethod
    def _start_flow(
        cls, client: AppServerClient, params: LoginAccountParams, answer: type[R]
    ) -> tuple[R, Subscription]:
        """Subscribe to global notifications, then send `account/login/start`. Returns the
        answer (of the `answer` variant) and the subscription that will see the outcome."""
        subscription = listen(client)
        try:
            response = client.account_login_start(params)
            if not isinstance(response, answer):
                raise ProtocolError(f"{LOGIN_START} answered a {cls.label} login with {response!r}")
        except BaseException as exc:
            unlisten(client, subscription)
            if isinstance(exc, JsonRpcError):
                raise start_error(cls.label, exc) from exc
            raise
        return response, subscription

    @property
    def done(self) -> bool:
        """True once the flow's outcome is known (`wait()` then returns or raises at once)."""
        return self._state.outcome is not None

    @property
    def cancelled(self) -> bool:
        """True when this handle cancelled the flow (`cancel()` or leaving its `with`)."""
        return self._state.cancelled

    def wait(self, timeout: float | None = None) -> AccountLoginCompletedNotification:
        """Wait until this flow ends; return its `account/login/completed` notification.

        A flow this handle cancelled returns its outcome too (`success` False, the reason in
        `error`; `cancelled` is then True). Raises `LoginError` when the flow failed
        (superseded by a newer login, refused...), `RequestTimeoutError` (a `TimeoutError`)
        when `timeout` seconds pass first - the flow is then still open: wait again or
        `cancel()` - and `TransportClosedError` if the app-server stops.
        """
        self._settle(timeout)
        return self._state.result()

    def _settle(self, timeout: float | None) -> None:
        state = self._state
        deadline = None if timeout is None else time.monotonic() + timeout
        while state.outcome is None:
            try:
                message = state.subscription.get(state.remaining(deadline))
            except TimeoutError:
                raise state.timeout_error(cast("float", timeout)) from None
            state.take(message)

    def cancel(self) -> CancelLoginAccountResponse:
        """Cancel the flow on the server (`account/login/cancel`).

        Returns the server's answer: status `canceled`, or `notFound` when the flow had
        already ended. Afterwards `wait()` returns the cancelled outcome (`success` False),
        or reports how the flow had ended before.
        """
        state = self._state
        response = self._client.account_login_cancel(login_id=self.login_id)
        if response.status == "canceled":
            state.cancelled = True
        if state.outcome is None and not state.closed:
            # The server announces the end right away; keep it so wait() can report it.
            with contextlib.suppress(TimeoutError, TransportClosedError):
                self._settle(CANCEL_SETTLE_TIMEOUT)
        if state.cancelled:
            state.settle_cancelled()
        state.close()
        return response

    def close(self) -> None:
        """Stop listening for the flow's outcome (the flow itself goes on: see `cancel()`)."""
        self._state.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        """Cancel the flow if it is still open, then stop listening."""
        if not self.done and not self._state.closed:
            with contextlib.suppress(Exception):  # the server may be gone
                self.cancel()
        self.close()


# </unasync>


class AsyncChatgptLogin(_AsyncLogin):
    """A ChatGPT browser login in progress (from `AsyncCodex.login_chatgpt()`).

    Open `auth_url` in a browser; the app-server listens on `localhost` for the redirect.
    `await wait()` returns once the user has signed in; `await cancel()` stops the flow; as a
    context manager (`async with login:`), leaving the block cancels a flow that is still open.
    """

    label = "ChatGPT"

    def __init__(
        self,
        client: AsyncAppServerClient,
        response: ChatgptLoginAccountResponse,
        subscription: Subscription,
    ) -> None:
        super().__init__(client, response.login_id, subscription)
        self.auth_url: str = response.auth_url
        """The URL to open in a browser."""

    @classmethod
    async def _start(cls, client: AsyncAppServerClient) -> AsyncChatgptLogin:
        from codex_app_server._generated.models import (
            ChatgptLoginAccountParams,
            ChatgptLoginAccountResponse,
        )

        params = ChatgptLoginAccountParams(type="chatgpt")
        response, subscription = await cls._start_flow(client, params, ChatgptLoginAccountResponse)
        return cls(client, response, subscription)

    async def __aenter__(self) -> AsyncChatgptLogin:
        return self

    def __repr__(self) -> str:
        return f"AsyncChatgptLogin(login_id={self.login_id!r}, done={self.done})"


# <unasync: ChatgptLogin from AsyncChatgptLogin>


class ChatgptLogin(_Login):
    """A ChatGPT browser login in progress (from `Codex.login_chatgpt()`).

    Open `auth_url` in a browser; the app-server listens on `localhost` for the redirect.
    `wait()` returns once the user has signed in; `cancel()` stops the flow; as a
    context manager (`with login:`), leaving the block cancels a flow that is still open.
    """

    label = "ChatGPT"

    def __init__(
        self,
        client: AppServerClient,
        response: ChatgptLoginAccountResponse,
        subscription: Subscription,
    ) -> None:
        super().__init__(client, response.login_id, subscription)
        self.auth_url: str = response.auth_url
        """The URL to open in a browser."""

    @classmethod
    def _start(cls, client: AppServerClient) -> ChatgptLogin:
        from codex_app_server._generated.models import (
            ChatgptLoginAccountParams,
            ChatgptLoginAccountResponse,
        )

        params = ChatgptLoginAccountParams(type="chatgpt")
        response, subscription = cls._start_flow(client, params, ChatgptLoginAccountResponse)
        return cls(client, response, subscription)

    def __enter__(self) -> ChatgptLogin:
        return self

    def __repr__(self) -> str:
        return f"ChatgptLogin(login_id={self.login_id!r}, done={self.done})"


# </unasync>


class AsyncChatgptDeviceCodeLogin(_AsyncLogin):
    """A ChatGPT device-code login in progress (from `AsyncCodex.login_chatgpt_device_code()`),
    for machines without a browser.

    Show the user `verification_url` and `user_code`; they sign in on any device. `await
    wait()` returns once they have; `await cancel()` stops the flow.
    """

    label = "ChatGPT device-code"

    def __init__(
        self,
        client: AsyncAppServerClient,
        response: ChatgptDeviceCodeLoginAccountResponse,
        subscription: Subscription,
    ) -> None:
        super().__init__(client, response.login_id, subscription)
        self.verification_url: str = response.verification_url
        """Where the user signs in."""
        self.user_code: str = response.user_code
        """The one-time code the user enters there."""

    @classmethod
    async def _start(cls, client: AsyncAppServerClient) -> AsyncChatgptDeviceCodeLogin:
        from codex_app_server._generated.models import (
            ChatgptDeviceCodeLoginAccountParams,
            ChatgptDeviceCodeLoginAccountResponse,
        )

        params = ChatgptDeviceCodeLoginAccountParams(type="chatgptDeviceCode")
        response, subscription = await cls._start_flow(
            client, params, ChatgptDeviceCodeLoginAccountResponse
        )
        return cls(client, response, subscription)

    async def __aenter__(self) -> AsyncChatgptDeviceCodeLogin:
        return self

    def __repr__(self) -> str:
        return (
            f"AsyncChatgptDeviceCodeLogin(login_id={self.login_id!r}, "
            f"verification_url={self.verification_url!r}, done={self.done})"
        )


# <unasync: ChatgptDeviceCodeLogin from AsyncChatgptDeviceCodeLogin>


class ChatgptDeviceCodeLogin(_Login):
    """A ChatGPT device-code login in progress (from `Codex.login_chatgpt_device_code()`),
    for machines without a browser.

    Show the user `verification_url` and `user_code`; they sign in on any device. `await
    wait()` returns once they have; `cancel()` stops the flow.
    """

    label = "ChatGPT device-code"

    def __init__(
        self,
        client: AppServerClient,
        response: ChatgptDeviceCodeLoginAccountResponse,
        subscription: Subscription,
    ) -> None:
        super().__init__(client, response.login_id, subscription)
        self.verification_url: str = response.verification_url
        """Where the user signs in."""
        self.user_code: str = response.user_code
        """The one-time code the user enters there."""

    @classmethod
    def _start(cls, client: AppServerClient) -> ChatgptDeviceCodeLogin:
        from codex_app_server._generated.models import (
            ChatgptDeviceCodeLoginAccountParams,
            ChatgptDeviceCodeLoginAccountResponse,
        )

        params = ChatgptDeviceCodeLoginAccountParams(type="chatgptDeviceCode")
        response, subscription = cls._start_flow(
            client, params, ChatgptDeviceCodeLoginAccountResponse
        )
        return cls(client, response, subscription)

    def __enter__(self) -> ChatgptDeviceCodeLogin:
        return self

    def __repr__(self) -> str:
        return (
            f"ChatgptDeviceCodeLogin(login_id={self.login_id!r}, "
            f"verification_url={self.verification_url!r}, done={self.done})"
        )


# </unasync>
