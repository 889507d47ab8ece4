"""Mistakes pyright must catch in a user's script (checked by test_typing.py): each line
marked `# error:` must get an error. Not collected by pytest, never run."""

from __future__ import annotations

from typing import Annotated

from codex_app_server import tool


@tool
def get_weather(city: Annotated[str, "The city"], days: int = 1) -> str:
    """The forecast for a city."""
    return city * days


get_weather(3)  # error: reportArgumentType
get_weather("Paris", dayz=2)  # error: reportCallIssue
count: int = get_weather("Paris")  # error: reportAssignmentType
