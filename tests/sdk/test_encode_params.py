"""`encode_params`: keyword dicts and models to wire params; a call without arguments reuses
the wire params computed the first time, for every method, without changing any outcome."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from codex_app_server._client import encode_params
from codex_app_server._generated.registry import CLIENT_REQUESTS
from codex_app_server.errors import InvalidArgumentError

WITH_PARAMS = [spec for spec in CLIENT_REQUESTS.values() if spec.params is not None]


def uncached(spec: Any) -> Any:
    return spec.params.dump(spec.params.validate({}))


def test_a_call_without_arguments_encodes_as_it_would_uncached() -> None:
    """One test over every method with params (each one's keyword encoding is checked on the
    wire by tests/codegen/test_wire.py)."""
    required = 0
    for spec in WITH_PARAMS:
        try:
            expected = uncached(spec)
        except ValidationError:
            required += 1
            for _ in range(2):  # a method with required params fails every time, not just once
                with pytest.raises(InvalidArgumentError):
                    encode_params(spec, None)
            with pytest.raises(InvalidArgumentError):
                encode_params(spec, {})
            continue
        for params in (None, {}, None):
            assert encode_params(spec, params) == expected, spec.method
    assert 0 < required < len(WITH_PARAMS)  # both kinds were seen


def test_arguments_bypass_the_no_argument_cache() -> None:
    spec = CLIENT_REQUESTS["model/list"]
    assert encode_params(spec, None) == {}
    assert encode_params(spec, {"limit": 3, "include_hidden": True}) == {
        "limit": 3,
        "includeHidden": True,
    }
    assert encode_params(spec, {}) == {}
    assert encode_params(CLIENT_REQUESTS["thread/start"], {"model": "m"}) == {"model": "m"}


def test_methods_without_params_send_none() -> None:
    spec = next(spec for spec in CLIENT_REQUESTS.values() if spec.params is None)
    assert encode_params(spec, None) is None
