"""target/run_results.json in dbt's schema v6, written and read back (retry, explain, timeline).

The file validates against dbt's published v6 schema, whose ``status`` enum has no
``cancelled`` and whose ``metadata`` takes no extra keys. So dagwright writes, as dbt-core
does for a node whose work was interrupted, ``status: "error"`` for a cancelled node, and
says it was cancelled in ``adapter_response.dagwright_outcome`` (and in ``message``,
``cancelled: <trigger>``). The stop itself, and which dagwright wrote the file, are under
``args.dagwright``: ``args`` is the one free-form object of the schema, and dbt's readers
(``dbt retry`` included) take only the arguments they know from it. docs/execution.md has
the table. Readers go through ``outcome`` and ``stop_record``, which also read files of
older dagwright versions (``status: "cancelled"``, ``metadata.stop``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagwright import __version__
from dagwright.artifacts.files import JsonItems, read_json, write_json_streamed_atomic
from dagwright.execute.no_op import is_no_op
from dagwright.execute.results import RunResult, RunSummary, Status

RUN_RESULTS_SCHEMA = "https://schemas.getdbt.com/dbt/run-results/v6.json"


def iso(value: dt.datetime) -> str:
    """``2026-12-07T22:55:01.000123Z``: always six digits of microseconds, as dbt writes them."""
    if value.tzinfo is not dt.timezone.utc:
        value = value.astimezone(dt.timezone.utc)
    if value.year < 1000:  # strftime's %Y does not pad; isoformat would
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # a tenth of strftime's time: four per node in run_results.json
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


#: the key of ``adapter_response`` that tells a cancelled node from its own error
OUTCOME_KEY = "dagwright_outcome"


def outcome(result: Mapping[str, Any]) -> str:
    """A result's dagwright outcome: its ``status``, or ``cancelled`` for a node the stop cancelled."""
    response = result.get("adapter_response")
    if isinstance(response, Mapping) and response.get(OUTCOME_KEY) == Status.CANCELLED:
        return Status.CANCELLED
    return str(result.get("status") or "")


def stop_record(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The run's stop (``kind``, ``trigger``, ``at``, ``cancel_seconds``), or None when it was not stopped."""
    own = (data.get("args") or {}).get("dagwright")
    stop = own.get("stop") if isinstance(own, Mapping) else (data.get("metadata") or {}).get("stop")
    return stop if isinstance(stop, Mapping) else None


def result_dict(result: RunResult) -> dict[str, Any]:
    status, response = result.status, result.adapter_response
    if status == Status.CANCELLED:
        status, response = Status.ERROR, {**response, OUTCOME_KEY: Status.CANCELLED}
    return {
        "status": status,
        "timing": [
            {"name": t.name, "started_at": iso(t.started_at), "completed_at": iso(t.completed_at)}
            for t in result.timing
        ],
        "thread_id": result.thread_id or "",  # the schema wants a string: "" for a node no worker took
        "execution_time": result.execution_time,
        "adapter_response": response,
        "message": result.message,
        "failures": result.failures,
        "unique_id": result.unique_id,
        # dbt: null for an exposure or saved query, which has no code to compile
        "compiled": None if is_no_op(result.unique_id) else result.compiled_code is not None,
        "compiled_code": result.compiled_code,
        "relation_name": result.relation_name,
        "batch_results": result.batch_results,
    }


def run_results_dict(
    summary: RunSummary,
    *,
    invocation_id: str,
    args: Mapping[str, Any],
    streamed: bool = False,
) -> dict[str, Any]:
    """run_results.json's content. ``streamed``: its results made one by one as
    ``write_run_results`` writes them (a large run's are never all held at once), for a
    writer only: the value is then not a plain dict to read."""
    metadata: dict[str, Any] = {
        "dbt_schema_version": RUN_RESULTS_SCHEMA,
        "dbt_version": "1.11.0",
        "generated_at": iso(dt.datetime.now(dt.timezone.utc)),
        "invocation_id": invocation_id,
        "invocation_started_at": iso(summary.started_at),
        "env": {},
    }
    stop = None
    if summary.stop_kind:
        stop = {
            "kind": summary.stop_kind,
            "trigger": summary.stop_trigger,
            "at": iso(dt.datetime.fromtimestamp(summary.stop_at, dt.timezone.utc)) if summary.stop_at else None,
            "cancel_seconds": summary.cancel_latency,
        }
    return {
        "metadata": metadata,
        "results": JsonItems(lambda: map(result_dict, summary.results))
        if streamed
        else [result_dict(r) for r in summary.results],
        "elapsed_time": summary.elapsed,
        # dbt leaves unset arguments out: dbt retry turns a null into a flag ("--no-target")
        "args": {
            **{k: v for k, v in args.items() if v is not None},
            "dagwright": {"generator": f"dagwright {__version__}", "stop": stop},
        },
    }


def write_run_results(path: Path, data: dict[str, Any]) -> None:
    write_json_streamed_atomic(path, data)


def read_run_results(path: Path) -> dict[str, Any] | None:
    try:
        data = read_json(path)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def durations_from(data: Mapping[str, Any] | None) -> dict[str, float]:
    """Execution seconds per node of a previous run, from nodes that ran to success
    (a failed or cancelled node's time says little about how long it takes)."""
    if not data:
        return {}
    out: dict[str, float] = {}
    for result in data.get("results") or []:
        if outcome(result) in ("success", "pass") and isinstance(result.get("execution_time"), (int, float)):
            out[str(result.get("unique_id"))] = float(result["execution_time"])
    return out
