"""``query-comment: {job-label: true}`` on BigQuery against dbt-bigquery (the oracle): every job
carries the labels dbt-bigquery derives from the query comment (the model's job and the
``create schema`` job alike); dbt-bigquery's own ``dbt_invocation_id`` label aside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dagwright.adapters.bigquery_labels import labels_from_comment

from .bq_helpers import BQProject, bq_client, new_project
from .conftest import run_dbt_bigquery

PROJECT = """
name: labels_project
version: '1.0'
profile: bq
query-comment:
  comment: '{"team": "Data Eng!", "Node": "{{ node.name if node else connection_name }}", "n": 1}'
  job-label: true
"""


def _labels(project: BQProject) -> list[dict[str, str]]:
    """The labels of the jobs that ran on the project's dataset, oldest first."""
    jobs = bq_client(project.emulator).list_jobs(max_results=1000)
    found = []
    for job in jobs:
        if project.dataset in (getattr(job, "query", None) or ""):
            found.append({k: v for k, v in (job.labels or {}).items() if k != "dbt_invocation_id"})
    return sorted(found, key=lambda labels: sorted(labels.items()))


def test_job_labels_as_dbt_bigquery(tmp_path: Path, bq_emulator: Any, bq_oracle: Path) -> None:
    ours = new_project(tmp_path / "dagwright", bq_emulator, name="labels_project")
    theirs = new_project(tmp_path / "dbt", bq_emulator, name="labels_project")
    for project in (ours, theirs):
        project.write({"dbt_project.yml": PROJECT, "models/m.sql": "select 1 as id"})
    dbt = run_dbt_bigquery(bq_oracle, theirs.root, theirs.root, "run")
    assert dbt.returncode == 0, dbt.stdout + dbt.stderr
    run = ours.run("run")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "job-label" not in run.stdout  # applied: not in the warning line of what is not

    ours_labels = [{k: v.replace(ours.dataset, "ds") for k, v in labels.items()} for labels in _labels(ours)]
    theirs_labels = [{k: v.replace(theirs.dataset, "ds") for k, v in labels.items()} for labels in _labels(theirs)]
    assert {"team": "data_eng_", "node": "m", "n": "1"} in ours_labels
    assert sorted(map(str, ours_labels)) == sorted(map(str, theirs_labels))


def test_a_comment_that_is_not_a_json_object_is_one_label() -> None:
    assert labels_from_comment("Run by Ann: nightly") == {"query_comment": "run_by_ann__nightly"}
    assert labels_from_comment("[1, 2]") == {"query_comment": "_1__2_"}
    assert labels_from_comment('{"K": "' + "v" * 80 + '"}') == {"k": "v" * 63}
