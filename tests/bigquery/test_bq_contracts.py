"""Enforced contracts on BigQuery, as dbt-bigquery builds them (the rows and the failing
contracts are compared with dbt-bigquery's by test_bq_compat.py's ``contracts`` case): one
``create or replace table`` job with the columns and constraints, not_null enforced (REQUIRED
columns), primary and foreign keys written ``not enforced``, check and unique left out, each
of these three warned about unless the constraint says not to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bq_helpers import bq_client, new_project

SCHEMA = """
version: 2
models:
  - name: parent
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: integer
        constraints: [{type: primary_key, warn_unenforced: false}]
  - name: child
    config: {contract: {enforced: true}}
    constraints:
      - type: check
        expression: "id > 0"
      - type: foreign_key
        columns: [parent_id]
        expression: "`{project}`.`{dataset}`.`parent` (id)"
    columns:
      - name: id
        data_type: int
        constraints: [{type: not_null}, {type: unique, warn_unsupported: false}]
      - name: parent_id
        data_type: integer
      - name: label
        data_type: string
        constraints: [{type: primary_key}]
"""


def test_contracted_table_is_one_job_with_its_constraints(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    schema = SCHEMA.replace("{project}", bq_emulator.project).replace("{dataset}", project.dataset)
    project.write(
        {
            "models/parent.sql": "{{ config(materialized='table') }}\nselect {{ var('pid', 1) }} as id",
            "models/child.sql": "{{ config(materialized='table') }}\n"
            "select 'x' as label, 1 as id, p.id as parent_id from {{ ref('parent') }} p",
            "models/schema.yml": schema,
        }
    )
    result = project.run("run", "--threads", "1")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert project.rows(f"select id, parent_id, label from `{project.dataset}`.child") == [(1, 1, "x")]

    child = bq_client(bq_emulator).get_table(f"{bq_emulator.project}.{project.dataset}.child")
    assert [(f.name, f.field_type, f.mode) for f in child.schema] == [
        ("id", "INTEGER", "REQUIRED"),  # the YAML's order; not_null enforced
        ("parent_id", "INTEGER", "NULLABLE"),
        ("label", "STRING", "NULLABLE"),
    ]
    creates = [s for s in project.statements() if s.startswith("create or replace table") and ".`child`" in s]
    assert len(creates) == 1, creates  # built and published by one job
    ddl = creates[0]
    assert "id int not null,\n" in ddl and "parent_id INT64,\n" in ddl  # dbt-bigquery's type labels
    assert "label string primary key not enforced" in ddl
    parent = f"`{bq_emulator.project}`.`{project.dataset}`.`parent`"
    assert f"foreign key (parent_id) references {parent} (id) not enforced" in ddl
    assert "check" not in ddl and "unique" not in ddl  # not supported: left out
    assert "as (\nselect id, parent_id, label\nfrom (\n" in ddl and ") as model_subq\n);" in ddl

    # warned: check (not supported), primary_key and foreign_key of child (not enforced); not
    # the ones whose constraint says warn_*: false
    assert "model 'child': constraint 'check' is not supported on bigquery" in output
    assert "model 'child': constraint 'primary_key' is not enforced on bigquery" in output
    assert "model 'child': constraint 'foreign_key' is not enforced on bigquery" in output
    assert "'unique'" not in output and "model 'parent'" not in output


def test_a_contract_or_not_null_failure_keeps_the_old_table(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    project.write(
        {
            "models/m.sql": "{{ config(materialized='table') }}\nselect {{ var('v', 1) }} as id",
            "models/schema.yml": "version: 2\nmodels:\n  - name: m\n    config: {contract: {enforced: true}}\n"
            "    columns:\n      - name: id\n        data_type: int64\n        constraints: [{type: not_null}]\n",
        }
    )
    assert project.run("run").returncode == 0
    table = f"`{project.dataset}`.m"

    violated = project.run("run", "--vars", "{v: null}")
    assert violated.returncode == 1
    assert project.results_by_name()["m"]["status"] == "error"
    assert project.rows(f"select id from {table}") == [(1,)]

    mismatched = project.run("run", "--vars", "{v: \"'a'\"}")
    assert mismatched.returncode == 1
    message = project.results_by_name()["m"]["message"]
    assert "| id          | STRING          | INT64         | data type mismatch |" in message, message
    assert project.rows(f"select id from {table}") == [(1,)]
