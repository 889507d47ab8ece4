"""Quickstart: start Codex, run one turn, print the answer.

python examples/quickstart.py            # the real runtime, your login
python examples/quickstart.py --offline  # a scripted model, no network
"""

from _offline import codex_config, text

from codex_app_server import Codex

with codex_config(text("Hello! I'm Codex, ready to help.")) as config, Codex(config) as codex:
    print("server:", codex.server_version)
    thread = codex.thread_start()
    result = thread.run("Say hello in one short sentence.")
    print("status:", result.status)
    print("answer:", result.final_response)
    if result.usage is not None:
        print("tokens:", result.usage.total.total_tokens)
