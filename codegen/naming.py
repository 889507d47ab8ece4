"""Naming rules: how protocol names become Python names. One function per rule."""

from __future__ import annotations

import keyword
import re

# Words the protocol spells in mixed case that read as one word in snake_case.
_WHOLE_WORDS = {"OAuth": "Oauth"}
_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(name: str) -> list[str]:
    """Split a camelCase / PascalCase / snake / kebab / dotted name into lowercase words."""
    for whole, replacement in _WHOLE_WORDS.items():
        name = name.replace(whole, replacement)
    return [w.lower() for w in _WORD_RE.findall(name)]


def snake_case(name: str) -> str:
    return "_".join(words(name))


def pascal_case(name: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words(name))


def method_name(wire: str) -> str:
    """`thread/start` -> `thread_start`, `fs/readFile` -> `fs_read_file`."""
    name = "_".join(snake_case(segment) for segment in wire.split("/") if segment)
    return safe_identifier(name)


def safe_identifier(name: str) -> str:
    return name + "_" if keyword.iskeyword(name) else name
