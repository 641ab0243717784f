"""A generic test's arguments written with Jinja are compiled once per shape (their string
literals passed as values), and render as if each was compiled as written."""

from __future__ import annotations

from typing import Any

from conftest import Project

FILES = {
    "models/a.sql": "select 1 as id",
    "models/b.sql": "select 1 as id",
    "macros/tests.sql": """
        {% test shows(model, column_name, label, other) %}
        select '{{ label }}' as label, '{{ other }}' as other from {{ model }} where 1 = 0
        {% endtest %}
    """,
    "models/schema.yml": """
        version: 2
        models:
          - name: a
            columns:
              - name: id
                data_tests:
                  - shows:
                      label: "{{ 'first' ~ \\"-second\\" }}"
                      other: "ref('b')"
          - name: b
            columns:
              - name: id
                data_tests:
                  - shows:
                      label: "{{ 'adjacent' 'literals' }}"
                      other: "{{ var('who', 'nobody') }}"
                  - relationships:
                      arguments:
                        to: ref('a')
                        field: id
    """,
}


def compiled_tests(p: Project) -> dict[str, str]:
    tests: dict[str, Any] = {
        n["name"]: n["compiled_code"] for n in p.manifest()["nodes"].values() if n["resource_type"] == "test"
    }
    return tests


def test_arguments_of_one_shape_render_each_with_its_own_literals(make_project: Any) -> None:
    p = make_project(FILES)
    p.ok("compile")
    tests = compiled_tests(p)
    a = next(sql for name, sql in tests.items() if name.startswith("shows_a_"))
    b = next(sql for name, sql in tests.items() if name.startswith("shows_b_"))
    assert "'first-second' as label" in a
    assert '"main"."b"\' as other' in a
    assert "'adjacentliterals' as label" in b
    assert "'nobody' as other" in b
    relationships = next(sql for name, sql in tests.items() if name.startswith("relationships_b_"))
    assert '"a"' in relationships and '"b"' in relationships
    p.ok("build")  # and they run
