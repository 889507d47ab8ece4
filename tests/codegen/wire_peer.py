"""A recording peer for the wire check: it answers every request (`initialize` too) with the
result stored for its method, and appends each message it receives to a record file (one
JSON object a line).

Usage: ``python wire_peer.py RESULTS_JSON RECORD_FILE app-server [...]``
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    results_path, record_path = sys.argv[1:3]
    with open(results_path, encoding="utf-8") as handle:
        results = json.load(handle)
    out = sys.stdout
    with open(record_path, "a", encoding="utf-8") as record:
        for line in sys.stdin:
            if not line.strip():
                continue
            msg = json.loads(line)
            record.write(json.dumps(msg) + "\n")
            record.flush()
            if "id" not in msg or "method" not in msg:
                continue  # a notification (`initialized`) or an answer
            result = results.get(msg["method"], {})  # the check reports a missing sample
            out.write(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
