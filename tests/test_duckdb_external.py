"""dbt-duckdb's own surface (issue 18): sources read from files (``external_location``), the
``external`` materialization and the DuckDB profile keys. The compat cases
``duckdb_external_sources`` and ``duckdb_external_models`` compare the tables with dbt's."""

from __future__ import annotations

from typing import Any

import pytest

CSV = "id,name\n1,ann\n2,bob\n"


def _sources(meta: str) -> dict[str, str]:
    return {
        "data/people.csv": CSV,
        "models/sources.yml": f"""\
            sources:
              - name: files
                tables:
                  - name: people
                    meta: {meta}
        """,
        "models/m.sql": "{{ config(materialized='table') }}select * from {{ source('files', 'people') }}",
    }


def test_source_renders_to_its_file_and_manifest_names_it(make_project: Any) -> None:
    project = make_project(_sources('{external_location: "data/{name}.csv", owner: me}'))
    project.ok("run")
    assert project.query("select * from main.m order by id") == [(1, "ann"), (2, "bob")]
    assert (project.target / "compiled/proj/models/m.sql").read_text().endswith("select * from 'data/people.csv'")
    source = project.manifest()["sources"]["source.proj.files.people"]
    assert source["relation_name"] == "'data/people.csv'"
    assert source["meta"] == source["config"]["meta"] == {"external_location": "data/{name}.csv", "owner": "me"}


def test_a_table_function_is_used_as_written(make_project: Any) -> None:
    project = make_project(_sources("{external_location: \"read_csv('data/people.csv', header = true)\"}"))
    project.ok("run")
    assert project.query("select count(*) from main.m") == [(2,)]


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ('{external_location: "data/{nope}.csv"}', "cannot format its external_location"),
        ('{external_location: "data/x.csv", formatter: fancy}', "formatter 'fancy'"),
        ("{plugin: gsheet}", "dagwright does not run dbt-duckdb plugins"),
    ],
)
def test_bad_external_sources_are_clear_errors(make_project: Any, meta: str, message: str) -> None:
    project = make_project(_sources(meta))
    result = project.run("run")
    assert result.code == 2, result
    assert message in result.output
    assert "models/sources.yml" in result.output
    assert "Traceback" not in result.output
