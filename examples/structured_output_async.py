"""Structured output, async: `output_schema=Model`, then `result.parsed`.

python examples/structured_output_async.py [--offline]
"""

import asyncio
import json

from _offline import codex_config, text
from pydantic import BaseModel, Field

from codex_app_server import AsyncCodex, StructuredOutputError


class Language(BaseModel):
    name: str
    first_released: int = Field(description="year")
    paradigms: list[str]


class Languages(BaseModel):
    languages: list[Language]


ANSWER = {
    "languages": [
        {"name": "Python", "first_released": 1991, "paradigms": ["object-oriented"]},
        {"name": "Haskell", "first_released": 1990, "paradigms": ["functional"]},
    ]
}


async def main() -> None:
    with codex_config(text(json.dumps(ANSWER))) as config:
        async with AsyncCodex(config) as codex:
            thread = await codex.thread_start()
            result = await thread.run("Name two programming languages.", output_schema=Languages)
            try:
                parsed: Languages = result.parsed
            except StructuredOutputError as exc:
                raise SystemExit(f"the answer did not fit: {exc}") from exc
            for language in parsed.languages:
                paradigms = ", ".join(language.paradigms)
                print(f"{language.name} ({language.first_released}): {paradigms}")


asyncio.run(main())
