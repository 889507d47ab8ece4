"""A tiny stdio MCP server (stdlib only) whose one tool asks its client for input.

Run as ``python eliciting_mcp_server.py LOG``: it speaks newline-delimited JSON-RPC on
stdin/stdout, offers the tool ``ask_name``, and on ``tools/call`` sends its client (codex) an
``elicitation/create`` request for a ``name``. Whatever answer comes back (result or error)
becomes the tool's text result, ``answer: <JSON>``. Every message it receives is appended to
LOG (one JSON object a line), written before it replies, so a test that saw the turn end can
read there what reached the MCP server. It exits when stdin closes.
"""

from __future__ import annotations

import json
import sys
from typing import Any

SERVER_NAME = "asker"
TOOL = "ask_name"
QUESTION = "What is your name?"
ELICITATION_ID = "elicit-1"


def main(log_path: str) -> None:
    tool_call_id: Any = None
    for line in sys.stdin:
        message: dict[str, Any] = json.loads(line)
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(message) + "\n")
        method = message.get("method")
        if method == "initialize":
            version = message["params"].get("protocolVersion", "2025-06-18")
            info = {"name": SERVER_NAME, "version": "1.0"}
            reply(
                message,
                {"protocolVersion": version, "capabilities": {"tools": {}}, "serverInfo": info},
            )
        elif method == "tools/list":
            tool = {
                "name": TOOL,
                "description": "Ask the user for a name.",
                "inputSchema": {"type": "object", "properties": {}},
            }
            reply(message, {"tools": [tool]})
        elif method == "tools/call":
            tool_call_id = message["id"]
            schema = {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "required": ["name"],
            }
            params = {"message": QUESTION, "requestedSchema": schema}
            send(
                {
                    "jsonrpc": "2.0",
                    "id": ELICITATION_ID,
                    "method": "elicitation/create",
                    "params": params,
                }
            )
        elif method is None and message.get("id") == ELICITATION_ID:
            answer = message.get("result", message.get("error"))
            text = "answer: " + json.dumps(answer, sort_keys=True)
            result = {"content": [{"type": "text", "text": text}], "isError": False}
            send({"jsonrpc": "2.0", "id": tool_call_id, "result": result})
        elif method is not None and "id" in message:
            error = {"code": -32601, "message": f"method not found: {method}"}
            send({"jsonrpc": "2.0", "id": message["id"], "error": error})


def reply(request: dict[str, Any], result: dict[str, Any]) -> None:
    send({"jsonrpc": "2.0", "id": request["id"], "result": result})


def send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
