"""Model contracts and constraints: dbt-core's parse-time checks and warning, and what a run
builds (tests/compat/projects/contracts* compare the runs with dbt itself; this file covers
what the compat harness does not compare: parse errors' text and warnings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_project
from dagwright.adapters.bigquery_contract import contract_columns_of
from dagwright.adapters.postgres_types import contract_type_name

MODEL = {"models/m.sql": "select 1 as id, 2 as b\n"}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (
            "models:\n  - name: m\n    config: {materialized: incremental, contract: {enforced: true}}\n"
            "    columns: [{name: id, data_type: int}, {name: b, data_type: int}]\n",
            "Invalid value for on_schema_change: ignore. Models materialized as incremental with contracts "
            "enabled must set on_schema_change to 'append_new_columns' or 'fail'",
        ),
        (
            "models:\n  - name: m\n    columns:\n"
            "      - {name: id, data_type: int, constraints: [{type: primary_key}]}\n"
            "      - {name: b, data_type: int, constraints: [{type: primary_key}]}\n",
            "Found 2 columns (['id', 'b']) with primary key constraints defined.",
        ),
        (
            "models:\n  - name: m\n    config: {contract: {enforced: true}}\n",
            "Contract enforcement failed for: (models/m.sql)\nConstraints must be defined in a `yml` schema",
        ),
        (
            "models:\n  - name: m\n    config: {contract: {enforced: true}}\n    constraints: [{type: nonsense}]\n"
            "    columns: [{name: id, data_type: int}, {name: b, data_type: int}]\n",
            "Invalid constraint type on model m: Type must be one of",
        ),
    ],
    ids=["incremental-on-schema-change", "two-primary-keys", "no-columns", "bad-constraint-type"],
)
def test_contract_parse_errors_as_dbt(tmp_path: Path, schema: str, expected: str) -> None:
    project = write_project(tmp_path, {**MODEL, "models/schema.yml": schema})
    result = project.run("run")
    assert result.code == 2, str(result)
    assert expected in result.stderr
    assert not project.db.exists()  # nothing ran


def test_constraints_on_a_view_warn_and_build_the_view(tmp_path: Path) -> None:
    schema = (
        "models:\n  - name: m\n    config: {contract: {enforced: true}}\n"
        "    columns: [{name: id, data_type: int, constraints: [{type: not_null}]}, {name: b, data_type: int}]\n"
    )
    project = write_project(tmp_path, {**MODEL, "models/schema.yml": schema})
    result = project.ok("run")
    assert "Constraint types are not supported for view materializations and will be ignored" in result.output
    assert project.query("select id, b from m") == [(1, 2)]


def test_contracted_table_keeps_the_yaml_column_order_and_constraints(tmp_path: Path) -> None:
    schema = (
        "models:\n  - name: m\n    config: {materialized: table, contract: {enforced: true}}\n"
        "    constraints: [{type: check, expression: 'id > 0', name: positive}]\n"
        "    columns:\n      - {name: b, data_type: bigint, constraints: [{type: unique}]}\n"
        "      - {name: id, data_type: int, constraints: [{type: primary_key}]}\n"
    )
    files = {"models/m.sql": "select 1 as id, cast(2 as bigint) as b\n", "models/schema.yml": schema}
    project = write_project(tmp_path, files)
    project.ok("run")
    assert project.query("select * from m") == [(2, 1)]
    kinds = project.query("select constraint_type from duckdb_constraints() where table_name = 'm' order by 1")
    assert [k for (k,) in kinds] == ["CHECK", "NOT NULL", "PRIMARY KEY", "UNIQUE"]


def test_a_violated_constraint_keeps_the_old_table(tmp_path: Path) -> None:
    schema = (
        "models:\n  - name: m\n    config: {materialized: table, contract: {enforced: true}}\n"
        "    columns: [{name: id, data_type: int, constraints: [{type: check, expression: 'id < 10'}]}]\n"
    )
    files = {"models/m.sql": "select {{ var('id', 1) }} as id\n", "models/schema.yml": schema}
    project = write_project(tmp_path, files)
    project.ok("run")
    result = project.run("run", "--vars", "{id: 20}")
    assert result.code == 1, str(result)
    assert "CHECK constraint failed" in result.output
    assert project.query("select id from m") == [(1,)]


def test_postgres_type_names_are_dbt_postgres_names() -> None:
    assert [contract_type_name(oid) for oid in (23, 21, 20, 25, 1043, 1700, 1114, 2950)] == [
        "INTEGER",
        "INTEGER",
        "LONGINTEGER",
        "TEXT",
        "TEXT",
        "DECIMAL",
        "DATETIME",
        "unknown type_code 2950",
    ]


def test_bigquery_type_names_are_dbt_bigquery_names() -> None:
    """dbt-bigquery's BigQueryColumn: legacy names translated, repeated fields ARRAY<...>,
    records flattened into their leaves (a repeated record kept whole)."""
    from google.cloud.bigquery import SchemaField

    fields = [
        SchemaField("i", "INTEGER"),
        SchemaField("f", "FLOAT"),
        SchemaField("s", "STRING", mode="REQUIRED"),
        SchemaField("a", "INTEGER", mode="REPEATED"),
        SchemaField("r", "RECORD", fields=[SchemaField("x", "BOOLEAN"), SchemaField("y", "NUMERIC")]),
        SchemaField("rr", "RECORD", mode="REPEATED", fields=[SchemaField("x", "INTEGER")]),
    ]
    assert contract_columns_of(fields) == [
        ("i", "INT64"),
        ("f", "FLOAT64"),
        ("s", "STRING"),
        ("a", "ARRAY<INT64>"),
        ("r.x", "BOOLEAN"),
        ("r.y", "NUMERIC"),
        ("rr", "ARRAY<STRUCT<`x` INT64>>"),
    ]


def test_deprecated_models_warn_as_dbt(tmp_path: Path) -> None:
    files = {
        "models/old.sql": "select 1 as id\n",
        "models/soon.sql": "select 1 as id\n",
        "models/reads_old.sql": "select * from {{ ref('old') }}\n",
        "models/reads_soon.sql": "select * from {{ ref('soon') }}\n",
        "models/schema.yml": (
            "models:\n  - name: old\n    deprecation_date: 2020-01-01\n"
            "  - name: soon\n    deprecation_date: 2999-01-01 00:00:00\n"
        ),
    }
    project = write_project(tmp_path, files)
    result = project.ok("parse")
    assert (
        "Model old has passed its deprecation date of 2020-01-01T00:00:00+00:00. "
        "This model should be disabled or removed."
    ) in result.output
    assert (
        "While compiling 'reads_old': Found a reference to old, which was deprecated on '2020-01-01T00:00:00+00:00'."
        in result.output
    )
    assert (
        "While compiling 'reads_soon': Found a reference to soon, which is slated for deprecation on "
        "'2999-01-01T00:00:00+00:00'."
    ) in result.output
    manifest = (project.target / "manifest.json").read_text(encoding="utf-8")
    assert '"deprecation_date":"2020-01-01T00:00:00+00:00"' in manifest


def test_spark_constraint_statements_as_dbt_spark(caplog: pytest.LogCaptureFixture) -> None:
    """dbt-spark's persist_constraints, without Spark: model-level checks (an unnamed one named
    by dbt-spark's md5), each column's not_null; other types left out, a column's warned about."""
    from types import SimpleNamespace

    from dagwright.adapters.base import Relation
    from dagwright.adapters.spark_sql import SparkSQL
    from dagwright.materialize.persisted_constraints import constraint_statements
    from dagwright.parse.nodes import ColumnInfo

    node = SimpleNamespace(
        name="m",
        constraints=(
            {"type": "primary_key", "columns": ["id"]},
            {"type": "check", "expression": "id > 0"},
            {"type": "check", "expression": "id < 9", "name": "small"},
        ),
        columns={
            "id": ColumnInfo("id", constraints=({"type": "not_null"}, {"type": "unique"})),
            "My Col": ColumnInfo("My Col", quote=True, constraints=({"type": "not_null"},)),
        },
    )
    relation = Relation(None, "s", "m__dbt_tmp")
    statements = constraint_statements(SparkSQL(), node, relation)  # type: ignore[arg-type]
    assert statements == [
        # md5(";id > 0;2"): the expression and the constraint's 1-based position, as dbt-spark
        "alter table s.m__dbt_tmp add constraint e1d421d69eec5c46bfa4b05f9ae1b964 check (id > 0)",
        "alter table s.m__dbt_tmp add constraint small check (id < 9)",
        "alter table s.m__dbt_tmp change column id set not null",
        "alter table s.m__dbt_tmp change column `My Col` set not null",
    ]
    warnings = [r.getMessage() for r in caplog.records if "Invalid constraint" in r.getMessage()]
    assert len(warnings) == 1 and "column id of model 'm'" in warnings[0] and "'unique'" in warnings[0]


def test_spark_view_ddl_with_column_comments() -> None:
    """A view's column list as dbt-spark writes it under persist_docs columns: every column,
    quoted, commented where documented (quotes and backslashes escaped), before its comment."""
    from dagwright.adapters.base import NODE_DESCRIPTION, VIEW_COLUMNS, Relation
    from dagwright.adapters.spark_sql import SparkSQL

    sql = SparkSQL()
    columns = sql.view_columns_sql([("id", "it's \\ the id"), ("other", "")])
    assert columns == "`id` comment 'it\\'s \\\\ the id', `other`"
    config = {"persist_docs": {"relation": True, "columns": True}, NODE_DESCRIPTION: "v", VIEW_COLUMNS: columns}
    assert sql.create_view_as_sql(Relation(None, "s", "v"), "select 1 as id, 2 as other", config) == (
        f"create or replace view s.v ({columns}) comment 'v' as\nselect 1 as id, 2 as other"
    )
    assert sql.column_comment_sql(Relation(None, "s", "t"), "id", "it's") == (
        "alter table s.t alter column id comment 'it\\'s'"
    )
