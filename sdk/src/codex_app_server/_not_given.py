"""`NOT_GIVEN`: the one "left out" value of the SDK.

An argument left at `NOT_GIVEN` is not sent at all (the server applies its own default);
`None` is sent as JSON `null` where the field is nullable (e.g. to clear a value). A
`request_timeout` left at `NOT_GIVEN` uses the config's `request_timeout`; `None` waits as
long as the server lives.
"""

from __future__ import annotations

from typing import Final, Literal


class NotGiven:
    """The type of `NOT_GIVEN` (there is only one): an argument that was left out."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"  # pickles (and copies) as the one instance


#: An argument left out: not sent (or, for `request_timeout`, the configured default).
NOT_GIVEN: Final = NotGiven()
