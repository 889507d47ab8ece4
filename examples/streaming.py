"""Streaming progress: print the answer as it is written, and each item as it starts and ends.

`turn.stream()` yields this turn's notifications and ends after `turn/completed`;
`note.params` is the typed model of each one (match on its class), and
`note.params_for(method)` the typed params of one method (None for any other).
`turn.run()` afterwards returns the finished `TurnResult` at once.

    python examples/streaming.py [--offline]
"""

import sys

from _offline import codex_config, text

from codex_app_server import Codex
from codex_app_server.models import (
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
        # keyed by method name: an AgentMessageDeltaNotification, or None for other methods
        if (delta := note.params_for("item/agentMessage/delta")) is not None:
            sys.stdout.write(delta.delta)  # the text as it arrives
            sys.stdout.flush()
        match note.params:  # or by the params class
            case ItemStartedNotification(item=item):
                print(f"[{item.type} started]")
            case ItemCompletedNotification(item=item):
                if item.type == "agentMessage":
                    print()  # end the streamed line
                print(f"[{item.type} completed]")
            case TurnCompletedNotification(turn=done):
                print(f"[turn {done.status}]")
            case _:
                pass
    result = turn.run()
    print("status:", result.status, "| items:", [type(item).__name__ for item in result.items])
