"""Ctrl-C delivered to the main thread from a timer, as a user would press it."""

from __future__ import annotations

import signal
import threading


def ctrl_c_after(seconds: float, how: str = "signal") -> threading.Timer:
    """Deliver Ctrl-C to the main thread from a timer thread: a real SIGINT
    (`pthread_kill`, wakes a blocked wait) or `_thread.interrupt_main`."""
    import _thread

    main = threading.main_thread().ident
    assert main is not None

    def fire() -> None:
        if how == "signal":
            signal.pthread_kill(main, signal.SIGINT)
        else:
            _thread.interrupt_main()

    timer = threading.Timer(seconds, fire)
    timer.start()
    return timer
