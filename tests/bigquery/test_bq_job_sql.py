"""SQL the emulator accepts but BigQuery rejects, checked on the text of the jobs dagwright
ran (the emulator's job history): no DDL inside a transaction, a partitioning change is never
one ``create or replace``, and a materialized view is dropped (as one), never replaced."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .bq_helpers import BQProject, new_project

DDL = re.compile(r"\b(create|drop|alter)\s+(or\s+replace\s+)?(table|view|schema|materialized)", re.IGNORECASE)


def _jobs_since(project: BQProject, before: int) -> list[str]:
    return project.statements()[before:]


def test_no_ddl_inside_a_transaction(tmp_path: Path, bq_emulator: Any) -> None:
    """on_schema_change's ALTER TABLE is a job of its own, before the MERGE; no job holds a
    transaction with DDL in it (BigQuery allows only DML there)."""
    project = new_project(tmp_path, bq_emulator)
    model = """
        {{ config(materialized='incremental', unique_key='id', on_schema_change='append_new_columns') }}
        select 1 as id, 'a' as name {% if var('more', false) %}, 2 as extra{% endif %}
    """
    project.write({"models/inc.sql": model})
    assert project.run("run").returncode == 0
    before = len(project.statements())
    result = project.run("run", "--vars", "{more: true}")
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = _jobs_since(project, before)
    alters = [i for i, sql in enumerate(jobs) if re.search(r"\balter\s+table\b", sql, re.IGNORECASE)]
    merges = [i for i, sql in enumerate(jobs) if re.search(r"\bmerge\s+into\b", sql, re.IGNORECASE)]
    assert alters and merges and max(alters) < min(merges), jobs
    for sql in jobs:
        if re.search(r"\bbegin\s+transaction\b", sql, re.IGNORECASE):
            assert not DDL.search(sql), f"DDL inside a transaction:\n{sql}"
        if re.search(r"\bmerge\s+into\b", sql, re.IGNORECASE):
            assert not re.search(r"\balter\s+table\b", sql, re.IGNORECASE), sql


def test_partitioning_change_drops_before_it_creates(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    model = "{{ config(materialized='table', partition_by=var('part', none)) }} select date '2024-01-01' as d"
    project.write({"models/m.sql": model})
    assert project.run("run").returncode == 0
    before = len(project.statements())
    result = project.run("run", "--vars", "{part: {field: d, data_type: date}}")
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = _jobs_since(project, before)
    drops = [i for i, sql in enumerate(jobs) if sql.lower().startswith("drop table if exists") and "`m`" in sql]
    creates = [i for i, sql in enumerate(jobs) if "create or replace table" in sql.lower() and "`m`" in sql]
    assert drops and creates and drops[0] < creates[0], jobs
    assert "partition by d" in jobs[creates[0]]


def test_materialized_view_is_dropped_not_replaced(tmp_path: Path, bq_emulator: Any) -> None:
    """BigQuery cannot ``create or replace`` over a materialized view, nor ``drop view`` one."""
    project = new_project(tmp_path, bq_emulator)
    project.write(
        {
            "models/t.sql": "{{ config(materialized='table') }} select 1 as id",
            "models/v.sql": "{{ config(materialized='view') }} select 2 as id",
            "models/src.sql": "{{ config(materialized='table') }} select 3 as id",
        }
    )
    assert project.run("run", "-s", "src").returncode == 0
    where = f"`{bq_emulator.project}`.`{project.dataset}`"
    for name in ("t", "v"):
        project.rows(f"create materialized view {where}.`{name}` as select id from {where}.`src`")
    result = project.run("run", "-s", "t", "v")
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = project.statements()
    for name in ("t", "v"):
        drop = f"drop materialized view if exists {where}.`{name}`"
        assert drop in jobs, jobs
        created = [i for i, sql in enumerate(jobs) if "create or replace" in sql and f"{where}.`{name}`" in sql]
        assert created and jobs.index(drop) < created[-1], jobs
        assert f"drop view if exists {where}.`{name}`" not in jobs
    messages = project.results_by_name()
    assert "materialized view" in messages["t"]["message"] and "not atomic" in messages["t"]["message"]
