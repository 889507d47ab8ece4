"""Helper process (this SDK's environment): the loopback model and CODEX_HOME directories.

    python -m benchmarks._model_server DIR COUNT

Writes COUNT fresh CODEX_HOME directories under DIR, all pointing at one loopback model
(`codex_app_server.testing`'s MockModelServer, answering every turn with its default
"Done."), prints
`BENCH-RESULT {"base_url": ..., "homes": [{"path": ..., "env": {...}}, ...]}` and serves
until its stdin closes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from codex_app_server.testing import MockModelServer, write_codex_home


def main() -> None:
    root, count = Path(sys.argv[1]), int(sys.argv[2])
    with MockModelServer() as model:
        homes = []
        for index in range(count):
            home = write_codex_home(root / f"home-{index}", model.base_url)
            homes.append({"path": str(home.path), "env": dict(home.env)})
        result = {"base_url": model.base_url, "homes": homes}
        sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")
        sys.stdout.flush()
        sys.stdin.read()


if __name__ == "__main__":
    main()
