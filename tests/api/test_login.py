"""Login and account on the real app-server, offline.

What 0.163.0 does (observed, and pinned here):

- API-key login answers at once and really changes state: `auth.json` appears in CODEX_HOME,
  `account/read` reports an `apiKey` account under the default OpenAI provider, the provider's
  requests carry the key, logout removes both. (An OPENAI_API_KEY in the server's environment
  is not used by the default provider.) Under a custom provider (`requiresOpenaiAuth: false`, the loopback model) the key is
  stored too, but `account/read` reports no account.
- The browser flow starts offline (the server listens on localhost:1455 for the redirect and
  answers with `authUrl`); cancel answers `canceled` and the server then sends the flow's
  `account/login/completed` with `success: false`. A second browser login supersedes the
  first (whose completion says "Login cancelled").
- The device-code flow needs the login service: offline, `account/login/start` fails with
  -32603 "failed to request device code: error sending request ...".
- `forced_login_method` in config.toml makes the server refuse the other kind (-32600).
"""

from __future__ import annotations

import dataclasses
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_app_server import (
    AppServerConfig,
    AsyncChatgptDeviceCodeLogin,
    AsyncCodex,
    ChatgptDeviceCodeLogin,
    ChatgptLogin,
    Codex,
    LoginError,
    RequestTimeoutError,
    TransportClosedError,
)
from codex_app_server.testing import OfflineEnvironment, offline_environment, text

API_KEY = "sk-test-NEVER-SHOWN-4f9c2b7d1e"


def default_provider_env(**extra: object) -> Iterator[OfflineEnvironment]:
    """An offline environment whose config selects codex's default OpenAI provider (which
    needs an OpenAI login), instead of the loopback model."""
    with offline_environment(extra={"model_provider": "openai", **extra}) as environment:
        yield environment


@pytest.fixture
def default_env() -> Iterator[OfflineEnvironment]:
    yield from default_provider_env()


def auth_file(env: OfflineEnvironment) -> Path:
    return env.home.path / "auth.json"


def global_subscriptions(codex: Codex) -> int:
    return len(codex.client.session._router._global_subs)


# --------------------------------------------------------------------------- API key


def test_api_key_login_read_and_logout_change_state(default_env: OfflineEnvironment) -> None:
    with Codex(default_env.config) as codex:
        before = codex.account()
        assert before.account is None and before.requires_openai_auth is True

        assert codex.login_api_key(API_KEY) is None
        after = codex.account()
        assert after.account is not None and after.account.type == "apiKey"
        assert auth_file(default_env).is_file()  # stored like `codex login`

        codex.logout()
        assert codex.account().account is None
        assert not auth_file(default_env).exists()


def test_the_model_provider_receives_the_logged_in_key(default_env: OfflineEnvironment) -> None:
    """The default OpenAI provider, pointed at the loopback model: after login_api_key its
    requests carry the key (and a turn runs instead of raising AuthRequiredError). 0.163.0
    first tries a websocket the loopback model refuses, then falls back to HTTP (~6 s)."""
    config = dataclasses.replace(
        default_env.config, config_overrides={"openai_base_url": default_env.model.base_url}
    )
    default_env.model.enqueue(text("signed in and answering"))
    with Codex(config) as codex:
        codex.login_api_key(API_KEY)
        result = codex.thread_start().run("hello")
    assert result.final_response == "signed in and answering"
    (request,) = default_env.model.recorded
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["authorization"] == f"Bearer {API_KEY}"


def test_api_key_login_announces_account_updated(default_env: OfflineEnvironment) -> None:
    with Codex(default_env.config) as codex:
        notifications = codex.client.notifications()  # subscribes now: nothing is missed
        codex.login_api_key(API_KEY)
        methods: dict[str, dict[str, object]] = {}
        while "account/updated" not in methods:
            note = next(notifications)
            methods[note.method] = note.raw
    assert methods["account/updated"]["authMode"] == "apikey"
    # an API-key login has no flow id: its completion carries loginId null
    assert methods["account/login/completed"] == {
        "loginId": None,
        "success": True,
        "error": None,
        "onboardingEntrypoint": None,
    }


def test_api_key_under_a_custom_provider_is_stored_but_not_reported(
    env: OfflineEnvironment,
) -> None:
    with Codex(env.config) as codex:
        codex.login_api_key(API_KEY)
        assert auth_file(env).is_file()
        account = codex.account()
        assert account.requires_openai_auth is False and account.account is None
        # turns on the loopback model go on working
        assert codex.thread_start().run("hi").succeeded
        codex.logout()
        assert not auth_file(env).exists()


def test_the_api_key_never_shows(
    default_env: OfflineEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="codex_app_server")
    with Codex(default_env.config) as codex:
        codex.login_api_key(API_KEY)
        shown = [repr(codex), repr(codex.account()), repr(codex.client)]
        shown.append(codex.client.stderr_tail)
    shown.append(caplog.text)
    assert not [text for text in shown if API_KEY in text]


@pytest.fixture
def chatgpt_only_env() -> Iterator[OfflineEnvironment]:
    yield from default_provider_env(forced_login_method="chatgpt")


def test_a_refused_api_key_login_raises_login_error_without_the_key(
    chatgpt_only_env: OfflineEnvironment,
) -> None:
    with Codex(chatgpt_only_env.config) as codex:
        with pytest.raises(LoginError, match="API key login is disabled") as caught:
            codex.login_api_key(API_KEY)
        assert codex.account().account is None
    error = caught.value
    rendered = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert API_KEY not in rendered and API_KEY not in repr(error)
    assert error.login_id is None and error.reason


def test_bad_api_key_arguments_are_refused_before_sending(codex: Codex) -> None:
    with pytest.raises(TypeError) as wrong_type:
        codex.login_api_key(API_KEY.encode())  # type: ignore[arg-type]
    assert API_KEY not in str(wrong_type.value)
    with pytest.raises(ValueError, match="empty"):
        codex.login_api_key("   ")


# --------------------------------------------------------------------------- browser flow


def test_browser_login_starts_waits_and_cancels(codex: Codex) -> None:
    baseline = global_subscriptions(codex)
    login = codex.login_chatgpt()
    assert isinstance(login, ChatgptLogin)
    assert login.login_id and not login.done
    assert login.auth_url.startswith("https://auth.openai.com/oauth/authorize?")
    assert "127.0.0.1%3A1455" in login.auth_url  # the local redirect the server listens on
    assert global_subscriptions(codex) == baseline + 1  # listening for its outcome

    with pytest.raises(RequestTimeoutError, match="still open") as timed_out:
        login.wait(timeout=0.3)
    assert isinstance(timed_out.value, TimeoutError)

    assert login.cancel().status == "canceled"
    assert login.done and login.cancelled
    outcome = login.wait()  # a cancellation is reported in the result, not raised
    assert not outcome.success and outcome.login_id == login.login_id
    assert outcome.error == "Login server error: Login was not completed"
    assert login.cancel().status == "notFound"  # already over
    assert global_subscriptions(codex) == baseline  # stopped listening


def test_wait_only_sees_its_own_flow(codex: Codex) -> None:
    first = codex.login_chatgpt()
    second = codex.login_chatgpt()  # supersedes the first on the server
    assert first.login_id != second.login_id
    with pytest.raises(LoginError, match="Login cancelled") as caught:
        first.wait(timeout=10)  # the server ended it, not this handle: a failure, raised
    assert not caught.value.cancelled and not first.cancelled
    with pytest.raises(RequestTimeoutError):  # the first flow's end is not the second's
        second.wait(timeout=0.5)
    second.cancel()
    assert not second.wait().success


def test_leaving_the_with_block_cancels_an_open_flow(codex: Codex) -> None:
    with codex.login_chatgpt() as login:
        pass
    assert login.done and login.cancelled
    assert not login.wait().success
    with codex.login_chatgpt() as again:  # the local listener was released
        assert again.login_id != login.login_id


def test_a_closed_handle_refuses_to_wait(codex: Codex) -> None:
    login = codex.login_chatgpt()
    login.close()
    with pytest.raises(RuntimeError, match="closed"):
        login.wait(timeout=1)
    login.cancel()


def test_the_server_stopping_ends_the_wait(env: OfflineEnvironment) -> None:
    codex = Codex(env.config)
    login = codex.login_chatgpt()
    codex.close()
    with pytest.raises(TransportClosedError):
        login.wait(timeout=10)


@pytest.fixture
def api_only_env() -> Iterator[OfflineEnvironment]:
    yield from default_provider_env(forced_login_method="api")


def test_a_refused_browser_login_raises_login_error(api_only_env: OfflineEnvironment) -> None:
    with Codex(api_only_env.config) as codex:
        baseline = global_subscriptions(codex)
        with pytest.raises(LoginError, match="ChatGPT login is disabled"):
            codex.login_chatgpt()
        assert global_subscriptions(codex) == baseline


# --------------------------------------------------------------------------- device code


def test_device_code_login_offline_fails_clearly(codex: Codex) -> None:
    """Offline the server cannot ask the login service for a code. (With network, the flow
    starts: then check its fields and cancel it.)"""
    baseline = global_subscriptions(codex)
    outcome: ChatgptDeviceCodeLogin | LoginError
    try:
        outcome = codex.login_chatgpt_device_code()
    except LoginError as exc:
        outcome = exc
    if isinstance(outcome, LoginError):
        message = str(outcome)
        assert message.startswith("could not start the ChatGPT device-code login")
        assert "failed to request device code" in message and "network" in message
        assert outcome.login_id is None
    else:
        assert outcome.verification_url.startswith("https://") and outcome.user_code
        assert outcome.cancel().status == "canceled"
    assert global_subscriptions(codex) == baseline


# --------------------------------------------------------------------------- async twins


async def test_async_api_key_login_and_logout(default_env: OfflineEnvironment) -> None:
    async with AsyncCodex(default_env.config) as codex:
        assert (await codex.account()).account is None
        await codex.login_api_key(API_KEY)
        account = (await codex.account()).account
        assert account is not None and account.type == "apiKey"
        await codex.logout()
        assert (await codex.account()).account is None


async def test_async_browser_login_and_device_code(env: OfflineEnvironment) -> None:
    async with AsyncCodex(env.config) as codex:
        async with await codex.login_chatgpt() as login:
            assert login.auth_url.startswith("https://auth.openai.com/")
            with pytest.raises(TimeoutError):
                await login.wait(timeout=0.2)
        assert login.done and login.cancelled
        outcome = await login.wait()
        assert not outcome.success and outcome.error

        device: AsyncChatgptDeviceCodeLogin | LoginError
        try:
            device = await codex.login_chatgpt_device_code()
        except LoginError as exc:
            device = exc
        if isinstance(device, LoginError):
            assert "network" in str(device)
        else:
            assert device.user_code
            await device.cancel()


def test_default_provider_env_selects_the_openai_provider(
    default_env: OfflineEnvironment,
) -> None:
    config: AppServerConfig = default_env.config
    assert 'model_provider = "openai"' in default_env.home.config_path.read_text()
    with Codex(config) as codex:
        assert codex.account().requires_openai_auth is True
