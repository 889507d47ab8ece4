"""The one redaction function, and the debug log of the wire that uses it.

Everything the SDK reports about the app-server (exception messages, ``stderr_tail``, log
lines, raw protocol lines) goes through :func:`redact`: the secrets the SDK was given (an API
key passed to ``login_api_key()``, the values of secret-looking environment variables) and
anything shaped like an OpenAI key (``sk-...``) or a bearer token are replaced by
``<redacted>``.

``CODEX_APP_SERVER_LOG=debug`` in the environment turns on DEBUG logging of every message sent
and received and of codex's stderr lines, through the ``codex_app_server`` logger (with a
stderr handler when the logger has none), each redacted and cut to :data:`LOG_LIMIT`
characters.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable

__all__ = ["LOG_ENV", "LOG_LIMIT", "REDACTED", "configure_from_env", "redact", "trace"]

REDACTED = "<redacted>"
LOG_ENV = "CODEX_APP_SERVER_LOG"
#: Characters of one message kept in a debug log line.
LOG_LIMIT = 2000

logger = logging.getLogger("codex_app_server")

# sk-proj-..., sk-... keys; "Bearer <token>" (any case) in headers and messages.
_KEY_SHAPED = re.compile(r"\bsk-[A-Za-z0-9][A-Za-z0-9_\-]{7,}")
_BEARER = re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/\-]{4,}=*")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with each of ``secrets``, every ``sk-...``-shaped key and every bearer token
    replaced by ``<redacted>``."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    if "sk-" in text:
        text = _KEY_SHAPED.sub(REDACTED, text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return text


def redact_bytes(data: bytes, secrets: Iterable[str] = ()) -> str:
    """A raw line (bytes) as redacted text (bad UTF-8 shown as U+FFFD)."""
    return redact(data.decode("utf-8", "replace"), secrets)


def trace(direction: str, data: bytes | str, secrets: Iterable[str] = ()) -> None:
    """Log one wire message or stderr line at DEBUG, redacted and cut to ``LOG_LIMIT``.
    Callers check ``logger.isEnabledFor(logging.DEBUG)`` first (this is off the hot path)."""
    # cut before redacting (a 50 MB line is not scanned), with room for a secret on the edge
    head = data[: LOG_LIMIT + 256]
    text = head.decode("utf-8", "replace") if isinstance(head, bytes) else head
    text = redact(text, secrets).rstrip("\n")
    if len(data) > LOG_LIMIT:
        text = f"{text[:LOG_LIMIT]}... ({len(data)} bytes)"
    logger.debug("%s %s", direction, text)


_configured: list[bool] = []  # non-empty once applied


def configure_from_env() -> None:
    """Apply ``CODEX_APP_SERVER_LOG`` once (``debug``, or ``info``/``warning``)."""
    if _configured:
        return
    _configured.append(True)
    value = os.environ.get(LOG_ENV, "").strip().upper()
    if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        return
    logger.setLevel(value)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s %(name)s] %(message)s"))
        logger.addHandler(handler)
