"""Structured output: make the final answer JSON that fits a schema, and parse it.

`output_schema` takes a pydantic model class (then `result.parsed` is an instance of it) or
a JSON-schema dict (then parse `result.final_response` yourself). An answer that does not
fit raises `StructuredOutputError` when you read `parsed`.

    python examples/structured_output.py [--offline]
"""

import json

from _offline import codex_config, text
from pydantic import BaseModel, Field

from codex_app_server import Codex, StructuredOutputError


class Language(BaseModel):
    name: str
    first_released: int = Field(description="year")
    paradigms: list[str]


class Languages(BaseModel):
    languages: list[Language]


SCRIPT = [
    text(
        json.dumps(
            {
                "languages": [
                    {"name": "Python", "first_released": 1991, "paradigms": ["object-oriented"]},
                    {"name": "Haskell", "first_released": 1990, "paradigms": ["functional"]},
                ]
            }
        )
    ),
    text('{"answer": 42}'),
]

with codex_config(*SCRIPT) as config, Codex(config) as codex:
    thread = codex.thread_start()

    # A pydantic model: the schema is sent (made strict), the answer parsed into the model.
    result = thread.run("Name two programming languages.", output_schema=Languages)
    try:
        parsed: Languages = result.parsed
    except StructuredOutputError as exc:
        raise SystemExit(f"the answer did not fit: {exc}") from exc
    for language in parsed.languages:
        print(f"{language.name} ({language.first_released}): {', '.join(language.paradigms)}")

    # A JSON-schema dict: sent as given (make it strict yourself), parse the text yourself.
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "integer"}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    result = thread.run("What is 6 times 7?", output_schema=schema)
    print("answer:", json.loads(result.final_response or "{}")["answer"])
