"""Log in and see who is logged in: an API key, ChatGPT in a browser, or a device code.

    python examples/login.py              # who is logged in
    python examples/login.py api-key      # log in with $OPENAI_API_KEY
    python examples/login.py browser      # ChatGPT: open the printed URL to sign in
    python examples/login.py device       # ChatGPT on a machine without a browser
    python examples/login.py logout

Credentials go where `codex login` puts them (CODEX_HOME, by default ~/.codex). Offline, a
throwaway CODEX_HOME with codex's default OpenAI provider is used, and flows that need the
login service end with a clear error.
"""

import os
import sys

from _offline import OFFLINE, args, codex_config

from codex_app_server import Codex, LoginError

WAIT_SECONDS = 2.0 if OFFLINE else 300.0


def show(codex: Codex) -> None:
    account = codex.account()
    if account.account is None:
        needed = "needs" if account.requires_openai_auth else "does not need"
        print(f"not logged in (the model provider {needed} an OpenAI login)")
    else:
        print("logged in:", account.account.to_wire())


command = (args() or ["status"])[0]
# offline: codex's default OpenAI provider (the loopback model's provider needs no login)
with codex_config(extra={"model_provider": "openai"}) as config, Codex(config) as codex:
    show(codex)
    try:
        if command == "api-key":
            key = "sk-offline-example" if OFFLINE else os.environ.get("OPENAI_API_KEY", "")
            if not key:
                sys.exit("set OPENAI_API_KEY first")
            codex.login_api_key(key)  # the key is never printed, logged or put in an error
        elif command == "browser":
            with codex.login_chatgpt() as login:  # leaving the block cancels an open flow
                print("open this URL to sign in:", login.auth_url)
                try:
                    done = login.wait(timeout=WAIT_SECONDS)
                    print("login completed:", done.success)
                except TimeoutError:
                    print(f"no sign-in within {WAIT_SECONDS:g} s; cancelling")
        elif command == "device":
            with codex.login_chatgpt_device_code() as login:
                print(f"open {login.verification_url} and enter the code {login.user_code}")
                login.wait(timeout=WAIT_SECONDS)
        elif command == "logout":
            codex.logout()
    except LoginError as exc:
        print("login failed:", exc)
    except TimeoutError:
        print(f"no sign-in within {WAIT_SECONDS:g} s")
    if command != "status":
        show(codex)
