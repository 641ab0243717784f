"""Enforced contracts whose YAML names STRUCT fields with dots (``info.a``, ``info.b``), compared
with dbt-bigquery on the emulator: both nest them into one ``info struct<...>`` column (the
checked schema, the DDL, the query rebuilding the struct in the declared field order), both
build the same table, and a field of the wrong type fails both with the same table of
differences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dagwright.adapters.bigquery_contract import nested_columns, struct_select_expression

from .bq_helpers import bq_client, new_dataset, new_project
from .conftest import run_dbt_bigquery, write_bq_profile

#: the fields declared in another order than the query gives them, one through a type label
SCHEMA = """
version: 2
models:
  - name: m
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: integer
      - name: info.b
        data_type: string
      - name: info.a
        data_type: integer
      - name: info.deep.c
        data_type: bool
  - name: bad
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: int64
      - name: info.a
        data_type: int64
      - name: info.b
        data_type: string
"""
FILES = {
    "dbt_project.yml": "name: bq_project\nversion: '1.0'\nprofile: bq\n",
    "models/m.sql": "{{ config(materialized='table') }}\n"
    "select 1 as id, struct(2 as a, 'x' as b, struct(true as c) as deep) as info\n"
    "union all select 2, null",
    "models/bad.sql": "{{ config(materialized='table') }}\nselect 1 as id, struct(2 as a, 3 as b) as info",
    "models/schema.yml": SCHEMA,
}


def _schema(emulator: Any, dataset: str) -> list[Any]:
    def shape(field: Any) -> Any:
        return (field.name, field.field_type, field.mode, [shape(f) for f in field.fields])

    return [shape(f) for f in bq_client(emulator).get_table(f"{emulator.project}.{dataset}.m").schema]


def _contract_message(results: dict[str, Any], name: str) -> str:
    (result,) = [r for r in results["results"] if r["unique_id"].endswith(f".{name}")]
    assert result["status"] == "error"
    message = str(result["message"])
    return message[message.index("| column_name") : message.rindex("|") + 1]


def test_dotted_struct_fields_build_the_table_dbt_bigquery_builds(
    tmp_path: Path, bq_emulator: Any, bq_oracle: Path
) -> None:
    project = new_project(tmp_path / "dagwright", bq_emulator)
    project.write(FILES)
    oracle_dir = tmp_path / "dbt"
    oracle_dataset = new_dataset()
    for name, text in FILES.items():
        (oracle_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (oracle_dir / name).write_text(text)
    write_bq_profile(oracle_dir, "bq", oracle_dataset, emulator=bq_emulator, location="US")

    theirs = run_dbt_bigquery(bq_oracle, oracle_dir, oracle_dir, "run", "--threads", "1")
    ours = project.run("run", "--threads", "1")
    assert theirs.returncode == ours.returncode == 1, ours.stdout + ours.stderr

    assert _schema(bq_emulator, project.dataset) == _schema(bq_emulator, oracle_dataset)
    assert _schema(bq_emulator, project.dataset) == [
        ("id", "INTEGER", "NULLABLE", []),
        (
            "info",
            "RECORD",
            "NULLABLE",
            [
                ("b", "STRING", "NULLABLE", []),
                ("a", "INTEGER", "NULLABLE", []),
                ("deep", "RECORD", "NULLABLE", [("c", "BOOLEAN", "NULLABLE", [])]),
            ],
        ),
    ]
    read = "select id, info.a, info.b, info.deep.c from `{}`.m order by id"
    assert project.rows(read.format(project.dataset)) == project.rows(read.format(oracle_dataset))
    assert project.rows(read.format(project.dataset)) == [(1, 2, "x", True), (2, None, None, None)]

    ddl = next(s for s in project.statements() if s.startswith("create or replace table") and ".`m`" in s)
    assert "id INT64,\n    info struct<b string, a INT64, deep struct<c bool>>\n" in ddl
    assert (
        "select id, IF(info IS NULL, NULL, STRUCT(info.b AS b, info.a AS a, "
        "IF(info.deep IS NULL, NULL, STRUCT(info.deep.c AS c)) AS deep)) AS info\nfrom (" in ddl
    )

    # the same mismatch, reported on the dotted name
    ours_results = json.loads((project.root / "target" / "run_results.json").read_text())
    theirs_results = json.loads((oracle_dir / "target" / "run_results.json").read_text())
    table = _contract_message(ours_results, "bad")
    assert table == _contract_message(theirs_results, "bad")
    assert "| info.b      | INT64           | STRING        | data type mismatch |" in table
    assert "bad" not in {t for t in project.table_names()}


def test_nesting_as_dbt_bigquery_spells_it() -> None:
    # a field's constraints stay inside the struct; the parent column's own type and
    # constraints, listed before or after its fields, make it an array or add to it
    assert nested_columns([("id", "INT64 not null"), ("s.x", "string not null"), ("s.y", "int64")]) == [
        ("id", "INT64 not null"),
        ("s", "struct<x string not null, y int64>"),
    ]
    assert nested_columns([("s", "array"), ("s.x", "string")]) == [("s", "array<struct<x string>>")]
    assert nested_columns([("s.x", "string"), ("s", "struct not null")]) == [("s", "struct<x string> not null")]
    assert nested_columns([("a.b.c", "int64"), ("a.d", "date")]) == [("a", "struct<b struct<c int64>, d date>")]
    assert struct_select_expression("n", "numeric(10, 2)") == "n"
    assert struct_select_expression("s", "struct<x numeric(10, 2), y string> not null") == (
        "IF(s IS NULL, NULL, STRUCT(s.x AS x, s.y AS y)) AS s"
    )
