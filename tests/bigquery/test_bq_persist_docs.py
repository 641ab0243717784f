"""``persist_docs`` on BigQuery against dbt-bigquery (the oracle): the same project, built by
both tools each in a dataset of its own, leaves the same descriptions on every relation and
column (what the compat harness does not compare); and dagwright writes the relation's
description into the very job that publishes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bq_helpers import BQProject, bq_client, new_project
from .conftest import run_dbt_bigquery

FILES = {
    "dbt_project.yml": "name: pd_project\nversion: '1.0'\nprofile: bq\n"
    "models:\n  pd_project:\n    +persist_docs: {relation: true, columns: true}\n"
    "seeds:\n  pd_project:\n    +persist_docs: {relation: true, columns: true}\n",
    "models/t.sql": "{{ config(materialized='table') }}\nselect 1 as id, 'a' as name, 2 as Mixed",
    "models/v.sql": "{{ config(materialized='view') }}\nselect 1 as id, 'a' as name",
    "models/inc.sql": "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id, 'x' as label",
    "models/undocumented.sql": "{{ config(materialized='table') }}\nselect 1 as id",
    "models/unpersisted.sql": "{{ config(materialized='table', persist_docs={'relation': false, 'columns': false}) }}"
    "\nselect 1 as id",
    "seeds/s.csv": "id,code\n1,a\n",
    "models/schema.yml": """
version: 2
models:
  - name: t
    description: "The \\"t\\" table: it's\\nthe one"
    columns:
      - {name: id, description: the id}
      - {name: MIXED, description: matched without regard to case but not set}
      - {name: Mixed, description: set}
      - {name: absent, description: not in the table}
  - name: v
    description: a view
    columns:
      - {name: name, description: the name}
  - name: inc
    description: incremental
    columns:
      - {name: label, description: the label}
  - name: unpersisted
    description: not persisted
    columns:
      - {name: id, description: not persisted either}
seeds:
  - name: s
    description: a seed
    columns:
      - {name: code, description: the code}
""",
}


def _descriptions(project: BQProject) -> dict[str, tuple[Any, list[tuple[str, Any]]]]:
    client = bq_client(project.emulator)
    found = {}
    for item in client.list_tables(f"{project.emulator.project}.{project.dataset}"):
        table = client.get_table(item.reference)
        found[table.table_id] = (table.description, [(f.name, f.description) for f in table.schema])
    return found


def test_descriptions_as_dbt_bigquery(tmp_path: Path, bq_emulator: Any, bq_oracle: Path) -> None:
    ours = new_project(tmp_path / "dagwright", bq_emulator, name="pd_project")
    theirs = new_project(tmp_path / "dbt", bq_emulator, name="pd_project")
    for project in (ours, theirs):
        project.write(FILES)
    for _ in range(2):  # the second run: the incremental model's MERGE, the seed re-loaded
        dbt = run_dbt_bigquery(bq_oracle, theirs.root, theirs.root, "build")
        assert dbt.returncode == 0, dbt.stdout + dbt.stderr
        run = ours.run("build")
        assert run.returncode == 0, run.stdout + run.stderr
    output = run.stdout + run.stderr
    assert "columns documented in the YAML but not in the relation were not described: absent" in output
    assert "persist_docs" not in output  # applied: not in the warning line of what is not

    described = _descriptions(ours)
    assert described == _descriptions(theirs)
    assert described["t"] == ('The "t" table: it\'s\nthe one', [("id", "the id"), ("name", None), ("Mixed", "set")])
    assert described["undocumented"] == ("", [("id", None)])  # dbt-bigquery's empty description option
    assert described["unpersisted"] == (None, [("id", None)])

    creates = [s for s in ours.statements() if s.startswith("create or replace view") and "`v`" in s]
    assert creates and "OPTIONS(description='a view')" in creates[-1]
