"""Approvals: decide, in your own code, which commands the agent may run.

With `approval_policy="on-request"` the agent asks before running a command outside its
sandbox; the server sends the client an approval request, and the handler you set on
`codex.handlers` answers it. Without a handler every approval is declined (the safe default).
Presets: `accept_all()`, `decline_all()`, `ask(callback)`.

    python examples/approvals.py [--offline]
"""

import shlex
from typing import Literal

from _offline import codex_config, shell_command, text

from codex_app_server import Codex
from codex_app_server.models import (
    CommandExecutionRequestApprovalParams,
    CommandExecutionRequestApprovalResponse,
    CommandExecutionThreadItem,
)

SAFE_PREFIXES = ("echo ", "ls", "pwd")


def shell_line(command: str) -> str:
    """The shell line inside codex's `/bin/bash -lc '...'` wrapper (the command otherwise)."""
    parts = shlex.split(command)
    return parts[2] if len(parts) == 3 and parts[1] in ("-c", "-lc") else command


def review(
    params: CommandExecutionRequestApprovalParams,
) -> CommandExecutionRequestApprovalResponse:
    """Accept harmless commands, decline everything else."""
    command = shell_line(params.command or "")
    decision: Literal["accept", "decline"] = (
        "accept" if command.startswith(SAFE_PREFIXES) else "decline"
    )
    print(f"  approval asked for {command!r}: {decision}")
    # the typed reply takes the wire string, as a dict answer would
    return CommandExecutionRequestApprovalResponse(decision=decision)


SCRIPT = [
    shell_command("echo hello from codex"),  # turn 1: asks to run this; accepted
    text("The command printed: hello from codex"),
    shell_command("touch not-approved.txt"),  # turn 2: asks to run this; declined
    text("I was not allowed to create the file."),
]

with codex_config(*SCRIPT) as config, Codex(config) as codex:
    codex.handlers.item_command_execution_request_approval = review
    thread = codex.thread_start(
        approval_policy="on-request",  # the enums in codex_app_server.models work too
        sandbox="read-only",
    )
    for prompt in [
        "Run `echo hello from codex` outside the sandbox and tell me what it printed.",
        "Create the file not-approved.txt.",
    ]:
        print(">", prompt)
        result = thread.run(prompt)
        for item in result.items:
            if isinstance(item, CommandExecutionThreadItem):  # narrows the ThreadItem union
                output = (item.aggregated_output or "").strip()
                print(f"  command {shell_line(item.command)!r}: {item.status} {output}".rstrip())
        print(" ", result.final_response)
