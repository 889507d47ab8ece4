"""Resume a thread later, async.

python examples/resume_thread_async.py [--offline] [THREAD_ID]
"""

import asyncio

from _offline import args, codex_config, text

from codex_app_server import AsyncCodex

SCRIPT = [text("Noted: your favourite colour is teal."), text("Your favourite colour is teal.")]


async def main() -> None:
    with codex_config(*SCRIPT) as config:
        given = args()
        if given:
            thread_id = given[0]
        else:
            async with AsyncCodex(config) as codex:
                thread = await codex.thread_start()
                first = await thread.run("Remember: my favourite colour is teal.")
                print("first session:", first.final_response)
                thread_id = thread.id
            print("stored thread:", thread_id)

        async with AsyncCodex(config) as codex:
            recent = [t.id for t in (await codex.thread_list(limit=5)).data]
            print("listed among recent threads:", thread_id in recent)
            thread = await codex.thread_resume(thread_id)
            again = await thread.run("What is my favourite colour?")
            print("second session:", again.final_response)


asyncio.run(main())
