"""How a command that runs nodes stops: the words and exit code of each stop, and the
SIGINT / SIGTERM handlers that send a signal down the command's one stop path.

Shared by ``run``/``seed``/``test``/``snapshot``/``build`` (tasks/run.py), ``source
freshness`` (tasks/freshness.py) and ``run-operation`` (tasks/operation.py).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Protocol

from dagwright.report.terminal import Terminal

#: the exit code of a command stopped by a signal (128 + the signal's number, as a shell says)
EXIT_CODES = {"SIGINT": 130, "SIGTERM": 143}
#: what stopped a run, as the terminal, run_results.json and sources.json say it
STOP_TEXT = {
    "SIGINT": "interrupted by SIGINT (Ctrl-C)",
    "SIGTERM": "terminated by SIGTERM",
    "cancel": "cancelled by cancel()",
}


class StoppedEarly(BaseException):
    """A signal before the run started (while the project was parsed)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class Stoppable(Protocol):
    """A running task as the signal handlers see it."""

    terminal: Terminal

    def stop_is_final(self) -> bool:
        """Whether a stop already ends the task for good (a second SIGINT then exits at once)."""
        ...

    def cancel(self, kind: str) -> None:
        """Stop: nothing new starts, statements in flight are cancelled."""
        ...

    def emergency_exit(self, code: int) -> None:
        """Record every outcome as it stands and leave the process at once."""
        ...


class SignalHandlers:
    """SIGINT and SIGTERM go through the task's one stop path.

    Installed before the project is parsed and left in place until the process exits:
    a signal during parsing ends the command with an empty, truthful run_results.json; a
    second SIGINT during a stop exits at once; a signal after the summary is ignored.
    """

    def __init__(self) -> None:
        self.task: Stoppable | None = None
        self.finished = False

    def install(self) -> SignalHandlers:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        kind = "SIGINT" if signum == signal.SIGINT else "SIGTERM"
        task = self.task
        if self.finished:
            return  # every outcome is already recorded; the process is exiting
        if task is None:
            raise StoppedEarly(kind)
        if task.stop_is_final():
            if kind == "SIGINT":
                task.emergency_exit(EXIT_CODES["SIGINT"])
            return
        task.terminal.line(f"Received {kind}: stopping — no new nodes, cancelling running queries")
        task.cancel(kind)
