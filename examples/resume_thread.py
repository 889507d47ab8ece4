"""Resume a thread later: threads are stored by the app-server (in CODEX_HOME), so another
process - here, a second `Codex` - can load one by id and go on.

`codex.thread_resume(id)` loads a stored thread into the server; `codex.thread(id)` only
makes a handle for a thread this server already has loaded.

    python examples/resume_thread.py [--offline] [THREAD_ID]
"""

from _offline import args, codex_config, text

from codex_app_server import Codex

SCRIPT = [text("Noted: your favourite colour is teal."), text("Your favourite colour is teal.")]

with codex_config(*SCRIPT) as config:
    given = args()
    if given:
        thread_id = given[0]
    else:
        # First session: start a thread, tell it something, remember its id, stop.
        with Codex(config) as codex:
            thread = codex.thread_start()
            first = thread.run("Remember: my favourite colour is teal.")
            print("first session:", first.final_response)
            thread_id = thread.id
        print("stored thread:", thread_id)

    # Later (another process, another day): load the thread by id and continue it.
    with Codex(config) as codex:
        recent = [t.id for t in codex.thread_list(limit=5).data]
        print("listed among recent threads:", thread_id in recent)
        thread = codex.thread_resume(thread_id)
        again = thread.run("What is my favourite colour?")
        print("second session:", again.final_response)
