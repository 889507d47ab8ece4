"""A multi-turn conversation: one thread, several turns; each turn sees the ones before.

python examples/multi_turn.py [--offline]
"""

from _offline import codex_config, text

from codex_app_server import Codex

QUESTIONS = [
    "Pick a prime number between 10 and 20. Answer with the number only.",
    "Double it. Answer with the number only.",
    "What was the number you picked first? Answer with the number only.",
]
SCRIPT = [text("13"), text("26"), text("13")]  # the offline model's answers

with codex_config(*SCRIPT) as config, Codex(config) as codex:
    thread = codex.thread_start()
    print("thread:", thread.id)
    for question in QUESTIONS:
        result = thread.run(question)
        result.raise_for_status()  # stop here if a turn failed
        print(f"> {question}\n{result.final_response}")
    history = thread.read(include_turns=True).thread
    print("turns in the thread:", len(history.turns or []))
