"""Structured output on the real app-server: the schema reaches the model, answers parse.

codex 0.163.0 forwards `turn/start`'s `outputSchema` to the model as
`text.format = {"type": "json_schema", "name": "codex_output_schema", "strict": true,
"schema": ...}` for that turn only.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from codex_app_server import AsyncCodex, Codex, StructuredOutputError
from codex_app_server._output_schema import strict_json_schema
from codex_app_server.testing import OfflineEnvironment, fail, text


class Address(BaseModel):
    city: str
    zip_code: str | None = None


class Person(BaseModel):
    name: str
    age: int = Field(ge=0)
    address: Address
    tags: list[str] = []
    role: Literal["admin", "user"] = "user"


def sent_format(env: OfflineEnvironment) -> dict[str, Any]:
    body = env.model.requests[-1]
    return body["text"]["format"]


def test_a_pydantic_model_schema_reaches_the_model_strict(
    env: OfflineEnvironment, codex: Codex
) -> None:
    answer = {"name": "Ada", "age": 36, "address": {"city": "London", "zip_code": None},
              "tags": ["math"], "role": "admin"}  # fmt: skip
    env.model.enqueue(text(json.dumps(answer)))
    result = codex.thread_start().run("Who?", output_schema=Person)

    fmt = sent_format(env)
    assert fmt["type"] == "json_schema" and fmt["strict"] is True
    assert fmt["name"] == "codex_output_schema"
    schema = fmt["schema"]
    assert schema == strict_json_schema(Person.model_json_schema())
    # strict mode: closed objects, every property required (optional ones nullable)
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "age", "address", "tags", "role"]
    nested = schema["$defs"]["Address"]
    assert nested["additionalProperties"] is False and nested["required"] == ["city", "zip_code"]

    assert result.succeeded
    person = result.parsed
    assert isinstance(person, Person)
    assert person == Person(name="Ada", age=36, address=Address(city="London"), tags=["math"],
                            role="admin")  # fmt: skip


def test_a_dict_schema_is_sent_as_given(env: OfflineEnvironment, codex: Codex) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "integer"}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    env.model.enqueue(text('{"answer": 42}'))
    result = codex.thread_start().run("6 x 7?", output_schema=schema)
    assert sent_format(env)["schema"] == schema
    assert json.loads(result.final_response or "") == {"answer": 42}
    with pytest.raises(StructuredOutputError, match="no output_schema model"):
        _ = result.parsed  # a dict schema has no model to parse into


def test_the_schema_applies_to_its_turn_only(env: OfflineEnvironment, codex: Codex) -> None:
    env.model.enqueue(text('{"city": "Oslo", "zip_code": null}'), text("plain words"))
    thread = codex.thread_start()
    assert thread.run("where?", output_schema=Address).parsed.city == "Oslo"
    plain = thread.run("and now?")
    assert env.model.requests[-1].get("text") is None
    assert plain.final_response == "plain words"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Sure! Ada is 36.", "Invalid JSON"),
        ('{"name": "Ada", "age": 36}', "Field required at address"),
        (
            '{"name": "Ada", "age": -1, "address": {"city": "X"}}',
            "greater than or equal to 0 at age",
        ),
    ],
    ids=["not-json", "missing-field", "out-of-range"],
)
def test_an_answer_that_does_not_fit_raises_a_clear_error(
    env: OfflineEnvironment, codex: Codex, reply: str, expected: str
) -> None:
    env.model.enqueue(text(reply))
    result = codex.thread_start().run("Who?", output_schema=Person)
    assert result.succeeded and result.final_response == reply  # the turn itself is fine
    with pytest.raises(StructuredOutputError) as caught:
        _ = result.parsed
    message = str(caught.value)
    assert f"turn {result.id}" in message and "does not fit Person" in message
    assert expected in message and repr(reply[:40])[1:-1] in message
    assert isinstance(caught.value, ValueError)


def test_a_failed_turn_has_nothing_to_parse(env: OfflineEnvironment, codex: Codex) -> None:
    env.model.enqueue(fail(400, message="bad schema"))
    result = codex.thread_start().run("Who?", output_schema=Person)
    assert result.status == "failed"
    with pytest.raises(StructuredOutputError, match="gave no final response"):
        _ = result.parsed


def test_output_schema_refuses_other_types(codex: Codex) -> None:
    with pytest.raises(TypeError, match="JSON schema dict or a pydantic model class"):
        codex.thread_start().run(
            "x", output_schema=Person(name="a", age=1, address=Address(city="c"))
        )


async def test_async_structured_output(env: OfflineEnvironment) -> None:
    env.model.enqueue(text('{"city": "Rome", "zip_code": "00100"}'))
    async with AsyncCodex(env.config) as codex:
        thread = await codex.thread_start()
        result = await thread.run("where?", output_schema=Address)
    assert result.parsed == Address(city="Rome", zip_code="00100")
    assert sent_format(env)["schema"]["required"] == ["city", "zip_code"]


# --------------------------------------------------------------------------- strict schema


def test_strict_schema_inlines_refs_with_siblings_and_merges_single_all_of() -> None:
    schema = {
        "$defs": {"Inner": {"type": "object", "properties": {"x": {"type": "integer"}}}},
        "type": "object",
        "properties": {
            "described": {"$ref": "#/$defs/Inner", "description": "an inner"},
            "wrapped": {"allOf": [{"$ref": "#/$defs/Inner"}]},
            "plain": {"$ref": "#/$defs/Inner"},
            "maybe": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        },
    }
    strict = strict_json_schema(schema)
    props = strict["properties"]
    assert props["described"] == {
        "type": "object",
        "properties": {"x": {"type": "integer"}},
        "required": ["x"],
        "additionalProperties": False,
        "description": "an inner",
    }
    assert props["wrapped"] == {"$ref": "#/$defs/Inner"}
    assert props["plain"] == {"$ref": "#/$defs/Inner"}
    assert "default" not in props["maybe"]
    assert props["either"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert strict["$defs"]["Inner"]["additionalProperties"] is False
    assert schema["properties"]["described"] == {"$ref": "#/$defs/Inner", "description": "an inner"}


def test_strict_schema_keeps_an_explicit_additional_properties() -> None:
    schema = {"type": "object", "properties": {}, "additionalProperties": {"type": "string"}}
    assert strict_json_schema(schema)["additionalProperties"] == {"type": "string"}


def test_strict_schema_refuses_a_dangling_ref() -> None:
    with pytest.raises(ValueError, match="points at nothing"):
        strict_json_schema({"properties": {"a": {"$ref": "#/$defs/Nope", "title": "A"}}})
