"""Running dagwright from Python, with a ``cancel()`` that takes the same stop path as
fail-fast, SIGINT and SIGTERM.

    handle = dagwright.api.start("run", project_dir="my_project", threads=4)
    ...
    handle.cancel()          # from any thread
    summary = handle.wait()  # every selected node has exactly one outcome
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from dagwright.execute.results import RunSummary
from dagwright.report.terminal import Terminal
from dagwright.session import Flags, Session
from dagwright.tasks.run import RunTask


class RunHandle:
    def __init__(self, task: RunTask) -> None:
        self.task = task
        self._summary: RunSummary | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="dagwright-run", daemon=True)

    def _main(self) -> None:
        try:
            self.task.start()
            self._summary = self.task.wait()
        except BaseException as exc:  # surfaced by wait()
            self._error = exc
        finally:
            self.task.close()

    def cancel(self) -> None:
        self.task.cancel("cancel")

    def wait(self, timeout: float | None = None) -> RunSummary:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the run has not finished")
        if self._error is not None:
            raise self._error
        assert self._summary is not None
        return self._summary

    @property
    def output(self) -> str:
        out = self.task.terminal.out
        return out.getvalue() if isinstance(out, io.StringIO) else ""


def start(
    command: str = "run",
    *,
    project_dir: str | None = None,
    profiles_dir: str | None = None,
    target: str | None = None,
    vars: Mapping[str, Any] | None = None,
    threads: int | None = None,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    fail_fast: bool | None = None,
    full_refresh: bool = False,
    target_path: str | None = None,
    echo: bool = False,
) -> RunHandle:
    """Start ``run``, ``seed`` or ``build`` in a background thread and return its handle.
    ``fail_fast`` None: dbt_project.yml's ``flags: {fail_fast: ...}``, else off."""
    flags = Flags(
        command=command,
        project_dir=project_dir,
        profiles_dir=profiles_dir,
        target=target,
        vars=yaml.safe_dump(dict(vars)) if vars else None,
        threads=threads,
        select=tuple(select),
        exclude=tuple(exclude),
        fail_fast=fail_fast,
        full_refresh=full_refresh,
        target_path=target_path,
    )
    session = Session(flags)
    terminal = Terminal(None if echo else io.StringIO())
    handle = RunHandle(RunTask(session, terminal=terminal))
    handle._thread.start()
    return handle
