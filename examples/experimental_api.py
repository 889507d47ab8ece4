"""The experimental API: opt in with `AppServerConfig(experimental_api=True)`, then call an
experimental method. Without the opt-in the SDK refuses it before sending anything.

python examples/experimental_api.py            # the real runtime, your login
python examples/experimental_api.py --offline  # a scripted model, no network
"""

import dataclasses

from _offline import codex_config

from codex_app_server import AppServerConfig, Codex, ExperimentalApiError

with codex_config() as offline:
    config = offline or AppServerConfig()

    with Codex(config) as codex:
        try:
            codex.client.collaboration_mode_list()
        except ExperimentalApiError as exc:
            print("without the opt-in:", type(exc).__name__)

    with Codex(dataclasses.replace(config, experimental_api=True)) as codex:
        modes = codex.client.collaboration_mode_list()
        print("collaboration modes:", ", ".join(mode.name for mode in modes.data))
