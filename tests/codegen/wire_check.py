"""Every generated client method on the wire, for one schema and the SDK generated from it.

For each client request: a schema-conforming sample of its params becomes the method's
keyword arguments (typed values, built from each field's annotation); the method is called,
sync (`AppServerClient`) and async (`AsyncAppServerClient`), against a recording peer
(`wire_peer.py`) that answers with a schema-conforming sample of the method's result. The
check reads what went over the pipe and reports, per method, anything that:

* does not validate against the schema's own `params` definition (jsonschema, draft 7),
* differs from the sample the arguments came from (the keyword -> wire encoding loses or
  renames nothing),
* has keyword arguments other than the params model's fields,
* fails to decode the sample result into the method's result model.

Run in a subprocess for another runtime's generated SDK:
``python -m tests.codegen.wire_check SCHEMA_DIR VERSION`` prints a JSON report.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
from pydantic import BaseModel, TypeAdapter

from tests.codegen.wire_samples import (
    find_definition,
    has_experimental,
    load_bundle,
    params_schemas,
    sample,
    validator_schema,
)

PEER = Path(__file__).resolve().parent / "wire_peer.py"
SKIP_KWARGS = {"self", "request_timeout"}


def write_peer(directory: Path, results: dict[str, Any], name: str) -> Path:
    """An executable `codex` that runs the recording peer; its record is `<name>.jsonl`."""
    results_path = directory / "results.json"
    results_path.write_text(json.dumps(results), encoding="utf-8")
    wrapper = directory / f"codex-{name}"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'exec "{sys.executable}" "{PEER}" "{results_path}" "{directory / name}.jsonl" "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def field_names(params_type: Any) -> dict[str, str] | None:
    """{python name: wire name} of a params model; None when it is not a plain model."""
    if not (isinstance(params_type, type) and issubclass(params_type, BaseModel)):
        return None
    return {name: info.alias or name for name, info in params_type.model_fields.items()}


Arguments = tuple[list[Any], dict[str, Any]]


def arguments(spec: Any, method: Any, wire: Any, problems: list[str]) -> Arguments:
    """The sample wire params as the method's arguments, each a typed value."""
    signature = inspect.signature(method).parameters
    kwargs = [p for p in signature if p not in SKIP_KWARGS]
    if spec.params is None or wire is None:
        if kwargs:
            problems.append(f"takes {kwargs} but the schema has no params")
        return [], {}
    names = field_names(spec.params_type)
    if names is None:  # a union of params shapes: the method takes one `params` value
        if kwargs != ["params"]:
            problems.append(f"a union of params shapes, but the arguments are {kwargs}")
            return [], {}
        value = TypeAdapter(spec.params_type).validate_python(wire)
        if signature["params"].kind is inspect.Parameter.POSITIONAL_ONLY:
            return [value], {}
        return [], {"params": value}
    if set(kwargs) != set(names):
        problems.append(f"keywords {sorted(kwargs)} != params fields {sorted(names)}")
    fields = spec.params_type.model_fields
    out: dict[str, Any] = {}
    for name, alias in names.items():
        if alias in wire:
            out[name] = TypeAdapter(fields[name].annotation).validate_python(wire[alias])
    return [], out


def sent_requests(record: Path) -> list[dict[str, Any]]:
    lines = record.read_text(encoding="utf-8").splitlines()
    sent = [json.loads(line) for line in lines]
    # the session's own `initialize` comes first; the method's call is the later one
    return [m for m in sent if "id" in m and "method" in m]


def check(schema_dir: Path, version: str) -> dict[str, Any]:
    """Run the check against the `codex_app_server` importable here; returns the report."""
    from codex_app_server import AppServerConfig
    from codex_app_server._client import AppServerClient, AsyncAppServerClient
    from codex_app_server.protocol import CLIENT_REQUESTS

    root = load_bundle(schema_dir)
    wanted = params_schemas(root)
    problems: dict[str, list[str]] = {method: [] for method in CLIENT_REQUESTS}
    results: dict[str, Any] = {}
    for method, spec in CLIENT_REQUESTS.items():
        ref = find_definition(root, spec.result.name)
        if ref is not None:
            results[method] = sample(root, {"$ref": ref})
        elif spec.result.name == "JsonValue":  # the schema leaves this result free-form
            results[method] = {"free": ["form", 1, None]}
        else:
            problems[method].append(f"no definition {spec.result.name} in the schema")
    # the session checks the server's version in its userAgent
    results["initialize"]["userAgent"] = f"wire_peer/{version} (the wire check)"
    samples = {m: None if s is None else sample(root, s) for m, s in wanted.items()}
    validators = {
        m: jsonschema.Draft7Validator(validator_schema(root, s if s is not None else {}))
        for m, s in wanted.items()
    }
    calls = list(CLIENT_REQUESTS.items())

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        sync_bin = write_peer(directory, results, "sync")
        async_bin = write_peer(directory, results, "async")
        # experimental methods and fields are sent only by a client that opted in
        opt_in = {"experimental_api": True} if has_experimental(schema_dir) else {}
        sync_config = AppServerConfig(codex_bin=sync_bin, request_timeout=30, **opt_in)
        with AppServerClient(sync_config) as client:
            for method, spec in calls:
                bound = getattr(client, spec.py_name)
                args, kwargs = arguments(spec, bound, samples[method], problems[method])
                try:
                    value = bound(*args, **kwargs)
                except Exception as exc:
                    problems[method].append(f"sync call failed: {exc!r}"[:500])
                    continue
                if spec.result.dump(value) != results.get(method, {}):
                    problems[method].append(f"sync result {value!r} not the sample")

        async def run_async() -> None:
            config = AppServerConfig(codex_bin=async_bin, request_timeout=30, **opt_in)
            async with AsyncAppServerClient(config) as client:
                for method, spec in calls:
                    bound = getattr(client, spec.py_name)
                    if not inspect.iscoroutinefunction(bound):
                        problems[method].append("the async twin is not a coroutine function")
                        continue
                    args, kwargs = arguments(spec, bound, samples[method], [])
                    try:
                        value = await bound(*args, **kwargs)
                    except Exception as exc:
                        problems[method].append(f"async call failed: {exc!r}"[:500])
                        continue
                    if spec.result.dump(value) != results.get(method, {}):
                        problems[method].append(f"async result {value!r}: not the sample")

        asyncio.run(run_async())
        for face in ("sync", "async"):
            sent = sent_requests(directory / f"{face}.jsonl")
            by_method = {m["method"]: m for m in sent}
            for method in CLIENT_REQUESTS:
                msg = by_method.get(method)
                if msg is None:
                    problems[method].append(f"{face}: nothing went over the wire")
                    continue
                params = msg.get("params")
                for error in validators[method].iter_errors(params):
                    path = "/".join(str(p) for p in error.absolute_path)
                    problems[method].append(f"{face}: params/{path}: {error.message}"[:500])
                if params != samples[method]:
                    problems[method].append(f"{face}: sent {params!r} for {samples[method]!r}")
    return {
        "methods": len(CLIENT_REQUESTS),
        "on_the_wire": sum(1 for p in problems.values() if not p),
        "problems": {m: p for m, p in problems.items() if p},
    }


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    print(json.dumps(check(Path(sys.argv[1]), sys.argv[2])))
