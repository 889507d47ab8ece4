"""Images as turn input: one as a URL, one from a local file (tiny PNGs made on the spot).

`ImageInput(url)` takes an inline `data:` URL (codex 0.163.0 refuses remote `https:` URLs
with "remote image URLs are not supported; use an inline data URL instead": download the
image first); `LocalImageInput(path)` takes a file on this machine (codex reads it and sends
it to the model). Mix them with text in one list.

    python examples/images.py [--offline]
"""

import base64
import struct
import tempfile
import zlib
from pathlib import Path

from _offline import codex_config, text

from codex_app_server import Codex, ImageInput, InvalidRequestError, LocalImageInput
from codex_app_server.models import UserMessageThreadItem


def tiny_png(rgb: tuple[int, int, int], size: int = 8) -> bytes:
    """A `size` x `size` PNG of one colour (stdlib only)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size  # filter byte + pixels
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    idat = zlib.compress(row * size)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


SCRIPT = [text("The first image is a blue square; the second is a red square.")]

with tempfile.TemporaryDirectory() as tmp:
    blue_url = "data:image/png;base64," + base64.b64encode(tiny_png((30, 60, 220))).decode()
    red_file = Path(tmp) / "red-square.png"
    red_file.write_bytes(tiny_png((220, 30, 30)))

    with codex_config(*SCRIPT) as config, Codex(config) as codex:
        thread = codex.thread_start()
        result = thread.run(
            [
                "Describe these two images in one short sentence.",
                ImageInput(blue_url),
                LocalImageInput(red_file),
            ]
        )
        print("status:", result.status)
        print("answer:", result.final_response)
        sent = result.items[0]  # the user message as the server recorded it
        assert isinstance(sent, UserMessageThreadItem)
        print("input items:", [part.type for part in sent.content])

        try:  # a remote URL is refused before the turn starts
            thread.run(["Describe this.", ImageInput("https://example.com/cat.png")])
        except InvalidRequestError as exc:
            print("remote URL refused:", exc.message)
