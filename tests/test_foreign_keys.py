"""Foreign keys naming their table with ``to: ref(...)`` / ``source(...)`` and ``to_columns``
(dbt 1.9+), beyond what tests/compat/projects/foreign_keys_to compares: the manifest's refs,
sources and depends_on as dbt's (a ``to`` is a dependency even without a contract), a ``to``
that is neither is a parse error in both, and replacing a table a foreign key references (on
DuckDB, which dbt-duckdb handles by dropping and rebuilding the referencing tables) fails
with an explanation instead of DuckDB's bare dependency error."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_project
from oracle import Twins, needs_dbt

SCHEMA = """\
version: 2
sources:
  - name: raw
    schema: main
    tables: [{name: keys}]
models:
  - name: parent
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: integer
        constraints: [{type: primary_key}]
  - name: child
    config: {contract: {enforced: true}}
    constraints:
      - type: foreign_key
        columns: [pid]
        to: ref('parent')
        to_columns: [id]
    columns:
      - name: pid
        data_type: integer
  - name: loose
    columns:
      - name: x
        constraints:
          - {type: foreign_key, to: "source('raw', 'keys')", to_columns: [id]}
"""

FILES = {
    "models/parent.sql": "{{ config(materialized='table') }}select 1 as id",
    "models/child.sql": "{{ config(materialized='table') }}select 1 as pid",
    "models/loose.sql": "select 1 as x",
    "models/schema.yml": SCHEMA,
}


@needs_dbt
def test_manifest_dependencies_are_dbts(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    twins.both("parse")
    for uid in ("model.proj.child", "model.proj.loose"):
        theirs = twins.artifact("dbt", "manifest.json")["nodes"][uid]
        ours = twins.artifact("dagwright", "manifest.json")["nodes"][uid]
        for key in ("refs", "sources", "depends_on"):
            assert ours[key] == theirs[key], f"{uid} {key}: dagwright {ours[key]}, dbt {theirs[key]}"


@needs_dbt
def test_a_to_that_is_no_ref_or_source_is_an_error_in_both(tmp_path: Path) -> None:
    files = {**FILES, "models/schema.yml": SCHEMA.replace("to: ref('parent')", "to: parent")}
    twins = Twins(tmp_path, files)
    theirs, ours = twins.both("parse", code=2)
    message = "Invalid 'ref' or 'source' syntax on foreign key constraint 'to' on model child: parent"
    assert message in theirs.stdout, theirs.stdout
    assert message in ours.stderr and "models/schema.yml" in ours.stderr, ours.stderr


def test_built_with_the_references_dbt_duckdb_writes(tmp_path: Path) -> None:
    project = write_project(tmp_path, {k: v for k, v in FILES.items() if k != "models/loose.sql"})
    project.ok("build")
    rows = project.query(
        "select constraint_text from duckdb_constraints() where table_name = 'child' "
        "and constraint_type = 'FOREIGN KEY'"
    )
    assert rows == [("FOREIGN KEY (pid) REFERENCES parent(id)",)]


@pytest.mark.parametrize("select", [(), ("-s", "parent")])
def test_replacing_a_referenced_table_fails_with_the_reason(tmp_path: Path, select: tuple[str, ...]) -> None:
    project = write_project(tmp_path, {k: v for k, v in FILES.items() if k != "models/loose.sql"})
    project.ok("build")
    result = project.run("build", *select)
    assert result.code == 1, str(result)
    assert "parent is referenced by the foreign key of child" in result.stdout, str(result)
    assert "not implemented by dagwright" in result.stdout
    assert project.statuses()["parent"] == "error"
    assert project.query("select count(*) from child") == [(1,)]  # nothing lost
