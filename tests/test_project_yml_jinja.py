"""Jinja in dbt_project.yml: values rendered when the project loads (env_var, --vars, target),
hooks left for run time, secrets refused. What dbt builds from such a project is compared in
tests/compat/projects/project_yml_jinja; these tests cover what needs no dbt."""

from __future__ import annotations

from typing import Any

from conftest import Project

PROJECT_YML = """\
name: proj
version: "1.0.0"
config-version: 2
profile: proj
models:
  proj:
    +schema: "{{ env_var('JINJA_TEST_SCHEMA') }}"
    +materialized: "{{ 'table' if target.name == 'dev' else 'view' }}"
    flagged:
      +enabled: "{{ var('flag', true) }}"
    hooked:
      +post-hook: "insert into {{ this }} values ('{{ target.type }}')"
"""


def _project(make_project: Any, project_yml: str = PROJECT_YML) -> Project:
    project = make_project(
        {
            "dbt_project.yml": project_yml,
            "models/flagged/flagged.sql": "select 1 as id\n",
            "models/hooked/hooked.sql": "select 'model' as source\n",
        }
    )
    project.env["JINJA_TEST_SCHEMA"] = "first"
    return project


def test_values_are_rendered_with_env_vars_vars_and_the_target(make_project: Any) -> None:
    project = _project(make_project)
    project.ok("run")
    assert project.tables() == {("main_first", "flagged"): "BASE TABLE", ("main_first", "hooked"): "BASE TABLE"}
    # the hook kept its Jinja until the model ran: {{ this }} is the model's table
    assert sorted(project.query("select source from main_first.hooked")) == [("duckdb",), ("model",)]

    # a changed variable is seen even though the project's files did not change (parse cache)
    project.env["JINJA_TEST_SCHEMA"] = "second"
    result = project.ok("run", "--vars", "{flag: false}")
    assert "1 of 1" in result.stdout  # flagged is disabled by the var, a native boolean
    assert ("main_second", "hooked") in project.tables()
    assert ("main_second", "flagged") not in project.tables()


def test_a_secret_env_var_is_refused_and_never_printed(make_project: Any) -> None:
    project = _project(make_project, PROJECT_YML.replace("JINJA_TEST_SCHEMA", "DBT_ENV_SECRET_SCHEMA"))
    project.env["DBT_ENV_SECRET_SCHEMA"] = "hunter2-secret-value"
    result = project.run("run")
    assert result.code == 2, str(result)
    assert "dbt_project.yml:7" in result.stderr, str(result)
    assert "DBT_ENV_SECRET_SCHEMA" in result.stderr and "profiles.yml" in result.stderr
    assert "hunter2" not in result.output
    assert "Traceback" not in result.output
    assert not project.db.exists()
    for path in project.root.rglob("*"):
        if path.is_file():
            assert b"hunter2" not in path.read_bytes(), path
