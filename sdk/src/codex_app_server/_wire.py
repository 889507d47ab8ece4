"""The wire format: JSON-RPC messages to and from bytes, one message at a time, no framing
(the transport frames: a newline on stdio, a text frame on a WebSocket). Pure functions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["dumps_bytes", "encode_message", "loads_strict", "parse_messages"]

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps_bytes(payload: Any) -> bytes:
    """Compact UTF-8 JSON; ``TypeError``/``ValueError`` (``UnicodeEncodeError``) as they come."""
    return _dumps(payload).encode()


def _reject_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (json.loads accepts them)."""
    raise ValueError(f"{name} is not valid JSON")


# json.loads's own C scanner (an instance attribute, so typed by hand): (value, end index).
_scan_once: Callable[[str, int], tuple[Any, int]] = vars(
    json.JSONDecoder(parse_constant=_reject_constant)
)["scan_once"]


def loads_strict(line: bytes | str) -> Any:
    """``json.loads`` that refuses NaN/Infinity and turns too-deep nesting (RecursionError)
    into a ValueError, so a hostile line is a reported bad line, never a dropped read."""
    try:
        return json.loads(line, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


_PARSE_FIRST = 8
_PARSE_BATCH = 1024


def parse_messages(lines: list[bytes]) -> Iterator[tuple[bytes, Any]]:
    """``(line, loads_strict(line))`` for each message, or ``(line, the ValueError it
    raises)``.

    Fast path: a batch of lines is decoded into one str, and each line's value is scanned out
    of it by the C scanner that ``json.loads`` itself ends in. That skips the per-call work of
    ``json.loads`` (encoding detection, a decode, two whitespace matches), about half of its
    time on a small notification. A line the scanner does not consume exactly (whitespace
    around the value, a BOM, UTF-16/32, invalid UTF-8, garbage) is parsed by
    ``json.loads(line)`` alone, so every value and error is exactly what ``json.loads`` gives.

    Batches grow from ``_PARSE_FIRST`` to ``_PARSE_BATCH`` lines: the session stops consuming
    after each response (its backlog is parsed again later), and a small first batch keeps
    1,000 responses in one read from being decoded 1,000 times over.

    A message holding a raw newline (whitespace between tokens: valid JSON, never what codex
    sends) breaks the batch's positions; every later line of the batch then takes the
    ``json.loads`` path, so values stay right, only slower.
    """
    loads = loads_strict
    scan = _scan_once
    count = len(lines)
    start = 0
    size = _PARSE_FIRST
    while start < count:
        batch = lines[start : start + size] if start or size < count else lines
        start += size
        size = min(size * 4, _PARSE_BATCH)
        try:
            text = b"\n".join(batch).decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            text = ""  # nothing scans: every line takes the json.loads path
        find = text.find
        pos = 0
        for line in batch:
            end = find("\n", pos)
            if end < 0:
                end = len(text)
            try:
                value, stop = scan(text, pos)
            except Exception:  # StopIteration, JSONDecodeError...: json.loads says what
                value, stop = None, -1
            pos = end + 1
            if stop != end:
                try:
                    value = loads(line)
                except ValueError as exc:
                    value = exc
            yield line, value


def encode_message(payload: dict[str, Any], method: str) -> bytes:
    """One message, UTF-8 JSON without framing; text that cannot be UTF-8 (a lone surrogate)
    is bad input, refused before anything is sent."""
    try:
        return _dumps(payload).encode()
    except UnicodeEncodeError as exc:
        from .inputs import InvalidInputError

        bad = exc.object[exc.start : exc.end]
        raise InvalidInputError(
            f"{method}: the params contain text that is not valid Unicode ({bad!r}, a lone "
            "surrogate) and cannot be sent as UTF-8; nothing was sent"
        ) from None
