"""The ``microbatch`` incremental strategy (dbt 1.9+): which batches a run builds, and the
statements that replace one batch's rows in the model's table.

A microbatch model's rows are cut by its ``event_time`` column into batches of
``batch_size`` (``hour``, ``day``, ``month``, ``year``), as dbt-core 1.11 cuts them:

- the end is ``--event-time-end``, else the run's start, moved up to a batch boundary;
- the start is ``--event-time-start`` (truncated to its batch); else, on a first build or a
  full refresh, the model's ``begin``; else ``lookback`` batches (default 1) before the
  batch that holds the end (one more when the end is itself on a boundary);
- the batches are consecutive windows ``[start, end)`` of one ``batch_size`` each, the
  last ending at the end (at least one batch).

All times are UTC; a time given without a zone is taken as UTC. Each batch is its own
incremental build of the model's table (execute/microbatch.py runs them): on DuckDB
dbt-duckdb's delete+insert of the batch's window, on PostgreSQL dbt-postgres' ``merge`` on
``unique_key`` (which it requires), on BigQuery dbt-bigquery's ``insert_overwrite`` of the
partitions the batch's rows fall in (``partition_by`` of the batch's granularity, required),
on Spark dbt-spark's ``insert_overwrite`` (dynamic partition overwrite; ``partition_by``
required once the table exists: a first build's first batch creates it without that check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from dagwright.adapters.base import Adapter
from dagwright.errors import CompilationError, DagwrightError
from dagwright.materialize.incremental_columns import DbtColumn
from dagwright.materialize.incremental_sql import incremental_statements
from dagwright.rendering.event_time import BatchWindow

BATCH_SIZES = ("hour", "day", "month", "year")
#: the lookback of a model that sets none (dbt's default)
DEFAULT_LOOKBACK = 1

Batch = tuple[dt.datetime, dt.datetime]


def is_microbatch(config: Mapping[str, Any]) -> bool:
    return config.get("materialized") == "incremental" and config.get("incremental_strategy") == "microbatch"


def as_utc(value: dt.datetime) -> dt.datetime:
    """A datetime in UTC: one without a zone is taken as UTC (dbt's ``replace(tzinfo=UTC)``)."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def parse_begin(value: Any) -> dt.datetime | None:
    """The ``begin`` config as a datetime (an ISO string, a YAML date or datetime), or None
    when it is none of those."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def truncate(value: dt.datetime, size: str) -> dt.datetime:
    """The start of the batch holding ``value`` (its fields read as UTC, as dbt does)."""
    utc = dt.timezone.utc
    if size == "hour":
        return dt.datetime(value.year, value.month, value.day, value.hour, tzinfo=utc)
    if size == "day":
        return dt.datetime(value.year, value.month, value.day, tzinfo=utc)
    if size == "month":
        return dt.datetime(value.year, value.month, 1, tzinfo=utc)
    return dt.datetime(value.year, 1, 1, tzinfo=utc)


def offset(value: dt.datetime, size: str, count: int) -> dt.datetime:
    """The start of the batch ``count`` batches from the one holding ``value``."""
    start = truncate(value, size)
    if size == "hour":
        return start + dt.timedelta(hours=count)
    if size == "day":
        return start + dt.timedelta(days=count)
    if size == "month":
        months = start.year * 12 + start.month - 1 + count
        return start.replace(year=months // 12, month=months % 12 + 1)
    return start.replace(year=start.year + count)


def ceiling(value: dt.datetime, size: str) -> dt.datetime:
    start = truncate(value, size)
    return start if start == value else offset(start, size, 1)


def batch_label(start: dt.datetime, size: str) -> str:
    """How dbt names a batch by its start: ``2024-09-17T16``, ``2024-09-17``, ``2024-09``, ``2024``."""
    return start.strftime({"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d"}.get(size, "%Y-%m-%dT%H"))


def window(batch: Batch, size: str) -> BatchWindow:
    return BatchWindow(batch[0], batch[1], batch_label(batch[0], size).replace("-", ""))


def plan_batches(
    name: str,
    config: Mapping[str, Any],
    *,
    incremental: bool,
    event_time_start: dt.datetime | None,
    event_time_end: dt.datetime | None,
    now: dt.datetime,
) -> list[Batch]:
    """The batches a run builds (see the module's docstring). ``incremental``: the model's
    table exists and is not fully refreshed; ``now``: the run's start."""
    size = str(config.get("batch_size"))
    end = ceiling(as_utc(event_time_end or now), size)
    if event_time_start is not None:
        start = truncate(as_utc(event_time_start), size)
    elif not incremental:
        begin = parse_begin(config.get("begin"))
        if begin is None:
            raise DagwrightError(f"Microbatch model '{name}' requires a 'begin' configuration.")
        start = truncate(begin, size)
    else:
        lookback = config.get("lookback")
        lookback = DEFAULT_LOOKBACK if lookback is None else int(lookback)
        if end == truncate(end, size):  # the end is a boundary: the last batch ends there
            lookback += 1
        start = offset(end, size, -lookback)
    batches = [(start, offset(start, size, 1))]
    while batches[-1][1] < end:
        batches.append((batches[-1][1], offset(batches[-1][1], size, 1)))
    batches[-1] = (batches[-1][0], end)
    return batches


def microbatch_statements(
    adapter: Adapter,
    config: Mapping[str, Any],
    target: str,
    staged: str,
    dest_columns: Sequence[DbtColumn],
    predicates: Any,
    batch: BatchWindow | None,
) -> list[str]:
    """The statements that replace the batch's rows in ``target`` with the staged ones."""
    event_time = config.get("event_time")
    unique_key = config.get("unique_key")
    if getattr(adapter, "microbatch_overwrites_partitions", False):  # dbt-bigquery, dbt-spark: insert_overwrite
        if not config.get("partition_by"):  # dbt-spark checks it here, when the table exists
            raise CompilationError(
                "incremental_strategy 'microbatch' replaces the partitions each batch's rows fall in, so it needs "
                f"a `partition_by` config: partition the model by a column of the grain of its `batch_size` "
                f"({config.get('batch_size')})"
            )
        return incremental_statements(
            adapter, "insert_overwrite", target, staged, unique_key, dest_columns, predicates, config
        )
    if getattr(adapter, "microbatch_merges", False):  # dbt-postgres: a merge on unique_key
        if not unique_key:
            raise CompilationError("dbt-postgres 'microbatch' requires a `unique_key` config")
        return incremental_statements(adapter, "merge", target, staged, unique_key, dest_columns, predicates, config)
    # dbt-duckdb's duckdb__get_incremental_microbatch_sql
    if not event_time:
        raise CompilationError("microbatch incremental strategy requires an 'event_time' model config")
    if unique_key:
        raise CompilationError(
            "microbatch incremental strategy does not support 'unique_key'. Microbatch runs delete+insert "
            "per batch based on 'event_time' and does not do key-based upserts. Remove 'unique_key' or use "
            "incremental_strategy='merge'."
        )
    if batch is None:
        raise CompilationError(
            "microbatch incremental strategy requires 'batch.event_time_start' and 'batch.event_time_end' "
            "to be set in the context"
        )
    in_batch = f"{event_time} >= '{batch.start}'\n        and {event_time} < '{batch.end}'"
    if predicates:
        extra = predicates if isinstance(predicates, (list, tuple)) else [predicates]
        where = in_batch + "".join(f"\n        and ({p})" for p in extra)
    else:
        where = in_batch
    columns = ", ".join(adapter.quote(c.name) for c in dest_columns)
    return [
        f"delete from {target}\n        where {where}",
        f"insert into {target} ({columns})\n        select {columns}\n        from {staged}\n        where {in_batch}",
    ]
