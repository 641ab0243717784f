"""Live progress on a terminal, and the choice of output for a run.

On a terminal (and unless ``NO_COLOR`` is set or ``TERM=dumb``) a run shows, below the
lines of finished nodes, a live panel: nodes done out of the total, the time so far and the
ETA (``report/eta.py``: the nodes' usual durations from the history of runs, and the chains
left), the counts of running, queued, failed, skipped (and cancelled, after a stop) nodes,
and a line per worker thread with the node it runs, for how long, against its usual time.
Finished nodes are printed as they finish, in dbt's words and coloured by outcome, failures
with their message. Everywhere else the output is the plain lines of ``report/terminal.py``,
byte for byte; ``--log-format json`` gives dbt's JSON lines (``report/log_output.py``).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from dagwright.artifacts.run_history import history_durations, typical_durations
from dagwright.execute.results import RunResult, RunSummary, Status, worker_name
from dagwright.execute.scheduler import Reporter
from dagwright.report.eta import Eta, EtaModel, far_past_usual, seconds_text
from dagwright.report.terminal import RunStarted, Terminal, _stamp, dotted, finished_line

STYLE = {
    Status.SUCCESS: "green",
    Status.PASS: "green",
    Status.ERROR: "bold red",
    Status.FAIL: "bold red",
    Status.WARN: "yellow",
    Status.PARTIAL_SUCCESS: "yellow",
    Status.CANCELLED: "dark_orange",
    Status.SKIPPED: "bright_black",
}


def live_wanted(stream: TextIO | None = None) -> bool:
    """Live progress only on a real terminal, and not with NO_COLOR or TERM=dumb."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _line_style(text: str) -> str:
    if text.startswith("Done."):
        return "bold"
    if text.startswith("Completed successfully"):
        return "green"
    if text.startswith(("Completed with", "Failure in")):
        return "red"
    if text.startswith(("Received", "Run stopped", "Warning in")):
        return "yellow"
    return ""


class LiveTerminal(Terminal):
    """Plain lines printed through rich, with a live panel under them while nodes run.

    Each print above a live panel redraws the panel, which costs more than a small node
    (1,000 nodes: 1.6 s of CPU, taken from the workers under the GIL), so the end lines of
    nodes are gathered and printed together at most ``BATCH_SECONDS`` after the first of
    them; any other line prints what is waiting first, so the order is kept.
    """

    BATCH_SECONDS = 0.1
    #: the ETA is computed again at most this often (it walks every remaining node)
    ETA_SECONDS = 0.25

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(file=sys.stdout, highlight=False)
        super().__init__(self.console.file)
        self._state = threading.Lock()
        #: worker -> (unique_id, description, started, spinner)
        self._running: dict[str, tuple[str, str, float, Spinner]] = {}
        self._done = 0
        self._total = 0
        self._workers: list[str] = []
        self._counts: Counter[str] = Counter()
        self._finished_ids: set[str] = set()
        #: counts starts and ends: the ETA is computed again when it changed
        self._version = 0
        #: the plan's usual durations, once the history is read (on a thread of its own)
        self._eta_model: EtaModel | None = None
        #: (version, when, what) of the last ETA computed
        self._eta: tuple[int, float, Eta] | None = None
        self._t0 = time.perf_counter()
        #: what stopped the run, once it has stopped
        self._stopping: str | None = None
        self._live: Live | None = None
        self._pending: list[Text] = []
        # re-entrant: a signal handler on the main thread prints a line (and so flushes)
        # possibly while that thread is inside flush
        self._pending_lock = threading.RLock()
        self._flush_timer: threading.Timer | None = None

    # -- lines --------------------------------------------------------------------------------
    def line(self, text: str = "") -> None:
        out = Text(f"{_stamp()}  " if text else _stamp(), style="dim")
        out.append(text, style=_line_style(text))
        self.flush()
        self.console.print(out, soft_wrap=True, highlight=False)

    def _later(self, texts: list[Text]) -> None:
        with self._pending_lock:
            self._pending.extend(texts)
            if self._flush_timer is None:
                self._flush_timer = threading.Timer(self.BATCH_SECONDS, self.flush)
                self._flush_timer.daemon = True
                self._flush_timer.start()

    def flush(self, timeout: float = -1) -> None:
        """Print the node lines that are waiting, in one print (one redraw of the panel)."""
        if not self._pending_lock.acquire(timeout=timeout):
            return
        try:
            texts, self._pending = self._pending, []
            timer, self._flush_timer = self._flush_timer, None
            if timer is not None:
                timer.cancel()
            if texts:  # under the lock: a line from another thread waits, so order holds
                # one line each: print() joins its objects with ``sep``, a space by default
                self.console.print(*texts, sep="\n", soft_wrap=True, highlight=False)
        finally:
            self._pending_lock.release()

    def finished(self, result: RunResult, index: int, total: int, what: str) -> None:
        text, bracket = finished_line(result, index, total, what)
        full = dotted(text, bracket, self.width)
        style = STYLE.get(result.status, "")
        out = Text(f"{_stamp()}  ", style="dim")
        body = Text(full)
        match = re.match(r"\d+ of \d+ (\S+)", full)
        if match:
            body.stylize(style, match.start(1), match.end(1))
        dots = full.rfind(" [")
        body.stylize("dim", len(text), dots if dots > 0 else len(full))
        body.stylize(style, full.rindex("["))
        out.append(body)
        texts = [out]
        if result.status in (Status.ERROR, Status.FAIL) and result.message:
            detail = [row for row in result.message.strip().splitlines() if row.strip()]
            for row in detail[1:3] if len(detail) > 1 else detail[:1]:
                texts.append(Text(f"          {row.strip()}", style="red"))
        self._later(texts)

    # -- the run ------------------------------------------------------------------------------
    def node_reporter(self, describe: Callable[[str], str]) -> Reporter:
        return _LiveReporter(self, describe)

    def run_started(self, run: RunStarted) -> None:
        with self._state:
            self._total = len(run.nodes)
            self._workers = [worker_name(i + 1) for i in range(run.threads)]
            self._t0 = time.perf_counter()
        # reading the history (every recorded run's results) must not delay the first node
        threading.Thread(target=self._load_history, args=(run,), name="dagwright-eta", daemon=True).start()
        self._live = Live(
            console=self.console,
            get_renderable=self._render,
            refresh_per_second=8,
            transient=True,
        )
        self._live.start()

    def _load_history(self, run: RunStarted) -> None:
        try:
            usual = typical_durations(history_durations(Path(run.target_dir)))
        except Exception:  # an unreadable history leaves the ETA unknown, never the run broken
            usual = {}
        model = EtaModel(run.nodes, run.parents, usual, run.threads)
        with self._state:
            self._eta_model = model

    def run_stopping(self, trigger: str) -> None:
        # no lock: this may run in a signal handler on a thread that holds one
        self._stopping = trigger

    def run_ended(self) -> None:
        live, self._live = self._live, None
        if live is None:
            return
        self.flush(timeout=1.0)  # an emergency exit must not hang on a busy console
        stopped = threading.Event()

        def stop() -> None:
            try:
                live.stop()
            finally:
                stopped.set()

        # On an emergency exit the console may be busy: never hang on the display.
        threading.Thread(target=stop, name="dagwright-live-stop", daemon=True).start()
        if not stopped.wait(2.0):
            try:
                self.console.file.write("\x1b[?25h\n")
                self.console.file.flush()
            except Exception:
                pass

    def run_finished(self, summary: RunSummary, exit_code: int, **details: Any) -> None:
        self.run_ended()

    # -- state, from the scheduler's threads ---------------------------------------------------
    def _started(self, worker: str, unique_id: str, description: str) -> None:
        with self._state:
            self._running[worker] = (unique_id, description, time.perf_counter(), Spinner("dots", style="cyan"))
            self._version += 1

    def _finished(self, result: RunResult) -> None:
        with self._state:
            for worker, (uid, *_rest) in list(self._running.items()):
                if uid == result.unique_id:
                    del self._running[worker]
            self._done += 1
            self._counts[result.status] += 1
            self._finished_ids.add(result.unique_id)
            self._version += 1

    def _render(self) -> Any:
        with self._state:
            done, total = self._done, self._total
            counts = dict(self._counts)
            running = dict(self._running)
            workers = list(self._workers) or sorted(running)
            model = self._eta_model
        now = time.perf_counter()
        stopping = self._stopping
        head = Table.grid(padding=(0, 1))
        head.add_column()
        head.add_column()
        bar = ProgressBar(total=max(total, 1), completed=done, width=30)
        facts = Text(f"{done}/{total} nodes done", style="bold")
        facts.append(f"  {now - self._t0:.1f}s", style="dim")
        if stopping is None and model is not None and done < total:
            facts.append("  ")
            facts.append_text(self._eta_text(model, running, now))
        head.add_row(bar, facts)
        head.add_row("", self._counts_text(counts, len(running), total - done - len(running), stopping is not None))
        rows = Table.grid(padding=(0, 1))
        rows.add_column(style="bold", no_wrap=True)
        rows.add_column(no_wrap=True)
        rows.add_column(no_wrap=True, overflow="ellipsis")
        rows.add_column(justify="right", no_wrap=True)  # how long it has run
        rows.add_column(no_wrap=True)  # against its usual time
        for worker in workers:
            slot = running.get(worker)
            label = worker.removesuffix(" (worker)")  # every thread's name ends so: not worth the width
            if slot is None:
                rows.add_row(label, Text("·", style="dim"), Text("idle", style="dim"), "", "")
            else:
                uid, description, since, spinner = slot
                rows.add_row(label, spinner, description, *_against_usual(now - since, uid, model))
        parts: list[Any] = [head, rows]
        if stopping is not None:
            parts.append(Text(f"stopping: {stopping}; cancelling running queries", style="bold yellow"))
        return Group(*parts)

    @staticmethod
    def _counts_text(counts: Mapping[str, int], running: int, queued: int, stopped: bool) -> Text:
        """running, queued, failed, skipped, and cancelled once there is any (or a stop)."""
        failed = sum(counts.get(s, 0) for s in (Status.ERROR, Status.FAIL, Status.PARTIAL_SUCCESS))
        skipped = counts.get(Status.SKIPPED, 0)
        cancelled = counts.get(Status.CANCELLED, 0)
        out = Text(f"{running} running", style="cyan" if running else "dim")
        out.append(f"  {max(queued, 0)} queued", style="" if queued > 0 else "dim")
        out.append(f"  {failed} failed", style=STYLE[Status.ERROR] if failed else "dim")
        out.append(f"  {skipped} skipped", style=STYLE[Status.SKIPPED] if skipped else "dim")
        if cancelled or stopped:
            out.append(f"  {cancelled} cancelled", style=STYLE[Status.CANCELLED])
        return out

    def _eta_text(self, model: EtaModel, running: Mapping[str, tuple[str, str, float, Spinner]], now: float) -> Text:
        """The ETA, computed again when a node has started or finished since the last time
        (at most every ``ETA_SECONDS``) and every second (a running node may have gone past its
        usual time), counted down in between."""
        if not model.known:
            return Text("ETA unknown (no earlier runs)", style="dim")
        cached = self._eta
        version = self._version
        if cached is None or now - cached[1] >= (self.ETA_SECONDS if cached[0] != version else 1.0):
            with self._state:
                finished = set(self._finished_ids)
            eta = model.remaining(finished, {uid: now - since for uid, _d, since, _s in running.values()})
            self._eta = cached = (version, now, eta)
        _version, at, eta = cached
        left = max(0.0, (eta.seconds or 0.0) - (now - at))
        notes = []
        if eta.overdue:  # what is left is at least this: those nodes' end cannot be told
            value = f">{seconds_text(left)}" if left >= 1 else "overdue"
            notes.append(f"{eta.overdue} past usual")
        else:
            value = f"{'~' if eta.rough and left >= 1 else ''}{seconds_text(left)}"
        if eta.rough:
            notes.append(f"rough: {eta.guessed} never ran")
        out = Text(f"ETA {value}", style="bold cyan")
        if notes:
            out.append(f" ({'; '.join(notes)})", style="dim")
        return out


def _against_usual(elapsed: float, unique_id: str, model: EtaModel | None) -> tuple[Text, Text]:
    """How long a node has run, and its usual duration; flagged when far past it."""
    ran = Text(f"{elapsed:.1f}s", style="cyan")
    if model is None or not model.known:
        return ran, Text("")
    usual = model.usual.get(unique_id)
    if usual is None:
        return ran, Text("/ usual ?", style="dim")
    if far_past_usual(elapsed, usual):
        ran.stylize("bold yellow")
        against = Text(f"/ usual {usual:.1f}s ", style="yellow")
        against.append("slow", style="bold yellow reverse")
        return ran, against
    return ran, Text(f"/ usual {usual:.1f}s", style="dim")


class _LiveReporter(Reporter):
    def __init__(self, terminal: LiveTerminal, describe: Callable[[str], str]) -> None:
        self.terminal = terminal
        self.describe = describe

    def node_started(self, unique_id: str, index: int, total: int, worker: str) -> None:
        self.terminal._started(worker, unique_id, f"{index} of {total} {self.describe(unique_id)}")

    def node_finished(self, result: RunResult, index: int, total: int) -> None:
        self.terminal._finished(result)
        self.terminal.finished(result, index, total, self.describe(result.unique_id))
