from __future__ import annotations

import pytest

from codegen.naming import method_name, pascal_case, snake_case


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("thread/start", "thread_start"),
        ("fs/readFile", "fs_read_file"),
        ("thread/name/set", "thread_name_set"),
        ("fuzzyFileSearch", "fuzzy_file_search"),
        ("thread/inject_items", "thread_inject_items"),
        ("account/gatewayOAuth/read", "account_gateway_oauth_read"),
        ("mcpServer/oauth/login", "mcp_server_oauth_login"),
        ("item/commandExecution/requestApproval", "item_command_execution_request_approval"),
        ("account/rateLimitResetCredit/consume", "account_rate_limit_reset_credit_consume"),
        ("execCommandApproval", "exec_command_approval"),
    ],
)
def test_method_names_follow_the_wire_name(wire: str, expected: str) -> None:
    assert method_name(wire) == expected


def test_python_keywords_get_a_trailing_underscore() -> None:
    assert method_name("import") == "import_"


@pytest.mark.parametrize(
    ("name", "snake", "pascal"),
    [
        ("agentMessage", "agent_message", "AgentMessage"),
        ("on-request", "on_request", "OnRequest"),
        ("openai/form", "openai_form", "OpenaiForm"),
        ("HTTPStatus", "http_status", "HttpStatus"),
        ("v2", "v_2", "V2"),
    ],
)
def test_case_conversions(name: str, snake: str, pascal: str) -> None:
    assert snake_case(name) == snake
    assert pascal_case(name) == pascal
