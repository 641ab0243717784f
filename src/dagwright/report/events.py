"""``--log-format dagwright-json``: dagwright's own events, one JSON object per line on stdout
(``--log-format json`` is dbt's structured log: report/dbt_log.py).

Events, each with ``event`` and ``ts`` (UTC, ISO 8601):

- ``run_started``: command, invocation_id, threads, target, fail_fast, total, nodes
- ``node_started``: unique_id, name, resource_type, thread_id, index, total
- ``node_finished``: unique_id, name, resource_type, status, message, cause, thread_id, index,
  total, execution_time, compile_seconds, execute_seconds, timing, rows_affected, failures,
  relation_name, adapter_response (as in run_results.json, where dbt's structured log carries
  it too: on BigQuery job_id, location, project_id, bytes_processed, bytes_billed, slot_ms)
- ``run_finished``: elapsed, exit_code, counts per status, stop (kind, trigger, at,
  cancel_seconds) or null, run_results and timeline paths
- ``log``: message (every text line the plain output would have printed)

Every selected node gets exactly one ``node_finished``, whose ``status`` is its status in
run_results.json.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any, TextIO

import orjson

from dagwright.execute.results import RunResult, RunSummary
from dagwright.execute.scheduler import Reporter
from dagwright.report.terminal import RunStarted, Terminal

STATUSES = ("success", "partial success", "error", "skipped", "cancelled", "pass", "fail", "warn", "no-op")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def node_name(unique_id: str) -> str:
    return unique_id.split(".", 2)[-1] if unique_id.count(".") >= 2 else unique_id


def node_finished_event(result: RunResult, index: int, total: int) -> dict[str, Any]:
    seconds = {t.name: t.seconds for t in result.timing}
    rows = result.adapter_response.get("rows_affected") if result.adapter_response else None
    return {
        "event": "node_finished",
        "ts": _now(),
        "unique_id": result.unique_id,
        "name": node_name(result.unique_id),
        "resource_type": result.unique_id.split(".", 1)[0],
        "status": result.status,
        "message": result.message,
        "cause": result.cause,
        "thread_id": result.thread_id or "",  # as run_results.json: "" for a node no worker took
        "index": index,
        "total": total,
        "execution_time": result.execution_time,
        "compile_seconds": seconds.get("compile"),
        "execute_seconds": seconds.get("execute"),
        "timing": [
            {"name": t.name, "started_at": _iso(t.started_at), "completed_at": _iso(t.completed_at)}
            for t in result.timing
        ],
        "rows_affected": rows,
        "failures": result.failures,
        "relation_name": result.relation_name,
        "adapter_response": dict(result.adapter_response),
    }


class JsonEvents(Reporter):
    def __init__(self, log: JsonLog) -> None:
        self.log = log

    def node_started(self, unique_id: str, index: int, total: int, worker: str) -> None:
        self.log.emit(
            {
                "event": "node_started",
                "ts": _now(),
                "unique_id": unique_id,
                "name": node_name(unique_id),
                "resource_type": unique_id.split(".", 1)[0],
                "thread_id": worker,
                "index": index,
                "total": total,
            }
        )

    def node_finished(self, result: RunResult, index: int, total: int) -> None:
        self.log.emit(node_finished_event(result, index, total))


class JsonLog(Terminal):
    """The run's output as JSON lines; text lines become ``log`` events."""

    def __init__(self, out: TextIO | None = None) -> None:
        super().__init__(out or sys.stdout)
        # reentrant: a second Ctrl-C may interrupt the main thread in the middle of a write
        self._lock = threading.RLock()  # type: ignore[assignment]
        self._target_dir: str | None = None

    def emit(self, event: Mapping[str, Any]) -> None:
        data = orjson.dumps(event, default=str).decode() + "\n"
        with self._lock:
            self.out.write(data)
            self.out.flush()

    def line(self, text: str = "") -> None:
        if text.strip():
            self.emit({"event": "log", "ts": _now(), "message": text})

    def node_reporter(self, describe: Callable[[str], str]) -> Reporter:
        return JsonEvents(self)

    def run_started(self, run: RunStarted) -> None:
        self._target_dir = run.target_dir
        self.emit(
            {
                "event": "run_started",
                "ts": _now(),
                "command": run.command,
                "invocation_id": run.invocation_id,
                "threads": run.threads,
                "target": run.target_name,
                "fail_fast": run.fail_fast,
                "total": len(run.nodes),
                "nodes": list(run.nodes),
            }
        )

    def run_finished(self, summary: RunSummary, exit_code: int, **details: Any) -> None:
        counts = {s: summary.count(s) for s in STATUSES if summary.count(s)}
        stop = None
        if summary.stop_kind:
            stop = {
                "kind": summary.stop_kind,
                "trigger": summary.stop_trigger,
                "at": _iso(dt.datetime.fromtimestamp(summary.stop_at, dt.timezone.utc)) if summary.stop_at else None,
                "cancel_seconds": summary.cancel_latency,
            }
        event: dict[str, Any] = {
            "event": "run_finished",
            "ts": _now(),
            "elapsed": summary.elapsed,
            "exit_code": exit_code,
            "total": len(summary.results),
            "counts": counts,
            "stop": stop,
        }
        if self._target_dir:
            event["run_results"] = f"{self._target_dir}/run_results.json"
            event["timeline"] = f"{self._target_dir}/timeline.html"
        event.update(details)
        self.emit(event)
