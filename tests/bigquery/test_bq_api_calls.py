"""The API calls a rebuild makes (issue 21, item 2; bench/bq_jobs.py measures them at size):
a plain table or view the run's listing already described needs no tables.get before its
job, one job builds and publishes it, and the table is still replaced in place."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .bq_helpers import new_project
from .fault_proxy import FaultProxy, Faults

TABLE_GET = re.compile(r"/datasets/[^/]+/tables/(?P<name>[^/]+)$")


def test_a_rebuild_asks_no_table_the_listing_described(tmp_path: Path, bq_emulator: Any) -> None:
    faults = Faults("no_fault_marker")
    with FaultProxy(bq_emulator.endpoint, faults) as proxy:
        project = new_project(tmp_path, bq_emulator)
        project.profile(api_endpoint=proxy.endpoint)
        project.write(
            {
                "models/t.sql": "{{ config(materialized='table') }}\nselect '{{ invocation_id }}' as inv",
                "models/v.sql": "{{ config(materialized='view') }}\nselect inv from {{ ref('t') }}",
            }
        )
        assert project.run("run").returncode == 0
        faults.requests.clear()
        result = project.run("run")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = faults.requests
    gets = [m["name"] for method, path in calls if method == "GET" and (m := TABLE_GET.search(path))]
    inserts = [path for method, path in calls if method == "POST" and path.endswith("/jobs")]
    # t: its row count after the job (dbt-bigquery's message); v: none
    assert gets == ["t"], calls
    assert len(inserts) == 3, calls  # the dataset's `create schema if not exists`, t, v
    results = project.results_by_name()
    invocation = project.run_results()["metadata"]["invocation_id"]
    assert results["t"]["status"] == results["v"]["status"] == "success"
    assert "not atomic" not in results["t"]["message"]
    assert project.rows(f"select inv from `{bq_emulator.project}`.`{project.dataset}`.v") == [(invocation,)]
