"""Where a listening app-server is (``ws://``, ``wss://``, ``unix://``), and whether a token may
be sent there. Pure functions: nothing here opens a connection or resolves a name."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from .errors import InsecureConnectionError

__all__ = ["Endpoint", "check_token_allowed", "is_loopback_host", "parse_endpoint"]

Scheme = Literal["ws", "wss", "unix"]


@dataclass(frozen=True)
class Endpoint:
    """A parsed app-server address.

    ``uri`` is what the WebSocket handshake asks for (for ``unix://`` a placeholder
    ``ws://localhost/``: the socket path decides where it goes); ``socket_path`` is set for
    ``unix://`` only; ``host`` for ``ws://`` and ``wss://`` only.
    """

    scheme: Scheme
    uri: str
    display: str
    host: str | None = None
    socket_path: str | None = None


def parse_endpoint(url: str | os.PathLike[str]) -> Endpoint:
    """Parse ``ws://HOST:PORT[/PATH]``, ``wss://...`` or ``unix://PATH`` (``unix:///abs/path``
    or ``unix://relative/path``). Raises ``ValueError`` for anything else, and for
    credentials in the URL (pass the token with ``token=``: URLs end up in logs)."""
    text = os.fspath(url)
    if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"url must be a str, not {type(text).__name__}")
    lowered = text.lower()
    if lowered.startswith("unix://"):
        path = text[len("unix://") :]
        if not path:
            raise ValueError("unix:// needs a socket path, e.g. unix:///run/codex/app.sock")
        return Endpoint("unix", "ws://localhost/", f"unix://{path}", socket_path=path)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("ws", "wss"):
        raise ValueError(
            f"unsupported app-server URL {_safe(text)!r}: use ws://HOST:PORT, wss://HOST:PORT "
            "or unix://PATH"
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "the URL holds credentials: pass the token with `token=` instead (URLs end up in "
            "logs and error messages)"
        )
    host = parts.hostname
    if not host:
        raise ValueError(f"the URL {_safe(text)!r} names no host")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"the URL {_safe(text)!r} has an invalid port: {exc}") from None
    display = f"{scheme}://{parts.netloc}{parts.path}"
    port_text = "" if port is None else f":{port}"
    netloc_host = f"[{host}]" if ":" in host else host
    uri = f"{scheme}://{netloc_host}{port_text}{parts.path or '/'}"
    if parts.query:
        uri += f"?{parts.query}"
    return Endpoint(scheme, uri, display, host=host)  # type: ignore[arg-type]


def _safe(text: str) -> str:
    """A URL for an error message, without a userinfo part or a query (either may hold a
    secret)."""
    parts = urlsplit(text)
    netloc = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else text[:80]


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1). Names are not resolved: any
    other name counts as another machine."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_token_allowed(endpoint: Endpoint, token: object, allow_insecure_token: bool) -> None:
    """Refuse, before any connection, to send a token in clear text off this machine."""
    if token is None or allow_insecure_token or endpoint.scheme != "ws":
        return
    if endpoint.host is not None and is_loopback_host(endpoint.host):
        return
    raise InsecureConnectionError(endpoint.display)
