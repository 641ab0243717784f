"""target/run_results.json in dbt's schema v6, written and read back (for retry)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagwright import __version__
from dagwright.artifacts.files import read_json, write_json_atomic
from dagwright.execute.results import RunResult, RunSummary

RUN_RESULTS_SCHEMA = "https://schemas.getdbt.com/dbt/run-results/v6.json"


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def result_dict(result: RunResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "timing": [
            {"name": t.name, "started_at": iso(t.started_at), "completed_at": iso(t.completed_at)}
            for t in result.timing
        ],
        "thread_id": result.thread_id,
        "execution_time": result.execution_time,
        "adapter_response": result.adapter_response,
        "message": result.message,
        "failures": result.failures,
        "unique_id": result.unique_id,
        "compiled": result.compiled_code is not None,
        "compiled_code": result.compiled_code,
        "relation_name": result.relation_name,
        "batch_results": None,
    }


def run_results_dict(
    summary: RunSummary,
    *,
    invocation_id: str,
    args: Mapping[str, Any],
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "dbt_schema_version": RUN_RESULTS_SCHEMA,
        "dbt_version": "1.11.0",
        "generator": f"dagwright {__version__}",
        "generated_at": iso(dt.datetime.now(dt.timezone.utc)),
        "invocation_id": invocation_id,
        "invocation_started_at": iso(summary.started_at),
        "env": {},
    }
    if summary.stop_kind:
        metadata["stop"] = {
            "kind": summary.stop_kind,
            "trigger": summary.stop_trigger,
            "at": iso(dt.datetime.fromtimestamp(summary.stop_at, dt.timezone.utc)) if summary.stop_at else None,
            "cancel_seconds": summary.cancel_latency,
        }
    return {
        "metadata": metadata,
        "results": [result_dict(r) for r in summary.results],
        "elapsed_time": summary.elapsed,
        "args": dict(args),
    }


def write_run_results(path: Path, data: dict[str, Any]) -> None:
    write_json_atomic(path, data)


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
        if result.get("status") in ("success", "pass") and isinstance(result.get("execution_time"), (int, float)):
            out[str(result.get("unique_id"))] = float(result["execution_time"])
    return out
