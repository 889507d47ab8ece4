"""Benchmarks: this SDK side by side with the official `openai-codex` SDK, and against the
physical limit of the pipe. Run `python -m benchmarks.run` (see docs/performance.md).

Every module here is stdlib-only at import time: the worker halves run inside the official
SDK's own virtual environment too, where this SDK is not installed.
"""
