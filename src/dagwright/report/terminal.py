"""Terminal lines in dbt's shape: a line when a node starts and when it ends, a summary."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TextIO

from dagwright.execute.results import RunResult, RunSummary, Status
from dagwright.execute.scheduler import Reporter

WIDTH = 80


def _stamp() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")


class Terminal:
    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._lock = threading.Lock()

    def line(self, text: str = "") -> None:
        with self._lock:
            self.out.write(f"{_stamp()}  {text}\n" if text else f"{_stamp()}\n")
            self.out.flush()

    def dotted(self, text: str, status: str) -> None:
        self.line(f"{text} {'.' * max(3, WIDTH - len(text) - 1)} [{status}]")


class NodeLines(Reporter):
    """Per-node lines for a run; ``describe`` names a node (e.g. 'sql table model main.x')."""

    def __init__(self, terminal: Terminal, describe: Callable[[str], str]) -> None:
        self.terminal = terminal
        self.describe = describe

    def node_started(self, unique_id: str, index: int, total: int, worker: str) -> None:
        self.terminal.dotted(f"{index} of {total} START {self.describe(unique_id)}", "RUN")

    def node_finished(self, result: RunResult, index: int, total: int) -> None:
        what = self.describe(result.unique_id)
        prefix = f"{index} of {total}"
        seconds = f"{result.execution_time:.2f}s"
        status = result.status
        if what.startswith("test "):
            name = what[5:]
            if status == Status.PASS:
                self.terminal.dotted(f"{prefix} PASS {name}", f"PASS in {seconds}")
                return
            if status in (Status.FAIL, Status.WARN):
                word = result.word
                self.terminal.dotted(
                    f"{prefix} {word} {result.failures} {name}", f"{word} {result.failures} in {seconds}"
                )
                return
            if status == Status.ERROR:
                self.terminal.dotted(f"{prefix} ERROR {name}", f"ERROR in {seconds}")
                return
        if status == Status.SUCCESS:
            verb = "loaded" if what.startswith("seed") else "created"
            shown = result.message if result.message and result.message != "OK" else "OK"
            self.terminal.dotted(f"{prefix} OK {verb} {what}", f"{shown} in {seconds}")
        elif status == Status.ERROR:
            verb = "loading" if what.startswith("seed") else "creating"
            self.terminal.dotted(f"{prefix} ERROR {verb} {what}", f"ERROR in {seconds}")
        elif status == Status.CANCELLED:
            self.terminal.dotted(f"{prefix} CANCELLED {what} ({result.cause})", f"CANCELLED in {seconds}")
        elif status == Status.SKIPPED:
            reason = (result.message or "").replace("skipped because ", "")
            self.terminal.dotted(f"{prefix} SKIP {what} ({reason})", "SKIP")
        else:
            self.terminal.dotted(f"{prefix} {result.word} {what}", f"{result.word} in {seconds}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def print_summary(
    terminal: Terminal,
    summary: RunSummary,
    kinds: Mapping[str, str],
    failure_lines: Callable[[RunResult], list[str]],
) -> None:
    """'Finished running ...', the errors repeated, and 'Done. PASS=...'."""
    counts = Counter(kinds[r.unique_id] for r in summary.results if r.unique_id in kinds)
    what = ", ".join(_plural(n, k) for k, n in counts.items()) or "0 nodes"
    secs = summary.elapsed
    hours, rem = divmod(int(secs), 3600)
    minutes, seconds = divmod(rem, 60)
    terminal.line()
    terminal.line(
        f"Finished running {what} in {hours} hours {minutes} minutes and "
        f"{seconds + secs % 1:.2f} seconds ({secs:.2f}s)."
    )
    errors = [r for r in summary.results if r.status in (Status.ERROR, Status.FAIL)]
    warns = [r for r in summary.results if r.status == Status.WARN]
    cancelled = summary.count(Status.CANCELLED)
    terminal.line()
    if summary.stop_trigger and summary.stop_kind != "fail-fast":
        terminal.line(f"Run stopped: {summary.stop_trigger}")
        terminal.line()
    if errors or cancelled:
        terminal.line(
            f"Completed with {_plural(len(errors), 'error')}, 0 partial successes, "
            f"and {_plural(len(warns), 'warning')}" + (f" ({cancelled} cancelled)" if cancelled else "") + ":"
        )
        for result in errors + warns:
            terminal.line()
            for text in failure_lines(result):
                terminal.line(text)
    elif warns:
        terminal.line(f"Completed with {_plural(len(warns), 'warning')}:")
        for result in warns:
            terminal.line()
            for text in failure_lines(result):
                terminal.line(text)
    else:
        terminal.line("Completed successfully")
    terminal.line()
    passed = summary.count(Status.SUCCESS, Status.PASS)
    done = f"Done. PASS={passed} WARN={len(warns)} ERROR={len(errors)} SKIP={summary.count(Status.SKIPPED)} "
    if cancelled:
        done += f"CANCELLED={cancelled} "
    done += f"NO-OP=0 TOTAL={len(summary.results)}"
    terminal.line(done)
