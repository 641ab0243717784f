"""Jinja in property files, rendered at parse time as dbt-core 1.11 renders it (values checked
against its manifest; tests/compat/projects/yaml_jinja compares the built tables with dbt's)."""

from __future__ import annotations

from typing import Any

from conftest import Project

FILES = {
    "models/m.sql": "select 1 as id, null as v\n",
    "models/switched_off.sql": "select 1 as id\n",
    "seeds/s.csv": "id,code\n1,007\n",
    "models/schema.yml": """\
        version: 2
        models:
          - name: m
            description: "for {{ target.name }}"
            config:
              tags: ["{{ 'tg' }}"]
              meta: {k: "{{ var('kv', 'dflt') }}", n: "{{ 1 + 1 }}", env: "{{ env_var('YAML_ENV', 'unset') }}"}
              pre-hook: "select '{{ this }}' as x"
              post_hook: "select '{{ this }}' as x"
            columns:
              - name: id
                description: "id {{ target.name }}"
                data_type: "{{ 'integer' }}"
                data_tests:
                  - not_null:
                      config:
                        enabled: "{{ target.name != 'dev' }}"
                  - unique:
                      config:
                        severity: "{{ 'warn' }}"
              - name: v
                data_tests:
                  - not_null:
                      config:
                        where: "{{ 'id > 5' }}"
                        limit: "{{ 5 }}"
                        meta: {a: "{{ 1 }}"}
                        tags: "{{ 'tt' }}"
          - name: switched_off
            config:
              enabled: "{{ target.name != 'dev' }}"
        seeds:
          - name: s
            config:
              column_types:
                code: "{{ 'varchar' }}"
              quote_columns: "{{ target.name == 'x' }}"
    """,
}


def _nodes(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {v["name"]: v for v in manifest["nodes"].values()}
    out.update({v[0]["name"]: v[0] for v in manifest["disabled"].values()})
    return out


def test_property_values_render_as_dbt_renders_them(make_project: Any) -> None:
    project: Project = make_project(FILES)
    project.ok("build")
    nodes = _nodes(project.manifest())
    model = nodes["m"]
    config = model["config"]
    assert config["tags"] == ["tg"]
    # a constant expression comes out as text (Jinja folds it), as in dbt
    assert config["meta"] == {"k": "dflt", "n": "2", "env": "unset"}
    # dbt leaves only the underscore spelling for later: pre-hook is rendered here, `this` undefined
    assert config["pre-hook"][0]["sql"] == "select '' as x"
    assert config["post-hook"][0]["sql"] == "select '{{ this }}' as x"
    assert model["description"] == "for dev"
    assert model["columns"]["id"]["description"] == "id dev"
    assert model["columns"]["id"]["data_type"] == "integer"
    # a test dbt disables is not run; a severity from Jinja applies
    assert nodes["not_null_m_id"]["config"]["enabled"] is False
    assert nodes["unique_m_id"]["config"]["severity"] == "warn"
    # only the strings directly under a test's config are rendered
    v_test = nodes["not_null_m_v"]["config"]
    assert (v_test["where"], v_test["limit"], v_test["meta"], v_test["tags"]) == ("id > 5", 5, {"a": "{{ 1 }}"}, ["tt"])
    assert nodes["switched_off"]["config"]["enabled"] is False
    assert nodes["s"]["config"]["column_types"] == {"code": "varchar"}
    assert nodes["s"]["config"]["quote_columns"] is False
    assert project.query("select code from main.s") == [("007",)]
    statuses = {r["unique_id"].split(".")[2]: r["status"] for r in project.run_results()["results"]}
    assert statuses == {"m": "success", "s": "success", "unique_m_id": "pass", "not_null_m_v": "pass"}


def test_env_var_read_by_a_property_file_is_part_of_the_parse_cache_key(make_project: Any) -> None:
    project: Project = make_project(FILES)
    project.ok("parse")
    assert _nodes(project.manifest())["m"]["config"]["meta"]["env"] == "unset"
    project.env["YAML_ENV"] = "from_env"
    project.ok("parse")
    assert _nodes(project.manifest())["m"]["config"]["meta"]["env"] == "from_env"


def test_enabled_that_renders_as_text_is_an_error(make_project: Any) -> None:
    """dbt: "'False' is not of type 'boolean'"; reading the text as true would run a disabled test."""
    files = dict(FILES)
    files["models/schema.yml"] = """\
        version: 2
        models:
          - name: m
            columns:
              - name: id
                data_tests:
                  - not_null:
                      config:
                        enabled: "{{ false }}"
    """
    result = make_project(files).run("parse")
    assert result.code == 2, str(result)
    assert "models/schema.yml" in result.stderr and "'enabled'" in result.stderr and "'False'" in result.stderr


def test_ref_and_secrets_are_not_available_in_property_files(make_project: Any) -> None:
    files = {
        "models/m.sql": "select 1 as id\n",
        "models/schema.yml": """\
            version: 2
            models:
              - name: m
                config:
                  meta: {r: "{{ ref('m') }}"}
        """,
    }
    project: Project = make_project(files)
    result = project.run("parse")
    assert result.code == 2, str(result)
    assert "models/schema.yml" in result.stderr and "schema.yml:5:" in result.stderr and "ref" in result.stderr
    (project.root / "models" / "schema.yml").write_text(
        "version: 2\nmodels:\n  - name: m\n    config:\n      meta: {s: \"{{ env_var('DBT_ENV_SECRET_X', 'a') }}\"}\n",
        encoding="utf-8",
    )
    result = project.run("parse")
    assert result.code == 2, str(result)
    assert "DBT_ENV_SECRET_X" in result.stderr and "secret" in result.stderr
