"""Goal turns: give Codex an objective and let it work over as many turns as it takes.

Codex keeps starting turns on its own until the goal leaves `active`: the model marks it
`complete` (or `blocked`) with its `update_goal` tool, the token budget runs out, or you
`interrupt()` it (which pauses the goal). `stream()` shows every turn as it happens.

    python examples/goals.py [--offline]
"""

from _offline import codex_config, function_call, messages, text

from codex_app_server import ApprovalMode, Codex, Sandbox

SCRIPT = [
    messages(
        text("Reading the notes first.", phase="commentary"),
        text("Outline drafted: three sections.", phase="final_answer"),
    ),
    function_call("update_goal", {"status": "complete"}),
    text("The summary is written; the goal is complete.", phase="final_answer"),
]

with codex_config(*SCRIPT) as config, Codex(config) as codex:
    thread = codex.thread_start(sandbox=Sandbox.read_only, **ApprovalMode.deny_all)
    goal = thread.start_goal("Summarize the project notes in three sections.", token_budget=100_000)
    for note in goal.stream():
        if note.method == "turn/started":
            print(f"[goal turn {len(goal.turn_ids)} started]")
        elif note.method == "thread/goal/updated":
            print(f"[goal status: {note.params.goal.status}]")  # type: ignore[union-attr]
    result = goal.run()  # the stream was read to its end: returns at once
    for number, turn in enumerate(result.turns, 1):
        print(f"turn {number}: {turn.final_response} (commentary: {turn.commentary})")
    print(f"goal: {result.status}, {len(result.turns)} turns, {result.tokens_used} tokens used")
    print("final response:", result.final_response)
