"""The output of the commands outside the run family (parse, ls, compile, show, run-operation,
docs generate, clone, debug, deps, clean, init) as dbt's log: each line a dbt event
(``report/dbt_log.py``) on stdout as ``--log-format`` says and in logs/dbt.log, with
dbt-core 1.11's rules for what stays on stdout: a command's result (``ls``'s listing: dbt's
``PrintEvent``; ``show``'s rows: ``ShowNode``; ``compile``'s SQL: ``CompiledNode``) is shown
at every ``--log-level`` but ``none``, even with ``-q`` (then without its heading, as dbt).

With the default format the lines look as they did before these flags existed (no time stamp
but on clone's and run-operation's, as a run's), so that scripts reading them keep working;
the log file and ``--log-format json`` carry dbt's events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from dagwright.errors import DagwrightError
from dagwright.report.dbt_log import EVENTS, LineEvents
from dagwright.report.log_output import DbtLog
from dagwright.report.log_settings import resolve
from dagwright.report.terminal import Terminal

Echo = Callable[[str], None]

#: dbt's events of a command's result (report/dbt_log.py catalogues their codes)
RESULT_EVENTS = ("PrintEvent", "ShowNode", "CompiledNode")


class CommandLog:
    """A command's ``echo``: every line it prints goes through dbt's log. The log opens when
    the task has read its project (``attach``: dbt_project.yml's ``flags:`` and ``log-path``
    count), or, if the project cannot be read, with the command line's options alone."""

    def __init__(self, cli: Mapping[str, Any], command: str, project_dir: str | None, echo: Echo) -> None:
        self.cli = dict(cli)
        self.command = command
        self.project_dir = project_dir
        self.echo = echo
        self.log: DbtLog | None = None
        self._lines = LineEvents()

    # -- opening ---------------------------------------------------------------------------------
    def attach(
        self,
        project_flags: Mapping[str, Any] | None,
        project_root: Path,
        invocation_id: str,
        project_log_path: str | None = None,
    ) -> None:
        if self.log is None:
            self.log = self._open(project_flags, project_root, invocation_id, project_log_path)

    def _open(
        self,
        project_flags: Mapping[str, Any] | None,
        project_root: Path,
        invocation_id: str,
        project_log_path: str | None,
    ) -> DbtLog:
        settings = resolve(self.cli, project_flags, project_root, project_log_path)
        if settings.format == "dagwright-json":
            raise DagwrightError(
                f"--log-format dagwright-json is the event stream of a run; {self.command} has none",
                hint="use --log-format json (dbt's structured log)",
            )
        text = None if settings.format in ("json", "debug") else Terminal()
        log = DbtLog(settings, invocation_id, text=text, command=self.command)
        log.width = settings.printer_width
        return log

    def _ensure(self) -> DbtLog:
        if self.log is None:
            import uuid

            root = Path(self.project_dir) if self.project_dir else Path.cwd()
            self.log = self._open(None, root, str(uuid.uuid4()), None)
        return self.log

    @property
    def quiet(self) -> bool:
        return self._ensure().settings.quiet

    # -- lines -----------------------------------------------------------------------------------
    def __call__(self, text: str) -> None:
        """A line of the command's output, as the dbt event that prints the same line."""
        log = self._ensure()
        for line in text.split("\n") if text else [""]:
            name, level, data = self._lines.event_of_line(line)
            log.emit(name, line, data, level=level, shown=lambda line=line: self.echo(line))

    def logged(self, text: str) -> None:
        """A line dbt prints that this command keeps off its text output (``ls``'s ``Found``
        line: scripts read ls's lines), in the log file and the JSON log."""
        log = self._ensure()
        name, level, data = self._lines.event_of_line(text)
        log.emit(name, text, data, level=level, shown=lambda: None)

    def error(self, text: str) -> None:
        """The command's error, as dbt's ``MainEncounteredError``: shown even with -q."""
        log = self._ensure()
        log.emit("MainEncounteredError", text, {"exc": text}, shown=lambda: self.echo(text))

    def stamped(self, text: str) -> None:
        """A line dbt prints with its time (run-operation's), as the text terminal prints it."""
        log = self._ensure()
        name, level, data = self._lines.event_of_line(text)
        if text.startswith("Encountered an error"):
            level = "error"
        terminal = log.text
        shown = (lambda: terminal.line(text)) if terminal is not None else None
        log.emit(name, text, data, level=level, shown=shown)

    def result(self, name: str, msg: str, data: Mapping[str, Any], quiet_msg: str | None = None) -> None:
        """A command's result (``RESULT_EVENTS``): shown even with -q, as ``quiet_msg`` then."""
        assert name in RESULT_EVENTS and name in EVENTS, name
        log = self._ensure()
        if log.settings.quiet and quiet_msg is not None:
            msg = quiet_msg
        log.emit(name, msg, data, shown=lambda: self.echo(msg), printed=True)

    def event(self, name: str, msg: str, data: Mapping[str, Any], level: str | None = None) -> None:
        """A line of the command's output as the dbt event ``name`` (``say``)."""
        log = self._ensure()
        log.emit(name, msg, data, level=level, shown=lambda: self.echo(msg))

    def jinja_log(self, text: str) -> None:
        self._ensure().jinja_log(text)

    def print_output(self, text: str) -> None:
        self._ensure().print_output(text)

    # -- the end ---------------------------------------------------------------------------------
    def failed(self, error: Exception) -> None:
        try:
            log = self._ensure()
        except DagwrightError:  # the log's own settings are the error: the CLI prints it
            return
        log.failed(error)

    def finish(self, exit_code: int) -> None:
        self._ensure().finish(exit_code)


def plain_result(echo: Echo, name: str, msg: str, data: Mapping[str, Any], quiet_msg: str | None = None) -> None:
    """A command's result for an ``echo`` that is not a ``CommandLog`` (the Python API): its text."""
    result = getattr(echo, "result", None)
    if result is not None:
        result(name, msg, data, quiet_msg)
    else:
        echo(msg)


def say(echo: Echo, name: str, msg: str, data: Mapping[str, Any] | None = None, level: str | None = None) -> None:
    """A line of a command's output that is dbt's event ``name`` in the log: through ``echo``'s
    ``event`` when it is a ``CommandLog``, else its text."""
    event = getattr(echo, "event", None)
    if event is not None:
        event(name, msg, data or {}, level)
    else:
        echo(msg)
