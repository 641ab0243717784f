"""``persist_docs`` on Spark, as dbt-spark applies it: with ``relation: true`` the node's
description is the ``comment`` of the statement that builds the table, view or seed (so it is
renamed into place with it); with ``columns: true`` a view's documented columns have their
comments in its DDL (``create view v (`id` comment '...', ...)``), and a table's are set right
after its publish (``alter table ... alter column ... comment``: on parquet too, where dbt-spark
comments a table's columns only on delta, hudi and iceberg)."""

from __future__ import annotations

from .conftest import PROJECT_YML, SparkProject

FILES = {
    "dbt_project.yml": PROJECT_YML
    + "models:\n  sparkproj:\n    +persist_docs: {relation: true, columns: true}\n"
    + "seeds:\n  sparkproj:\n    +persist_docs: {relation: true}\n",
    "models/t.sql": "{{ config(materialized='table') }}\nselect 1 as id",
    "models/v.sql": "{{ config(materialized='view') }}\nselect 1 as id, 2 as other",
    "models/plain.sql": "{{ config(materialized='table', persist_docs={'relation': false}) }}\nselect 1 as id",
    "seeds/s.csv": "id\n1\n",
    "models/schema.yml": """
version: 2
models:
  - name: t
    description: "It's the \\\\ table"
    columns: [{name: id, description: the id}]
  - name: v
    description: a view
    columns: [{name: id, description: "the view's id"}]
  - name: plain
    description: not persisted
seeds:
  - name: s
    description: a seed
""",
}


def _comment(project: SparkProject, name: str) -> str | None:
    return project.spark.newSession().catalog.getTable(f"`{project.schema}`.`{name}`").description


def _column_comments(project: SparkProject, name: str) -> dict[str, str]:
    columns = project.spark.newSession().catalog.listColumns(f"`{project.schema}`.`{name}`")
    return {c.name: c.description for c in columns}


def test_comments_as_dbt_spark(spark_project: SparkProject) -> None:
    spark_project.write(FILES)
    for _ in range(2):  # built, then rebuilt and renamed into place again
        result = spark_project.run("build")
        assert result.code == 0, result.output
        assert _comment(spark_project, "t") == "It's the \\ table"
        assert _comment(spark_project, "v") == "a view"
        assert _comment(spark_project, "s") == "a seed"
        assert _comment(spark_project, "plain") is None
        assert _column_comments(spark_project, "t") == {"id": "the id"}
        assert _column_comments(spark_project, "v") == {"id": "the view's id", "other": None}
    assert "persist_docs" not in result.output
