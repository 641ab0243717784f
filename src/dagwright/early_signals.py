"""SIGINT and SIGTERM that come before a command's own handlers are in place.

Starting the CLI (importing it, parsing the arguments and the project) takes a noticeable
moment, seconds on a loaded machine. A signal then would kill the process with Python's
defaults: no run_results.json of this run, the previous run's left in place as if it were
this one's. The console script therefore installs these handlers first, before any other
import (``dagwright.launch``); they only record the signal. A command of the run family then
takes it over (``tasks.stopping.SignalHandlers`` stops at once and writes its truthful
run_results.json); any other command gives Python's defaults back and acts on it
(``release``). No dagwright import here: this runs before them.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

_received: str | None = None
_installed = False


def _record(signum: int, frame: FrameType | None) -> None:
    global _received
    _received = _received or ("SIGINT" if signum == signal.SIGINT else "SIGTERM")


def install() -> None:
    global _installed
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _record)
        _installed = True


def take() -> str | None:
    """The signal received since ``install``, if any; the record is cleared."""
    global _received, _installed
    kind, _received, _installed = _received, None, False
    return kind


def release() -> None:
    """For a command without handlers of its own: Python's defaults back, and a signal that
    came in the meantime acts now as it would have then."""
    if not _installed or threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    kind = take()
    if kind == "SIGINT":  # as the CLI ends a command interrupted later (cli_options.run_task)
        sys.stderr.write("Interrupted.\n")
        raise SystemExit(130)
    if kind == "SIGTERM":
        os.kill(os.getpid(), signal.SIGTERM)
