"""A hand-made run for the timeline page's tests: a run_results.json and its manifest.json
with every case the page must draw (back-to-back bars, a node of a millisecond, tests with
hashed unique_ids, a cancelled node on the longest chain, names that would run off the
right edge, tags, BigQuery's bytes and jobs, previous durations), in known times."""

from __future__ import annotations

import datetime as dt
from typing import Any

T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def _iso(seconds: float) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _result(uid: str, status: str, thread: int | None, start: float | None, end: float | None, **extra: Any):
    timing = []
    if start is not None and end is not None:
        split = start + min(0.05, (end - start) / 4)
        timing = [
            {"name": "compile", "started_at": _iso(start), "completed_at": _iso(split)},
            {"name": "execute", "started_at": _iso(split), "completed_at": _iso(end)},
        ]
    response = extra.pop("adapter_response", {"_message": "OK"})
    return {
        "status": status,
        "timing": timing,
        "thread_id": f"Thread-{thread} (worker)" if thread else "",
        "execution_time": (end - start) if start is not None and end is not None else 0.0,
        "adapter_response": response,
        "message": extra.pop("message", "OK"),
        "failures": extra.pop("failures", None),
        "unique_id": uid,
        "compiled": True,
        "compiled_code": "select 1",
        "relation_name": None,
        "batch_results": None,
        **extra,
    }


LONG = "model_with_a_rather_long_name_that_would_run_off_the_right_edge_of_the_chart"
ERROR_TEXT = (
    "Runtime Error in model orders_enriched (models/orders_enriched.sql)\n"
    "  Conversion Error: Could not convert string 'abc' to INT32\n"
    "  LINE 3: select cast(code as integer) from stg_orders"
)


def synthetic_run() -> tuple[dict[str, Any], dict[str, Any]]:
    m = "model.shop."
    bq = {
        "_message": "OK",
        "rows_affected": 120,
        "bytes_processed": 1536,
        "job_id": "job_1",
        "project_id": "p",
        "location": "EU",
    }
    results = [
        _result("seed.shop.raw_orders", "success", 1, 0.0, 1.0, adapter_response={"rows_affected": 20}),
        _result(m + "stg_orders", "success", 1, 1.0, 3.0, adapter_response=bq, previous=[1.5, 1.4, 1.6]),
        _result(m + "stg_customers", "success", 2, 0.0, 0.9),
        _result(m + "tiny_model", "success", 2, 0.9, 0.901),  # back to back, a millisecond
        _result(m + "customers", "success", 2, 0.901, 2.5),  # back to back again
        _result(m + "orders_enriched", "error", 3, 3.2, 4.0, message=ERROR_TEXT),
        _result(
            m + "orders_daily",
            "cancelled",
            1,
            3.0,
            4.1,
            adapter_response={"dagwright_outcome": "cancelled"},
            message="cancelled: fail-fast",
        ),
        _result("test.shop.not_null_stg_orders_order_id.e2f8a4d3b8", "pass", 2, 3.0, 3.4),
        _result("test.shop.unique_stg_orders_order_id.1a2b3c4d5e", "pass", 3, 3.0, 3.2),
        _result(
            m + "revenue",
            "skipped",
            None,
            None,
            None,
            message="skipped because upstream model.shop.orders_enriched failed",
        ),
        _result(m + LONG, "skipped", None, None, None, message="not started: fail-fast"),
    ]
    results[5]["status"] = "error"
    results[6]["status"] = "error"  # a cancelled node, as dagwright writes it
    data = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json",
            "invocation_id": "inv-1",
            "invocation_started_at": _iso(0.0),
        },
        "results": results,
        "elapsed_time": 4.3,
        "args": {
            "which": "build",
            "threads": 3,
            "select": ["+orders_daily", "revenue"],
            "exclude": ["tag:slow"],
            "fail_fast": True,
            "vars": {"day": "2026-01-01"},
            "dagwright": {
                "generator": "dagwright 9.9.9",
                "stop": {
                    "kind": "fail-fast",
                    "trigger": "model.shop.orders_enriched failed",
                    "at": _iso(4.0),
                    "cancel_seconds": 0.1,
                },
            },
        },
    }
    parents = {
        "seed.shop.raw_orders": [],
        m + "stg_orders": ["seed.shop.raw_orders"],
        m + "stg_customers": [],
        m + "tiny_model": [m + "stg_customers"],
        m + "customers": [m + "stg_customers"],
        m + "orders_enriched": [m + "stg_orders", m + "customers"],
        m + "orders_daily": [m + "stg_orders"],
        "test.shop.not_null_stg_orders_order_id.e2f8a4d3b8": [m + "stg_orders"],
        "test.shop.unique_stg_orders_order_id.1a2b3c4d5e": [m + "stg_orders"],
        m + "revenue": [m + "orders_enriched"],
        m + LONG: [m + "customers"],
    }
    nodes = {}
    for uid in parents:
        kind, _, rest = uid.split(".", 2)
        name = rest.rsplit(".", 1)[0] if kind == "test" else rest
        nodes[uid] = {
            "name": name,
            "resource_type": kind,
            "tags": ["nightly"] if name.startswith("stg_") else [],
            "config": {"materialized": "test" if kind == "test" else "table"},
        }
    manifest = {
        "metadata": {"project_name": "shop", "adapter_type": "bigquery"},
        "nodes": nodes,
        "parent_map": parents,
    }
    return data, manifest
