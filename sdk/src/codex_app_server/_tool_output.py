"""What a tool function returns -> the `contentItems` of the `item/tool/call` answer.

- `str`: one text item, as is;
- pydantic models, dataclasses, dicts, lists, numbers, bools, `None`: JSON text;
- an image (`bytes` of a PNG/JPEG/GIF/WebP, a `pathlib.Path` to one, `ImageInput`,
  `LocalImageInput`): one image item (an inline `data:` URL);
- a list or tuple holding at least one image: one item per element, in order (text and
  images together);
- `ToolResult`: its items and its `success` flag, as given.

A `str` is always text, never a path: return `Path(...)` for an image file.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from codex_app_server.inputs import ImageInput, LocalImageInput

#: Leading bytes of the image formats the Responses API takes, and their MIME types.
_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def text_item(text: str) -> dict[str, Any]:
    return {"type": "inputText", "text": text}


def image_item(url: str) -> dict[str, Any]:
    return {"type": "inputImage", "imageUrl": url}


def is_image(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | memoryview | Path | ImageInput | LocalImageInput)


def content_items(value: Any) -> list[dict[str, Any]]:
    """The content items for one returned value (see the module docstring)."""
    if isinstance(value, str):
        return [text_item(value)]
    if is_image(value):
        return [image_item(image_url(value))]
    if isinstance(value, list | tuple):
        elements = cast("Sequence[Any]", value)
        if any(is_image(element) for element in elements):
            return [item for element in elements for item in _element_items(element)]
    return [text_item(json_text(value))]


def _element_items(element: Any) -> list[dict[str, Any]]:
    if isinstance(element, str):
        return [text_item(element)]
    if is_image(element):
        return [image_item(image_url(element))]
    return [text_item(json_text(element))]


def json_text(value: Any) -> str:
    """Compact JSON for any value pydantic can serialize (models, dataclasses, dates...)."""
    from pydantic import BaseModel
    from pydantic_core import to_json

    if isinstance(value, BaseModel):
        return value.model_dump_json(by_alias=True)
    try:
        return to_json(value, by_alias=True).decode()
    except Exception as exc:  # pydantic_core's serialization errors have no public base
        raise TypeError(
            f"a tool returned a {type(value).__name__}, which is neither text, an image nor "
            f"JSON-serializable ({exc})"
        ) from None


def image_url(value: Any) -> str:
    """An image (bytes, a path, ImageInput, LocalImageInput) as a URL codex accepts."""
    if isinstance(value, ImageInput):
        return value.url
    if isinstance(value, LocalImageInput | Path):
        path = Path(value.path if isinstance(value, LocalImageInput) else value).expanduser()
        data = path.read_bytes()
        return _data_url(data, _mime_type(data) or _mime_from_name(path))
    data = bytes(cast("bytes | bytearray | memoryview", value))
    mime = _mime_type(data)
    if mime is None:
        raise TypeError(
            "a tool returned bytes that are not a PNG, JPEG, GIF or WebP image; return "
            "text (str) for anything else"
        )
    return _data_url(data, mime)


def _mime_type(data: bytes) -> str | None:
    for magic, mime in _IMAGE_MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _mime_from_name(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed is None or not guessed.startswith("image/"):
        raise TypeError(f"{path} is not a PNG, JPEG, GIF or WebP image")
    return guessed


def _data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
