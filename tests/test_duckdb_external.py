"""dbt-duckdb's own surface (issue 18): sources read from files (``external_location``), the
``external`` materialization and the DuckDB profile keys. The compat cases
``duckdb_external_sources`` and ``duckdb_external_models`` compare the tables with dbt's."""

from __future__ import annotations

import textwrap
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


def _external(config: str, sql: str = "select 1 as id, 'a' as name") -> dict[str, str]:
    return {"models/x.sql": "{{ config(materialized='external', " + config + ") }}\n" + sql}


def test_external_model_writes_its_file_and_reads_it_back(make_project: Any) -> None:
    project = make_project(_external("location='out.csv', delimiter='|'"))
    project.ok("run")
    written = (project.root / "out.csv").read_text()
    assert written.splitlines() == ["id|name", "1|a"]
    assert [p.name for p in project.root.iterdir() if p.name.startswith("__dbt_")] == []
    assert project.manifest()["nodes"]["model.proj.x"]["config"]["materialized"] == "external"
    assert project.statuses() == {"x": "success"}


def test_a_failed_write_keeps_the_last_good_file(make_project: Any) -> None:
    project = make_project(_external("location='out.parquet'"))
    project.ok("run")
    good = (project.root / "out.parquet").read_bytes()
    # the same location, now with a COPY option DuckDB refuses: the write fails
    (project.root / "models/x.sql").write_text(
        "{{ config(materialized='external', location='out.parquet', options={'no_such_option': 1}) }}\nselect 2 as id"
    )
    result = project.run("run")
    assert result.code == 1, result
    assert (project.root / "out.parquet").read_bytes() == good
    assert [p.name for p in project.root.iterdir() if p.name.startswith("__dbt_")] == []


def test_an_invalid_format_fails_the_model(make_project: Any) -> None:
    project = make_project(_external("location='out.xml', format='xml'"))
    result = project.run("run")
    assert result.code == 1, result
    assert "invalid format 'xml'" in result.output
    assert not (project.root / "out.xml").exists()


def test_external_root_is_the_default_folder(make_project: Any) -> None:
    files = _external("format='csv'")
    files["profiles.yml"] = """\
        proj:
          target: dev
          outputs:
            dev:
              type: duckdb
              path: "{{ env_var('DAGWRIGHT_DEMO_DB') }}"
              external_root: exports
    """
    project = make_project(files)
    (project.root / "exports").mkdir()
    project.ok("run")
    assert (project.root / "exports/x.csv").read_text().splitlines() == ["id,name", "1,a"]


def test_register_upstream_external_models_creates_views_over_the_files(make_project: Any) -> None:
    files = _external("location='out.csv'")
    files["models/down.sql"] = "{{ config(materialized='table') }}select count(*) as n from {{ ref('x') }}"
    files["dbt_project.yml"] = """\
        name: proj
        profile: proj
        on-run-start: ["{{ register_upstream_external_models() }}"]
    """
    project = make_project(files)
    project.ok("run", "-s", "x")
    project.query("select 1")  # the database exists
    import duckdb

    with duckdb.connect(str(project.db)) as conn:
        conn.execute("drop view main.x")
    project.ok("run", "-s", "down")
    assert project.query("select n from main.down") == [(1,)]
    assert project.tables()[("main", "x")] == "VIEW"


def _with_target(keys: str, files: dict[str, str]) -> dict[str, str]:
    """``files`` with a DuckDB profile whose target also sets ``keys`` (YAML, 6 spaces deep)."""
    profile = """\
        proj:
          target: dev
          outputs:
            dev:
              type: duckdb
              path: "{{ env_var('DAGWRIGHT_DEMO_DB') }}"
    """
    text = textwrap.dedent(profile) + "".join(f"      {line}\n" for line in keys.splitlines())
    return {**files, "profiles.yml": text}


def test_settings_are_set_on_every_connection(make_project: Any) -> None:
    sql = "{{ config(materialized='table') }}select current_setting('max_expression_depth') as depth"
    project = make_project(_with_target("settings: {max_expression_depth: 321}", {"models/m.sql": sql}))
    project.ok("run")
    assert project.query("select depth::int from main.m") == [(321,)]


def test_a_bad_setting_is_a_clear_error_without_its_value(make_project: Any) -> None:
    project = make_project(_with_target("settings: {threads: not-a-number-s3cret}", {"models/m.sql": "select 1 as x"}))
    result = project.run("run")
    assert result.code == 2, result
    assert "setting `threads`" in result.output
    assert "s3cret" not in result.output


def test_attached_databases_are_readable(make_project: Any, tmp_path: Any) -> None:
    import duckdb

    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as conn:
        conn.execute("create table t as select 42 as answer")
    sql = "{{ config(materialized='table') }}select * from other.main.t"
    keys = f"attach:\n  - path: '{other}'\n    alias: other\n    read_only: true"
    project = make_project(_with_target(keys, {"models/m.sql": sql}))
    project.ok("run")
    assert project.query("select answer from main.m") == [(42,)]


def test_extensions_are_loaded_and_a_missing_one_is_a_clear_error(make_project: Any) -> None:
    sql = "{{ config(materialized='table') }}select (json_object('a', 1))->>'a' as a"
    project = make_project(_with_target("extensions: [json]", {"models/m.sql": sql}))
    project.ok("run")
    assert project.query("select a from main.m") == [("1",)]
    project = make_project(_with_target("extensions: [no_such_extension]", {"models/m.sql": sql}))
    result = project.run("run")
    assert result.code == 2, result
    assert "DuckDB extension 'no_such_extension'" in result.output


@pytest.mark.parametrize("key", ["plugins: [{module: excel}]", "secrets: [{type: s3}]", "filesystems: [{fs: s3}]"])
def test_keys_dagwright_does_not_implement_are_refused(make_project: Any, key: str) -> None:
    project = make_project(_with_target(key, {"models/m.sql": "select 1 as x"}))
    result = project.run("run")
    assert result.code == 2, result
    assert f"does not implement dbt-duckdb's `{key.split(':')[0]}`" in result.output
    assert not project.db.exists()


def test_keys_that_change_no_result_are_named_in_the_warning(make_project: Any) -> None:
    project = make_project(_with_target("retries: {connect_attempts: 2}", {"models/m.sql": "select 1 as x"}))
    result = project.ok("run")
    assert "retries (dbt-duckdb profile keys)" in result.output
