"""A tiny scripted JSON-RPC peer for the engine's fault tests (not a model of codex).

Usage: ``python peer.py [--exit-at-start CODE] [--stderr-at-start TEXT] [--stubborn]
[--grandchild] [--turn-start-flood N]``

``--stubborn`` ignores SIGTERM and stdin EOF (only SIGKILL ends it); ``--grandchild`` starts a
sleeping child process that inherits (and so holds open) stdout and stderr.

It answers ``initialize`` like the app-server, then each request by method:

* ``echo``: result ``{"method": ..., "params": ...}``
* ``never``: no answer at all
* ``late``: answers after ``params.seconds`` (other requests go on meanwhile)
* ``error``: answers ``{"error": params}`` (``code``, ``message``, ``data``)
* ``die``: exits at once with ``params.code`` (after ``params.stderr`` on stderr)
* ``big``: result ``{"text": "x" * params.size}`` (one line of that size)
* ``garbage``: writes ``params.lines`` (raw strings) to stdout, then answers ``"ok"``
* ``raw_bytes``: writes ``params.hex`` decoded, then answers ``"ok"``
* ``unknown_id``: a response with id 987654, then the answer
* ``duplicate``: the answer twice
* ``malformed``: ``{"id": id}`` with neither result nor error
* ``stderr``: writes ``params.mb`` MiB to stderr, then answers ``"ok"``
* ``notify``: sends ``params.messages`` (a list of notifications) then answers
* ``turn``: answers ``{"turn": {"id": T}}`` AFTER sending T's ``turn/started``,
  ``params.deltas`` deltas and (unless ``params.complete`` is false) ``turn/completed``
* ``turn/start`` (the real method, for the public client's ``request_turn``): answers turn
  ``turn-1`` (in progress) and sends nothing more: the test ends it; with
  ``--turn-start-flood N``, N deltas of it and its ``turn/completed`` follow, as for ``flood``
* ``flood``: answers ``{"count": n, "turn": {"id": turnId}}``, then sends ``params.count`` notifications (with
  ``params.turnId`` if given, then that turn's ``turn/completed``) as one big write;
  ``prepare`` (same params) builds that payload ahead, so a benchmark times only the transfer
* ``ask``: sends the server request ``params.method``/``params.params`` to the client, waits for
  its answer and returns it as the result
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

_out = sys.stdout.buffer
_lock = threading.Lock()
_asks: dict[int, Any] = {}
_ask_ids = iter(range(1000, 10**9))
_floods: dict[tuple[int, str | None], bytes] = {}


def write(data: bytes) -> None:
    with _lock:
        _out.write(data)
        _out.flush()


def send(msg: dict[str, Any]) -> None:
    write(json.dumps(msg, separators=(",", ":")).encode() + b"\n")


def answer(rid: Any, result: Any) -> None:
    send({"id": rid, "result": result})


def _flood_payload(count: int, turn_id: str | None) -> bytes:
    extra = f',"turnId":"{turn_id}"' if turn_id else ""
    line = (
        '{"method":"item/agentMessage/delta","params":{"threadId":"thread-1"'
        + extra
        + ',"itemId":"item-1","delta":"%d"}}\n'
    )
    payload = "".join(line % i for i in range(count)).encode()
    if turn_id:
        done = {
            "method": "turn/completed",
            "params": {"threadId": "thread-1", "turn": {"id": turn_id}},
        }
        payload += json.dumps(done).encode() + b"\n"
    return payload


_options = {"turn_start_flood": 0}  # --turn-start-flood N


def handle(msg: dict[str, Any]) -> None:
    rid: Any = msg.get("id")
    method = msg.get("method")
    params: Any = msg.get("params") or {}
    if method is None:  # a response to one of our server requests
        origin: Any = _asks.pop(rid, None)
        if origin is not None:
            answer(origin, {k: v for k, v in msg.items() if k != "id"})
        return
    if rid is None:
        return  # a notification: ignore
    if method == "initialize":
        answer(rid, {"userAgent": "fake-peer/0.163.0", "platformOs": sys.platform})
    elif method == "echo":
        answer(rid, {"method": method, "params": params})
    elif method == "never":
        pass
    elif method == "late":
        threading.Timer(params["seconds"], answer, (rid, "late")).start()
    elif method == "error":
        send({"id": rid, "error": params})
    elif method == "die":
        if params.get("stderr"):
            sys.stderr.write(params["stderr"])
            sys.stderr.flush()
        os._exit(params.get("code", 3))
    elif method == "big":
        write(b'{"id":%d,"result":{"text":"' % rid + b"x" * params["size"] + b'"}}\n')
    elif method == "garbage":
        write("".join(line + "\n" for line in params["lines"]).encode())
        answer(rid, "ok")
    elif method == "raw_bytes":
        write(bytes.fromhex(params["hex"]))
        answer(rid, "ok")
    elif method == "unknown_id":
        answer(987654, "stray")
        answer(rid, "ok")
    elif method == "duplicate":
        answer(rid, "first")
        answer(rid, "second")
    elif method == "malformed":
        send({"id": rid})
    elif method == "stderr":
        chunk = b"E" * 1023 + b"\n"
        for _ in range(params["mb"] * 1024):
            os.write(2, chunk)
        os.write(2, b"stderr flood done\n")
        answer(rid, "ok")
    elif method == "notify":
        for note in params["messages"]:
            send(note)
        answer(rid, "ok")
    elif method == "turn/start":
        answer(rid, {"turn": {"id": "turn-1", "items": [], "status": "inProgress"}})
        if _options["turn_start_flood"]:
            write(_flood_payload(_options["turn_start_flood"], "turn-1"))
    elif method == "turn":
        turn_id = params.get("turnId", "turn-1")
        thread_id = params.get("threadId", "thread-1")
        send(
            {
                "method": "turn/started",
                "params": {"threadId": thread_id, "turn": {"id": turn_id, "status": "inProgress"}},
            }
        )
        for i in range(params.get("deltas", 3)):
            send(
                {
                    "method": "item/agentMessage/delta",
                    "params": {"threadId": thread_id, "turnId": turn_id, "delta": str(i)},
                }
            )
        if params.get("complete", True):
            send(
                {
                    "method": "turn/completed",
                    "params": {
                        "threadId": thread_id,
                        "turn": {"id": turn_id, "status": "completed"},
                    },
                }
            )
        answer(rid, {"turn": {"id": turn_id, "status": "inProgress"}})
    elif method in ("flood", "prepare"):
        key = (params["count"], params.get("turnId"))
        payload = _floods.get(key)
        if payload is None:
            payload = _floods[key] = _flood_payload(*key)
        if method == "prepare":
            answer(rid, "ready")
            return
        result: dict[str, Any] = {"count": params["count"]}
        if key[1]:
            result["turn"] = {"id": key[1]}
        answer(rid, result)
        write(payload)
    elif method == "ask":
        ask_id = next(_ask_ids)
        _asks[ask_id] = rid
        send({"id": ask_id, "method": params["method"], "params": params.get("params", {})})
    else:
        send({"id": rid, "error": {"code": -32601, "message": f"unknown method {method}"}})


def main() -> None:
    args = sys.argv[1:]
    if "--stderr-at-start" in args:
        sys.stderr.write(args[args.index("--stderr-at-start") + 1] + "\n")
        sys.stderr.flush()
    if "--exit-at-start" in args:
        os._exit(int(args[args.index("--exit-at-start") + 1]))
    if "--stubborn" in args:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "--turn-start-flood" in args:
        _options["turn_start_flood"] = int(args[args.index("--turn-start-flood") + 1])
    if "--grandchild" in args:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        write(b'{"method":"peer/grandchild","params":{"pid":%d}}\n' % child.pid)
    for raw in sys.stdin.buffer:
        if not raw.strip():
            continue
        handle(json.loads(raw))
    if "--stubborn" in args:
        while True:
            time.sleep(1)


if __name__ == "__main__":
    main()
