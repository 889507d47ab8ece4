"""Goal turns with the async API (see goals.py).

python examples/goals_async.py [--offline]
"""

import asyncio

from _offline import codex_config, function_call, messages, text

from codex_app_server import ApprovalMode, AsyncCodex, Sandbox

SCRIPT = [
    messages(
        text("Reading the notes first.", phase="commentary"),
        text("Outline drafted: three sections.", phase="final_answer"),
    ),
    function_call("update_goal", {"status": "complete"}),
    text("The summary is written; the goal is complete.", phase="final_answer"),
]


async def main() -> None:
    with codex_config(*SCRIPT) as config:
        async with AsyncCodex(config) as codex:
            thread = await codex.thread_start(sandbox=Sandbox.read_only, **ApprovalMode.deny_all)
            goal = await thread.start_goal(
                "Summarize the project notes in three sections.", token_budget=100_000
            )
            async for note in goal.stream():
                if note.method == "turn/started":
                    print(f"[goal turn {len(goal.turn_ids)} started]")
                elif note.method == "thread/goal/updated":
                    print(f"[goal status: {note.params.goal.status}]")  # type: ignore[union-attr]
            result = await goal.run()
            for number, turn in enumerate(result.turns, 1):
                print(f"turn {number}: {turn.final_response} (commentary: {turn.commentary})")
            print(
                f"goal: {result.status}, {len(result.turns)} turns, "
                f"{result.tokens_used} tokens used"
            )
            print("final response:", result.final_response)


asyncio.run(main())
