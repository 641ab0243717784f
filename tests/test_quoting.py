"""Relation names under dbt_project.yml's ``quoting:`` and a source's ``quoting:``, as dbt-core 1.11
names them (checked against dbt by the compat case project_quoting, on DuckDB and PostgreSQL,
and by tests/compat/test_manifest_fields.py): the engines' rendering, and a DuckDB run's
compiled SQL, run_results.json and manifest.json."""

from __future__ import annotations

from typing import Any

from conftest import Project
from dagwright.adapters.base import Relation
from dagwright.adapters.sql import SQLDialect


def test_policy_layers_engine_default_project_and_relation() -> None:
    dialect = SQLDialect()
    rel = Relation("db", "Sch", "Name")
    assert dialect.render(rel) == '"db"."Sch"."Name"'
    dialect.configure_quoting({"schema": False, "identifier": False, "column": True})
    assert dialect.render(rel) == '"db".Sch.Name'
    # a relation's own policy goes over the project's, part by part
    assert dialect.render(Relation("db", "Sch", "Name", (None, None, True))) == '"db".Sch."Name"'
    assert dialect.render(Relation("db", "Sch", "Name", (False, None, None))) == "db.Sch.Name"
    # what dagwright itself writes: a rename, a new schema
    assert dialect.rename_sql(rel.with_identifier("Name__dbt_tmp"), "table", "Name").endswith("rename to Name")
    assert dialect.create_schema_sql(rel) == 'create schema if not exists "db".Sch'
    dialect.configure_quoting({"identifier": "yes"})  # not a boolean: the engine's default
    assert dialect.render(rel) == '"db"."Sch"."Name"'


def test_spark_quotes_nothing_unless_the_project_asks() -> None:
    from dagwright.adapters.spark import SparkAdapter

    spark = object.__new__(SparkAdapter)  # rendering needs no session
    rel = Relation("ignored", "sch", "Name")
    spark.configure_quoting(None)
    assert spark.render(rel) == "sch.Name"
    spark.configure_quoting({"identifier": True})
    assert spark.render(rel) == "sch.`Name`"


def test_postgres_catalog_folds_unquoted_names() -> None:
    from dagwright.adapters.postgres import PostgresAdapter
    from dagwright.adapters.postgres_sql import fold_name

    assert fold_name("MixedCase_Ä") == "mixedcase_Ä"  # PostgreSQL folds ASCII letters only
    pg = object.__new__(PostgresAdapter)
    pg.configure_quoting({"identifier": False})
    assert pg.catalog_relation(Relation("db", "Sch", "MixedCase")) == Relation("db", "Sch", "mixedcase")
    assert pg.catalog_relation(Relation("db", "Sch", "Mixed", (None, False, True))) == Relation("db", "sch", "Mixed")


FILES = {
    "dbt_project.yml": """
        name: proj
        version: "1.0.0"
        profile: proj
        quoting: {identifier: false}
        models:
          proj:
            +materialized: table
        """,
    "seeds/codes.csv": "id\n1\n",
    "models/base.sql": "select 1 as id\n",
    "models/uses.sql": "select b.id from {{ ref('base') }} b join {{ source('raw', 'codes') }} c using (id)\n",
    "models/schema.yml": """
        version: 2
        sources:
          - name: raw
            schema: main
            quoting: {schema: false}
            tables:
              - name: codes
        """,
}


def test_a_run_names_relations_as_configured(make_project: Any) -> None:
    project: Project = make_project(FILES)
    project.ok("seed")
    project.ok("run")
    compiled = (project.target / "compiled" / "proj" / "models" / "uses.sql").read_text(encoding="utf-8")
    # ref() under the project's quoting; source() under the source's alone (dbt leaves the project's out)
    assert 'from "warehouse"."main".base b join "warehouse".main."codes" c' in compiled
    relation_names = {r["unique_id"]: r["relation_name"] for r in project.run_results()["results"]}
    assert relation_names["model.proj.uses"] == '"warehouse"."main".uses'
    manifest = project.manifest()
    assert manifest["metadata"]["quoting"] == {"database": True, "schema": True, "identifier": False, "column": None}
    source = manifest["sources"]["source.proj.raw.codes"]
    # relation_name: the source's quoting over the project's
    assert source["relation_name"] == '"warehouse".main.codes'
    assert source["quoting"] == {"database": None, "schema": False, "identifier": None, "column": None}


def test_unknown_source_quoting_key_is_an_error(make_project: Any) -> None:
    files = dict(FILES)
    files["models/schema.yml"] = """
        version: 2
        sources:
          - name: raw
            quoting: {table: false}
            tables:
              - name: codes
        """
    result = make_project(files).run("parse")
    assert result.code == 2, str(result)
    assert "'quoting' of source 'raw'" in result.stderr and "models/schema.yml" in result.stderr
