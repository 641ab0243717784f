"""A run's output as dbt's log: every line and node outcome becomes a dbt event
(``report/dbt_log.py``), written to stdout (dbt's text lines through the terminal, or JSON
lines, at ``--log-level``; with ``-q`` only errors) and to ``logs/dbt.log`` (debug text or
JSON, at ``--log-level-file``), as dbt-core 1.11 writes them.

The log file is appended to, one ``write`` per event on a file opened for appending, so
concurrent runs interleave whole lines and never overwrite each other.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

import orjson

from dagwright.execute.no_op import is_no_op
from dagwright.execute.results import RunResult, RunSummary, Status
from dagwright.execute.scheduler import Reporter
from dagwright.report import dbt_log
from dagwright.report.dbt_log import LEVELS, LineEvents, node_time, record, text_line
from dagwright.report.log_settings import LogSettings
from dagwright.report.terminal import RunStarted, Terminal, dotted, finished_line

NodeInfo = Callable[[str], Mapping[str, Any]]


class LogFile:
    """logs/dbt.log: appended, one write per event."""

    def __init__(self, folder: Path, json_lines: bool) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "dbt.log"
        self.json_lines = json_lines
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        with self._lock:
            if self._fd >= 0:
                os.write(self._fd, data)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


class DbtLog(Terminal):
    """The run's output as dbt's log. ``text`` is the terminal that shows dbt's text lines
    on stdout (None with ``--log-format json`` or ``debug``: every event on ``out``, as a JSON
    line or as a line with its time, level and thread)."""

    def __init__(
        self,
        settings: LogSettings,
        invocation_id: str,
        *,
        text: Terminal | None,
        out: TextIO | None = None,
        command: str = "",
    ) -> None:
        super().__init__(out or sys.stdout)
        self.settings = settings
        self.invocation_id = invocation_id
        self.text = text
        self.command = command
        self._emit_lock = threading.RLock()  # a signal handler may log while the main thread does
        self._lines = LineEvents()
        self._node_info: NodeInfo = lambda unique_id: {}
        self._started_at: dict[str, str] = {}
        self._known: dict[str, Mapping[str, Any]] = {}  # node_info by node, made once
        self._t0 = dt.datetime.now(dt.timezone.utc)
        self.stdout_level = LEVELS["error"] if settings.quiet else LEVELS[settings.level]
        self.file: LogFile | None = None
        if settings.path is not None:
            try:
                self.file = LogFile(settings.path, settings.format_file == "json")
            except OSError as exc:  # a log file that cannot be written never stops a run
                self._to_stdout(f"Could not write the log file in {settings.path}: {exc}")
        if self.file is not None and not self.file.json_lines:
            self.file.write(dbt_log.file_header(invocation_id))
        if text is None and settings.format == "debug" and self.stdout_level < LEVELS["none"]:
            self.out.write(dbt_log.file_header(invocation_id))
        from dagwright import __version__

        self.emit(
            "MainReportVersion",
            f"Running with dagwright={__version__}",
            {"log_version": 3, "version": f"={__version__}"},
        )

    # -- writing --------------------------------------------------------------------------------
    def _to_stdout(self, text: str) -> None:
        (self.text or Terminal(self.out)).line(text)

    def emit(
        self,
        name: str,
        msg: str,
        data: Mapping[str, Any],
        *,
        level: str | None = None,
        thread: str = "MainThread",
        extra: Mapping[str, str] | None = None,
        shown: Callable[[], None] | None = None,
        printed: bool = False,
    ) -> None:
        """Write one event: to the file at its level, to stdout at stdout's (``shown`` prints it
        on the text terminal; without it a text terminal prints nothing for this event).
        ``printed``: a command's result (dbt's print events: ls, show, compile), on stdout at
        every level but ``none``, even with -q."""
        event = record(name, msg, data, invocation_id=self.invocation_id, thread=thread, level=level, extra=extra)
        value = LEVELS[event["info"]["level"]]
        with self._emit_lock:
            if self.file is not None and value >= LEVELS[self.settings.level_file]:
                line = orjson.dumps(event, default=str).decode() if self.file.json_lines else text_line(event)
                self.file.write(line + "\n")
            if (LEVELS["error"] if printed else value) < self.stdout_level:
                return
            if self.text is None:  # --log-format json, or debug: dbt's lines with time, level, thread
                json_lines = self.settings.format == "json"
                self.out.write((orjson.dumps(event, default=str).decode() if json_lines else text_line(event)) + "\n")
                self.out.flush()
            elif shown is not None:
                shown()
            elif value < LEVELS["info"]:  # --log-level debug: dbt prints its debug events too
                self.text.line(msg)

    def line(self, text: str = "") -> None:
        name, level, data = self._lines.event_of_line(text)
        shown = (lambda: self.text.line(text)) if self.text is not None else None
        self.emit(name, text, data, level=level, shown=shown)

    def jinja_log(self, text: str) -> None:
        """``{{ log(msg, info=True) }}``."""
        shown = (lambda: self.text.line(text)) if self.text is not None else None
        self.emit("JinjaLogInfo", text, {"msg": text}, shown=shown)

    def print_output(self, text: str) -> None:
        """``{{ print(msg) }}``: shown even with -q, not with --no-print."""
        event = record("PrintEvent", text, {"msg": text}, invocation_id=self.invocation_id)
        with self._emit_lock:
            if self.file is not None and LEVELS["info"] >= LEVELS[self.settings.level_file]:
                line = orjson.dumps(event).decode() if self.file.json_lines else text_line(event)
                self.file.write(line + "\n")
            if not self.settings.print_output:
                return
            if self.text is None:
                json_lines = self.settings.format == "json"
                self.out.write((orjson.dumps(event).decode() if json_lines else text_line(event)) + "\n")
                self.out.flush()
            else:
                with self.text._lock:
                    self.text.out.write(text + "\n")  # as print() writes it, without a timestamp
                    self.text.out.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    # -- the run --------------------------------------------------------------------------------
    def node_reporter(self, describe: Callable[[str], str]) -> Reporter:
        inner = None
        if self.text is not None and self.stdout_level <= LEVELS["info"]:
            inner = self.text.node_reporter(describe)  # lines (or the live panel) as without a log
        return _DbtNodeEvents(self, describe, inner)

    def run_started(self, run: RunStarted) -> None:
        if run.node_info is not None:
            compute, known = run.node_info, self._known

            def node_info(unique_id: str) -> Mapping[str, Any]:
                info = known.get(unique_id)
                if info is None:
                    info = known[unique_id] = compute(unique_id)
                return info

            self._node_info = node_info
        if self.text is not None:
            self.text.run_started(run)

    def run_stopping(self, trigger: str) -> None:
        if self.text is not None:
            self.text.run_stopping(trigger)

    def run_ended(self) -> None:
        if self.text is not None:
            self.text.run_ended()

    def run_finished(self, summary: RunSummary, exit_code: int, **details: Any) -> None:
        if self.text is not None:
            self.text.run_finished(summary, exit_code, **details)
        self.finish(exit_code)

    def failed(self, error: Exception) -> None:
        """The command stopped on an error before its nodes ran (dbt's MainEncounteredError)."""
        self.emit("MainEncounteredError", f"Encountered an error:\n{error}", {"exc": str(error)})
        self.finish(getattr(error, "exit_code", 2))

    def finish(self, exit_code: int) -> None:
        """The command is over: ``CommandCompleted``, and the log file closed."""
        finished = dt.datetime.now(dt.timezone.utc)
        elapsed = (finished - self._t0).total_seconds()
        command = f"dagwright {self.command}".strip()
        word = "succeeded" if exit_code == 0 else "failed"
        self.emit(
            "CommandCompleted",
            f"Command `{command}` {word} at {finished.strftime('%H:%M:%S.%f')} after {elapsed:.2f} seconds",
            {
                "command": command,
                "completed_at": finished.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "elapsed": elapsed,
                "success": exit_code == 0,
            },
        )
        self.close()

    # -- nodes ----------------------------------------------------------------------------------
    def node_started(self, unique_id: str, index: int, total: int, worker: str, describe: str) -> None:
        started = self._started_at[unique_id] = node_time()
        info = {**self._node_info(unique_id), "node_started_at": started, "node_status": "started"}
        info.pop("attached_node", None)
        self.emit("NodeStart", f"Began running node {unique_id}", {"node_info": info}, thread=worker)
        if is_no_op(unique_id):
            return  # dbt logs no start line for an exposure or saved query: only its NO-OP line
        text = f"{index} of {total} START {describe}"
        self.emit(
            "LogStartLine",
            dotted(text, "RUN", self.width),
            {"description": describe, "index": index, "node_info": info, "total": total},
            thread=worker,
            shown=self._shown_dotted(text, "RUN"),
        )

    def node_finished(self, result: RunResult, index: int, total: int, describe: str) -> None:
        uid = result.unique_id
        started = self._started_at.pop(uid, "")
        skipped = result.status == Status.SKIPPED
        info = {
            **self._node_info(uid),
            "node_started_at": started,
            "node_finished_at": "" if skipped else node_time(),
            "node_status": dbt_log.result_status(result),
        }
        attached = str(info.pop("attached_node", None) or "")
        text, bracket = finished_line(result, index, total, describe)
        name, level, data = dbt_log.result_event(result, index, total, info, describe, attached)
        thread = result.thread_id or "MainThread"
        extra = dbt_log.dagwright_extra(result)
        self.emit(
            name,
            dotted(text, bracket, self.width),
            data,
            level=level,
            thread=thread,
            extra=extra,
            shown=self._shown_dotted(text, bracket),
        )
        self.emit(
            "NodeFinished",
            f"Finished running node {uid}",
            {"node_info": info, "run_result": dbt_log.run_result_dict(result)},
            thread=thread,
            extra=extra,
        )

    def _shown_dotted(self, text: str, bracket: str) -> Callable[[], None] | None:
        """How a node line is shown on a text terminal when the terminal's own node lines are
        off (-q, --log-level warn/error): plain."""
        terminal = self.text
        if terminal is None or self.stdout_level <= LEVELS["info"]:
            return None  # JSON, or the terminal's node reporter shows it
        return lambda: terminal.dotted(text, bracket)


class _DbtNodeEvents(Reporter):
    def __init__(self, log: DbtLog, describe: Callable[[str], str], inner: Reporter | None) -> None:
        self.log = log
        self.describe = describe
        self.inner = inner

    def node_started(self, unique_id: str, index: int, total: int, worker: str) -> None:
        if self.inner is not None:
            self.inner.node_started(unique_id, index, total, worker)
        self.log.node_started(unique_id, index, total, worker, self.describe(unique_id))

    def node_finished(self, result: RunResult, index: int, total: int) -> None:
        if self.inner is not None:
            self.inner.node_finished(result, index, total)
        self.log.node_finished(result, index, total, self.describe(result.unique_id))


def open_log(
    cli: Mapping[str, Any],
    project_flags: Mapping[str, Any] | None,
    project_root: Path,
    invocation_id: str,
    command: str,
    project_log_path: str | None = None,
) -> DbtLog:
    """The output of a run-family command: dbt's log on stdout as ``--log-format`` says (JSON
    lines, dagwright's own JSON events, live progress or plain lines) and in logs/dbt.log."""
    from dagwright.report.log_settings import resolve

    settings = resolve(cli, project_flags, project_root, project_log_path)
    text: Terminal | None
    if settings.format in ("json", "debug"):
        text = None
    elif settings.format == "dagwright-json":
        from dagwright.report.events import JsonLog

        text = JsonLog(sys.stdout)
    elif settings.use_colors and settings.level != "none" and not settings.quiet and _live(sys.stdout):
        from dagwright.report.progress import LiveTerminal

        text = LiveTerminal()
    else:
        text = Terminal()
    if text is not None:
        text.width = settings.printer_width
    log = DbtLog(settings, invocation_id, text=text, command=command)
    log.width = settings.printer_width
    return log


def _live(stream: Any) -> bool:
    """``progress.live_wanted``, without importing rich (progress.py) for an output that is
    no terminal: a run in CI or under an orchestrator never draws live progress."""
    try:
        if not stream.isatty():
            return False
    except (AttributeError, ValueError):
        return False
    from dagwright.report.progress import live_wanted

    return live_wanted(stream)
