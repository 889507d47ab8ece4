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
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # A shell without job control starts background jobs with SIGINT ignored, and then
        # neither a SIGINT nor interrupt_main() raises anything: restore Python's handler.
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def fire() -> None:
        if how == "signal":
            signal.pthread_kill(main, signal.SIGINT)
        else:
            _thread.interrupt_main()

    timer = threading.Timer(seconds, fire)
    timer.start()
    return timer
