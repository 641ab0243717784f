"""store_failures / store_failures_as / --store-failures, end to end on DuckDB: what the
compat cases (store_failures, store_failures_flag) do not compare — the environment variable,
artifact fields, a bad store_failures_as, and that the stored rows are replaced by each run.
"""

from __future__ import annotations

from pathlib import Path

from conftest import write_project

MODELS = {
    "models/orders.sql": "select * from (values (1, 'a'), (2, 'b'), (2, 'x')) t(id, status)\n",
    "models/schema.yml": """\
        version: 2
        models:
          - name: orders
            columns:
              - name: id
                data_tests:
                  - unique
              - name: status
                data_tests:
                  - accepted_values:
                      arguments:
                        values: ['a', 'b']
                      config:
                        store_failures_as: "{{ var('kind', 'ephemeral') }}"
        """,
}
UNIQUE = "test.proj.unique_orders_id.1360ecc70e"
AUDIT = '"warehouse"."main_dbt_test__audit"'


def test_the_environment_variable_stores_failures_and_artifacts_name_the_relation(tmp_path: Path) -> None:
    project = write_project(tmp_path, MODELS)
    project.ok("run")
    project.env["DBT_STORE_FAILURES"] = "true"
    result = project.run("test")
    assert result.code == 1, str(result)
    assert project.query("select * from main_dbt_test__audit.unique_orders_id") == [(2, 2)]
    # store_failures_as: ephemeral: nothing stored, though the flag names its relation (as dbt)
    assert ("main_dbt_test__audit", "accepted_values_orders_status__a__b") not in project.tables()
    assert f'See test failures: select * from {AUDIT}."unique_orders_id"' in result.stdout
    results = {r["unique_id"]: r for r in project.run_results()["results"]}
    assert results[UNIQUE]["relation_name"] == f'{AUDIT}."unique_orders_id"'
    assert project.run_results()["args"]["store_failures"] is True
    node = project.manifest()["nodes"][UNIQUE]
    assert node["relation_name"] == f'{AUDIT}."unique_orders_id"'
    assert (node["config"]["store_failures"], node["config"]["store_failures_as"]) == (None, None)


def test_without_the_flag_a_test_names_no_relation_and_no_audit_schema_is_made(tmp_path: Path) -> None:
    project = write_project(tmp_path, MODELS)
    project.ok("run")
    assert project.run("test").code == 1
    results = {r["unique_id"]: r for r in project.run_results()["results"]}
    assert results[UNIQUE]["relation_name"] is None
    assert project.manifest()["nodes"][UNIQUE]["relation_name"] is None
    schemas = {s for (s,) in project.query("select schema_name from information_schema.schemata")}
    assert "main_dbt_test__audit" not in schemas


def test_each_run_replaces_the_stored_rows_and_the_kind(tmp_path: Path) -> None:
    project = write_project(tmp_path, MODELS)
    project.ok("run")
    assert project.run("test", "--vars", "{kind: view}").code == 1
    name = ("main_dbt_test__audit", "accepted_values_orders_status__a__b")
    assert project.tables()[name] == "VIEW"
    node = project.manifest()["nodes"]["test.proj.accepted_values_orders_status__a__b.b355593ca6"]
    assert (node["config"]["store_failures"], node["config"]["store_failures_as"]) == (True, "view")
    (tmp_path / "proj" / "models" / "orders.sql").write_text("select 1 as id, 'a' as status\n")
    project.ok("run")
    result = project.run("test", "--vars", "{kind: table}")
    assert result.code == 0, str(result)
    assert project.tables()[name] == "BASE TABLE"
    # the test passed: its relation is there, empty
    assert project.query(f"select count(*) from {name[0]}.{name[1]}") == [(0,)]
    assert not any(n.endswith("__dbt_tmp") or n.endswith("__dbt_backup") for _, n in project.tables())


def test_an_unknown_store_failures_as_fails_the_test_only(tmp_path: Path) -> None:
    project = write_project(tmp_path, MODELS)
    project.ok("run")
    result = project.run("test", "--vars", "{kind: tabel}")
    assert result.code == 1, str(result)
    statuses = {r["unique_id"]: (r["status"], r["message"]) for r in project.run_results()["results"]}
    status, message = statuses["test.proj.accepted_values_orders_status__a__b.b355593ca6"]
    assert status == "error"
    assert "'tabel' is not a valid value for `store_failures_as`" in message
    assert statuses[UNIQUE][0] == "fail"
