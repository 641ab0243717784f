"""Exposures, groups and access as dbt-core 1.11 has them (fields compared with dbt's own
manifest by tests/compat/test_manifest_fields.py; graph content by the compat case
manifest_graph): selection through exposures, the parse cache, and the errors dbt raises."""

from __future__ import annotations

from typing import Any

from conftest import Project

FILES = {
    "models/a.sql": "select 1 as id\n",
    "models/b.sql": "select * from {{ ref('a') }}\n",
    "models/c.sql": "select 2 as id\n",
    "models/schema.yml": """\
        version: 2
        groups:
          - name: core
            owner: {email: core@example.com}
        models:
          - name: a
            config: {group: core, access: private}
          - name: b
            group: core
        exposures:
          - name: dash
            type: dashboard
            owner: {name: Ann}
            depends_on: ["ref('b')"]
    """,
}


def _with_schema(project: Project, text: str) -> None:
    (project.root / "models" / "schema.yml").write_text(text, encoding="utf-8")


def test_exposure_selection_and_listing(make_project: Any) -> None:
    project: Project = make_project(FILES)
    result = project.ok("run", "-s", "+exposure:dash")
    assert project.statuses() == {"a": "success", "b": "success"}, str(result)
    assert project.ok("ls", "--resource-type", "exposure").stdout.split() == ["exposure:proj.dash"]
    manifest = project.manifest()
    assert manifest["exposures"]["exposure.proj.dash"]["depends_on"]["nodes"] == ["model.proj.b"]
    assert manifest["child_map"]["model.proj.b"] == ["exposure.proj.dash"]
    assert manifest["group_map"] == {"core": ["model.proj.a", "model.proj.b"]}
    # a cache hit gives the same exposures and groups
    project.ok("parse")
    cached = project.manifest()
    assert cached["exposures"].keys() == manifest["exposures"].keys()
    assert cached["groups"] == manifest["groups"]
    assert cached["parent_map"] == manifest["parent_map"]


def test_private_model_referenced_from_outside_its_group_is_an_error(make_project: Any) -> None:
    project: Project = make_project(FILES)
    (project.root / "models" / "d.sql").write_text("select * from {{ ref('a') }}\n", encoding="utf-8")
    result = project.run("parse")
    assert result.code == 2, str(result)
    assert "model.proj.d" in result.stderr and "private to group 'core'" in result.stderr
    assert "models/d.sql" in result.stderr


def test_undefined_group_and_bad_exposures_are_errors(make_project: Any) -> None:
    project: Project = make_project(FILES)
    _with_schema(project, "models:\n  - name: c\n    group: nowhere\n")
    result = project.run("parse")
    assert result.code == 2 and "group 'nowhere'" in result.stderr, str(result)
    for exposure, expected in (
        ("type: chart\n    owner: {name: x}", "'type' of exposure 'e'"),
        ("type: dashboard", "needs an 'owner'"),
        ("type: dashboard\n    owner: {name: x}\n    depends_on: [\"ref('nope')\"]", "ref('nope')"),
        ("type: dashboard\n    owner: {name: x}\n    depends_on: [\"ref('a')\"]", "private to group"),
        ("type: dashboard\n    owner: {name: x}\n    depends_on: [\"metric('nope')\"]", "metric('nope')"),
    ):
        _with_schema(
            project,
            "groups:\n  - name: core\n    owner: {name: x}\nmodels:\n  - name: a\n    access: private\n"
            f"    group: core\n  - name: b\n    group: core\nexposures:\n  - name: e\n    {exposure}\n",
        )
        result = project.run("parse")
        assert result.code == 2, str(result)
        assert expected in result.stderr and "models/schema.yml" in result.stderr, str(result)
