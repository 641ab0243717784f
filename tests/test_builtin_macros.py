"""dbt's global macros by bare name and as ``dbt.<name>`` (issue 14, item 5). What they render is
checked against dbt by tests/compat (builtin_macro_names); these tests cover what dbt cannot
show: a dbt macro dagwright does not define fails naming it, not as a Jinja "undefined"."""

from __future__ import annotations


def test_a_dbt_macro_dagwright_lacks_is_a_clear_error_by_bare_name(make_project) -> None:
    project = make_project({"models/m.sql": "{% call set_sql_header(config) %}set x = 1;{% endcall %}\nselect 1 as x"})
    result = project.run("run")
    assert result.code == 2, result
    assert "dbt's built-in macro 'set_sql_header' is not supported by dagwright yet" in result.stderr
    assert "models/m.sql" in result.stderr
    assert "undefined" not in result.stderr


def test_a_dbt_macro_dagwright_lacks_is_a_clear_error_as_dbt_name(make_project) -> None:
    project = make_project(
        {"models/m.sql": ("{% if execute %}{{ dbt.get_merge_sql(this, this, none, []) }}{% endif %}\nselect 1 as x")}
    )
    result = project.run("run")
    assert result.code == 1, result
    message = project.run_results()["results"][0]["message"]
    assert "dbt's built-in macro 'get_merge_sql' is not supported by dagwright yet" in message


def test_a_project_macro_of_a_dbt_name_wins(make_project) -> None:
    project = make_project(
        {
            "macros/m.sql": "{% macro set_sql_header(config) %}{% set ignored = caller() %}{% endmacro %}",
            "models/m.sql": "{% call set_sql_header(config) %}ignored{% endcall %}\nselect 1 as x",
        }
    )
    project.ok("run")
    assert project.query("select x from m") == [(1,)]


def test_names_are_computed_without_jinja_unless_the_project_defines_them(make_project, monkeypatch) -> None:
    # the built-in generate_*_name macros exist, but the names stay on the Python path
    from dagwright.parse.names import NameGenerator
    from dagwright.session import Flags, Session

    project = make_project({"models/m.sql": "{{ config(schema='s') }}\nselect 1 as x"})
    monkeypatch.setenv("DAGWRIGHT_DEMO_DB", str(project.db))
    session = Session(Flags("parse", project_dir=str(project.root), profiles_dir=str(project.root)))
    node = session.manifest.nodes["model.proj.m"]
    assert node.schema == "main_s" and node.alias == "m"
    names = NameGenerator(session.run_context, "main", None)
    assert not any(names._custom.values())
