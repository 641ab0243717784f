"""dbt's structured log: the events a run emits, by dbt's names and codes, as dbt-core 1.11
writes them with ``--log-format json`` (one object per line: ``info`` and ``data``) and in the
text of ``logs/dbt.log``.

Only the events a dagwright run produces are catalogued. Text lines the run prints are mapped
to the dbt event that prints the same line (``event_of_line``); a line dbt has no event for is
a ``Note``. dagwright's own outcomes, which dbt does not have, travel in fields dbt's readers
tolerate: a cancelled node is reported with status ``error`` (dbt's status for a node whose
query was cancelled) and ``info.extra`` ``{"dagwright_status": "cancelled",
"dagwright_cause": ...}``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from typing import Any

from dagwright.execute.results import RunResult, Status

#: event name -> (code, level) as in dbt-core 1.11
EVENTS: dict[str, tuple[str, str]] = {
    "MainReportVersion": ("A001", "info"),
    "MainReportArgs": ("A002", "debug"),
    "AdapterRegistered": ("E034", "info"),
    "FoundStats": ("W006", "info"),
    "ConcurrencyLine": ("Q027", "info"),
    "Formatting": ("Z017", "info"),
    "NodeStart": ("Q024", "debug"),
    "NodeFinished": ("Q025", "debug"),
    "LogStartLine": ("Q011", "info"),
    "LogModelResult": ("Q012", "info"),
    "LogSeedResult": ("Q016", "info"),
    "LogSnapshotResult": ("Q015", "info"),
    "LogFunctionResult": ("Q047", "info"),
    "LogTestResult": ("Q007", "info"),
    "LogNodeNoOpResult": ("Q019", "info"),
    "LogFreshnessResult": ("Q018", "info"),
    "FreshnessCheckComplete": ("Q003", "info"),
    "SkippingDetails": ("Q034", "info"),
    "LogHookStartLine": ("Q032", "info"),
    "LogHookEndLine": ("Q033", "info"),
    "FinishedRunningStats": ("E047", "info"),
    "EndOfRunSummary": ("Z030", "info"),
    "RunResultFailure": ("Z022", "error"),
    "RunResultWarning": ("Z021", "warn"),
    "RunResultError": ("Z024", "error"),
    "RunResultWarningMessage": ("Z046", "warn"),
    "SQLCompiledPath": ("Z026", "info"),
    "StatsLine": ("Z023", "info"),
    "CommandCompleted": ("Q039", "debug"),
    "JinjaLogInfo": ("I062", "info"),
    "PrintEvent": ("Z052", "info"),
    "ShowNode": ("Q041", "info"),
    "CompiledNode": ("Q042", "info"),
    "Note": ("Z050", "info"),
    "MainEncounteredError": ("Z002", "error"),
    # the commands outside runs: docs generate, debug, deps, clean, init
    "BuildingCatalog": ("E044", "info"),
    "CatalogWritten": ("E042", "info"),
    "DebugCmdOut": ("Z047", "info"),
    "DebugCmdResult": ("Z048", "info"),
    "DepsNoPackagesFound": ("M013", "info"),
    "DepsStartPackageInstall": ("M014", "info"),
    "DepsInstallInfo": ("M015", "info"),
    "DepsLockUpdating": ("M031", "info"),
    "CheckCleanPath": ("Z012", "info"),
    "ConfirmCleanPath": ("Z013", "info"),
    "FinishedCleanPaths": ("Z015", "info"),
    "ProjectCreated": ("A026", "info"),
}

LEVELS = {"debug": 10, "info": 20, "warn": 30, "error": 40, "none": 100}


def now_iso() -> str:
    """dbt's ``info.ts``: UTC, microseconds, ``Z``."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def node_time(value: dt.datetime | None = None) -> str:
    """dbt's ``node_started_at`` / ``node_finished_at``: UTC without a zone."""
    value = value or dt.datetime.now(dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def record(
    name: str,
    msg: str,
    data: Mapping[str, Any],
    *,
    invocation_id: str,
    thread: str = "MainThread",
    level: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One event as dbt writes it with ``--log-format json``."""
    code, default_level = EVENTS[name]
    return {
        "data": dict(data),
        "info": {
            "category": "",
            "code": code,
            "extra": dict(extra or {}),
            "invocation_id": invocation_id,
            "level": level or default_level,
            "msg": msg,
            "name": name,
            "pid": os.getpid(),
            "thread": thread,
            "ts": now_iso(),
        },
    }


def text_line(event: Mapping[str, Any]) -> str:
    """An event in dbt's ``debug`` text format (logs/dbt.log's lines): time, level, thread."""
    info = event["info"]
    clock = info["ts"][11:26]  # HH:MM:SS.ffffff of its ISO time stamp
    return f"\x1b[0m{clock} [{info['level']:<5}] [{info['thread'][:10]}]: {info['msg']}"


def file_header(invocation_id: str) -> str:
    """The banner dbt writes at the top of each invocation in logs/dbt.log."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%H:%M:%S.%f")
    return f"\n\n{'=' * 30} {stamp} | {invocation_id} {'=' * 30}\n"


# -- node events -----------------------------------------------------------------------------------
def result_status(result: RunResult) -> str:
    """A node's status as dbt's events carry it: dagwright's ``cancelled`` is dbt's ``error``."""
    return Status.ERROR if result.status == Status.CANCELLED else str(result.status)


def dagwright_extra(result: RunResult) -> dict[str, str]:
    """``info.extra`` for an outcome dbt does not have."""
    if result.status != Status.CANCELLED:
        return {}
    return {"dagwright_status": "cancelled", "dagwright_cause": result.cause or ""}


def result_event(
    result: RunResult,
    index: int,
    total: int,
    node_info: Mapping[str, Any],
    description: str,
    attached_node: str = "",
) -> tuple[str, str, dict[str, Any]]:
    """The dbt event of a node's end line: (name, level, data)."""
    status = result_status(result)
    resource_type = node_info.get("resource_type", "")
    failed = status in (Status.ERROR, Status.FAIL)
    level = "error" if failed else "warn" if status == Status.WARN else "info"
    if result.status == Status.SKIPPED:
        return (
            "SkippingDetails",
            "info",
            {
                "index": index,
                "node_info": node_info,
                "node_name": node_info.get("node_name", ""),
                "resource_type": resource_type,
                "schema": node_info.get("node_relation", {}).get("schema", ""),
                "total": total,
            },
        )
    if resource_type in ("test", "unit_test"):
        return (
            "LogTestResult",
            level,
            {
                "attached_node": attached_node,
                "execution_time": result.execution_time,
                "index": index,
                "name": node_info.get("node_name", ""),
                "node_info": node_info,
                "num_failures": result.failures or 0,
                "num_models": total,
                "status": status,
            },
        )
    common = {"execution_time": result.execution_time, "index": index, "node_info": node_info, "total": total}
    if result.status == Status.NO_OP:  # an exposure or saved query in a build
        return "LogNodeNoOpResult", "info", {**common, "description": description, "status": ""}
    if resource_type == "seed":
        relation = node_info.get("node_relation", {})
        return (
            "LogSeedResult",
            level,
            {
                **common,
                "relation": relation.get("alias", ""),
                "result_message": result.message or "",
                "schema": relation.get("schema", ""),
                "status": status,
            },
        )
    if resource_type == "snapshot":
        data = {
            **common,
            "cfg": {},
            "description": description,
            "result_message": result.message or "",
            "status": status,
        }
        return "LogSnapshotResult", level, data
    if resource_type == "function":  # dbt's line says the status (SUCCESS), not the engine's message
        return "LogFunctionResult", level, {**common, "description": description, "status": status}
    shown = (result.message or "OK") if status == Status.SUCCESS else status
    return "LogModelResult", level, {**common, "description": description, "status": shown}


def run_result_dict(result: RunResult) -> dict[str, Any]:
    """``NodeFinished``'s ``run_result``, as dbt has it."""
    return {
        "adapter_response": dict(result.adapter_response or {}),
        "execution_time": result.execution_time,
        "message": result.message or "",
        "num_failures": result.failures or 0,
        "status": result_status(result),
        "thread": result.thread_id or "",
        "timing_info": [
            {
                "completed_at": t.completed_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "name": t.name,
                "started_at": t.started_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
            for t in result.timing
        ],
    }


# -- text lines ------------------------------------------------------------------------------------
_COMPLETED = re.compile(r"Completed with (\d+) errors?, (\d+) partial successe?s?, and (\d+) warnings?")
_DONE = re.compile(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)(?: CANCELLED=\d+)? NO-OP=(\d+) TOTAL=(\d+)")
_FINISHED = re.compile(r"Finished running (.*) in (\d+ hours \d+ minutes and [\d.]+ seconds) \(([\d.]+)s\)\.")
_HOOK_START = re.compile(r"\d+ of \d+ START ")
_HOOK_END = re.compile(r"\d+ of \d+ (OK|ERROR|SKIP|CANCELLED) ")


class LineEvents:
    """Maps the text lines of a run, in order, to dbt events (a failure's detail lines follow
    its ``Failure in`` line: the state is which block is open)."""

    def __init__(self) -> None:
        self._block: str | None = None  # "error" or "warn" after "Failure in" / "Warning in"

    def event_of_line(self, text: str) -> tuple[str, str | None, dict[str, Any]]:
        """(event name, level or None for the event's own, data)."""
        if not text.strip():
            return "Formatting", None, {"msg": ""}
        if text.startswith("Failure in "):
            self._block = "error"
            return "RunResultFailure", None, {}
        if text.startswith("Warning in "):
            self._block = "warn"
            return "RunResultWarning", None, {}
        if text.startswith("  compiled code at "):
            return "SQLCompiledPath", None, {"path": text.strip()[len("compiled code at ") :]}
        if text.startswith("  ") and self._block is not None:
            name = "RunResultError" if self._block == "error" else "RunResultWarningMessage"
            return name, None, {"msg": text.strip()}
        self._block = None
        if text.startswith("Found "):
            return "FoundStats", None, {"stat_line": text[len("Found ") :]}
        if text.startswith("Concurrency: "):
            threads = re.match(r"Concurrency: (\d+) threads? \(target='(.*)'\)", text)
            if threads:
                return "ConcurrencyLine", None, {"num_threads": int(threads[1]), "target_name": threads[2]}
        if text.startswith("Finished running "):
            match = _FINISHED.match(text)
            if match:
                data = {"execution": f" in {match[2]}", "execution_time": float(match[3]), "stat_line": match[1]}
                return "FinishedRunningStats", None, data
        if text == "Done.":
            return "FreshnessCheckComplete", None, {}
        if text.startswith("Completed successfully"):
            return "EndOfRunSummary", None, _summary_data(0, 0, 0)
        match = _COMPLETED.match(text)
        if match:
            return "EndOfRunSummary", None, _summary_data(int(match[1]), int(match[2]), int(match[3]))
        match = _DONE.match(text)
        if match:
            pass_, warn, error, skip, noop, total = (int(x) for x in match.groups())
            stats = {"error": error, "noop": noop, "pass": pass_, "skip": skip, "total": total, "warn": warn}
            return "StatsLine", None, {"stats": stats}
        if _HOOK_START.match(text):
            return "LogHookStartLine", None, {}
        match = _HOOK_END.match(text)
        if match:
            return "LogHookEndLine", "error" if match[1] in ("ERROR", "CANCELLED") else None, {}
        if text.startswith(("ignored: ", "Received ", "Run stopped")):
            return "Note", "warn", {"msg": text}
        return "Note", None, {"msg": text}


def _summary_data(errors: int, partial: int, warnings: int) -> dict[str, Any]:
    return {
        "keyboard_interrupt": False,
        "num_errors": errors,
        "num_partial_success": partial,
        "num_warnings": warnings,
    }


def node_info_of(node: Any, relation_name: str | None, started_at: str = "", finished_at: str = "") -> dict[str, Any]:
    """dbt's ``node_info`` of a node (a ``parse.nodes.Node`` or a unit test)."""
    resource_type = getattr(node, "resource_type", "")
    # dbt's materialized of a data test is "test", of a unit test "unit"
    kinds = {"test": "test", "unit_test": "unit"}
    materialized = kinds.get(resource_type) or getattr(node, "materialized", "")
    # an exposure's or saved query's node_relation is all empty in dbt's events
    alias = getattr(node, "alias", None) or getattr(node, "name", "")
    if resource_type in ("exposure", "saved_query"):
        alias = ""
    return {
        "materialized": materialized,
        "meta": dict(getattr(node, "meta", None) or {}),
        "node_checksum": getattr(node, "checksum", "") or "",
        "node_finished_at": finished_at,
        "node_name": getattr(node, "name", ""),
        "node_path": getattr(node, "path", "") or "",
        "node_relation": {
            "alias": alias,
            "database": getattr(node, "database", None) or "",
            "relation_name": relation_name or "",
            "schema": getattr(node, "schema", None) or "",
        },
        "node_started_at": started_at,
        "node_status": "None",
        "resource_type": resource_type,
        "unique_id": getattr(node, "unique_id", ""),
    }
