"""dbt features dagwright does not implement are never ignored in silence.

Where ignoring one would change an outcome, the command stops with exit 2 before anything runs
(no DuckDB file is created, no run_results.json written), naming the file, the line where known,
the feature and what to do; dbt's own way out then works. What does not change an outcome is
counted in one warning line after parsing. (tests/compat/projects/unsupported_present and
require_dbt_version compare the same projects with dbt-core itself.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import DEFAULT_PROJECT_YML as PROJECT_YML
from conftest import Project, write_project

MODELS = {
    "models/a_model.sql": "select 1 as id\n",
    "models/b_model.sql": "select id from {{ ref('a_model') }}\n",
}
PY_MODEL = """\
import pandas


def model(dbt, session):
    dbt.config(materialized="table", tags=["py"])
    return dbt.ref("a_model").df()
"""
MATERIALIZATION = """\
{% materialization copy_of_table, default %}
  {% call statement('main') -%} create table {{ this }} as {{ sql }} {%- endcall %}
  {{ return({'relations': [this]}) }}
{% endmaterialization %}
"""
UNIT_TEST_YML = """\
version: 2
models:
  - name: b_model
unit_tests:
  - name: b_keeps_ids
    model: b_model
    given:
      - input: ref('a_model')
        rows: [{id: 1}]
    expect:
      rows: [{id: 1}]
"""
#: engines that do not run Python models (no server needed: the refusal comes before a connection);
#: Spark runs them (tests/spark/test_spark_python_models.py)
POSTGRES_PROFILES_YML = """\
proj:
  target: dev
  outputs:
    dev: {type: postgres, host: 127.0.0.1, port: 9, user: u, password: p, dbname: d, schema: s, threads: 1}
"""
BIGQUERY_PROFILES_YML = """\
proj:
  target: dev
  outputs:
    dev: {type: bigquery, method: oauth, project: p, dataset: d, threads: 1}
"""


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str]
    args: tuple[str, ...]
    #: each must appear in stderr
    expect: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    #: this command (the way out dbt also accepts) then works
    way_out: tuple[str, ...] | None = None


ERRORS = [
    Case(
        "python-model-postgres",
        {"models/py_model.py": PY_MODEL, "profiles.yml": POSTGRES_PROFILES_YML},
        ("run",),
        ("models/py_model.py", "model 'py_model' is a Python model: dbt-postgres has no Python models", "file:*.py"),
    ),
    Case(
        "python-model-compile-bigquery",
        {"models/py_model.py": PY_MODEL, "profiles.yml": BIGQUERY_PROFILES_YML},
        ("compile", "-s", "py_model"),
        ("models/py_model.py", "dbt-bigquery runs them on Dataproc"),
    ),
    Case(
        "seed-materialization-replaced-by-the-project",
        {
            "macros/seed.sql": MATERIALIZATION.replace("copy_of_table", "seed"),
            "seeds/s.csv": "id\n1\n",
        },
        ("seed",),
        ("seeds/s.csv", "materialized 'seed'", "macros/seed.sql:1", "custom materialization"),
        way_out=("run",),  # models: custom materializations of models run (materialize/custom.py)
    ),
    Case(
        "microbatch-with-the-project's-own-macro",
        {
            "models/c_model.sql": (
                "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts', "
                "begin='2024-01-01', batch_size='day') }}\nselect 1 as ts"
            ),
            "macros/mb.sql": "{% macro get_incremental_microbatch_sql(arg_dict) %}select 1{% endmacro %}",
        },
        ("run",),
        ("models/c_model.sql", "defines its own get_incremental_microbatch_sql (macros/mb.sql)"),
        way_out=("run", "--exclude", "c_model"),
    ),
    Case(
        "grants-of-a-function",
        {
            "functions/f.sql": "select 1",
            "functions/f.yml": "functions:\n  - {name: f, config: {grants: {x: [y]}}, returns: {data_type: int}}\n",
        },
        ("build",),
        ("functions/f.sql", "function 'f' sets grants", "grants and persist_docs of functions"),
        way_out=("build", "--exclude", "f"),
    ),
    Case(
        "aggregate-function-on-bigquery",
        {
            "functions/f.sql": "select x",
            "functions/f.yml": "functions:\n  - {name: f, config: {type: aggregate}, returns: {data_type: int64}}\n",
            "profiles.yml": BIGQUERY_PROFILES_YML,
        },
        ("build",),
        ("functions/f.sql", "is a sql aggregate function", "dbt-bigquery would create it"),
    ),
    Case(
        "on-run-start-failure-skips-nodes",
        {"dbt_project.yml": PROJECT_YML + "flags:\n  skip_nodes_if_on_run_start_fails: true\n"},
        ("run",),
        ("skip_nodes_if_on_run_start_fails",),
    ),
]


def _assert_nothing_ran(project: Project) -> None:
    assert not project.db.exists(), "a statement reached the warehouse (the DuckDB file exists)"
    assert not (project.target / "run_results.json").exists()
    assert not (project.target / "compiled").exists()


@pytest.mark.parametrize("case", ERRORS, ids=[c.id for c in ERRORS])
def test_stops_before_anything_runs(case: Case, tmp_path: Path) -> None:
    project = write_project(tmp_path, {**MODELS, **case.files})
    project.env.update(case.env)
    result = project.run(*case.args)
    assert result.code == 2, str(result)
    assert "Traceback" not in result.output and "Internal error" not in result.output, str(result)
    assert "not implement" in result.stderr, str(result)
    for text in case.expect:
        assert text in result.stderr, f"{text!r} not in stderr\n{result}"
    _assert_nothing_ran(project)
    if case.way_out is not None:
        assert project.run(*case.way_out).code == 0, str(project.run(*case.way_out))


def test_several_uses_are_listed_together(tmp_path: Path) -> None:
    files = {
        **MODELS,
        "models/py_model.py": PY_MODEL,
        "profiles.yml": POSTGRES_PROFILES_YML,
        "macros/seed.sql": MATERIALIZATION.replace("copy_of_table", "seed"),
        "seeds/s.csv": "id\n1\n",
        "dbt_project.yml": PROJECT_YML + "flags:\n  skip_nodes_if_on_run_start_fails: true\n",
    }
    result = write_project(tmp_path, files).run("build")
    assert result.code == 2, str(result)
    for text in ("3 uses of dbt features", "models/py_model.py", "seeds/s.csv", "skip_nodes_if_on_run_start"):
        assert text in result.stderr, str(result)


# -- parsed, listed, not refused -------------------------------------------------------------


def test_python_model_is_a_node_that_refs_resolve_to(tmp_path: Path) -> None:
    files = {**MODELS, "models/py_model.py": PY_MODEL, "models/c_model.sql": "select * from {{ ref('py_model') }}"}
    project = write_project(tmp_path, files)
    project.ok("parse")
    nodes = project.manifest()["nodes"]
    node = nodes["model.proj.py_model"]
    assert (node["language"], node["original_file_path"], node["config"]["materialized"]) == (
        "python",
        "models/py_model.py",
        "table",
    )
    assert node["depends_on"]["nodes"] == ["model.proj.a_model"]
    assert node["tags"] == ["py"]
    assert nodes["model.proj.c_model"]["depends_on"]["nodes"] == ["model.proj.py_model"]
    assert "proj.py_model" in project.ok("ls").stdout.split()
    # on DuckDB it runs (tests/test_python_models.py), with the models downstream of it
    project.ok("run", "-s", "+py_model+")
    assert project.query("select count(*) from main.c_model") == [(1,)]


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("def model(dbt):\n    return 1\n", "it takes two arguments"),
        ("def model(dbt, session):\n    return dbt.ref(name)\n", "must be literal values"),
        ("def model(dbt, session)\n    return 1\n", "models/p.py:1: Python syntax error"),
        ("x = 1\n", "exactly one function 'model'"),
    ],
)
def test_python_model_errors_as_dbt(tmp_path: Path, text: str, expect: str) -> None:
    result = write_project(tmp_path, {**MODELS, "models/p.py": text}).run("parse")
    assert result.code == 2 and expect in result.stderr and "models/p.py" in result.stderr, str(result)


def test_unused_materialization_block_parses_and_is_recorded(tmp_path: Path) -> None:
    project = write_project(tmp_path, {**MODELS, "macros/copy.sql": MATERIALIZATION})
    result = project.ok("run")
    assert "ignored" not in result.stdout, str(result)  # unused, as in dbt: nothing is left out
    macro = project.manifest()["macros"]["macro.proj.materialization_copy_of_table_default"]
    assert macro["macro_sql"].startswith("{% materialization copy_of_table, default %}")
    assert macro["original_file_path"] == "macros/copy.sql"


def test_materialization_for_another_adapter_is_not_used(tmp_path: Path) -> None:
    block = MATERIALIZATION.replace("copy_of_table, default", "table, adapter='snowflake'")
    project = write_project(
        tmp_path,
        {**MODELS, "macros/t.sql": block, "models/a_model.sql": "{{ config(materialized='table') }}select 1 as id"},
    )
    result = project.ok("run")  # fmt: skip
    assert (
        "materialization_table_snowflake"
        in project.manifest()["macros"]["macro.proj.materialization_table_snowflake"]["name"]
    )
    assert "ignored" not in result.stdout
    assert project.tables()[("main", "a_model")] == "BASE TABLE"  # dagwright's table, as dbt-duckdb's


def test_unit_tests_are_listed_and_selected_with_their_model(tmp_path: Path) -> None:
    project = write_project(tmp_path, {**MODELS, "models/schema.yml": UNIT_TEST_YML})
    assert project.ok("ls", "--resource-type", "unit_test").stdout.split() == ["unit_test:proj.b_keeps_ids"]
    assert "unit_test:proj.b_keeps_ids" not in project.ok("ls", "-s", "a_model").stdout
    assert "unit_test:proj.b_keeps_ids" in project.ok("ls", "-s", "b_model").stdout
    run = project.ok("run")
    # run does not run them, and ignores nothing (the Found line counts them, as dbt's does)
    assert "unit test" not in run.stdout.replace(", 1 unit test", ""), str(run)
    assert project.tables()[("main", "b_model")] == "VIEW"
    # the way out also works from dbt's environment variable
    project.env["DBT_EXCLUDE_RESOURCE_TYPES"] = "unit_test"
    assert project.run("build").code == 0


def test_warning_line_counts_what_is_ignored(tmp_path: Path) -> None:
    files = {
        **MODELS,
        "dbt_project.yml": PROJECT_YML
        + "query-comment: hello\ndbt-cloud:\n  project-id: 1\n"
        + "flags:\n  send_anonymous_usage_stats: false\n  printer_width: 100\n  log_level: debug\n  nope: 1\n"
        + "models:\n  +persist_docs: {relation: true}\n",
        "models/schema.yml": """\
            version: 2
            made_up_key: 1
            exposures:
              - {name: e1, type: dashboard, owner: {email: a@b.c}}
              - {name: e2, type: dashboard, owner: {email: a@b.c}}
            semantic_models:
              - name: s1
                model: ref('a_model')
                defaults: {agg_time_dimension: ts}
                entities: [{name: thing, type: primary, expr: id}]
                dimensions: [{name: ts, type: time, expr: current_date, type_params: {time_granularity: day}}]
                measures: [{name: n_rows, agg: count, expr: id}]
            metrics:
              - {name: m1, label: M1, type: simple, type_params: {measure: n_rows}}
            saved_queries:
              - {name: q1, query_params: {metrics: [m1]}}
            groups:
              - {name: g1, owner: {email: a@b.c}}
            """,
        "analyses/a.sql": "select 1",
        # the semantic layer's time spine (dbt's parse fails without one)
        "models/metricflow_time_spine.sql": "select current_date as date_day",
        "functions/double_it.sql": "x * 2",
        "selectors.yml": "selectors:\n  - name: s\n    definition: a_model\n",
    }
    project = write_project(tmp_path, files)
    project.env.update(DBT_USE_COLORS="false", DBT_LOG_LEVEL="info")
    result = project.ok("run")
    line = next(x for x in result.stdout.splitlines() if "ignored:" in x)
    for item in (
        "'made_up_key' in models/schema.yml",
        "unknown flag nope",
        "not implemented in dagwright",
    ):
        assert item in line, f"{item!r} not in {line!r}"
    # analyses, exposures, groups, semantic nodes, functions and selectors.yml are read: not ignored
    for quiet in (
        "UDF",
        "semantic_manifest",
        "selectors.yml",
        "1 metric",
        "saved quer",
        "analys",
        "exposure",
        "group",
        "persist_docs",  # applied on DuckDB (tests/test_catalog_effects.py)
        "query-comment",  # sent with every statement
        "printer_width",
        "send_anonymous_usage_stats",
        "DBT_USE_COLORS",
        "DBT_LOG_LEVEL",
        "flag log_level",  # the run family follows dbt's logging flags (tests/test_dbt_log.py)
    ):
        assert quiet not in line, line
    # build lists the saved query and the exposures as dbt does (no-op nodes): nothing ignored
    # (the function is left out: DuckDB cannot create it, as with dbt-duckdb: tests/test_functions.py)
    built = project.ok("build", "--exclude", "resource_type:function")
    line = next(x for x in built.stdout.splitlines() if "ignored:" in x)
    assert "saved quer" not in line and "exposure" not in line, line
    assert "NO-OP saved query q1" in built.stdout and "NO-OP exposure e2" in built.stdout
    assert project.query("select id from b_model") == [(1,)]
    # parse, ls, compile, show and run-operation follow them too (tests/test_dbt_log_commands.py)
    parsed = next(x for x in project.ok("parse").stdout.splitlines() if "ignored:" in x)
    assert "flag log_level" not in parsed, parsed
    # docs generate too (tests/test_dbt_log_commands.py); its run_results.json is not left out:
    # write_json is reported there
    project.env.update(DBT_QUIET="true", DBT_WRITE_JSON="false")
    generated = project.ok("docs", "generate").stdout
    assert generated == "", generated  # -q
    del project.env["DBT_QUIET"]
    generated = next(x for x in project.ok("docs", "generate").stdout.splitlines() if "ignored:" in x)
    assert "flag log_level" not in generated and "DBT_QUIET" not in generated, generated
    assert "DBT_WRITE_JSON" in generated, generated


def test_a_project_without_them_prints_no_warning(tmp_path: Path) -> None:
    result = write_project(tmp_path, MODELS).ok("run")
    assert "ignored" not in result.output


def test_fixtures_are_not_singular_tests(tmp_path: Path) -> None:
    files = {
        **MODELS,
        "tests/fixtures/b_rows.sql": "select 1 as id",  # would fail as a singular test
        "tests/fixtures/nested/more.sql": "select 2 as id",
        "tests/assert_nothing.sql": "select 1 as id where false",
    }
    project = write_project(tmp_path, files)
    result = project.ok("build")
    assert set(project.statuses()) == {"a_model", "b_model", "assert_nothing"}, str(result)


def test_singular_test_properties_from_yaml_under_tests(tmp_path: Path) -> None:
    files = {
        **MODELS,
        "tests/assert_one_row.sql": "select * from {{ ref('a_model') }}",
        "tests/properties.yml": "version: 2\ndata_tests:\n  - name: assert_one_row\n    config: {severity: warn}\n",
    }
    project = write_project(tmp_path, files)
    project.ok("run")
    result = project.run("test")
    assert result.code == 0 and project.statuses() == {"assert_one_row": "warn"}, str(result)


# -- dbt_project.yml ------------------------------------------------------------------------------


def test_dbt_cloud_key_is_accepted_and_unknown_keys_are_not(tmp_path: Path) -> None:
    project = write_project(tmp_path, {**MODELS, "dbt_project.yml": PROJECT_YML + "dbt-cloud:\n  project-id: 7\n"})
    project.ok("run")
    (project.root / "dbt_project.yml").write_text(PROJECT_YML + "dbt-clouds: {}\n", encoding="utf-8")
    result = project.run("parse")  # dbt 1.11 refuses it too
    assert result.code == 2 and "unknown setting 'dbt-clouds'" in result.stderr, str(result)


@pytest.mark.parametrize(
    ("required", "ok"),
    [
        ('">=1.12.0"', False),
        ('[">=1.0.0", "<1.11.0"]', False),
        ('[">=1.10.0", "<2.0.0"]', True),
        ('">=1.11.3"', True),
        ('"1.11.0"', True),
        ('"<=1.11.0"', True),
        ('[">1.11.5", "<1.11.2"]', False),
        ('">=1.10.0,<2.0.0"', True),  # one string, split at commas (dbt)
        ('">=1.12.0,<2.0.0"', False),
    ],
)
def test_require_dbt_version(tmp_path: Path, required: str, ok: bool) -> None:
    project = write_project(tmp_path, {**MODELS, "dbt_project.yml": PROJECT_YML + f"require-dbt-version: {required}\n"})
    result = project.run("run")
    if ok:
        assert result.code == 0, str(result)
        return
    assert result.code == 2, str(result)
    assert "dbt_project.yml" in result.stderr and "dagwright follows dbt-core 1.11" in result.stderr
    assert "--no-version-check" in result.stderr
    _assert_nothing_ran(project)
    assert project.run("run", "--no-version-check").code == 0
    project.env["DBT_VERSION_CHECK"] = "false"
    assert project.run("parse").code == 0


@pytest.mark.parametrize("required", ['">=1.0.0, <2.0.0"', '"1.11"', '"~1.11"', '"==1.11.0"', '"v1.11.0"'])
def test_require_dbt_version_dbt_cannot_read_stops_even_without_the_check(tmp_path: Path, required: str) -> None:
    project = write_project(tmp_path, {**MODELS, "dbt_project.yml": PROJECT_YML + f"require-dbt-version: {required}\n"})
    for args in (("run",), ("run", "--no-version-check")):
        result = project.run(*args)
        assert result.code == 2, str(result)
        assert "is not a version constraint dbt reads" in result.stderr and "dbt_project.yml" in result.stderr
    _assert_nothing_ran(project)


def test_require_dbt_version_of_an_installed_package(tmp_path: Path) -> None:
    files = {
        **MODELS,
        "dbt_packages/old_pkg/dbt_project.yml": 'name: old_pkg\nrequire-dbt-version: "<1.0.0"\n',
        "dbt_packages/old_pkg/models/p.sql": "select 1 as p",
    }
    project = write_project(tmp_path, files)
    result = project.run("ls")
    assert result.code == 2 and "project 'old_pkg' requires dbt <1.0.0" in result.stderr, str(result)
    assert "dbt_packages/old_pkg/dbt_project.yml" in result.stderr
    project.root.joinpath("dbt_project.yml").write_text(PROJECT_YML + "flags:\n  version_check: false\n")
    assert project.run("ls").code == 0


# -- dbt's environment variables and project flags -------------------------------------------------


def test_dbt_environment_variables_map_to_options(tmp_path: Path) -> None:
    profiles = (
        "proj:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n"
        "    other:\n      type: duckdb\n      path: \"{{ env_var('DAGWRIGHT_DEMO_DB') }}\"\n"
    )
    project = write_project(tmp_path, {**MODELS, "profiles.yml": profiles})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    project.env.update(
        DBT_PROJECT_DIR=str(project.root),
        DBT_PROFILES_DIR=str(project.root),
        DBT_TARGET="other",
        DBT_ENGINE_TARGET_PATH="out",  # dbt 1.11's preferred spelling
        DBT_LOG_FORMAT="json",
    )
    result = project.run("run", cwd=elsewhere)
    assert result.code == 0, str(result)
    assert project.query("select id from b_model") == [(1,)]  # the 'other' target's database
    assert (project.root / "out" / "run_results.json").exists()
    assert all(json.loads(line) for line in result.stdout.splitlines() if line.strip())
    # a command-line option wins over its variable
    assert project.run("run", "--target", "dev", "--log-format", "text", cwd=elsewhere).code == 0
    assert (elsewhere / "dev.duckdb").exists()  # a relative path is the working directory's, as in dbt


def test_fail_fast_from_environment_and_project_flags(tmp_path: Path) -> None:
    files = {
        "models/a_fails.sql": "select * from missing_table",
        "models/b_after.sql": "select 1 as id",
        "profiles.yml": "proj:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: \"{{ env_var('DAGWRIGHT_DEMO_DB') }}\"\n      threads: 1\n",
    }
    project = write_project(tmp_path, files)
    project.run("run")
    assert project.statuses() == {"a_fails": "error", "b_after": "success"}
    project.env["DBT_FAIL_FAST"] = "true"
    project.run("run")
    assert project.statuses()["b_after"] == "skipped"
    del project.env["DBT_FAIL_FAST"]
    project.root.joinpath("dbt_project.yml").write_text(PROJECT_YML + "flags:\n  fail_fast: true\n")
    project.run("run")
    assert project.statuses()["b_after"] == "skipped"
    project.run("run", "--no-fail-fast")  # the command line wins
    assert project.statuses()["b_after"] == "success"


def test_profile_option_and_variable(tmp_path: Path) -> None:
    profiles = (
        "other:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: \"{{ env_var('DAGWRIGHT_DEMO_DB') }}\"\n"
    )
    project = write_project(tmp_path, {**MODELS, "profiles.yml": profiles})
    assert project.run("run").code == 2  # no profile 'proj'
    assert project.run("run", "--profile", "other").code == 0
    project.env["DBT_PROFILE"] = "other"
    assert project.run("run").code == 0


def test_indirect_selection(tmp_path: Path) -> None:
    files = {
        **MODELS,
        "models/schema.yml": "version: 2\nmodels:\n  - name: b_model\n    columns:\n"
        "      - name: id\n        data_tests:\n          - relationships: {to: ref('a_model'), field: id}\n",
    }
    project = write_project(tmp_path, files)
    tests = [x for x in project.ok("ls", "-s", "a_model").stdout.split() if "relationships" in x]
    assert len(tests) == 1
    assert "relationships" not in project.ok("ls", "-s", "a_model", "--indirect-selection", "cautious").stdout
    project.env["DBT_INDIRECT_SELECTION"] = "cautious"
    assert "relationships" not in project.ok("ls", "-s", "a_model").stdout


def test_full_refresh_and_debug_from_their_variables(tmp_path: Path) -> None:
    files = {"models/a_model.sql": 'select \'{{ "yes" if flags.FULL_REFRESH else "no" }}\' as full_refresh'}
    project = write_project(tmp_path, files)
    project.ok("run")
    assert project.query("select full_refresh from a_model") == [("no",)]
    project.env["DBT_FULL_REFRESH"] = "true"
    project.ok("run")
    assert project.query("select full_refresh from a_model") == [("yes",)]
    (project.root / "models" / "b_model.sql").write_text("select * from {{ ref('nope') }}")
    assert "Traceback" not in project.run("run").stderr
    project.env["DBT_DEBUG"] = "1"
    assert "Traceback" in project.run("run").stderr
