"""Approvals, async: an `async def` handler is awaited on the client's event loop.

python examples/approvals_async.py [--offline]
"""

import asyncio
import shlex
from typing import Literal

from _offline import codex_config, shell_command, text

from codex_app_server import AsyncCodex
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


async def review(
    params: CommandExecutionRequestApprovalParams,
) -> CommandExecutionRequestApprovalResponse:
    command = shell_line(params.command or "")
    decision: Literal["accept", "decline"] = (
        "accept" if command.startswith(SAFE_PREFIXES) else "decline"
    )
    print(f"  approval asked for {command!r}: {decision}")
    # the typed reply takes the wire string, as a dict answer would
    return CommandExecutionRequestApprovalResponse(decision=decision)


SCRIPT = [
    shell_command("echo hello from codex"),
    text("The command printed: hello from codex"),
    shell_command("touch not-approved.txt"),
    text("I was not allowed to create the file."),
]


async def main() -> None:
    with codex_config(*SCRIPT) as config:
        async with AsyncCodex(config) as codex:
            codex.handlers.item_command_execution_request_approval = review
            thread = await codex.thread_start(
                approval_policy="on-request",  # the enums in codex_app_server.models work too
                sandbox="read-only",
            )
            for prompt in [
                "Run `echo hello from codex` outside the sandbox and tell me what it printed.",
                "Create the file not-approved.txt.",
            ]:
                print(">", prompt)
                result = await thread.run(prompt)
                for item in result.items:
                    if isinstance(item, CommandExecutionThreadItem):  # narrows the ThreadItem union
                        output = (item.aggregated_output or "").strip()
                        print(
                            f"  command {shell_line(item.command)!r}: {item.status} {output}".rstrip()
                        )
                print(" ", result.final_response)


asyncio.run(main())
