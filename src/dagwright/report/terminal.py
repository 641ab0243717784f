"""Terminal lines in dbt's shape: a line when a node starts and when it ends, a summary."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from dagwright.execute.no_op import is_no_op
from dagwright.execute.results import RunResult, RunSummary, Status
from dagwright.execute.scheduler import Reporter

WIDTH = 80


@dataclass(frozen=True)
class RunStarted:
    """What an output is told of a run once its plan is made, before any node starts
    (values only: an output never reaches back into the task that runs)."""

    command: str
    invocation_id: str
    #: the profile's target, by name
    target_name: str
    #: where run_results.json and timeline.html are written
    target_dir: str
    threads: int
    fail_fast: bool
    #: the plan's nodes, in its order
    nodes: tuple[str, ...]
    #: dbt's ``node_info`` of a node by unique_id (report/dbt_log.py), for the structured log
    node_info: Callable[[str], Mapping[str, Any]] | None = None
    #: each node's parents within the plan (the live view's ETA follows the chains)
    parents: Mapping[str, Collection[str]] = field(default_factory=dict)


def _stamp() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")


class Terminal:
    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._lock = threading.Lock()
        #: --printer-width: the width of the dotted node lines
        self.width = WIDTH

    def line(self, text: str = "") -> None:
        with self._lock:
            self.out.write(f"{_stamp()}  {text}\n" if text else f"{_stamp()}\n")
            self.out.flush()

    def dotted(self, text: str, status: str) -> None:
        self.line(dotted(text, status, self.width))

    # -- what a run tells its output besides lines (plain text: nothing more) ----------------
    def node_reporter(self, describe: Callable[[str], str]) -> Reporter:
        """The scheduler's reporter for this output."""
        return NodeLines(self, describe)

    def run_started(self, run: RunStarted) -> None:
        """The plan is made, no node has started yet."""

    def run_stopping(self, trigger: str) -> None:
        """The run has stopped (fail-fast, a signal, ``cancel()``): nothing new starts.
        Called on the thread that stopped it, possibly in a signal handler: must not block."""

    def run_ended(self) -> None:
        """Every node has an outcome (or the run failed); called on every exit path."""

    def run_finished(self, summary: RunSummary, exit_code: int, **details: Any) -> None:
        """The summary is printed; the process exits with ``exit_code``."""


def dotted(text: str, status: str, width: int = WIDTH) -> str:
    return f"{text} {'.' * max(3, width - len(text) - 1)} [{status}]"


class NodeLines(Reporter):
    """Per-node lines for a run; ``describe`` names a node (e.g. 'sql table model main.x')."""

    def __init__(self, terminal: Terminal, describe: Callable[[str], str]) -> None:
        self.terminal = terminal
        self.describe = describe

    def node_started(self, unique_id: str, index: int, total: int, worker: str) -> None:
        if not is_no_op(unique_id):  # dbt prints only the NO-OP line of an exposure or saved query
            self.terminal.dotted(f"{index} of {total} START {self.describe(unique_id)}", "RUN")

    def node_finished(self, result: RunResult, index: int, total: int) -> None:
        self.terminal.dotted(*finished_line(result, index, total, self.describe(result.unique_id)))


def finished_line(result: RunResult, index: int, total: int, what: str) -> tuple[str, str]:
    """The text and the bracket of a node's end line, as dbt prints them."""
    prefix = f"{index} of {total}"
    seconds = f"{result.execution_time:.2f}s"
    status = result.status
    if what.startswith(("test ", "unit_test ")):
        name = what.split(" ", 1)[1]
        if status == Status.PASS:
            return f"{prefix} PASS {name}", f"PASS in {seconds}"
        if status in (Status.FAIL, Status.WARN):
            word = result.word
            return f"{prefix} {word} {result.failures} {name}", f"{word} {result.failures} in {seconds}"
        if status == Status.ERROR:
            return f"{prefix} ERROR {name}", f"ERROR in {seconds}"
    if what.startswith("snapshot ") and status in (Status.SUCCESS, Status.ERROR):
        relation = what[len("snapshot ") :]  # dbt: "OK snapshotted main.x", "ERROR snapshotting main.x"
        if status == Status.SUCCESS:
            return f"{prefix} OK snapshotted {relation}", f"{result.message or 'OK'} in {seconds}"
        return f"{prefix} ERROR snapshotting {relation}", f"ERROR in {seconds}"
    if status == Status.SUCCESS:
        verb = "loaded" if what.startswith("seed") else "created"
        shown = result.message if result.message and result.message != "OK" else "OK"
        if what.startswith("function "):  # dbt's function line says SUCCESS, whatever the engine said
            shown = "SUCCESS"
        return f"{prefix} OK {verb} {what}", f"{shown} in {seconds}"
    if status == Status.ERROR:
        verb = "loading" if what.startswith("seed") else "creating"
        return f"{prefix} ERROR {verb} {what}", f"ERROR in {seconds}"
    if status == Status.PARTIAL_SUCCESS:  # a microbatch model: "PARTIAL SUCCESS (3/4)"
        return (
            f"{prefix} PARTIALLY created {what}",
            f"{result.message.splitlines()[0] if result.message else ''} in {seconds}",
        )
    if status == Status.CANCELLED:
        return f"{prefix} CANCELLED {what} ({result.cause})", f"CANCELLED in {seconds}"
    if status == Status.SKIPPED:
        reason = (result.message or "").replace("skipped because ", "")
        if what.startswith("saved query "):  # dbt's skip line names the resource type
            what = "saved_query " + what[len("saved query ") :]
        return f"{prefix} SKIP {what} ({reason})", "SKIP"
    return f"{prefix} {result.word} {what}", f"{result.word} in {seconds}"


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


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
    partial = [r for r in summary.results if r.status == Status.PARTIAL_SUCCESS]
    warns = [r for r in summary.results if r.status == Status.WARN]
    cancelled = summary.count(Status.CANCELLED)
    terminal.line()
    if summary.stop_trigger and summary.stop_kind != "fail-fast":
        terminal.line(f"Run stopped: {summary.stop_trigger}")
        terminal.line()
    if errors or partial or cancelled:
        partials = f"{len(partial)} partial success{'es' if len(partial) != 1 else ''}"
        terminal.line(
            f"Completed with {_plural(len(errors), 'error')}, {partials}, "
            f"and {_plural(len(warns), 'warning')}" + (f" ({cancelled} cancelled)" if cancelled else "") + ":"
        )
        for result in errors + partial + warns:
            terminal.line()
            for text in failure_lines(result):
                terminal.line(text)
        # a cancelled build of several jobs without a transaction (BigQuery) may have changed
        # its relation before the stop: the user reads that here, not only in run_results.json
        for result in summary.results:
            if result.status == Status.CANCELLED and result.message and not result.message.endswith("was not changed"):
                terminal.line()
                terminal.line(f"Cancelled {result.unique_id}, with changes left behind:")
                terminal.line(f"  {result.message}")
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
    failed = len(errors) + len(partial)  # dbt counts a partial success as an error here
    done = f"Done. PASS={passed} WARN={len(warns)} ERROR={failed} SKIP={summary.count(Status.SKIPPED)} "
    if cancelled:
        done += f"CANCELLED={cancelled} "
    done += f"NO-OP={summary.count(Status.NO_OP)} TOTAL={len(summary.results)}"
    terminal.line(done)
