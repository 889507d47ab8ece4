"""Arguments are checked before anything is sent, with errors that say what is wrong.

On the real app-server: an unknown keyword raises `UnknownArgumentError` (a `TypeError`)
naming it and the closest valid name; a wrong type or value raises `ArgumentTypeError` /
`InvalidArgumentError` (`CodexError`s, also `TypeError` / `ValueError`) naming the field,
what it takes and what it got; no pydantic exception escapes; paths may be `pathlib.Path`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from codex_app_server import (
    AppServerConfig,
    ArgumentTypeError,
    AsyncCodex,
    Codex,
    CodexError,
    InvalidArgumentError,
    UnknownArgumentError,
)
from codex_app_server.testing import OfflineEnvironment, text


def test_a_misspelt_thread_option_names_itself_and_the_closest_option(codex: Codex) -> None:
    with pytest.raises(UnknownArgumentError, match=r"'modle'.*did you mean 'model'") as caught:
        codex.thread_start(modle="x")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    assert isinstance(caught.value, TypeError)
    assert (caught.value.name, caught.value.suggestion) == ("modle", "model")


def test_a_misspelt_turn_option_fails_before_the_model_is_asked(
    env: OfflineEnvironment, codex: Codex
) -> None:
    thread = codex.thread_start()
    with pytest.raises(UnknownArgumentError, match=r"'effrot'.*did you mean 'effort'"):
        thread.run("hi", effrot="high")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    assert env.model.requests == []  # nothing reached the model
    env.model.enqueue(text("fine"))
    assert thread.run("hi").final_response == "fine"


def test_a_wrong_type_names_the_field_what_it_takes_and_what_it_got(codex: Codex) -> None:
    with pytest.raises(ArgumentTypeError) as caught:
        codex.thread_start(ephemeral=[1])  # type: ignore[typeddict-item]  # pyright: ignore[reportArgumentType]
    error = caught.value
    assert isinstance(error, TypeError) and isinstance(error, CodexError)
    assert error.field == "ephemeral"
    assert "bool" in error.expected
    assert error.got == "a list"
    assert "thread/start: ephemeral takes" in str(error)


def test_a_value_the_protocol_does_not_list_is_refused_before_sending(codex: Codex) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        codex.thread_start(sandbox="read-write")  # type: ignore[typeddict-item]  # pyright: ignore[reportArgumentType]
    error = caught.value
    assert isinstance(error, ValueError) and not isinstance(error, TypeError)
    assert error.field == "sandbox"
    assert "'read-only'" in error.expected and "'workspace-write'" in error.expected
    assert error.got == "'read-write'"
    assert codex.thread_start(sandbox="read-only").id  # the session goes on


def test_a_union_field_lists_every_alternative(codex: Codex) -> None:
    with pytest.raises(InvalidArgumentError, match="approval_policy takes") as caught:
        codex.thread_start(approval_policy=3)  # type: ignore[typeddict-item]  # pyright: ignore[reportArgumentType]
    assert "'on-request'" in caught.value.expected
    assert "GranularAskForApproval" in caught.value.expected


def test_low_level_calls_raise_codex_errors_not_pydantic_ones(codex: Codex) -> None:
    from pydantic import ValidationError

    with pytest.raises(ArgumentTypeError) as caught:
        codex.client.command_exec(command="ls -l")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    assert not isinstance(caught.value, ValidationError)
    assert caught.value.field == "command"
    assert caught.value.expected == "a list"


def test_paths_are_accepted_where_the_wire_takes_a_path(
    env: OfflineEnvironment, codex: Codex
) -> None:
    sub = env.workdir / "sub"
    sub.mkdir()
    thread = codex.thread_start(cwd=sub)
    stored = codex.client.thread_read(thread_id=thread.id).thread
    assert Path(stored.cwd) == sub.resolve() or Path(stored.cwd) == sub
    metadata = codex.client.fs_get_metadata(path=sub)
    assert metadata.is_directory


def test_a_path_as_config_says_how_to_run_that_binary() -> None:
    with pytest.raises(ArgumentTypeError, match=r"AppServerConfig\(codex_bin='/path/to/codex'\)"):
        Codex("/path/to/codex")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ArgumentTypeError, match="config takes an AppServerConfig"):
        AsyncCodex(Path("/path/to/codex"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ArgumentTypeError, match="handlers takes a ServerRequestHandlers"):
        Codex(handlers={"command_execution_request_approval": None})  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"codex_bin": 123}, "codex_bin"),
        ({"cwd": 1.5}, "cwd"),
        ({"request_timeout": "5"}, "request_timeout"),
        ({"shutdown_timeout": True}, "shutdown_timeout"),
        ({"notification_buffer": 10.0}, "notification_buffer"),
        ({"extra_args": "--flag"}, "extra_args"),
        ({"unset_env": ["OK", 3]}, "unset_env items"),
        ({"client_name": None}, "client_name"),
    ],
)
def test_app_server_config_checks_its_fields(options: dict[str, Any], field: str) -> None:
    with pytest.raises(ArgumentTypeError) as caught:
        AppServerConfig(**options)
    assert caught.value.field == field
    assert field.split(maxsplit=1)[0] in str(caught.value)


def test_an_env_value_of_the_wrong_type_is_not_shown() -> None:
    with pytest.raises(ArgumentTypeError) as caught:
        AppServerConfig(env={"OPENAI_API_KEY": b"sk-secret"})  # type: ignore[dict-item]  # pyright: ignore[reportArgumentType]
    assert "sk-secret" not in str(caught.value)
    assert caught.value.field == "env['OPENAI_API_KEY']"


def test_path_like_config_fields_are_accepted(tmp_path: Path) -> None:
    config = AppServerConfig(codex_bin=tmp_path / "codex", cwd=tmp_path)
    assert os.fspath(config.cwd or "") == str(tmp_path)
