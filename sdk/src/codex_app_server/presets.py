"""Named presets for the sandbox and the approval mode, mapped to the protocol's own fields.

The names are those of the official `openai-codex` SDK, so a ported program reads the same:

    thread = codex.thread_start(sandbox=Sandbox.workspace_write, **ApprovalMode.deny_all)
    thread.run("tidy up", sandbox_policy=Sandbox.policy(Sandbox.read_only))  # one turn

`Sandbox.*` are the protocol's `SandboxMode` values (`sandbox=` of `thread_start`,
`thread_resume`, `thread_fork`); `Sandbox.policy()` turns one into the `sandbox_policy` a turn
takes. `ApprovalMode.*` are keyword options (`approval_policy`, `approvals_reviewer`) to
splat into `thread_start(...)`, `thread_resume(...)` or a turn.

Without a preset nothing changes: the thread keeps the configured approval policy, and an
approval request the server sends is declined unless a handler says otherwise.
"""

from __future__ import annotations

from typing import Final, Literal, TypedDict

from codex_app_server._generated.models import (
    DangerFullAccessSandboxPolicy,
    ReadOnlySandboxPolicy,
    SandboxMode,
    WorkspaceWriteSandboxPolicy,
)

__all__ = ["ApprovalMode", "ApprovalOptions", "Sandbox"]


class Sandbox:
    """What the agent's commands may touch: `read_only`, `workspace_write` (the workspace and
    configured writable roots) or `full_access` (no restriction; `danger-full-access` on
    the wire). Pass one as `sandbox=` when starting, resuming or forking a thread."""

    read_only: Final = SandboxMode.READ_ONLY
    workspace_write: Final = SandboxMode.WORKSPACE_WRITE
    full_access: Final = SandboxMode.DANGER_FULL_ACCESS

    def __init__(self) -> None:
        raise TypeError("Sandbox is a namespace of presets: use Sandbox.read_only, ...")

    @staticmethod
    def policy(
        mode: SandboxMode | str,
    ) -> ReadOnlySandboxPolicy | WorkspaceWriteSandboxPolicy | DangerFullAccessSandboxPolicy:
        """The turn-level `sandbox_policy` for a preset (a turn overrides the thread's sandbox
        for itself and the turns after it)."""
        value = SandboxMode(mode).value if isinstance(mode, SandboxMode) else mode
        if value == "read-only":
            return ReadOnlySandboxPolicy(type="readOnly")
        if value == "workspace-write":
            return WorkspaceWriteSandboxPolicy(type="workspaceWrite")
        if value in ("danger-full-access", "full-access"):
            return DangerFullAccessSandboxPolicy(type="dangerFullAccess")
        raise ValueError(
            f"unknown sandbox preset {mode!r}; use Sandbox.read_only, Sandbox.workspace_write "
            "or Sandbox.full_access"
        )


class ApprovalOptions(TypedDict, total=False):
    """The approval fields a preset sets (keyword options of threads and turns)."""

    approval_policy: Literal["on-request", "never"]
    approvals_reviewer: Literal["user", "auto_review"]


class ApprovalMode:
    """How requests to run something outside the sandbox are decided; splat one into the
    options (`thread_start(**ApprovalMode.deny_all)`).

    - `deny_all`: the agent is never allowed to ask (`approval_policy="never"`); anything
      needing escalation fails and the agent is told so.
    - `auto_review`: escalations are reviewed by codex's reviewer agent (`on-request` with
      `approvals_reviewer="auto_review"`), not by you.
    - `ask`: escalations come to this client as approval requests (`on-request`, reviewer
      `user`), decided by your `handlers` (declined when none is set). Not in the
      official SDK.
    """

    deny_all: Final[ApprovalOptions] = {"approval_policy": "never"}
    auto_review: Final[ApprovalOptions] = {
        "approval_policy": "on-request",
        "approvals_reviewer": "auto_review",
    }
    ask: Final[ApprovalOptions] = {"approval_policy": "on-request", "approvals_reviewer": "user"}

    def __init__(self) -> None:
        raise TypeError("ApprovalMode is a namespace of presets: use ApprovalMode.deny_all, ...")
