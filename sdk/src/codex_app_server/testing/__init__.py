"""Testing kit: drive the real ``codex app-server`` offline with a scripted model.

``MockModelServer`` is a loopback Responses-API server answering each model request with
a scripted :class:`Reply`; ``write_codex_home`` writes a ``CODEX_HOME`` whose
``config.toml`` points codex at it::

    from codex_app_server.testing import MockModelServer, text, shell_command, write_codex_home

    with MockModelServer() as model:
        model.enqueue(text("Hello from the mock model!"))
        home = write_codex_home(tmp_path / "codex-home", model.base_url)
        # spawn `codex app-server` with env=home.spawn_env() and run a turn
        assert model.requests[-1]["model"] == "mock-model"

Reply constructors: :func:`text`, :func:`function_call`, :func:`shell_command`,
:func:`apply_patch` (a file change through the shell tool),
:func:`function_calls` (several calls in one response), :func:`fail`, :func:`overloaded`, :func:`rate_limited`, :func:`usage_limit_reached`,
:func:`unauthorized`, :func:`failed_event`, :func:`context_window_exceeded`,
:func:`cut_stream`, :func:`raw_events` and :func:`hold`.

``listening_app_server(config)`` starts the real app-server listening on a loopback
WebSocket (with a capability token) or a unix socket, for ``Codex.connect`` tests.

``MemoryTransport`` is an in-memory :class:`Transport` for tests of your own code against a
peer you script (no process): pass it as ``AsyncAppServerClient(config, transport=...)`` (or
``AppServerClient``) and play the app-server with ``peer_receive()`` / ``peer_send()`` /
``peer_close()``.

``offline_environment(*replies)`` does all of it at once and yields the ``AppServerConfig``
for ``Codex(config)``. ``python -m codex_app_server.testing`` runs one real turn that way and
prints a JSON summary (the release rehearsal's smoke test).

Stdlib only: importing this package adds no dependency.
"""

from __future__ import annotations

from .._memory_transport import MemoryTransport
from .._transport import Transport, TransportSink
from ._codex_home import CodexHome, dumps_toml, write_codex_home
from ._listening import ListeningAppServer, listening_app_server
from ._model_server import (
    CutStreamReply,
    EventsReply,
    FailedReply,
    FunctionCallReply,
    HoldReply,
    HttpErrorReply,
    MessagesReply,
    MockModelServer,
    RecordedRequest,
    Reply,
    TextReply,
    apply_patch,
    context_window_exceeded,
    cut_stream,
    fail,
    failed_event,
    function_call,
    function_calls,
    hold,
    messages,
    overloaded,
    rate_limited,
    raw_events,
    shell_command,
    text,
    unauthorized,
    usage_limit_reached,
)
from ._offline import OfflineEnvironment, offline_environment

__all__ = [
    "CodexHome",
    "CutStreamReply",
    "EventsReply",
    "FailedReply",
    "FunctionCallReply",
    "HoldReply",
    "HttpErrorReply",
    "ListeningAppServer",
    "MemoryTransport",
    "MessagesReply",
    "MockModelServer",
    "OfflineEnvironment",
    "RecordedRequest",
    "Reply",
    "TextReply",
    "Transport",
    "TransportSink",
    "apply_patch",
    "context_window_exceeded",
    "cut_stream",
    "dumps_toml",
    "fail",
    "failed_event",
    "function_call",
    "function_calls",
    "hold",
    "listening_app_server",
    "messages",
    "offline_environment",
    "overloaded",
    "rate_limited",
    "raw_events",
    "shell_command",
    "text",
    "unauthorized",
    "usage_limit_reached",
    "write_codex_home",
]
