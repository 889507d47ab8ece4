"""Every generated client method against the real app-server (codex 0.163.0, offline), with
the schema-conforming sample arguments of tests/codegen/wire_check.py.

Sample values are not real ids or paths, so many calls are refused; what this proves is that
the server knows every method the SDK sends (no "method not found"), reads its params far
enough to judge their values, and that every result it returns decodes into the SDK's model.
Outbound HTTP goes to a dead loopback proxy and HOME is a throwaway: nothing leaves the host
and nothing of the user's is read or written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from codegen.paths import DEFAULT_SCHEMA
from codex_app_server import AppServerClient
from codex_app_server.errors import JsonRpcError
from codex_app_server.protocol import CLIENT_REQUESTS
from codex_app_server.testing import OfflineEnvironment
from tests.codegen.wire_check import arguments
from tests.codegen.wire_samples import has_experimental, load_bundle, params_schemas, sample

DEAD_PROXY = "http://127.0.0.1:9"
# How codex 0.163.0 refuses a method it does not know (-32600, from its request parser).
UNKNOWN_METHOD = "unknown variant"
# Listed by 0.163.0's experimental schema, yet answered -32601 "not implemented yet".
NOT_IMPLEMENTED = {"thread/prediction/request"}
# Methods that work offline with sample arguments (a floor: more may answer).
WORK_OFFLINE = {
    "account/read",
    "config/read",
    "configRequirements/read",
    "fuzzyFileSearch",
    "hooks/list",
    "skills/list",
    "thread/loaded/list",
}


def test_the_real_binary_knows_every_method_and_its_results_decode(
    env: OfflineEnvironment, tmp_path: Path
) -> None:
    root = load_bundle(DEFAULT_SCHEMA)
    wanted = params_schemas(root)
    proxies = {
        name: DEAD_PROXY for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy")
    }
    # the experimental methods too, when the schema has them (the client opts in)
    opt_in = {"experimental_api": True} if has_experimental(DEFAULT_SCHEMA) else {}
    config = dataclasses.replace(
        env.config,
        **opt_in,
        request_timeout=60,
        env={
            **env.config.env,
            **proxies,
            "https_proxy": DEAD_PROXY,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "HOME": str(tmp_path),
        },
    )
    answered: set[str] = set()
    refused: dict[str, str] = {}
    with AppServerClient(config) as client:
        # the control: what "not known" looks like
        with pytest.raises(JsonRpcError, match=UNKNOWN_METHOD):
            client.request_raw("thread/noSuchMethod", {})
        for method, spec in CLIENT_REQUESTS.items():
            bound = getattr(client, spec.py_name)
            problems: list[str] = []
            wire = None if wanted[method] is None else sample(root, wanted[method])
            args, kwargs = arguments(spec, bound, wire, problems)
            assert problems == [], (method, problems)
            try:
                bound(*args, **kwargs)  # a ProtocolError here: a result the model refused
            except JsonRpcError as exc:
                refused[method] = f"{exc.code} {exc.message}"
            else:
                answered.add(method)
    assert answered | set(refused) == set(CLIENT_REQUESTS)
    unknown_to_it = {
        m: why[:300]
        for m, why in refused.items()
        if (why.startswith("-32601") or UNKNOWN_METHOD in why) and m not in NOT_IMPLEMENTED
    }
    assert unknown_to_it == {}, "methods the server does not know"
    assert answered >= WORK_OFFLINE, sorted(WORK_OFFLINE - answered)
    print(f"\n[every method, real binary] {len(answered)} answered, {len(refused)} refused")
