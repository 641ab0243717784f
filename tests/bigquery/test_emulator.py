"""The BigQuery test setup itself, proved by behaviour: the emulator answers the
google-cloud-bigquery client (datasets, CTAS, cancellation by a client-assigned job id),
and dbt-bigquery, the oracle, builds a table and a view on it (which needs our patch: a CTAS
job reports its table as destinationTable)."""

from __future__ import annotations

import os
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    FAKE_TOKEN,
    emulator_tools,
    new_dataset_name,
    run_dbt_bigquery,
    skip_or_fail,
    write_bq_profile,
)

#: cancel -> DONE was measured at 57 ms median, 265 ms max; the bound leaves room on a busy machine
CANCEL_BOUND_S = 10.0
#: seconds of work for DuckDB under the emulator: long enough to cancel mid-flight
SLOW_QUERY = (
    "select count(*) as n from unnest(generate_array(1, 200000)) as a "
    "cross join unnest(generate_array(1, 200000)) as b where mod(a * b, 7) = 3"
)


def job_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def wait_done(client: Any, job_id: str, bound: float) -> Any:
    """Poll the job (2-8 ms a call) until DONE; ``job.result(timeout=)`` long-polls ~10 s."""
    deadline = time.monotonic() + bound
    while True:
        job = client.get_job(job_id)
        if job.state == "DONE":
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.state} after {bound} s"
        time.sleep(0.02)


def table_names(client: Any, dataset: str) -> dict[str, str]:
    return {t.table_id: t.table_type for t in client.list_tables(dataset)}


def test_the_fixture_serves_on_loopback(bq_emulator: Any) -> None:
    assert bq_emulator.endpoint.startswith("http://127.0.0.1:")
    assert bq_emulator.project == "dagwright-test"
    os.kill(bq_emulator.pid, 0)  # alive


def test_client_creates_a_dataset_and_runs_a_ctas(bq_client: Any) -> None:
    dataset = new_dataset_name()
    bq_client.create_dataset(dataset)
    sql = f"create or replace table `{dataset}.numbers` as select x, x * x as sq from unnest([1, 2, 3]) as x"
    job = bq_client.query(sql, job_id=job_id("ctas"), job_retry=None)
    job = wait_done(bq_client, job.job_id, 60)
    assert job.error_result is None
    assert job.statement_type == "CREATE_TABLE_AS_SELECT"
    # the patched emulator reports the created table, as BigQuery does (dbt-bigquery reads it)
    assert (job.destination.dataset_id, job.destination.table_id) == (dataset, "numbers")
    rows = bq_client.query(f"select x, sq from `{dataset}.numbers` order by x").result()
    assert [tuple(r.values()) for r in rows] == [(1, 1), (2, 4), (3, 9)]
    assert table_names(bq_client, dataset) == {"numbers": "TABLE"}


def test_a_running_job_is_cancelled_by_its_client_assigned_id(bq_client: Any) -> None:
    dataset = new_dataset_name()
    bq_client.create_dataset(dataset)
    assigned = job_id("slow")
    bq_client.query(f"create table `{dataset}`.slow as {SLOW_QUERY}", job_id=assigned, job_retry=None)
    deadline = time.monotonic() + 30
    while bq_client.get_job(assigned).state != "RUNNING":
        assert time.monotonic() < deadline, "the job never started running"
        time.sleep(0.02)
    time.sleep(0.3)  # mid-flight, not at its first instruction
    cancelled_at = time.monotonic()
    bq_client.cancel_job(assigned)
    job = wait_done(bq_client, assigned, CANCEL_BOUND_S)
    took = time.monotonic() - cancelled_at
    assert job.error_result is not None and job.error_result["reason"] == "stopped", job.error_result
    assert took < CANCEL_BOUND_S
    # a cancelled CTAS of a new table creates nothing
    assert table_names(bq_client, dataset) == {}


def test_cancelling_a_finished_job_leaves_its_table(bq_client: Any) -> None:
    dataset = new_dataset_name()
    bq_client.create_dataset(dataset)
    assigned = job_id("quick")
    bq_client.query(f"create table `{dataset}`.quick as select 1 as x", job_id=assigned, job_retry=None)
    wait_done(bq_client, assigned, 60)
    bq_client.cancel_job(assigned)
    job = wait_done(bq_client, assigned, CANCEL_BOUND_S)
    assert job.error_result is None
    assert table_names(bq_client, dataset) == {"quick": "TABLE"}
    assert [tuple(r.values()) for r in bq_client.query(f"select x from `{dataset}.quick`").result()] == [(1,)]


def test_a_second_server_starts_and_stops_by_pid(tmp_path: Path) -> None:
    if not emulator_tools.installed():
        skip_or_fail("no BigQuery emulator: run `make bigquery-emulator`")
    emulator = emulator_tools.start(tmp_path / "state", "other-project")
    try:
        listed = emulator.request("GET", "datasets").get("datasets", [])
        assert {d["datasetReference"]["projectId"] for d in listed} <= {"other-project"}
        pid = emulator.pid
    finally:
        began = time.monotonic()
        emulator.stop()
    assert time.monotonic() - began < emulator_tools.STOP_TIMEOUT
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_dbt_bigquery_builds_a_table_and_a_view(
    bq_emulator: Any, bq_oracle: Path, bq_client: Any, tmp_path: Path
) -> None:
    dataset = new_dataset_name("dbt")
    project = tmp_path / "project"
    files = {
        "dbt_project.yml": """\
            name: proj
            version: "1.0.0"
            config-version: 2
            profile: proj
            """,
        "models/orders.sql": """\
            {{ config(materialized='table') }}
            select 1 as id, 'open' as status union all select 2, 'closed'
            """,
        "models/open_orders.sql": """\
            {{ config(materialized='view') }}
            select id from {{ ref('orders') }} where status = 'open'
            """,
    }
    for rel, text in files.items():
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    profiles = write_bq_profile(tmp_path / "profiles", "proj", dataset, threads=2)

    done = run_dbt_bigquery(bq_oracle, project, profiles, "run")

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert FAKE_TOKEN not in output
    assert table_names(bq_client, dataset) == {"orders": "TABLE", "open_orders": "VIEW"}
    rows = bq_client.query(f"select id from `{dataset}.open_orders`").result()
    assert [tuple(r.values()) for r in rows] == [(1,)]
