"""What a tool returns -> the content items of the `item/tool/call` answer (pure logic).

Every value goes through the public `ToolResult.of`, the same conversion a tool's return
value gets on its way to the wire."""

from __future__ import annotations

import base64
import dataclasses
import datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from codex_app_server import ImageInput, LocalImageInput, ToolResult
from tests.tools.images import tiny_png


def content_items(value: object) -> list[dict[str, str]]:
    return [dict(item) for item in ToolResult.of(value).content_items]


PNG = tiny_png()
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


class Forecast(BaseModel):
    city: str
    temperature: float


@dataclasses.dataclass
class Reading:
    at: datetime.date
    value: int


def text(value: str) -> dict[str, str]:
    return {"type": "inputText", "text": value}


def image(url: str) -> dict[str, str]:
    return {"type": "inputImage", "imageUrl": url}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain text", "plain text"),
        ('{"not": "re-encoded"}', '{"not": "re-encoded"}'),
        (Forecast(city="Paris", temperature=21.5), '{"city":"Paris","temperature":21.5}'),
        ({"a": [1, 2], "b": None}, '{"a":[1,2],"b":null}'),
        ([Forecast(city="X", temperature=1)], '[{"city":"X","temperature":1.0}]'),
        (Reading(datetime.date(2026, 1, 2), 3), '{"at":"2026-01-02","value":3}'),
        (42, "42"),
        (True, "true"),
        (None, "null"),
    ],
)
def test_values_become_text(value: object, expected: str) -> None:
    assert content_items(value) == [text(expected)]


def test_png_bytes_become_an_inline_image() -> None:
    assert content_items(PNG) == [image(PNG_URL)]
    assert content_items(bytearray(PNG)) == [image(PNG_URL)]


def test_a_path_or_local_image_is_read_and_inlined(tmp_path: Path) -> None:
    file = tmp_path / "shot.png"
    file.write_bytes(PNG)
    assert content_items(file) == [image(PNG_URL)]
    assert content_items(LocalImageInput(file)) == [image(PNG_URL)]


def test_an_image_input_url_is_passed_through() -> None:
    assert content_items(ImageInput(PNG_URL)) == [image(PNG_URL)]


def test_a_list_with_images_becomes_text_and_images_in_order() -> None:
    assert content_items(["the chart:", PNG, {"n": 1}]) == [
        text("the chart:"),
        image(PNG_URL),
        text('{"n":1}'),
    ]


def test_other_formats_are_recognised_by_their_bytes() -> None:
    jpeg = b"\xff\xd8\xff\xe0rest"
    webp = b"RIFF\x00\x00\x00\x00WEBPVP8 "
    assert content_items(jpeg)[0]["imageUrl"].startswith("data:image/jpeg;base64,")
    assert content_items(webp)[0]["imageUrl"].startswith("data:image/webp;base64,")
    assert content_items(b"GIF89a...")[0]["imageUrl"].startswith("data:image/gif;base64,")


def test_bytes_that_are_no_image_are_refused_with_the_reason() -> None:
    with pytest.raises(TypeError, match="bytes that are not a PNG, JPEG, GIF or WebP image"):
        content_items(b"just bytes")


def test_a_path_to_something_else_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hi")
    with pytest.raises(TypeError, match=r"notes\.txt is not a PNG, JPEG, GIF or WebP image"):
        content_items(notes)


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(TypeError, match="neither text, an image nor JSON-serializable"):
        content_items(object())


def test_tool_result_gives_full_control() -> None:
    assert ToolResult.text("hi").to_wire() == {"contentItems": [text("hi")], "success": True}
    assert ToolResult.failure("no").to_wire() == {"contentItems": [text("no")], "success": False}
    assert ToolResult.of({"k": 1}, success=False).to_wire() == {
        "contentItems": [text('{"k":1}')],
        "success": False,
    }
