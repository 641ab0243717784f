"""dbt's logging flags on the commands outside the run family (parse, ls, compile, show,
run-operation, docs generate, clone, debug, deps, clean, init): the task's ``echo`` is a
``report.command_log.CommandLog``, opened with the project's ``flags:`` once the task has read
it, and closed with the command's exit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dagwright.errors import DagwrightError
from dagwright.report.command_log import CommandLog
from dagwright.session import Flags, Session

Echo = Callable[[str], None]


def attach_log(session: Session, echo: Any) -> None:
    """Open the command's log with its project's settings, and route ``log()`` and ``print()``
    while rendering to it."""
    if not isinstance(echo, CommandLog):
        return
    raw = session.project.raw
    echo.attach(raw.get("flags"), session.project.root, session.run_context.invocation_id, raw.get("log-path"))
    session.run_context.on_print = echo.print_output
    session.run_context.on_log = echo.jinja_log


def attach_project_log(project: Any, echo: Any) -> None:
    """``attach_log`` for a command that reads its project without a session (clean, deps)."""
    if isinstance(echo, CommandLog):
        import uuid

        raw = project.raw
        echo.attach(raw.get("flags"), project.root, str(uuid.uuid4()), raw.get("log-path"))


class StampedLines:
    """The ``line`` of a terminal, for a command whose lines carry their time (clone's, as a
    run's): through dbt's log when ``echo`` is a ``CommandLog``."""

    def __init__(self, echo: Any) -> None:
        self._stamped = getattr(echo, "stamped", None)
        if self._stamped is None:
            from dagwright.report.terminal import Terminal

            self._stamped = Terminal().line

    def line(self, text: str = "") -> None:
        self._stamped(text)


def log_found(session: Session, echo: Any) -> None:
    """dbt's ``Found ...`` line in the log only: these commands' stdout is their result."""
    logged = getattr(echo, "logged", None)
    if logged is not None:
        from dagwright.tasks.found import found_line

        logged(found_line(session))


def run_logged(flags: Flags, task: Callable[[Flags, Echo], int], echo: Echo) -> int:
    """Run ``task`` with a ``CommandLog`` as its echo: an error before its end is dbt's
    ``MainEncounteredError`` in the log (the CLI prints it on stderr), the end ``CommandCompleted``."""
    out = CommandLog(flags.extra, flags.command, flags.project_dir, echo)
    try:
        code = task(flags, out)
    except DagwrightError as exc:
        out.failed(exc)
        raise
    out.finish(code)
    return code
