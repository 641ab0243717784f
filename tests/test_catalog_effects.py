"""persist_docs and grants on DuckDB, against dbt-duckdb: the comments both tools leave on
tables, views and columns (``duckdb_tables()``, ``duckdb_views()``, ``duckdb_columns()``) must
be the same; grants, which DuckDB does not have, are a warning in both (dbt-duckdb warns
"Grants for relations are not supported by DuckDB"), never an error. Grants on Spark and
BigQuery are refused before anything runs (those engines' dbt adapters would apply them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from oracle import Twins, needs_dbt

PROJECT = """\
name: proj
version: '1.0.0'
config-version: 2
profile: proj
models:
  proj:
    +persist_docs: {relation: true, columns: true}
    +grants: {select: [reporter]}
seeds:
  proj:
    +persist_docs: {relation: true, columns: true}
"""

FILES = {
    "dbt_project.yml": PROJECT,
    "models/t.sql": "{{ config(materialized='table') }}\nselect 1 as id, 'a' as \"Name\", 2 as undocumented\n",
    "models/v.sql": "{{ config(materialized='view') }}\nselect id from {{ ref('t') }}\n",
    "models/i.sql": "{{ config(materialized='incremental') }}\nselect 1 as id\n",
    "models/nodocs.sql": "{{ config(materialized='table', persist_docs={'relation': false}) }}\nselect 1 as id\n",
    "models/schema.yml": """\
        version: 2
        models:
          - name: t
            description: "The 't' table: it's {{ 'documented' }}"
            columns:
              - name: id
                description: the id
              - name: Name
                description: a quoted column
                quote: true
              - name: missing
                description: not in the table
          - name: v
            description: a view
            columns:
              - name: id
                description: the view's id
          - name: i
            columns:
              - name: id
                description: incremental id
          - name: nodocs
            description: not persisted
        seeds:
          - name: s
            description: a seed
            columns:
              - name: x
                description: the x
        """,
    "seeds/s.csv": "x\n1\n",
}


def comments(db: Path) -> dict[str, Any]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "select table_name, comment from duckdb_tables() where schema_name = 'main' "
            "union all select view_name, comment from duckdb_views() where schema_name = 'main' and not internal "
            "order by 1"
        ).fetchall()
        columns = con.execute(
            "select table_name, column_name, comment from duckdb_columns() where schema_name = 'main' order by 1, 2"
        ).fetchall()
    return {"relations": tables, "columns": columns}


@needs_dbt
def test_persist_docs_and_grants_as_dbt_duckdb(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    theirs, ours = twins.both("build")
    assert "Grants for relations are not supported by DuckDB" in theirs.stdout
    assert "grants of 4 nodes (DuckDB has no privileges" in ours.stdout, ours.stdout
    got = comments(tmp_path / "dagwright.duckdb")
    assert got == comments(tmp_path / "dbt.duckdb")
    relations = dict(got["relations"])
    assert relations["t"] == "The 't' table: it's documented"
    assert relations["v"] == "a view" and relations["s"] == "a seed"
    assert relations["nodocs"] is None
    assert ("t", "Name", "a quoted column") in got["columns"]
    assert ("t", "undocumented", None) in got["columns"]
    # a second run: the incremental model changed in place, the table replaced, comments kept
    twins.both("build")
    assert comments(tmp_path / "dagwright.duckdb") == comments(tmp_path / "dbt.duckdb") == got
