"""Reply models (what handlers return to server requests) take their enums' wire strings, as
request keyword arguments do, and reject a value the schema does not list; models the SDK
receives keep their open enums."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from codex_app_server import Codex, ServerRequestHandlers
from codex_app_server.models import (
    CommandExecutionApprovalDecisionKind,
    CommandExecutionRequestApprovalResponse,
    CommandExecutionStatus,
    ExecCommandApprovalResponse,
    FileChangeApprovalDecision,
    FileChangeRequestApprovalResponse,
    GrantedPermissionProfile,
    McpServerElicitationRequestResponse,
    PermissionGrantScope,
    PermissionsRequestApprovalResponse,
)
from codex_app_server.protocol import SERVER_REQUESTS
from codex_app_server.testing import OfflineEnvironment, shell_command, text

Kind = CommandExecutionApprovalDecisionKind


def test_a_wire_string_and_an_enum_member_go_on_the_wire_alike() -> None:
    for decision in ("accept", Kind.ACCEPT):
        reply = CommandExecutionRequestApprovalResponse(decision=decision)
        assert reply.to_wire() == {"decision": "accept"}
        assert reply.decision == Kind.ACCEPT
    assert FileChangeRequestApprovalResponse(decision="acceptForSession").to_wire() == {
        "decision": "acceptForSession"
    }
    assert FileChangeRequestApprovalResponse(
        decision=FileChangeApprovalDecision.DECLINE
    ).to_wire() == {"decision": "decline"}
    assert ExecCommandApprovalResponse(decision="approved_for_session").to_wire() == {
        "decision": "approved_for_session"
    }
    assert McpServerElicitationRequestResponse(action="cancel").to_wire() == {"action": "cancel"}


def test_a_default_stays_the_enum_member_and_a_string_overrides_it() -> None:
    profile = GrantedPermissionProfile()
    assert (
        PermissionsRequestApprovalResponse(permissions=profile).scope is PermissionGrantScope.TURN
    )
    reply = PermissionsRequestApprovalResponse(permissions=profile, scope="session")
    assert reply.to_wire() == {"permissions": {}, "scope": "session"}


def test_a_value_the_schema_does_not_list_is_rejected_naming_the_field_and_the_values() -> None:
    with pytest.raises(ValidationError) as caught:
        CommandExecutionRequestApprovalResponse(decision="acept")
    message = str(caught.value)
    assert "`decision` is 'acept'" in message
    assert "'accept', 'acceptForSession', 'decline', 'cancel'" in message
    with pytest.raises(ValidationError, match="`scope` is 'forever'"):
        PermissionsRequestApprovalResponse(permissions=GrantedPermissionProfile(), scope="forever")
    with pytest.raises(ValidationError, match="`decision` is 'acept'"):  # a dict answer too
        SERVER_REQUESTS["item/commandExecution/requestApproval"].response.validate(
            {"decision": "acept"}
        )


def test_a_member_built_on_purpose_is_sent_as_is() -> None:
    """The way to send a value a newer server knows: build the enum member first."""
    reply = CommandExecutionRequestApprovalResponse(decision=Kind("acceptAlways"))
    assert reply.to_wire() == {"decision": "acceptAlways"}
    with pytest.raises(ValidationError, match="`decision` is 'acceptAlways'"):
        CommandExecutionRequestApprovalResponse(decision="acceptAlways")  # a string is checked


def test_an_unknown_value_deep_inside_a_reply_is_rejected_too() -> None:
    rule = {"action": "allowForever", "host": "example.com"}
    amendment = {"applyNetworkPolicyAmendment": {"network_policy_amendment": rule}}
    with pytest.raises(
        ValidationError, match=r"network_policy_amendment\.action` is 'allowForever'"
    ):
        CommandExecutionRequestApprovalResponse.model_validate({"decision": amendment})
    rule["action"] = "allow"
    reply = CommandExecutionRequestApprovalResponse.model_validate({"decision": amendment})
    assert reply.to_wire() == {"decision": amendment}


def test_received_models_keep_open_enums() -> None:
    """Only what the SDK sends is checked: a newer server's value still parses on the way in."""
    status = TypeAdapter(CommandExecutionStatus)
    assert status.validate_python("completed") is CommandExecutionStatus.COMPLETED
    newer = status.validate_python("paused")
    assert isinstance(newer, CommandExecutionStatus) and not newer.is_known
    assert Kind("acceptAlways") == "acceptAlways"  # the enum class itself stays open


def propose_touch(env: OfflineEnvironment, name: str) -> Any:
    target = env.workdir / name
    env.model.enqueue(shell_command(f"touch {target}", workdir=str(env.workdir)), text("done"))
    return target


def command_status(result: Any) -> Any:
    item = next(i for i in result.items if type(i).__name__ == "CommandExecutionThreadItem")
    return item.status


def test_a_reply_built_from_a_wire_string_approves_on_the_real_binary(
    approval_env: OfflineEnvironment,
) -> None:
    target = propose_touch(approval_env, "created-by-literal")

    def approve(_params: Any) -> CommandExecutionRequestApprovalResponse:
        return CommandExecutionRequestApprovalResponse(decision="accept")

    handlers = ServerRequestHandlers(item_command_execution_request_approval=approve)
    with Codex(approval_env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("make the file")
    assert target.exists()
    assert command_status(result) == "completed"


def test_a_misspelt_decision_never_reaches_the_server(
    approval_env: OfflineEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    """A dict answer with a typo fails validation in the SDK: the server gets an error answer
    (and fails the command) instead of a decision it would have to guess about."""
    target = propose_touch(approval_env, "never-created-typo")

    def typo(_params: Any) -> dict[str, str]:
        return {"decision": "acept"}

    handlers = ServerRequestHandlers(item_command_execution_request_approval=typo)
    with caplog.at_level(logging.WARNING), Codex(approval_env.config, handlers=handlers) as codex:
        result = codex.thread_start().run("make the file")
    assert command_status(result) == "failed"
    assert not target.exists()
    assert "`decision` is 'acept'" in caplog.text  # refused by the SDK, named
