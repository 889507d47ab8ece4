"""Typed Python SDK for the OpenAI Codex app-server.

    from codex_app_server import Codex

    with Codex() as codex:
        result = codex.thread_start().run("Summarize this repository.")
        print(result.status, result.final_response)

`RUNTIME_VERSION` is the codex runtime this SDK was generated from (the `codex-cli-bin`
version it pins); `__version__` is the SDK's own version.

Names load on first use (the protocol has ~900 models), so importing the package is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from codex_app_server._generated.runtime import RUNTIME_VERSION

if TYPE_CHECKING:
    __version__: str

    from codex_app_server._client import (
        AppServerClient as AppServerClient,
    )
    from codex_app_server._client import (
        AsyncAppServerClient as AsyncAppServerClient,
    )
    from codex_app_server._config import (
        AppServerConfig as AppServerConfig,
    )
    from codex_app_server._connect_config import (
        ConnectConfig as ConnectConfig,
    )
    from codex_app_server._discovery import (
        ResolvedBinary as ResolvedBinary,
    )
    from codex_app_server._discovery import (
        find_codex_bin as find_codex_bin,
    )
    from codex_app_server._generated.handlers import (
        ServerRequestHandlers as ServerRequestHandlers,
    )
    from codex_app_server._not_given import (
        NOT_GIVEN as NOT_GIVEN,
    )
    from codex_app_server._not_given import (
        NotGiven as NotGiven,
    )
    from codex_app_server._specs import (
        DEFAULT_TIMEOUT as DEFAULT_TIMEOUT,
    )
    from codex_app_server.codex import (
        AsyncCodex as AsyncCodex,
    )
    from codex_app_server.codex import (
        Codex as Codex,
    )
    from codex_app_server.errors import (
        ArgumentTypeError as ArgumentTypeError,
    )
    from codex_app_server.errors import (
        AuthRequiredError as AuthRequiredError,
    )
    from codex_app_server.errors import (
        CodexBinaryError as CodexBinaryError,
    )
    from codex_app_server.errors import (
        CodexError as CodexError,
    )
    from codex_app_server.errors import (
        CodexNotFoundError as CodexNotFoundError,
    )
    from codex_app_server.errors import (
        ConnectionFailedError as ConnectionFailedError,
    )
    from codex_app_server.errors import (
        ConnectionUnauthorizedError as ConnectionUnauthorizedError,
    )
    from codex_app_server.errors import (
        ExperimentalApiError as ExperimentalApiError,
    )
    from codex_app_server.errors import (
        ForkedClientError as ForkedClientError,
    )
    from codex_app_server.errors import (
        IncompatibleServerError as IncompatibleServerError,
    )
    from codex_app_server.errors import (
        InsecureConnectionError as InsecureConnectionError,
    )
    from codex_app_server.errors import (
        InternalRpcError as InternalRpcError,
    )
    from codex_app_server.errors import (
        InvalidArgumentError as InvalidArgumentError,
    )
    from codex_app_server.errors import (
        InvalidParamsError as InvalidParamsError,
    )
    from codex_app_server.errors import (
        InvalidRequestError as InvalidRequestError,
    )
    from codex_app_server.errors import (
        JsonRpcError as JsonRpcError,
    )
    from codex_app_server.errors import (
        LoginError as LoginError,
    )
    from codex_app_server.errors import (
        MethodNotFoundError as MethodNotFoundError,
    )
    from codex_app_server.errors import (
        ParseError as ParseError,
    )
    from codex_app_server.errors import (
        ProtocolError as ProtocolError,
    )
    from codex_app_server.errors import (
        RequestTimeoutError as RequestTimeoutError,
    )
    from codex_app_server.errors import (
        RetryLimitExceededError as RetryLimitExceededError,
    )
    from codex_app_server.errors import (
        ServerBusyError as ServerBusyError,
    )
    from codex_app_server.errors import (
        StreamOverflowError as StreamOverflowError,
    )
    from codex_app_server.errors import (
        ThreadBusyError as ThreadBusyError,
    )
    from codex_app_server.errors import (
        TransportClosedError as TransportClosedError,
    )
    from codex_app_server.errors import (
        TurnFailedError as TurnFailedError,
    )
    from codex_app_server.errors import (
        TurnTimeoutError as TurnTimeoutError,
    )
    from codex_app_server.errors import (
        UnknownArgumentError as UnknownArgumentError,
    )
    from codex_app_server.external import (
        ExternalMessage as ExternalMessage,
    )
    from codex_app_server.external import (
        RunInput as RunInput,
    )
    from codex_app_server.goal import (
        AsyncGoalRun as AsyncGoalRun,
    )
    from codex_app_server.goal import (
        GoalResult as GoalResult,
    )
    from codex_app_server.goal import (
        GoalRun as GoalRun,
    )
    from codex_app_server.goal import (
        GoalStartError as GoalStartError,
    )
    from codex_app_server.handlers import (
        accept_all as accept_all,
    )
    from codex_app_server.handlers import (
        ask as ask,
    )
    from codex_app_server.handlers import (
        decline_all as decline_all,
    )
    from codex_app_server.inputs import (
        ImageInput as ImageInput,
    )
    from codex_app_server.inputs import (
        Input as Input,
    )
    from codex_app_server.inputs import (
        InputItem as InputItem,
    )
    from codex_app_server.inputs import (
        InvalidInputError as InvalidInputError,
    )
    from codex_app_server.inputs import (
        LocalImageInput as LocalImageInput,
    )
    from codex_app_server.inputs import (
        MentionInput as MentionInput,
    )
    from codex_app_server.inputs import (
        SkillInput as SkillInput,
    )
    from codex_app_server.inputs import (
        TextInput as TextInput,
    )
    from codex_app_server.login import (
        AsyncChatgptDeviceCodeLogin as AsyncChatgptDeviceCodeLogin,
    )
    from codex_app_server.login import (
        AsyncChatgptLogin as AsyncChatgptLogin,
    )
    from codex_app_server.login import (
        ChatgptDeviceCodeLogin as ChatgptDeviceCodeLogin,
    )
    from codex_app_server.login import (
        ChatgptLogin as ChatgptLogin,
    )
    from codex_app_server.notification import (
        Notification as Notification,
    )
    from codex_app_server.presets import (
        ApprovalMode as ApprovalMode,
    )
    from codex_app_server.presets import (
        ApprovalOptions as ApprovalOptions,
    )
    from codex_app_server.presets import (
        Sandbox as Sandbox,
    )
    from codex_app_server.retry import (
        async_retry_on_overload as async_retry_on_overload,
    )
    from codex_app_server.retry import (
        is_retryable_error as is_retryable_error,
    )
    from codex_app_server.retry import (
        retry_on_overload as retry_on_overload,
    )
    from codex_app_server.thread import (
        AsyncThread as AsyncThread,
    )
    from codex_app_server.thread import (
        Thread as Thread,
    )
    from codex_app_server.tools import (
        Tool as Tool,
    )
    from codex_app_server.tools import (
        ToolArgumentsError as ToolArgumentsError,
    )
    from codex_app_server.tools import (
        ToolCall as ToolCall,
    )
    from codex_app_server.tools import (
        ToolError as ToolError,
    )
    from codex_app_server.tools import (
        ToolLike as ToolLike,
    )
    from codex_app_server.tools import (
        ToolResult as ToolResult,
    )
    from codex_app_server.tools import (
        tool as tool,
    )
    from codex_app_server.turn import (
        AsyncTurn as AsyncTurn,
    )
    from codex_app_server.turn import (
        StructuredOutputError as StructuredOutputError,
    )
    from codex_app_server.turn import (
        Turn as Turn,
    )
    from codex_app_server.turn import (
        TurnResult as TurnResult,
    )

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "Codex": "codex_app_server.codex",
    "AsyncCodex": "codex_app_server.codex",
    "AppServerClient": "codex_app_server._client",
    "AsyncAppServerClient": "codex_app_server._client",
    "AppServerConfig": "codex_app_server._config",
    "Thread": "codex_app_server.thread",
    "AsyncThread": "codex_app_server.thread",
    "Turn": "codex_app_server.turn",
    "AsyncTurn": "codex_app_server.turn",
    "TurnResult": "codex_app_server.turn",
    "StructuredOutputError": "codex_app_server.turn",
    "Notification": "codex_app_server.notification",
    "ChatgptLogin": "codex_app_server.login",
    "AsyncChatgptLogin": "codex_app_server.login",
    "ChatgptDeviceCodeLogin": "codex_app_server.login",
    "AsyncChatgptDeviceCodeLogin": "codex_app_server.login",
    "ServerRequestHandlers": "codex_app_server._generated.handlers",
    "accept_all": "codex_app_server.handlers",
    "ask": "codex_app_server.handlers",
    "decline_all": "codex_app_server.handlers",
    "DEFAULT_TIMEOUT": "codex_app_server._specs",
    "NOT_GIVEN": "codex_app_server._not_given",
    "NotGiven": "codex_app_server._not_given",
    "Input": "codex_app_server.inputs",
    "InputItem": "codex_app_server.inputs",
    "TextInput": "codex_app_server.inputs",
    "ImageInput": "codex_app_server.inputs",
    "LocalImageInput": "codex_app_server.inputs",
    "SkillInput": "codex_app_server.inputs",
    "MentionInput": "codex_app_server.inputs",
    "InvalidInputError": "codex_app_server.inputs",
    "retry_on_overload": "codex_app_server.retry",
    "async_retry_on_overload": "codex_app_server.retry",
    "is_retryable_error": "codex_app_server.retry",
    "CodexError": "codex_app_server.errors",
    "CodexNotFoundError": "codex_app_server.errors",
    "CodexBinaryError": "codex_app_server.errors",
    "IncompatibleServerError": "codex_app_server.errors",
    "AuthRequiredError": "codex_app_server.errors",
    "TransportClosedError": "codex_app_server.errors",
    "ProtocolError": "codex_app_server.errors",
    "RequestTimeoutError": "codex_app_server.errors",
    "StreamOverflowError": "codex_app_server.errors",
    "TurnFailedError": "codex_app_server.errors",
    "ThreadBusyError": "codex_app_server.errors",
    "TurnTimeoutError": "codex_app_server.errors",
    "ForkedClientError": "codex_app_server.errors",
    "LoginError": "codex_app_server.errors",
    "JsonRpcError": "codex_app_server.errors",
    "ParseError": "codex_app_server.errors",
    "InvalidRequestError": "codex_app_server.errors",
    "MethodNotFoundError": "codex_app_server.errors",
    "InvalidParamsError": "codex_app_server.errors",
    "InternalRpcError": "codex_app_server.errors",
    "ServerBusyError": "codex_app_server.errors",
    "RetryLimitExceededError": "codex_app_server.errors",
    "ConnectConfig": "codex_app_server._connect_config",
    "ConnectionFailedError": "codex_app_server.errors",
    "ConnectionUnauthorizedError": "codex_app_server.errors",
    "InsecureConnectionError": "codex_app_server.errors",
    "InvalidArgumentError": "codex_app_server.errors",
    "ArgumentTypeError": "codex_app_server.errors",
    "UnknownArgumentError": "codex_app_server.errors",
    "ExternalMessage": "codex_app_server.external",
    "RunInput": "codex_app_server.external",
    "Sandbox": "codex_app_server.presets",
    "ApprovalMode": "codex_app_server.presets",
    "ApprovalOptions": "codex_app_server.presets",
    "GoalRun": "codex_app_server.goal",
    "AsyncGoalRun": "codex_app_server.goal",
    "GoalResult": "codex_app_server.goal",
    "GoalStartError": "codex_app_server.goal",
    "ExperimentalApiError": "codex_app_server.errors",
    "tool": "codex_app_server.tools",
    "Tool": "codex_app_server.tools",
    "ToolCall": "codex_app_server.tools",
    "ToolResult": "codex_app_server.tools",
    "ToolError": "codex_app_server.tools",
    "ToolLike": "codex_app_server.tools",
    "ToolArgumentsError": "codex_app_server.tools",
    "find_codex_bin": "codex_app_server._discovery",
    "ResolvedBinary": "codex_app_server._discovery",
}

__all__ = ["RUNTIME_VERSION", *sorted(_EXPORTS)]  # noqa: PLE0604  # pyright: ignore[reportUnsupportedDunderAll]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read on first use: it looks at the installed distribution
        from codex_app_server._config import _sdk_version

        return _sdk_version()
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
