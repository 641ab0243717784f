"""A small project on the BigQuery emulator: seeds, table, view, ephemeral, a failing model,
tests, and what run_results.json says about each job (dbt-bigquery's adapter_response)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bq_helpers import new_project

FILES = {
    "models/base.sql": "{{ config(materialized='table') }}\nselect k as id, v as name from {{ ref('people') }}",
    "models/tens.sql": "{{ config(materialized='view') }}\nselect id * 10 as id10, name from {{ ref('base') }}",
    "models/only_two.sql": "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('base') }} where id = 2",
    "models/from_eph.sql": "{{ config(materialized='table') }}\nselect id from {{ ref('only_two') }}",
    "models/broken.sql": "{{ config(materialized='table') }}\nselect 1 / 0 as x",
    "models/after_broken.sql": "{{ config(materialized='table') }}\nselect * from {{ ref('broken') }}",
    "models/schema.yml": """
        version: 2
        models:
          - name: base
            columns:
              - name: id
                data_tests: [unique, not_null]
              - name: name
                data_tests:
                  - accepted_values: {values: [one, two, three]}
        """,
    "tests/no_big_ids.sql": "select * from {{ ref('tens') }} where id10 > 100",
    "seeds/people.csv": "k,v,born\n1,one,2024-01-02\n2,two,2024-01-03\n3,three,2024-01-04\n",
}


def test_build_small_project(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    project.write(FILES)
    result = project.run("build")
    assert result.returncode == 1, result.stdout + result.stderr
    outcomes = {name: r["status"] for name, r in project.results_by_name().items()}
    assert outcomes["people"] == "success"
    assert outcomes["base"] == "success"
    assert outcomes["tens"] == "success"
    assert outcomes["from_eph"] == "success"
    assert outcomes["broken"] == "error"
    assert outcomes["after_broken"] == "skipped"
    assert outcomes["no_big_ids"] == "pass"
    assert sum(1 for s in outcomes.values() if s == "pass") == 4  # 3 generic + 1 singular
    dataset = f"`{bq_emulator.project}`.`{project.dataset}`"
    assert project.rows(f"select id10, name from {dataset}.`tens` order by id10") == [
        (10, "one"),
        (20, "two"),
        (30, "three"),
    ]
    assert project.rows(f"select id from {dataset}.`from_eph`") == [(2,)]
    assert project.table_names() == {"people", "base", "tens", "from_eph"}
    broken = project.results_by_name()["broken"]
    assert "division by zero" in broken["message"]

    # adapter_response as dbt-bigquery fills it
    base = project.results_by_name()["base"]["adapter_response"]
    assert base["code"] == "CREATE TABLE"
    assert base["rows_affected"] == 3
    assert base["_message"] == "CREATE TABLE (3.0 rows, 0 processed)"
    assert base["job_id"].startswith("dagwright_")
    assert base["location"] == "US"
    assert base["project_id"] == bq_emulator.project
    assert {"bytes_processed", "bytes_billed", "slot_ms"} <= set(base)
    view = project.results_by_name()["tens"]["adapter_response"]
    assert view["code"] == "CREATE VIEW" and view["job_id"] != base["job_id"]
    assert project.results_by_name()["tens"]["message"] == view["_message"]

    # a second run replaces in place, the seed re-loads (a new table, one job) with its types
    result = project.run("build", "--exclude", "broken", "after_broken")
    assert result.returncode == 0, result.stdout + result.stderr
    assert project.rows(f"select k, v, born from {dataset}.`people` order by k")[0][:2] == (1, "one")
    types = project.rows(
        f"select column_name, data_type from {dataset}.INFORMATION_SCHEMA.COLUMNS "
        "where table_name = 'people' order by ordinal_position"
    )
    assert types == [("k", "INT64"), ("v", "STRING"), ("born", "DATE")]
    assert project.table_names() == {"people", "base", "tens", "from_eph"}  # no __dbt_tmp left


def test_hooks_and_kind_change(tmp_path: Path, bq_emulator: Any) -> None:
    """Pre/post-hooks run around the job; a view where a table was: an error, but on a full refresh
    (DROP + CREATE, said so), as in dbt-bigquery."""
    project = new_project(tmp_path, bq_emulator)
    dataset = f"`{bq_emulator.project}`.`{project.dataset}`"
    project.write(
        {
            "models/m.sql": "{{ config(materialized='table', "
            "pre_hook=\"create or replace table {{ this.database }}.{{ this.schema }}.hook_log as select 'pre' as e\", "
            "post_hook=\"insert into {{ this.database }}.{{ this.schema }}.hook_log select 'post'\") }}\n"
            "select 1 as x"
        }
    )
    result = project.run("run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(project.rows(f"select e from {dataset}.hook_log")) == [("post",), ("pre",)]
    project.write({"models/m.sql": "{{ config(materialized='view') }}\nselect 2 as x"})
    result = project.run("run")  # as dbt-bigquery: no view over a table but on a full refresh
    assert result.returncode == 1, result.stdout + result.stderr
    assert "is a table: a view replaces it only on a full refresh" in project.results_by_name()["m"]["message"]
    assert project.rows(f"select x from {dataset}.m") == [(1,)]
    result = project.run("run", "--full-refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    message = project.results_by_name()["m"]["message"]
    assert "replaced by DROP then CREATE because a table held its name: not atomic" in message
    assert project.rows(f"select x from {dataset}.m") == [(2,)]
