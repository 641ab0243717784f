"""target/sources.json: the results of ``source freshness`` in dbt's schema (sources v3).

As dbt-core 1.11 writes it, the file lists only the checks that produced a freshness
(``pass``, ``warn``, ``error``): a check ending in a runtime error, or not run because the
command was stopped, is reported on the terminal and left out of the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dagwright import __version__
from dagwright.artifacts.files import write_json_atomic
from dagwright.artifacts.run_results import iso
from dagwright.execute.results import RunResult

SOURCES_SCHEMA = "https://schemas.getdbt.com/dbt/sources/v3.json"

#: the statuses of a check that measured the source's freshness
MEASURED = frozenset({"pass", "warn", "error"})


def _criteria(freshness: Mapping[str, Any] | None) -> dict[str, Any]:
    freshness = freshness or {}
    empty = {"count": None, "period": None}
    out: dict[str, Any] = {}
    for key in ("warn_after", "error_after"):
        value = freshness.get(key, empty)
        out[key] = dict(value) if isinstance(value, Mapping) else None
    out["filter"] = freshness.get("filter")
    return out


def freshness_output(result: RunResult, criteria: Mapping[str, Any] | None) -> dict[str, Any]:
    """One entry of ``results``; ``result`` carries max_loaded_at, snapshotted_at and age."""
    max_loaded_at: dt.datetime = result.max_loaded_at  # type: ignore[attr-defined]
    snapshotted_at: dt.datetime = result.snapshotted_at  # type: ignore[attr-defined]
    return {
        "unique_id": result.unique_id,
        "max_loaded_at": max_loaded_at.isoformat(),
        "snapshotted_at": snapshotted_at.isoformat(),
        "max_loaded_at_time_ago_in_s": result.age,  # type: ignore[attr-defined]
        "status": result.status,
        "criteria": _criteria(criteria),
        "adapter_response": dict(result.adapter_response),
        "timing": [
            {"name": t.name, "started_at": iso(t.started_at), "completed_at": iso(t.completed_at)}
            for t in result.timing
        ],
        "thread_id": result.thread_id,
        "execution_time": result.execution_time,
    }


def sources_dict(
    results: Iterable[RunResult],
    criteria: Mapping[str, Mapping[str, Any] | None],
    *,
    invocation_id: str,
    started_at: dt.datetime,
    elapsed: float,
    stop: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "dbt_schema_version": SOURCES_SCHEMA,
        "dbt_version": "1.11.0",
        "generator": f"dagwright {__version__}",
        "generated_at": iso(dt.datetime.now(dt.timezone.utc)),
        "invocation_id": invocation_id,
        "invocation_started_at": iso(started_at),
        "env": {},
    }
    if stop:
        metadata["stop"] = dict(stop)
    return {
        "metadata": metadata,
        "results": [
            freshness_output(r, criteria.get(r.unique_id))
            for r in results
            if r.status in MEASURED and getattr(r, "max_loaded_at", None) is not None
        ],
        "elapsed_time": elapsed,
    }


def write_sources(path: Path, data: dict[str, Any]) -> None:
    write_json_atomic(path, data)
