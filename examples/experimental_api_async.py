"""The experimental API, async: opt in with `AppServerConfig(experimental_api=True)`, then call
an experimental method. Without the opt-in the SDK refuses it before sending anything.

python examples/experimental_api_async.py            # the real runtime, your login
python examples/experimental_api_async.py --offline  # a scripted model, no network
"""

import asyncio
import dataclasses

from _offline import codex_config

from codex_app_server import AppServerConfig, AsyncCodex, ExperimentalApiError


async def main() -> None:
    with codex_config() as offline:
        config = offline or AppServerConfig()

        async with AsyncCodex(config) as codex:
            try:
                await codex.client.collaboration_mode_list()
            except ExperimentalApiError as exc:
                print("without the opt-in:", type(exc).__name__)

        async with AsyncCodex(dataclasses.replace(config, experimental_api=True)) as codex:
            modes = await codex.client.collaboration_mode_list()
            print("collaboration modes:", ", ".join(mode.name for mode in modes.data))


asyncio.run(main())
