"""``job_retries`` end to end: dagwright runs against the emulator through a proxy that injects
BigQuery's transient failures (tests/bigquery/fault_proxy.py); the warehouse, run_results.json
and the proxy's record of submissions must agree on what ran, and how often."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bq_helpers import new_project
from .fault_proxy import FaultProxy, Faults

FLAKY = "{{ config(materialized='table') }}\nselect 'flaky_marker' as tag, 42 as answer"


def _project(tmp_path: Path, bq_emulator: Any, proxy: FaultProxy, **profile: Any) -> Any:
    project = new_project(tmp_path, bq_emulator, **profile)
    project.profile(api_endpoint=proxy.endpoint, **profile)
    return project


def test_a_failed_submission_is_retried_with_the_same_job_id(tmp_path: Path, bq_emulator: Any) -> None:
    """A 503 before the server saw the job, then a response lost after it created it: both
    retries use the same job id, the second attaches to the job, and the job runs once."""
    faults = Faults("flaky_marker", unavailable_inserts=1, lost_insert_responses=1)
    with FaultProxy(bq_emulator.endpoint, faults) as proxy:
        project = _project(tmp_path, bq_emulator, proxy, job_retries=3)
        project.write({"models/flaky.sql": FLAKY})
        result = project.run("run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [what for _, _, what in faults.seen] == ["503", "lost response", "forwarded"]
    job_ids = {job for _, job, _ in faults.seen}
    assert len(job_ids) == 1  # one job, submitted three times
    flaky = project.results_by_name()["flaky"]
    assert flaky["status"] == "success" and flaky["adapter_response"]["job_id"] in job_ids
    assert project.rows(f"select answer from `{bq_emulator.project}`.`{project.dataset}`.flaky") == [(42,)]


def test_a_job_that_failed_transiently_runs_again_under_a_new_id(tmp_path: Path, bq_emulator: Any) -> None:
    faults = Faults("flaky_marker", backend_errors=1)
    with FaultProxy(bq_emulator.endpoint, faults) as proxy:
        project = _project(tmp_path, bq_emulator, proxy, job_retries=1)
        project.write({"models/flaky.sql": FLAKY})
        result = project.run("run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [what for _, _, what in faults.seen] == ["backendError", "forwarded"]
    first, second = (job for _, job, _ in faults.seen)
    assert first != second
    flaky = project.results_by_name()["flaky"]
    assert flaky["status"] == "success" and flaky["adapter_response"]["job_id"] == second


def test_without_job_retries_a_transient_failure_fails_the_node(tmp_path: Path, bq_emulator: Any) -> None:
    faults = Faults("flaky_marker", backend_errors=1)
    with FaultProxy(bq_emulator.endpoint, faults) as proxy:
        project = _project(tmp_path, bq_emulator, proxy, job_retries=0)
        project.write({"models/flaky.sql": FLAKY})
        result = project.run("run")
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(faults.seen) == 1
    flaky = project.results_by_name()["flaky"]
    assert flaky["status"] == "error" and "injected: backend error" in flaky["message"]
    assert flaky["adapter_response"]["job_id"] == faults.seen[0][1]
    assert "flaky" not in project.table_names()


def test_a_stop_ends_the_wait_before_a_retry(tmp_path: Path, bq_emulator: Any) -> None:
    """--fail-fast while a node waits to retry: no retry is submitted after the stop, and the
    node's error says it was not retried."""
    # the failing model's submission is held back 0.5 s: the flaky job has failed by then and
    # waits its first second before a retry
    faults = Faults("flaky_marker", backend_errors=10, slow_marker="fails_marker", slow_seconds=0.5)
    with FaultProxy(bq_emulator.endpoint, faults) as proxy:
        project = _project(tmp_path, bq_emulator, proxy, job_retries=5)
        project.write(
            {
                "models/flaky.sql": FLAKY,
                "models/fails.sql": "{{ config(materialized='table') }}\nselect 'fails_marker' as tag, 1 / 0 as x",
            }
        )
        result = project.run("run", "--threads", "2", "--fail-fast")
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(faults.seen) == 1  # the retry never went out
    results = project.results_by_name()
    assert results["fails"]["status"] == "error"
    flaky = results["flaky"]
    assert flaky["status"] == "error"
    assert "injected: backend error" in flaky["message"] and "not retried: the run stopped" in flaky["message"]
    assert "flaky" not in project.table_names()
