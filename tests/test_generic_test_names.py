"""Generic tests named, configured and filed as dbt-core 1.11 does (values checked against its output)."""

from __future__ import annotations

from typing import Any

from conftest import Project

LONG_MODEL = "orders_with_a_rather_long_model_name"
LONG_COLUMN = "very_long_column_name_for_testing_purposes"
LONG_NOT_NULL = f"not_null_{LONG_MODEL}_{LONG_COLUMN}"
# what dbt 1.11 gives this test: the alias and file name are <first 30 chars>_<md5 of the full name>
LONG_NOT_NULL_SHORT = "not_null_orders_with_a_rather__87faf900c6939535f155a25dc3cfd0ee"
LONG_UNIQUE_SHORT = "unique_orders_with_a_rather_lo_4e248f6553e4fa1c5e248b9785ea08e7"

FILES = {
    "dbt_project.yml": """
        name: tn
        version: '1.0'
        profile: proj
        models:
          tn:
            +materialized: table
            proj_off:
              +enabled: false
        """,
    f"models/{LONG_MODEL}.sql": f"select 1 as id, 'x' as {LONG_COLUMN} union all select 2, 'x' "
    "union all select 3, null",
    "models/disabled_one.sql": "{{ config(enabled=false) }} select 1 as id",
    "models/proj_off.sql": "select 1 as id",
    "models/schema.yml": f"""
        version: 2
        models:
          - name: {LONG_MODEL}
            columns:
              - name: {LONG_COLUMN}
                data_tests:
                  - not_null:
                      config:
                        severity: error
                  - unique:
                      config:
                        severity: warn
              - name: id
                data_tests:
                  - accepted_values:
                      arguments:
                        values: [1, 2, 3]
                      config:
                        severity: Warn
          - name: disabled_one
            columns:
              - name: id
                data_tests: [not_null]
          - name: missing_model
            columns:
              - name: id
                data_tests: [unique]
          - name: proj_off
            columns:
              - name: id
                data_tests:
                  - not_null
                  - unique:
                      config:
                        enabled: false
        """,
    "snapshots/snaps.yml": f"""
        snapshots:
          - name: snap_one
            relation: ref('{LONG_MODEL}')
            config:
              unique_key: id
              strategy: check
              check_cols: all
            columns:
              - name: id
                data_tests: [not_null]
        """,
}


def _by_name(nodes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["name"]: n for n in nodes.values()}


def test_long_names_severity_and_tests_of_missing_models_as_dbt_has_them(make_project: Any) -> None:
    project: Project = make_project(FILES)
    result = project.run("build")
    assert result.code == 1, str(result)  # the not_null test fails; a lower-case 'warn' only warns

    manifest = project.manifest()
    tests = _by_name({k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "test"})
    long_test = tests[LONG_NOT_NULL]
    assert long_test["unique_id"] == f"test.tn.{LONG_NOT_NULL}.fbdc58620a"
    assert long_test["fqn"] == ["tn", LONG_NOT_NULL]
    assert long_test["alias"] == long_test["config"]["alias"] == LONG_NOT_NULL_SHORT
    assert long_test["path"] == f"{LONG_NOT_NULL_SHORT}.sql"
    assert long_test["compiled_path"] == f"target/compiled/tn/models/schema.yml/{LONG_NOT_NULL_SHORT}.sql"
    # severity as written, compared case-insensitively
    assert long_test["config"]["severity"] == "error"
    assert tests[f"unique_{LONG_MODEL}_{LONG_COLUMN}"]["config"]["severity"] == "warn"
    assert tests[f"accepted_values_{LONG_MODEL}_id__1__2__3"]["config"]["severity"] == "Warn"
    statuses = {r["unique_id"].split(".")[2]: r["status"] for r in project.run_results()["results"]}
    assert statuses[LONG_NOT_NULL] == "fail"
    assert statuses[f"unique_{LONG_MODEL}_{LONG_COLUMN}"] == "warn"
    assert statuses[f"accepted_values_{LONG_MODEL}_id__1__2__3"] == "pass"

    # compiled files: a folder named after the YAML file, one file per test; a YAML snapshot
    # in a folder of its own path, so tests in the same YAML file do not collide with it
    project.ok("build", "--select", "snap_one+")  # skipped above, after the model's failed test
    compiled = project.target / "compiled" / "tn"
    assert (compiled / "models" / "schema.yml" / f"{LONG_UNIQUE_SHORT}.sql").is_file()
    assert (compiled / "snapshots" / "snaps.yml" / "not_null_snap_one_id.sql").is_file()
    assert (compiled / "snapshots" / "snaps.yml" / "snaps.yml" / "snap_one.sql").is_file()

    # tests of a missing or disabled model: in nodes, disabled, with no parents; never run
    for name, attached in (
        ("not_null_disabled_one_id", "model.tn.disabled_one"),
        ("unique_missing_model_id", None),
        ("not_null_proj_off_id", "model.tn.proj_off"),
    ):
        test = tests[name]
        assert test["config"]["enabled"] is False
        assert test["attached_node"] == attached
        assert test["depends_on"]["nodes"] == []
        assert manifest["parent_map"][test["unique_id"]] == []
        assert name not in statuses
    # a test disabled in its own config is under 'disabled', as dbt lists it
    disabled = manifest["disabled"]["test.tn.unique_proj_off_id.31e090689e"][0]
    assert disabled["attached_node"] == "model.tn.proj_off"

    listed = project.ok("ls", "--resource-type", "test").stdout
    assert "not_null_disabled_one_id" not in listed and "unique_missing_model_id" not in listed
    assert f"tn.{LONG_NOT_NULL}" in listed


def test_selecting_by_severity_ignores_case(make_project: Any) -> None:
    project: Project = make_project(FILES)
    listed = project.ok("ls", "--select", "config.severity:WARN", "--output", "name").stdout.split()
    assert sorted(n for n in listed if n.startswith(("unique", "accepted"))) == [
        f"accepted_values_{LONG_MODEL}_id__1__2__3",
        f"unique_{LONG_MODEL}_{LONG_COLUMN}",
    ]
