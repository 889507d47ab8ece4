"""Release staging: the codex-cli-bin runtime wheels and the SDK wheel, pinned to one runtime."""
