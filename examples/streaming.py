"""Streaming progress: print the answer as it is written, and each item as it starts and ends.

`turn.stream()` yields this turn's notifications and ends after `turn/completed`;
`note.params` is the typed model of each one. `turn.run()` afterwards returns the finished
`TurnResult` at once.

    python examples/streaming.py [--offline]
"""

import sys

from _offline import codex_config, text

from codex_app_server import Codex
from codex_app_server.models import (
    AgentMessageDeltaNotification,
    ItemCompletedNotification,
    ItemStartedNotification,
    TurnCompletedNotification,
)

ANSWER = text(
    "Streaming means you see each piece of the answer as soon as the model writes it.",
    chunks=6,
    delta_delay=0.05,
)

with codex_config(ANSWER) as config, Codex(config) as codex:
    turn = codex.thread_start().turn("Explain streaming in one sentence.")
    for note in turn.stream():
        params = note.params
        if isinstance(params, AgentMessageDeltaNotification):
            sys.stdout.write(params.delta)  # the text as it arrives
            sys.stdout.flush()
        elif isinstance(params, ItemStartedNotification):
            print(f"[{params.item.type} started]")
        elif isinstance(params, ItemCompletedNotification):
            if params.item.type == "agentMessage":
                print()  # end the streamed line
            print(f"[{params.item.type} completed]")
        elif isinstance(params, TurnCompletedNotification):
            print(f"[turn {params.turn.status}]")
    result = turn.run()
    print("status:", result.status, "| items:", [type(item).__name__ for item in result.items])
