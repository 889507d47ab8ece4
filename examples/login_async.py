"""Log in and see who is logged in, async.

python examples/login_async.py [--offline] [status|api-key|browser|device|logout]
"""

import asyncio
import os
import sys

from _offline import OFFLINE, args, codex_config

from codex_app_server import AsyncCodex, LoginError

WAIT_SECONDS = 2.0 if OFFLINE else 300.0


async def show(codex: AsyncCodex) -> None:
    account = await codex.account()
    if account.account is None:
        needed = "needs" if account.requires_openai_auth else "does not need"
        print(f"not logged in (the model provider {needed} an OpenAI login)")
    else:
        print("logged in:", account.account.to_wire())


async def main(command: str) -> None:
    with codex_config(extra={"model_provider": "openai"}) as config:
        async with AsyncCodex(config) as codex:
            await show(codex)
            try:
                if command == "api-key":
                    key = "sk-offline-example" if OFFLINE else os.environ.get("OPENAI_API_KEY", "")
                    if not key:
                        sys.exit("set OPENAI_API_KEY first")
                    await codex.login_api_key(key)
                elif command == "browser":
                    async with await codex.login_chatgpt() as login:
                        print("open this URL to sign in:", login.auth_url)
                        try:
                            done = await login.wait(timeout=WAIT_SECONDS)
                            print("login completed:", done.success)
                        except TimeoutError:
                            print(f"no sign-in within {WAIT_SECONDS:g} s; cancelling")
                elif command == "device":
                    async with await codex.login_chatgpt_device_code() as login:
                        print(f"open {login.verification_url} and enter {login.user_code}")
                        await login.wait(timeout=WAIT_SECONDS)
                elif command == "logout":
                    await codex.logout()
            except LoginError as exc:
                print("login failed:", exc)
            except TimeoutError:
                print(f"no sign-in within {WAIT_SECONDS:g} s")
            if command != "status":
                await show(codex)


asyncio.run(main((args() or ["status"])[0]))
