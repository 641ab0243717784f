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

from dagwright import early_signals
from dagwright.report.streams import stop_waiting_for_reader
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


#: how long a stop waits for the terminal to take its "Received ..." line before it cancels
#: without it (a reader that does not read must not hold the stop up; a terminal that takes
#: lines takes one in microseconds, so the line still comes before the cancelled nodes')
STOP_LINE_WAIT_S = 0.05
#: how long the last words of a second Ctrl-C wait for the terminal before the process exits
LINE_WAIT_S = 0.5


def exit_code(code: int, received: str | None) -> int:
    """The command's exit code once it ends: a signal it received, even one that came when
    every node was done and stopped nothing, gives the signal's code."""
    return EXIT_CODES.get(received or "", code)


class SignalHandlers:
    """SIGINT and SIGTERM go through the task's one stop path.

    Installed before the project is parsed and left in place until the process exits:
    a signal during parsing ends the command with an empty, truthful run_results.json; a
    second SIGINT during a stop exits at once; a signal after the summary stops nothing
    but the exit code says it came (``received``, ``exit_code``).

    The handler itself only records the signal and hands the stop to a thread of its own:
    Python runs it on the main thread between any two bytecodes, possibly while that
    thread holds the terminal's lock or another the stop path takes, so doing the stop in
    the handler could wait forever on its own thread.
    """

    def __init__(self) -> None:
        self.task: Stoppable | None = None
        self.finished = False
        #: the first signal received, whenever it came
        self.received: str | None = None
        #: one received before these handlers were installed
        self.early: str | None = None
        self._stopping = threading.Lock()

    def install(self) -> SignalHandlers:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self._handle)
            # a signal while the CLI started (early_signals) is this command's stop
            self.early = early_signals.take()
            self.received = self.early
        return self

    def stop_if_signalled_early(self) -> None:
        """Raise ``StoppedEarly`` for a signal that came before these handlers were in place."""
        if self.early is not None:
            raise StoppedEarly(self.early)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        kind = "SIGINT" if signum == signal.SIGINT else "SIGTERM"
        self.received = self.received or kind
        task = self.task
        if self.finished:
            return  # every outcome is already recorded; the process is exiting
        if task is None:
            raise StoppedEarly(kind)
        threading.Thread(target=self._stop, args=(task, kind), name=f"dagwright-{kind}", daemon=True).start()

    def _stop(self, task: Stoppable, kind: str) -> None:
        with self._stopping:  # one signal at a time, in the order they came
            if task.stop_is_final():
                if kind == "SIGINT":
                    task.emergency_exit(EXIT_CODES["SIGINT"])
                return
            # a thread waiting for a reader that does not read may hold the scheduler's lock
            stop_waiting_for_reader()
            text = f"Received {kind}: stopping — no new nodes, cancelling running queries"
            say = threading.Thread(target=task.terminal.line, args=(text,), name="dagwright-say", daemon=True)
            say.start()
            say.join(STOP_LINE_WAIT_S)
            task.cancel(kind)
