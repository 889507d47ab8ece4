"""The migration guide names every public name of `openai-codex` 0.163.0 and a counterpart
that exists here."""

from __future__ import annotations

from pathlib import Path

import pytest

import codex_app_server
from codex_app_server import models

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "migrating-from-openai-codex.md"

# `openai_codex.__all__` (0.163.0) -> the name here (None: no counterpart, the guide says why).
TOP_LEVEL: dict[str, str | None] = {
    "__version__": None,
    "CodexConfig": "AppServerConfig",
    "Codex": "Codex",
    "AsyncCodex": "AsyncCodex",
    "ApprovalMode": "ApprovalMode",
    "Sandbox": "Sandbox",
    "ChatgptLoginHandle": "ChatgptLogin",
    "DeviceCodeLoginHandle": "ChatgptDeviceCodeLogin",
    "AsyncChatgptLoginHandle": "AsyncChatgptLogin",
    "AsyncDeviceCodeLoginHandle": "AsyncChatgptDeviceCodeLogin",
    "Thread": "Thread",
    "AsyncThread": "AsyncThread",
    "TurnHandle": "Turn",
    "AsyncTurnHandle": "AsyncTurn",
    "TurnResult": "TurnResult",
    "Input": "Input",
    "InputItem": "InputItem",
    "RunInput": "RunInput",
    "ExternalMessage": "ExternalMessage",
    "TextInput": "TextInput",
    "ImageInput": "ImageInput",
    "LocalImageInput": "LocalImageInput",
    "SkillInput": "SkillInput",
    "MentionInput": "MentionInput",
    "retry_on_overload": "retry_on_overload",
    "CodexError": "CodexError",
    "TransportClosedError": "TransportClosedError",
    "JsonRpcError": "JsonRpcError",
    "CodexRpcError": None,
    "ParseError": "ParseError",
    "InvalidRequestError": "InvalidRequestError",
    "MethodNotFoundError": "MethodNotFoundError",
    "InvalidParamsError": "InvalidParamsError",
    "InternalRpcError": "InternalRpcError",
    "ServerBusyError": "ServerBusyError",
    "RetryLimitExceededError": "RetryLimitExceededError",
    "is_retryable_error": "is_retryable_error",
}
# `openai_codex.types.__all__` names that are not models here by the same name.
TYPES_ELSEWHERE = {
    "ThreadItem",
    "Account",
    "AskForApproval",
    "SandboxPolicy",
    "ThreadSource",
    "ThreadListCwdFilter",
    "JsonObject",
    "Notification",
}
TYPES_SAME = [
    *("AccountLoginCompletedNotification", "ApprovalsReviewer", "CancelLoginAccountResponse"),
    *("CancelLoginAccountStatus", "GetAccountResponse", "InitializeResponse"),
    *("ModelListResponse", "Personality", "PlanType", "ReasoningEffort", "ReasoningSummary"),
    *("SandboxMode", "SortDirection", "ThreadArchiveResponse", "ThreadCompactStartResponse"),
    *("ThreadListResponse", "ThreadReadResponse", "ThreadSetNameResponse", "ThreadSortKey"),
    *("ThreadSourceKind", "ThreadStartSource", "ThreadTokenUsage"),
    *("ThreadTokenUsageUpdatedNotification", "Turn", "TurnCompletedNotification", "TurnError"),
    *("TurnInterruptResponse", "TurnStatus", "TurnSteerResponse"),
]


@pytest.mark.parametrize(("official", "here"), TOP_LEVEL.items())
def test_every_official_name_is_in_the_guide_with_a_real_counterpart(
    official: str, here: str | None
) -> None:
    text = GUIDE.read_text()
    assert f"`{official}`" in text
    if here is not None:
        assert hasattr(codex_app_server, here), here
        assert f"`{here}`" in text


def test_the_types_module_is_covered() -> None:
    text = GUIDE.read_text()
    assert len(TYPES_SAME) + len(TYPES_ELSEWHERE) == 37
    for name in TYPES_SAME:
        assert hasattr(models, name), name
        assert f"`{name}`" in text, name
    for name in TYPES_ELSEWHERE:
        assert f"| `{name}` |" in text, name


def test_the_guide_is_linked_from_the_readme_and_the_faq() -> None:
    root = GUIDE.parents[1]
    assert "docs/migrating-from-openai-codex.md" in (root / "README.md").read_text()
    assert "(migrating-from-openai-codex.md)" in (root / "docs" / "faq.md").read_text()
