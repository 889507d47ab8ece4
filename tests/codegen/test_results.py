"""Every request's result is a fact: its exact `<X>Response` counterpart, a reviewed table
entry, or raw JSON said in its docstring and in generate-types' summary. Never a guess, and
never an exception for a missing name; a stale table entry fails generation."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.cli import summary
from codegen.generate import generate_package
from codegen.load import load_schema
from codegen.paths import DEFAULT_SCHEMA
from codegen.results import (
    COUNTERPART,
    RAW,
    RAW_JSON,
    REVIEWED,
    REVIEWED_RESULTS,
    ResultTableError,
    Reviewed,
    resolve_result,
)
from tests.codegen.conftest import OTHER_RUNTIMES, unpack_schema
from tests.codegen.synthetic import bundle, obj, write_schema

RESPONSE = obj({"ok": {"type": "boolean"}}, ["ok"])
TABLE = {
    "config/write": Reviewed("ConfigWriteResponse", "synthetic", params="ConfigValueWriteParams")
}


def test_exact_counterpart_wins() -> None:
    defs = {"ThingDoParams": obj(), "ThingDoResponse": RESPONSE}
    assert resolve_result("thing/do", "ThingDoParams", defs, TABLE) == (
        resolve_result("thing/do", "ThingDoParams", defs, {})
    )
    assert resolve_result("thing/do", "ThingDoParams", defs, TABLE).source == COUNTERPART
    assert resolve_result("thing/do", "ThingDoParams", defs, TABLE).name == "ThingDoResponse"


def test_reviewed_entry_answers_a_method_without_a_counterpart() -> None:
    defs = {"ConfigValueWriteParams": obj(), "ConfigWriteResponse": RESPONSE}
    found = resolve_result("config/write", "ConfigValueWriteParams", defs, TABLE)
    assert (found.name, found.source) == ("ConfigWriteResponse", REVIEWED)


def test_no_counterpart_and_no_entry_is_raw_json_not_an_error() -> None:
    # A name that *looks* like a match (`LogoutAccountResponse`) is not taken: no guessing.
    defs = {"LogoutAccountResponse": RESPONSE}
    found = resolve_result("account/logout", None, defs, {})
    assert (found.name, found.source) == (RAW_JSON, RAW)


def test_an_entry_the_schema_no_longer_needs_fails() -> None:
    defs = {
        "ConfigValueWriteParams": obj(),
        "ConfigValueWriteResponse": RESPONSE,
        "ConfigWriteResponse": RESPONSE,
    }
    with pytest.raises(ResultTableError, match="remove its entry"):
        resolve_result("config/write", "ConfigValueWriteParams", defs, TABLE)


def test_an_entry_is_about_the_params_it_was_checked_with() -> None:
    """A runtime that gave the method other params (and a counterpart) is another request."""
    defs = {"ConfigWriteParams": obj(), "ConfigWriteResponse": RESPONSE}
    found = resolve_result("config/write", "ConfigWriteParams", defs, TABLE)
    assert (found.name, found.source) == ("ConfigWriteResponse", COUNTERPART)
    assert resolve_result("config/write", None, defs, TABLE).source == RAW


def test_an_entry_whose_definition_is_gone_fails() -> None:
    with pytest.raises(ResultTableError, match="no longer has"):
        resolve_result("config/write", "ConfigValueWriteParams", {"X": obj()}, TABLE)


def test_an_entry_for_a_method_the_schema_lacks_is_ignored() -> None:
    found = resolve_result("thing/do", "ThingDoParams", {"ThingDoParams": obj()}, TABLE)
    assert found.source == RAW


def test_raw_result_is_typed_json_and_said_in_docstring_and_summary(tmp_path: Path) -> None:
    schema = write_schema(
        tmp_path / "schema",
        bundle(
            {"thing/do": "ThingDoParams", "mystery/read": None},
            {"ThingDoParams": obj({"n": {"type": "integer"}}), "ThingDoResponse": RESPONSE},
        ),
    )
    generated = generate_package(schema, require_pin=False)
    client = generated.files["client.py"]
    assert "def mystery_read(" in client
    assert ") -> JsonValue:" in client
    assert "the result as raw JSON (`JsonValue`)" in client
    assert ") -> ThingDoResponse:" in client
    assert "JsonValue: TypeAlias = _PydanticJsonValue" in generated.files["models/json_value.py"]
    assert generated.protocol.raw_results() == ["mystery/read"]
    assert "raw JSON results (1): mystery/read" in summary(generated.protocol, 0)


def test_a_server_request_without_a_response_definition_is_raw_json(tmp_path: Path) -> None:
    schema = write_schema(
        tmp_path / "schema",
        bundle(
            {},
            {"ToolAskParams": obj({"q": {"type": "string"}}, ["q"])},
            server_requests={"tool/ask": "ToolAskParams"},
        ),
    )
    generated = generate_package(schema, require_pin=False)
    assert generated.protocol.server_requests[0].response.name == RAW_JSON
    assert generated.protocol.raw_results() == ["tool/ask"]


def test_every_reviewed_entry_serves_a_supported_runtime(schemas_dir: Path) -> None:
    """An entry no supported schema (pinned or fixture) uses is dead weight: remove it."""
    needed: set[str] = set()
    schemas = [DEFAULT_SCHEMA] + [unpack_schema(v, schemas_dir) for v in OTHER_RUNTIMES]
    for path in schemas:
        defs = load_schema(path, require_pin=False).definitions
        for variant in defs["ClientRequest"]["oneOf"]:
            wire = variant["properties"]["method"]["enum"][0]
            ref = variant["properties"].get("params", {}).get("$ref", "")
            params = ref.rsplit("/", 1)[-1] or None
            # resolve_result raises if the entry is stale for this schema
            if wire in REVIEWED_RESULTS and resolve_result(wire, params, defs).source == REVIEWED:
                needed.add(wire)
    assert sorted(set(REVIEWED_RESULTS) - needed) == []
