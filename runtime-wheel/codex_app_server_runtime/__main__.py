"""`python -m codex_app_server_runtime ARGS`: the same as the `codex` command."""

from codex_app_server_runtime._launcher import main

raise SystemExit(main())
