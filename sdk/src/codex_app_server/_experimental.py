"""The experimental API opt-in: what `initialize` sends, and the check before each request.

The server accepts experimental methods and fields only from a client that sent
`capabilities.experimentalApi` in `initialize`; without it, it refuses them. The SDK knows from
the generated registry which ones are experimental, so it refuses first, with a clear error,
before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from codex_app_server.errors import ExperimentalApiError

if TYPE_CHECKING:
    from codex_app_server._config import AppServerConfig
    from codex_app_server._specs import RequestSpec

__all__ = ["capabilities", "check_opt_in"]


def capabilities(
    config: AppServerConfig | None, *, request_attestation: bool = False
) -> dict[str, Any] | None:
    """The `capabilities` of `initialize` (None: send none, the server's defaults).

    `request_attestation`: the client has an `attestation_generate` handler. The server asks
    only clients that declared `requestAttestation`, and only at the handshake, so a handler
    set afterwards is never asked.
    """
    declared: dict[str, Any] = {}
    if config is not None and config.experimental_api:
        declared["experimentalApi"] = True
    if request_attestation:
        declared["requestAttestation"] = True
    return declared or None


def check_opt_in(spec: RequestSpec, wire_params: Any, opted_in: bool) -> None:
    """Raise `ExperimentalApiError` for an experimental method, or for experimental params
    fields that are set (not None), unless the client opted in."""
    if opted_in:
        return
    if spec.experimental:
        raise ExperimentalApiError(spec.method)
    if spec.experimental_fields and isinstance(wire_params, Mapping):
        params = cast("Mapping[str, Any]", wire_params)
        used = tuple(sorted(f for f in spec.experimental_fields if params.get(f) is not None))
        if used:
            raise ExperimentalApiError(spec.method, used)
