"""Bad input: exit code 2, a message naming the file (and line) and the problem, no
traceback, and nothing written (no DuckDB file, no run_results.json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import DEFAULT_PROJECT_YML as PROJECT_YML
from conftest import Project, write_project

GOOD_MODELS = {
    "models/a_model.sql": "select 1 as id\n",
    "models/b_model.sql": "select id from {{ ref('a_model') }}\n",
}


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str | None] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    #: every one of these must appear in stderr
    expect: tuple[str, ...] = ()
    #: run from this folder (relative to the tmp dir) with --project-dir pointing at it
    empty_project_dir: bool = False


CASES = [
    Case(
        "yaml-dbt_project",
        {"dbt_project.yml": "name: proj\nprofile: proj\nversion: 1.0: x\nmodels: {}\n"},
        expect=("dbt_project.yml:3", "invalid YAML", "mapping values are not allowed"),
    ),
    Case(
        "yaml-properties",
        {
            "models/schema.yml": ("version: 2\nmodels:\n  - name: a_model\n    description: fine\n   columns: oops\n"),
        },
        expect=("models/schema.yml:5", "invalid YAML", "did not find expected '-' indicator"),
    ),
    Case(
        "yaml-profiles",
        {"profiles.yml": "proj:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: a: b\n"},
        expect=("profiles.yml:6", "invalid YAML", "mapping values are not allowed"),
    ),
    Case(
        "jinja-syntax",
        {"models/b_model.sql": "-- line 1\nselect id\nfrom {{ ref('a_model' }}\n"},
        expect=("models/b_model.sql:3", "Jinja syntax error"),
    ),
    Case(
        "unknown-ref",
        {"models/b_model.sql": "select id\nfrom {{ ref('a_modle') }}\n"},
        expect=("models/b_model.sql:2", "a_modle", "did you mean 'a_model'"),
    ),
    Case(
        "unknown-source",
        {
            "models/b_model.sql": "select 1 as id\n-- comment\nunion all select id from {{ source('raw', 'orders') }}",
            "models/sources.yml": "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: customers\n",
        },
        expect=("models/b_model.sql:3", "source('raw', 'orders')"),
    ),
    Case(
        "cycle",
        {
            "models/a_model.sql": "select * from {{ ref('c_model') }}\n",
            "models/b_model.sql": "select * from {{ ref('a_model') }}\n",
            "models/c_model.sql": "select * from {{ ref('b_model') }}\n",
        },
        expect=("cycle", "model.proj.a_model", "model.proj.b_model", "model.proj.c_model"),
    ),
    Case(
        "duplicate-name",
        {
            "models/one/dup.sql": "select 1 as id\n",
            "models/two/dup.sql": "select 2 as id\n",
        },
        expect=("dup", "models/one/dup.sql", "models/two/dup.sql"),
    ),
    Case(
        "materialization-dagwright-does-not-build",
        {"models/b_model.sql": "{{ config(materialized='clone') }}\nselect 1 as id\n"},
        expect=("models/b_model.sql", "materialization 'clone' is not implemented by dagwright"),
    ),
    Case(
        "missing-profile",
        {"dbt_project.yml": "name: proj\nprofile: no_such_profile\n"},
        expect=("profiles.yml", "profile 'no_such_profile' not found"),
    ),
    Case("missing-target", args=("-t", "nope"), expect=("profiles.yml", "no target 'nope'")),
    Case(
        "unknown-adapter",
        {
            "profiles.yml": (
                "proj:\n  target: dev\n  outputs:\n    dev:\n      type: postgress\n"
                "      path: \"{{ env_var('DAGWRIGHT_DEMO_DB') }}\"\n"
            )
        },
        expect=("profiles.yml:5", "unknown adapter type 'postgress'"),
    ),
    Case("missing-dbt_project", empty_project_dir=True, expect=("no dbt_project.yml found", "empty")),
    Case("vars-not-a-mapping", args=("--vars", "[1, 2]"), expect=("--vars", "mapping")),
    Case(
        "unknown-selector-method",
        args=("-s", "tga:x"),
        expect=("unknown selection method 'tga'", "did you mean 'tag'"),
    ),
    # the parser's mark at the end of a file lies on a line after the last one
    Case(
        "yaml-unclosed-quote-at-end",
        {"models/schema.yml": 'version: 2\nmodels:\n  - name: a_model\n    description: "never closed\n'},
        expect=("models/schema.yml:4:", "invalid YAML", "end of stream"),
    ),
    Case(
        "yaml-unclosed-bracket-at-end",
        {"models/schema.yml": "version: 2\nmodels:\n  - name: a_model\n    tags: [a, b\n\n\n"},
        expect=("models/schema.yml:4:", "invalid YAML", "at the end of the file"),
    ),
    Case(
        "yaml-profiles-at-end",
        {"profiles.yml": "proj:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: 'x.duckdb\n"},
        expect=("profiles.yml:6:", "invalid YAML"),
    ),
    Case(
        "project-jinja-env-var-missing",
        {"dbt_project.yml": PROJECT_YML + "models:\n  proj:\n    +schema: \"{{ env_var('NOT_SET_ANYWHERE') }}\"\n"},
        expect=("dbt_project.yml:7", "models.proj.+schema", "NOT_SET_ANYWHERE"),
    ),
    Case(
        "project-jinja-var-missing",
        {"dbt_project.yml": PROJECT_YML + "models:\n  proj:\n    +enabled: \"{{ var('flag') }}\"\n"},
        expect=("dbt_project.yml:7", "var('flag') is not defined", "--vars"),
    ),
    Case(
        "project-jinja-syntax",
        {"dbt_project.yml": PROJECT_YML + "seeds:\n  +materialized: \"{{ 'table' if }}\"\n"},
        expect=("dbt_project.yml:6", "seeds.+materialized", "Jinja syntax error"),
    ),
    Case(
        "same-relation-seed-and-model",
        {"seeds/a_table.csv": "id\n1\n", "models/c_model.sql": "{{ config(alias='a_table') }}\nselect 1 as id\n"},
        expect=(
            "database representation",
            "model.proj.c_model (models/c_model.sql)",
            "seed.proj.a_table (seeds/a_table.csv)",
        ),
    ),
    Case(
        "same-relation-two-models",
        {
            "models/one/c_model.sql": "{{ config(schema='x', alias='shared') }}\nselect 1 as id\n",
            "models/two/d_model.sql": "{{ config(schema='x', alias='shared') }}\nselect 2 as id\n",
        },
        expect=('"main_x"."shared"', "models/one/c_model.sql", "models/two/d_model.sql"),
    ),
]


def _setup(tmp_path: Path, case: Case) -> tuple[Project, tuple[str, ...]]:
    project = write_project(tmp_path, {**GOOD_MODELS, **case.files})
    args = ("run", *case.args)
    if case.empty_project_dir:
        empty = tmp_path / "empty"
        empty.mkdir()
        args = (*args, "--project-dir", str(empty))
    return project, args


def _assert_nothing_written(project: Project, tmp_path: Path) -> None:
    assert not project.db.exists(), "a DuckDB file was created"
    assert not list(tmp_path.rglob("*.duckdb")), list(tmp_path.rglob("*.duckdb"))
    assert not (project.target / "run_results.json").exists()
    assert not list(tmp_path.rglob("run_results.json"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    project, args = _setup(tmp_path, case)
    result = project.run(*args)
    assert result.code == 2, str(result)
    assert "Traceback" not in result.output, str(result)
    assert "Internal error" not in result.output, str(result)
    for text in case.expect:
        assert text in result.stderr, f"{text!r} not in stderr\n{result}"
    _assert_nothing_written(project, tmp_path)


def test_good_project_runs(tmp_path: Path) -> None:
    """The baseline every bad case starts from is fine."""
    project = write_project(tmp_path, GOOD_MODELS)
    result = project.run("run")
    assert result.code == 0, str(result)
    assert project.query("select id from b_model") == [(1,)]


def test_debug_shows_a_traceback(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "unknown-ref")
    project, args = _setup(tmp_path, case)
    result = project.run(*args, "--debug")
    assert result.code == 2, str(result)
    assert "Traceback (most recent call last)" in result.stderr
    assert "did you mean 'a_model'" in result.stderr
    _assert_nothing_written(project, tmp_path)
