"""The generated surface for the pinned runtime: complete, well named, current, forward-compatible."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codegen.generate import Generated, generate_package
from codegen.naming import method_name
from codegen.paths import DEFAULT_OUT, DEFAULT_SCHEMA, REPO_ROOT
from tests.codegen.surface import (
    client_method_names,
    schema_methods,
    untraceable_names,
)

SCRIPT = REPO_ROOT / "scripts" / "update_sdk_artifacts.py"


def test_every_protocol_method_has_a_typed_surface(pinned_generation: Generated) -> None:
    expected = schema_methods(DEFAULT_SCHEMA)
    from codex_app_server.protocol import CLIENT_REQUESTS, SERVER_NOTIFICATIONS, SERVER_REQUESTS

    assert set(CLIENT_REQUESTS) == expected["requests"]
    assert set(SERVER_NOTIFICATIONS) == expected["notifications"]
    assert set(SERVER_REQUESTS) == expected["server_requests"]
    # The pinned runtime 0.163.0 has 105 / 85 / 10 stable, 172 / 85 / 11 with --experimental.
    assert (len(CLIENT_REQUESTS), len(SERVER_NOTIFICATIONS), len(SERVER_REQUESTS)) == (172, 85, 11)
    stable = {"requests": 105, "notifications": 85, "server_requests": 10}
    for what, registry in (
        ("requests", CLIENT_REQUESTS),
        ("notifications", SERVER_NOTIFICATIONS),
        ("server_requests", SERVER_REQUESTS),
    ):
        assert sum(not spec.experimental for spec in registry.values()) == stable[what]

    client = pinned_generation.files["client.py"]
    experimental = pinned_generation.files["experimental_client.py"]
    wanted = {method_name(m) for m in expected["requests"]}
    sync = client_method_names(client, "ClientMethods")
    aio = client_method_names(client, "AsyncClientMethods")
    sync_exp = client_method_names(experimental, "ExperimentalClientMethods")
    aio_exp = client_method_names(experimental, "AsyncExperimentalClientMethods")
    assert set(sync) | set(sync_exp) == wanted and not any({**sync, **sync_exp}.values())
    assert set(aio) | set(aio_exp) == wanted and all({**aio, **aio_exp}.values())
    assert set(sync_exp) == {
        method_name(w) for w, spec in CLIENT_REQUESTS.items() if spec.experimental
    }

    from codex_app_server._generated.handlers import ServerRequestHandlers

    handler_fields = set(ServerRequestHandlers.__dataclass_fields__)
    assert handler_fields == {method_name(m) for m in expected["server_requests"]}


def test_experimental_surface_is_marked_from_the_plain_bundle(
    pinned_generation: Generated,
) -> None:
    from codex_app_server.protocol import CLIENT_REQUESTS, SERVER_REQUESTS

    stable = schema_methods(DEFAULT_SCHEMA, experimental=False)
    for wire, spec in CLIENT_REQUESTS.items():
        assert spec.experimental == (wire not in stable["requests"]), wire
    for wire, sreq in SERVER_REQUESTS.items():
        assert sreq.experimental == (wire not in stable["server_requests"]), wire
    assert CLIENT_REQUESTS["collaborationMode/list"].experimental
    assert "dynamicTools" in CLIENT_REQUESTS["thread/start"].experimental_fields
    assert not CLIENT_REQUESTS["thread/start"].experimental
    assert "model" not in CLIENT_REQUESTS["thread/start"].experimental_fields
    # The docstrings say so on their first line.
    client = pinned_generation.files["experimental_client.py"]
    doc_start = client.index("def collaboration_mode_list(")
    assert '"""[Experimental]' in client[doc_start : doc_start + 400]
    from codex_app_server._generated.models import ThreadStartParams

    described = ThreadStartParams.model_fields["dynamic_tools"].description or ""
    docs = pinned_generation.files["models/thread_start_params.py"]
    assert described.startswith("[Experimental]") or "[Experimental] Requires" in docs


def test_dynamic_tools_have_a_typed_surface() -> None:
    """What Python dynamic tools build on: the thread/start field and the item/tool/call
    server request, typed."""
    from codex_app_server._generated.handlers import ServerRequestHandlers
    from codex_app_server._generated.models import (
        DynamicToolCallParams,
        DynamicToolCallResponse,
        FunctionDynamicToolSpec,
        ThreadStartParams,
    )
    from codex_app_server.protocol import SERVER_REQUESTS

    params = ThreadStartParams.model_validate(
        {"dynamicTools": [{"type": "function", "name": "t", "description": "d", "inputSchema": {}}]}
    )
    assert isinstance(params.dynamic_tools[0], FunctionDynamicToolSpec)  # type: ignore[index]
    spec = SERVER_REQUESTS["item/tool/call"]
    assert spec.params_type is DynamicToolCallParams
    assert spec.response_type is DynamicToolCallResponse
    assert "item_tool_call" in ServerRequestHandlers.__dataclass_fields__


def test_every_type_in_the_registry_resolves() -> None:
    from codex_app_server.protocol import CLIENT_REQUESTS, SERVER_NOTIFICATIONS, SERVER_REQUESTS

    for spec in CLIENT_REQUESTS.values():
        assert spec.result_type is not None
        if spec.params is not None:
            assert spec.params_type is not None
    for note in SERVER_NOTIFICATIONS.values():
        assert note.params_type.__name__
    for sreq in SERVER_REQUESTS.values():
        assert sreq.params_type is not None and sreq.response_type is not None


def test_no_class_is_a_numbered_collision(pinned_generation: Generated) -> None:
    assert untraceable_names(pinned_generation, DEFAULT_SCHEMA) == []


def test_results_are_matched_by_convention() -> None:
    from codex_app_server.protocol import CLIENT_REQUESTS

    assert CLIENT_REQUESTS["thread/start"].result.name == "ThreadStartResponse"
    assert CLIENT_REQUESTS["account/logout"].result.name == "LogoutAccountResponse"
    assert CLIENT_REQUESTS["config/batchWrite"].result.name == "ConfigWriteResponse"
    assert CLIENT_REQUESTS["account/read"].result.name == "GetAccountResponse"
    assert CLIENT_REQUESTS["initialize"].result.name == "InitializeResponse"
    assert CLIENT_REQUESTS["fuzzyFileSearch"].result.name == "FuzzyFileSearchResponse"


def test_generation_is_deterministic_and_committed(pinned_generation: Generated) -> None:
    again = generate_package(DEFAULT_SCHEMA)
    assert again.files == pinned_generation.files
    on_disk = {
        p.relative_to(DEFAULT_OUT).as_posix(): p.read_text(encoding="utf-8")
        for p in DEFAULT_OUT.rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert on_disk == pinned_generation.files, "run generate-types and commit the result"


def test_every_generated_file_names_its_generator(pinned_generation: Generated) -> None:
    for path, source in pinned_generation.files.items():
        first = source.splitlines()[0]
        assert first.startswith(
            "# Generated by `python scripts/update_sdk_artifacts.py generate-types`"
        ), path
        assert "Do not edit by hand" in first, path


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_passes_on_the_committed_code() -> None:
    done = run_script("generate-types", "--check")
    assert done.returncode == 0, done.stderr
    assert "generated code is current" in done.stdout


def test_check_names_stale_missing_and_stray_files(tmp_path: Path) -> None:
    out = tmp_path / "_generated"
    assert run_script("generate-types", "--out", str(out)).returncode == 0
    (out / "client.py").write_text((out / "client.py").read_text() + "\n# hand edit\n")
    (out / "models" / "thread.py").unlink()
    (out / "models" / "leftover.py").write_text("x = 1\n")
    done = run_script("generate-types", "--check", "--out", str(out))
    assert done.returncode == 1
    assert "1 changed" in done.stderr and "client.py" in done.stderr
    assert "1 missing" in done.stderr and "models/thread.py" in done.stderr
    assert "models/leftover.py" in done.stderr
    assert "generate-types" in done.stderr  # says how to fix it


def test_a_schema_that_drifted_from_its_pin_is_refused(tmp_path: Path) -> None:
    import shutil

    schema = tmp_path / "schema"
    shutil.copytree(DEFAULT_SCHEMA, schema)
    bundle = schema / "codex_app_server_protocol.schemas.json"
    bundle.write_text(bundle.read_text().replace('"thread/start"', '"thread/begin"', 1))
    from codegen.pin import SchemaPinError, verify_pin

    with pytest.raises(SchemaPinError, match="does not match its pin") as info:
        verify_pin(schema)
    assert "update-schema --codex" in str(info.value)


def test_the_repo_schema_refuses_to_generate_when_edited(tmp_path: Path) -> None:
    # --schema pointing at the repo's own schema enforces the pin; simulate with a copy + pin.
    import shutil

    from codegen.generate import generate_package as gen
    from codegen.pin import SchemaPinError

    schema = tmp_path / "schema"
    shutil.copytree(DEFAULT_SCHEMA, schema)
    (schema / "v1" / "InitializeParams.json").write_text("{}")
    with pytest.raises(SchemaPinError):
        gen(schema, require_pin=True)


def test_output_dir_with_foreign_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text("precious = True\n")
    done = run_script("generate-types", "--out", str(tmp_path))
    assert done.returncode != 0
    assert "not a generated package" in done.stderr
    assert (tmp_path / "mine.py").exists()


def test_enum_keyword_arguments_also_take_their_wire_strings(pinned_generation: Generated) -> None:
    client = pinned_generation.files["client.py"]
    assert (
        'sandbox: SandboxMode | Literal["read-only", "workspace-write", "danger-full-access"] | None'
        in " ".join(client.split())
    )
