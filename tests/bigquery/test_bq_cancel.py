"""The honest stop on BigQuery: a stop cancels every job in flight, and each node's outcome
comes from its job's final state alone (docs/execution.md)."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from dagwright.adapters import create_adapter
from dagwright.adapters.base import StatementCancelled
from dagwright.adapters.bigquery_connection import CancelUnconfirmed
from dagwright.project.profile import load_target

from .bq_helpers import SLOW_SELECT, bq_client, new_project


def test_fail_fast_cancels_the_slow_model(tmp_path: Path, bq_emulator: Any) -> None:
    """2 threads, --fail-fast: the failing model stops the run, the slow model's job is
    cancelled (status cancelled), and its table keeps the previous run's rows."""
    project = new_project(tmp_path, bq_emulator)
    project.write(
        {
            "models/slow.sql": "{{ config(materialized='table') }}\n"
            "{% if var('slow', false) %}" + SLOW_SELECT + "{% else %}select -1 as n{% endif %}",
            "models/fails.sql": "{{ config(materialized='table') }}\n"
            "{% if var('slow', false) %}select 1 / 0 as x{% else %}select 1 as x{% endif %}",
        }
    )
    assert project.run("run").returncode == 0
    started = time.monotonic()
    result = project.run("run", "--threads", "2", "--fail-fast", "--vars", "{slow: true}")
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    results = project.results_by_name()
    assert results["fails"]["status"] == "error"
    slow = results["slow"]
    assert slow["status"] == "error", slow
    assert slow["adapter_response"]["dagwright_outcome"] == "cancelled"
    assert slow["message"].startswith("cancelled: fail-fast after model.bq_project.fails failed")
    # the cancelled job is named, and it is a real job of the emulator, stopped by the cancel
    response = slow["adapter_response"]
    assert response["job_id"].startswith("dagwright_"), response
    assert response["location"] == "US" and response["project_id"] == bq_emulator.project
    job = bq_client(bq_emulator).get_job(response["job_id"], location="US")
    assert job.state == "DONE" and job.error_result["reason"] == "stopped", job.error_result
    assert "generate_array" in job.query
    assert "CANCELLED" in result.stdout
    dataset = f"`{bq_emulator.project}`.`{project.dataset}`"
    assert project.rows(f"select n from {dataset}.slow") == [(-1,)]  # unchanged
    assert project.rows(f"select x from {dataset}.fails") == [(1,)]
    stop = project.run_results()["args"]["dagwright"]["stop"]
    assert stop["kind"] == "fail-fast" and stop["cancel_seconds"] is not None
    assert elapsed < 60


def _connection(tmp_path: Path, bq_emulator: Any, dataset: str) -> Any:
    project = new_project(tmp_path, bq_emulator)
    project.dataset = dataset
    project.profile()
    target = load_target("bq", None, profiles_dir=project.root, project_dir=project.root)
    adapter = create_adapter(target)
    return adapter, adapter.open("Thread-1 (worker)")


def _dataset(bq_emulator: Any) -> str:
    name = f"dw_cancel_{uuid.uuid4().hex[:8]}"
    bq_client(bq_emulator).create_dataset(f"{bq_emulator.project}.{name}", exists_ok=True)
    return name


def test_job_done_before_its_cancel_is_a_success(tmp_path: Path, bq_emulator: Any) -> None:
    """The race: the cancel reaches a job that has already completed. The job's final state
    (DONE, no error) decides: the statement succeeds and its table exists."""
    dataset = _dataset(bq_emulator)
    adapter, conn = _connection(tmp_path, bq_emulator, dataset)
    client = adapter.client
    sql = f"create or replace table `{bq_emulator.project}`.`{dataset}`.`raced` as select 7 as x"
    job_id = conn.new_job_id()

    def submit() -> Any:
        job = client.query(sql, job_id=job_id, location="US", job_retry=None)
        while client.get_job(job_id, location="US").state != "DONE":
            time.sleep(0.01)
        conn.cancel()  # the stop arrives now: the cancel goes to a finished job
        job._properties.setdefault("status", {})["state"] = "RUNNING"  # as last seen before the cancel
        return job

    job = conn.run_job(job_id, submit)
    assert job.state == "DONE" and job.error_result is None
    assert client.get_job(job_id, location="US").error_result is None
    rows = list(client.query(f"select x from `{bq_emulator.project}`.`{dataset}`.`raced`", job_retry=None).result())
    assert [tuple(r.values()) for r in rows] == [(7,)]
    adapter.close()


def test_cancelled_job_raises_statement_cancelled(tmp_path: Path, bq_emulator: Any) -> None:
    dataset = _dataset(bq_emulator)
    adapter, conn = _connection(tmp_path, bq_emulator, dataset)
    timer = threading.Timer(1.5, conn.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(StatementCancelled, match="was cancelled"):
        conn.execute(f"create or replace table `{bq_emulator.project}`.`{dataset}`.`never` as {SLOW_SELECT}")
    assert time.monotonic() - started < 10
    assert adapter.lookup_kind(_rel(bq_emulator, dataset, "never")) is None
    adapter.close()


def test_job_still_running_after_the_wait_is_unconfirmed(tmp_path: Path, bq_emulator: Any) -> None:
    """A job the engine keeps running after its cancel: once the wait ends the statement
    raises CancelUnconfirmed naming the job (the node's outcome `cancel unconfirmed`)."""
    dataset = _dataset(bq_emulator)
    adapter, conn = _connection(tmp_path, bq_emulator, dataset)
    adapter.cancel_wait = 0.2
    # generate_array of 30M rows: DuckDB under the emulator does not interrupt it for seconds
    slow = "select count(*) from unnest(generate_array(1, 30000000)) x cross join unnest(generate_array(1, 10)) y"
    timer = threading.Timer(1.0, conn.cancel)
    timer.start()
    with pytest.raises(CancelUnconfirmed) as caught:
        conn.execute(slow)
    assert caught.value.job_id == conn.job_ids[-1]
    assert caught.value.adapter_response["dagwright_outcome"] == "cancel unconfirmed"
    assert caught.value.job_id in str(caught.value)
    adapter.close()


def test_job_finished_past_its_timeout_is_a_success(tmp_path: Path, bq_emulator: Any, monkeypatch: Any) -> None:
    """job_execution_timeout_seconds cancels the job; when the cancel is lost (best effort on
    BigQuery) and the job completes, its table is the new one: the statement succeeds rather
    than report a timeout that did not stop anything."""
    dataset = _dataset(bq_emulator)
    adapter, conn = _connection(tmp_path, bq_emulator, dataset)
    adapter.job_execution_timeout = 0.001
    sent: list[str] = []
    monkeypatch.setattr(conn, "_send_cancel", lambda job: sent.append(job.job_id) or time.monotonic())
    # a second or two: still running when the first poll finds the limit passed
    medium = SLOW_SELECT.replace("generate_array(1, 200)) c", "generate_array(1, 10)) c")
    assert medium != SLOW_SELECT
    result = conn.execute(f"create or replace table `{bq_emulator.project}`.`{dataset}`.`late` as {medium}")
    assert sent and sent[0] == conn.job_ids[-1]  # the timeout did cancel the job
    assert result.code == "CREATE TABLE"
    assert adapter.lookup_kind(_rel(bq_emulator, dataset, "late")) is not None
    adapter.close()


def test_job_running_past_its_timeout_and_cancel_is_unconfirmed(
    tmp_path: Path, bq_emulator: Any, monkeypatch: Any
) -> None:
    """A timed-out job that keeps running after the cancel: the node's outcome is unknown,
    and the message names the timeout and the job."""
    dataset = _dataset(bq_emulator)
    adapter, conn = _connection(tmp_path, bq_emulator, dataset)
    adapter.job_execution_timeout = 0.5
    adapter.cancel_wait = 0.5
    real_cancel = conn._send_cancel
    monkeypatch.setattr(conn, "_send_cancel", lambda job: time.monotonic())  # the cancel is lost
    with pytest.raises(CancelUnconfirmed) as caught:
        conn.execute(SLOW_SELECT)
    assert str(caught.value).startswith("Operation did not complete within the designated timeout of 0.5 seconds")
    assert caught.value.job_id == conn.job_ids[-1] and caught.value.job_id in str(caught.value)
    job = adapter.client.get_job(caught.value.job_id, location="US")
    real_cancel(job)  # no job left running on the shared emulator
    adapter.close()


def _rel(bq_emulator: Any, dataset: str, name: str) -> Any:
    from dagwright.adapters.base import Relation

    return Relation(bq_emulator.project, dataset, name)
