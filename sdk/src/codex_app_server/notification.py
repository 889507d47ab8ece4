"""`Notification`: one message the server pushed (no reply expected).

`method` is the wire name (`item/agentMessage/delta`); `params` is the typed model for known
methods (validated on first access, so streaming stays cheap) and the raw dict for methods this
SDK does not know. `raw` is always the params as received. `params_for(method)` (generated, one
overload per method) is the typed params of one method, or None for any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from codex_app_server._generated.notifications import ParamsByMethod

if TYPE_CHECKING:
    from codex_app_server._generated.notifications import NotificationParams

_UNSET: Any = object()


class Notification(ParamsByMethod):
    """One notification from the server: `method` (wire name), `params` (typed, parsed on
    first access), `raw` (the params as received); `params_for(method)` gives the typed params
    of one method (None for any other), e.g. `note.params_for("item/agentMessage/delta")`."""

    __slots__ = ("_params", "method", "raw")

    def __init__(self, method: str, raw: dict[str, Any]) -> None:
        self.method: str = method
        self.raw: dict[str, Any] = raw
        self._params: Any = _UNSET

    @property
    def params(self) -> NotificationParams | dict[str, Any]:
        """The typed params (e.g. `AgentMessageDeltaNotification`); a dict for unknown methods.

        Raises `ProtocolError` when a known method's params do not fit its model.
        """
        if self._params is _UNSET:
            self._params = parse_params(self.method, self.raw)
        return self._params

    def _params_when(self, method: str) -> NotificationParams | dict[str, Any] | None:
        return self.params if self.method == method else None

    @property
    def known(self) -> bool:
        """True when this SDK's protocol schema lists the method."""
        from codex_app_server._generated.registry import SERVER_NOTIFICATIONS

        return self.method in SERVER_NOTIFICATIONS

    @property
    def thread_id(self) -> str | None:
        """The thread it concerns (`threadId`), if any."""
        value = self.raw.get("threadId")
        return value if isinstance(value, str) else None

    @property
    def turn_id(self) -> str | None:
        """The turn it belongs to (`turnId`, or the id of an embedded `turn`), if any."""
        return turn_id_of(self.raw)

    def __repr__(self) -> str:
        return f"Notification(method={self.method!r}, raw={_short(self.raw)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Notification):
            return NotImplemented
        return self.method == other.method and self.raw == other.raw

    __hash__: ClassVar[None] = None  # type: ignore[assignment]  # mutable payload


def parse_params(method: str, raw: dict[str, Any]) -> Any:
    from codex_app_server import _tolerant as tolerant
    from codex_app_server._generated.registry import SERVER_NOTIFICATIONS

    spec = SERVER_NOTIFICATIONS.get(method)
    if spec is None:
        return raw
    return tolerant.validate(spec.params, raw, f"`{method}` params")


def turn_id_of(params: dict[str, Any]) -> str | None:
    """The turn a notification belongs to: `turnId`, or the id of an embedded `turn`."""
    value = params.get("turnId")
    if isinstance(value, str):
        return value
    turn = params.get("turn")
    if isinstance(turn, dict):
        turn_id = turn.get("id")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if isinstance(turn_id, str):
            return turn_id
    return None


def _short(raw: dict[str, Any], limit: int = 200) -> str:
    text = repr(raw)
    return text if len(text) <= limit else text[: limit - 3] + "..."
