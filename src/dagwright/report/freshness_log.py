"""``source freshness`` in dbt's log: each check's ``NodeStart``/``LogStartLine`` and
``LogFreshnessResult``/``NodeFinished`` events, as dbt-core 1.11 emits them, around the
terminal's lines (tasks/freshness.py draws those)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dagwright.execute.results import RunResult, Status
from dagwright.execute.scheduler import Reporter
from dagwright.report import dbt_log
from dagwright.report.dbt_log import LEVELS, node_time
from dagwright.report.log_output import DbtLog
from dagwright.report.terminal import dotted

#: a check's line: (text, bracket) of its start or end
Line = Callable[..., tuple[str, str]]


class FreshnessEvents(Reporter):
    """``lines`` draws the terminal's lines (shown as dbt shows them at each level);
    ``started``/``finished`` give a check's (text, bracket); ``node_info`` its dbt node_info."""

    def __init__(
        self,
        log: DbtLog,
        lines: Reporter,
        started: Callable[[str, int, int], tuple[str, str]],
        finished: Callable[[RunResult, int, int], tuple[str, str]],
        node_info: Callable[[str], Mapping[str, Any]],
        names: Callable[[str], tuple[str, str]],
    ) -> None:
        self.log = log
        self.lines = lines if log.text is not None and log.stdout_level <= LEVELS["info"] else None
        self.started = started
        self.finished = finished
        self.node_info = node_info
        self.names = names  # a check's (source name, table name)
        self._started_at: dict[str, str] = {}

    def node_started(self, unique_id: str, index: int, total: int, worker: str) -> None:
        if self.lines is not None:
            self.lines.node_started(unique_id, index, total, worker)
        started = self._started_at[unique_id] = node_time()
        info = {**self.node_info(unique_id), "node_started_at": started, "node_status": "started"}
        self.log.emit("NodeStart", f"Began running node {unique_id}", {"node_info": info}, thread=worker)
        text, bracket = self.started(unique_id, index, total)
        self.log.emit(
            "LogStartLine",
            dotted(text, bracket, self.log.width),
            {"description": text.split(" START ", 1)[-1], "index": index, "node_info": info, "total": total},
            thread=worker,
            shown=self._shown(text, bracket),
        )

    def node_finished(self, result: RunResult, index: int, total: int) -> None:
        if self.lines is not None:
            self.lines.node_finished(result, index, total)
        uid = result.unique_id
        status = dbt_log.result_status(result)
        info = {
            **self.node_info(uid),
            "node_started_at": self._started_at.pop(uid, ""),
            "node_finished_at": "" if result.status == Status.SKIPPED else node_time(),
            "node_status": status,
        }
        text, bracket = self.finished(result, index, total)
        level = "warn" if status == Status.WARN else "info" if status in (Status.PASS, Status.SKIPPED) else "error"
        source_name, table_name = self.names(uid)
        thread = result.thread_id or "MainThread"
        extra = dbt_log.dagwright_extra(result)
        data = {
            "execution_time": result.execution_time,
            "index": index,
            "node_info": info,
            "source_name": source_name,
            "status": status,
            "table_name": table_name,
            "total": total,
        }
        msg = dotted(text, bracket, self.log.width)
        shown = self._shown(text, bracket)
        self.log.emit("LogFreshnessResult", msg, data, level=level, thread=thread, extra=extra, shown=shown)
        run_result = dbt_log.run_result_dict(result)
        finished = {"node_info": info, "run_result": run_result}
        self.log.emit("NodeFinished", f"Finished running node {uid}", finished, thread=thread, extra=extra)

    def _shown(self, text: str, bracket: str) -> Callable[[], None] | None:
        """Shown plain on a text terminal whose own lines are off (-q, --log-level warn)."""
        terminal = self.log.text
        if terminal is None or self.lines is not None:
            return None
        return lambda: terminal.dotted(text, bracket)
