"""Item 4 of issue 4: the Jinja context (run_query, statement/load_result, adapter, dispatch,
graph, doc()...), parse-time leniency, pre-/post-hooks, on-run-start / on-run-end, and
run-operation — including how each behaves when a run stops. The behaviour itself is checked
against dbt by tests/compat (jinja_extras, dispatch_macros, statement_results, model_hooks,
run_hooks, run_operation, docs_blocks); these tests cover what the oracle cannot show: errors,
stops, cancels and the fast path."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import dagwright.api
from conftest import Project
from dagwright.guard import Stop
from dagwright.session import Flags, Session
from stop_helpers import outcome

#: a query that keeps DuckDB busy for many seconds (it is always cancelled)
SLOW = "select sum((a.i * b.j) % 7) as s from range(60000) as a(i), range(60000) as b(j)"


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch):
    """For runs inside this process (the Python API): the profile's database path."""

    def use(project: Project) -> Project:
        monkeypatch.setenv("DAGWRIGHT_DEMO_DB", str(project.db))
        return project

    return use


def start(project: Project) -> dagwright.api.RunHandle:
    return dagwright.api.start("run", project_dir=str(project.root), profiles_dir=str(project.root))


def results_by_id(project: Project) -> dict[str, dict]:
    return {r["unique_id"]: r for r in project.run_results()["results"]}


def wait_in_flight(registry, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not registry.in_flight():
        if time.monotonic() > deadline:
            pytest.fail("no statement went in flight")
        time.sleep(0.01)
    time.sleep(0.2)  # well under way


# -- parse time ---------------------------------------------------------------------------------


def test_an_undefined_name_fails_only_its_model_at_compile_time(make_project) -> None:
    project = make_project(
        {
            "models/undef.sql": "select 1 as a,\n  {{ not_a_macro(1) }} as b\n",
            "models/good.sql": "select 1 as a",
        }
    )
    result = project.run("run")
    assert result.code == 1, str(result)
    res = results_by_id(project)
    assert res["model.proj.good"]["status"] == "success"
    assert res["model.proj.undef"]["status"] == "error"
    message = res["model.proj.undef"]["message"]
    assert "'not_a_macro' is undefined" in message
    assert "models/undef.sql" in message and "(line 2)" in message


def test_query_results_read_at_parse_time_without_execute_guard_are_a_parse_error(make_project) -> None:
    # dbt: run_query returns nothing at parse time, and reading from it inside a macro fails.
    project = make_project(
        {
            "macros/m.sql": "{% macro n() %}{{ return(run_query('select 1').columns[0].values()[0]) }}{% endmacro %}",
            "models/m.sql": "select {{ n() }} as n",
        }
    )
    result = project.run("run")
    assert result.code == 2, str(result)
    assert "models/m.sql" in result.stderr and "no attribute 'table'" in result.stderr
    assert not (project.target / "run_results.json").exists() or project.run_results()["results"] == []


def test_a_query_result_read_in_the_model_itself_is_lenient_at_parse_time(make_project) -> None:
    # dbt: at parse time load_result() is None and the model's own template tolerates that
    project = make_project(
        {
            "models/m.sql": (
                "{% call statement('s', fetch_result=True) %}select 41 + 1 as v{% endcall %}\n"
                "select {{ load_result('s')['data'][0][0] }} as n"
            )
        }
    )
    project.ok("run")
    assert project.query("select n from m") == [(42,)]


def test_raise_compiler_error_names_the_model_line_and_the_macro_line(make_project) -> None:
    project = make_project(
        {
            "macros/check.sql": (
                "{% macro check(bad) %}\n"
                "  {% if bad %}\n"
                "    {{ exceptions.raise_compiler_error('bad was set') }}\n"
                "  {% endif %}\n"
                "{% endmacro %}\n"
            ),
            "models/m.sql": "select 1 as a\n{{ check(execute) }}\n",
        }
    )
    result = project.run("run")
    assert result.code == 1, str(result)
    message = results_by_id(project)["model.proj.m"]["message"]
    assert message.startswith("Compilation Error in model m (models/m.sql)")
    assert "bad was set" in message
    assert "> in macro file macros/check.sql, line 3" in message
    assert "(line 2)" in message


def test_a_jinja_syntax_error_stops_the_invocation_with_file_and_line(make_project) -> None:
    project = make_project({"models/m.sql": "select 1\n{% if %}\n"})
    result = project.run("run")
    assert result.code == 2
    assert "models/m.sql:2" in result.stderr


# -- the context ----------------------------------------------------------------------------------


def test_load_result_can_be_read_once(make_project) -> None:
    project = make_project(
        {
            "models/m.sql": (
                "{% call statement('s', fetch_result=True) %}select 7 as v{% endcall %}\n"
                "{% if execute %}{% set first = load_result('s')['data'][0][0] %}"
                "{% set second = load_result('s') %}{% endif %}\n"
                "select 1 as v"
            )
        }
    )
    result = project.run("run")
    assert result.code == 1
    assert "has already been loaded" in results_by_id(project)["model.proj.m"]["message"]


def test_dispatch_names_what_it_searched_when_nothing_matches(make_project) -> None:
    project = make_project({"models/m.sql": "select {{ adapter.dispatch('nowhere', 'dbt')() }} as x"})
    result = project.run("run")
    assert result.code == 2  # as in dbt, dispatch fails while the project is parsed
    message = result.stderr
    assert "models/m.sql:1" in message
    assert "No macro named 'nowhere'" in message and "duckdb__nowhere" in message and "default__nowhere" in message


def test_a_project_macro_named_ref_replaces_ref_and_builtins_ref_stays(make_project) -> None:
    project = make_project(
        {
            "macros/ref.sql": (
                "{% macro ref(name) %}{{ return(builtins.ref(name).incorporate(path={'schema': 'main'})) }}"
                "{% endmacro %}"
            ),
            "models/a.sql": "select 1 as x",
            "models/b.sql": "{% set r = ref('a') %}select * from {{ r }}",
            "models/c.sql": "select * from {{ ref('a') }}",  # simple, yet not the static path
        }
    )
    project.ok("run")
    assert project.query("select x from b") == [(1,)]
    assert project.manifest()["nodes"]["model.proj.c"]["depends_on"]["nodes"] == ["model.proj.a"]
    assert project.manifest()["nodes"]["model.proj.b"]["depends_on"]["nodes"] == ["model.proj.a"]


def test_simple_models_keep_the_static_path(make_project, in_process) -> None:
    project = in_process(
        make_project(
            {
                "models/a.sql": "select 1 as x",
                "models/b.sql": "{{ config(materialized='table') }}\nselect * from {{ ref('a') }}",
                "models/c.sql": "{% set n = 1 %}select {{ n }} as n",
            }
        )
    )
    session = Session(Flags("run", project_dir=str(project.root), profiles_dir=str(project.root)))
    nodes = session.manifest.nodes
    assert nodes["model.proj.a"].static and nodes["model.proj.b"].static
    assert not nodes["model.proj.c"].static
    # no Jinja for the static ones (and a parse keeps no rendered template: compile makes it again)
    assert not set(session.loader.templates) & {"model.proj.a", "model.proj.b"}


# -- model hooks ----------------------------------------------------------------------------------


def test_a_failing_after_commit_post_hook_is_an_error_but_the_table_is_published(make_project) -> None:
    project = make_project(
        {
            "models/m.sql": (
                "{{ config(materialized='table', post_hook=after_commit('select * from no_such_table')) }}\n"
                "select 1 as x"
            )
        }
    )
    result = project.run("run")
    assert result.code == 1
    message = results_by_id(project)["model.proj.m"]["message"]
    assert '"main"."m" was published' in message and "no_such_table" in message
    assert project.query("select x from m") == [(1,)]


HOOK_MACROS = """\
{% macro add_row(relation, value) %}
  {% if execute %}{% do run_query('insert into ' ~ relation ~ ' values (' ~ value ~ ')') %}{% endif %}
{% endmacro %}
{% macro note(text) %}
  {% if execute %}
    {% do run_query("create table if not exists main.notes (t varchar)") %}
    {% do run_query("insert into main.notes values ('" ~ text ~ "')") %}
  {% endif %}
{% endmacro %}
{% macro slow_hook() %}
  {% if execute %}{% do run_query("SLOW") %}{% endif %}
{% endmacro %}
""".replace("SLOW", SLOW)


def test_a_post_hook_renders_after_the_build_on_a_first_build_and_a_rebuild(make_project) -> None:
    # the hook's run_query inserts into the table the build just made (dbt renders it then):
    # compiling it with the model would fail on a first build and lose the row on a rebuild
    project = make_project(
        {
            "macros/m.sql": HOOK_MACROS,
            "models/m.sql": "{{ config(materialized='table', post_hook='{{ add_row(this, 2) }}') }}\nselect 1 as x",
        }
    )
    for _ in range(2):
        project.ok("run")
        assert project.query("select x from m order by x") == [(1,), (2,)]


def test_compile_never_runs_a_model_hooks_statements(make_project) -> None:
    project = make_project(
        {
            "macros/m.sql": HOOK_MACROS,
            "models/m.sql": (
                "{{ config(materialized='table', pre_hook=\"{{ note('pre') }}\", "
                "post_hook=[\"{{ note('post') }}\", \"insert into main.notes values ('sql')\"]) }}\n"
                "select 1 as x"
            ),
        }
    )
    project.ok("compile")
    assert not project.db.exists() or project.tables() == []  # the database is not even opened


def test_compile_renders_the_run_hooks_without_running_their_sql(make_project) -> None:
    # as dbt's compile: the hooks' Jinja runs (its statements commit), their SQL is only written
    yml = HOOKS_YML.format(start_hook="{{ note('rendered') }}insert into main.log values ('start 1')")
    project = make_project({"dbt_project.yml": yml, "macros/m.sql": HOOK_MACROS, "models/a.sql": "select 1 as x"})
    project.ok("compile")
    assert project.query("select t from main.notes") == [("rendered",)]
    assert "log" not in {name for _, name in project.tables()}
    hooks = Path(project.root) / "target" / "compiled" / "proj" / "dbt_project.yml" / "hooks"
    assert (hooks / "proj-on-run-start-1.sql").read_text().strip() == "insert into main.log values ('start 1')"
    assert (hooks / "proj-on-run-end-0.sql").read_text() == "insert into main.log values ('end ' || '')"
    project.ok("compile", "-s", "a")  # a selection compiles only what it selects


def test_a_hook_that_fails_to_render_after_the_build_rolls_the_node_back(make_project) -> None:
    project = make_project(
        {
            "models/m.sql": (
                "{{ config(materialized='table', post_hook=\"{{ exceptions.raise_compiler_error('no') "
                "if var('fail', false) else '' }}\") }}\nselect {{ var('x', 1) }} as x"
            ),
        }
    )
    project.ok("run")
    result = project.run("run", "--vars", "{fail: true, x: 2}")
    assert result.code == 1
    assert "Compilation Error" in results_by_id(project)["model.proj.m"]["message"]
    assert project.query("select x from m") == [(1,)]


def test_a_stop_in_a_post_hooks_query_cancels_the_node_and_publishes_nothing(make_project, in_process) -> None:
    project = in_process(
        make_project(
            {
                "macros/m.sql": HOOK_MACROS,
                "models/m.sql": "{{ config(materialized='table', post_hook='{{ slow_hook() }}') }}\nselect 1 as x",
            }
        )
    )
    handle = start(project)
    wait_in_flight(handle.task.registry)
    handle.cancel()
    summary = handle.wait(30)
    (result,) = summary.results
    assert result.status == "cancelled"
    assert "m" not in {name for _, name in project.tables()}


# -- on-run-start / on-run-end --------------------------------------------------------------------

HOOKS_YML = """\
name: proj
version: "1.0.0"
config-version: 2
profile: proj
on-run-start:
  - "create table if not exists main.log (e varchar)"
  - "{start_hook}"
  - "insert into main.log values ('start 2')"
on-run-end:
  - "insert into main.log values ('end ' || '{{{{ results | map(attribute='status') | sort | join(',') }}}}')"
"""


def hooks_project(make_project, start_hook: str = "insert into main.log values ('start 1')", **models: str):
    files = {"dbt_project.yml": HOOKS_YML.format(start_hook=start_hook)}
    files.update({f"models/{name}.sql": sql for name, sql in models.items()} or {"models/a.sql": "select 1 as x"})
    return make_project(files)


def test_run_hooks_are_results_with_dbt_ids(make_project) -> None:
    project = hooks_project(make_project)
    result = project.ok("run")
    res = results_by_id(project)
    assert res["operation.proj.proj-on-run-start-1"]["status"] == "success"
    assert res["operation.proj.proj-on-run-start-1"]["message"] == "proj.on-run-start.1 passed"
    assert res["operation.proj.proj-on-run-start-1"]["thread_id"] == "main"
    assert res["operation.proj.proj-on-run-end-0"]["status"] == "success"
    ids = [r["unique_id"] for r in project.run_results()["results"]]
    assert ids[0] == "operation.proj.proj-on-run-start-0" and ids[-1] == "operation.proj.proj-on-run-end-0"
    assert "START hook: proj.on-run-start.0" in result.stdout
    assert "Finished running 4 project hooks, 1 view model" in result.stdout
    assert project.query("select e from main.log order by rowid") == [("start 1",), ("start 2",), ("end success",)]
    manifest = project.manifest()
    assert manifest["nodes"]["operation.proj.proj-on-run-end-0"]["resource_type"] == "operation"


def test_a_failing_on_run_start_hook_skips_the_next_hooks_but_not_the_models(make_project) -> None:
    project = hooks_project(make_project, start_hook="select * from no_such_table")
    result = project.run("run")
    assert result.code == 1, str(result)
    res = results_by_id(project)
    assert res["operation.proj.proj-on-run-start-1"]["status"] == "error"
    assert res["operation.proj.proj-on-run-start-1"]["message"].startswith("proj.on-run-start.1 failed, error:")
    assert res["operation.proj.proj-on-run-start-2"]["status"] == "skipped"
    assert res["operation.proj.proj-on-run-start-2"]["message"] == "proj.on-run-start.2 skipped"
    assert res["model.proj.a"]["status"] == "success"
    assert res["operation.proj.proj-on-run-end-0"]["status"] == "success"
    # on-run-end saw the failed on-run-start hook and the model
    assert project.query("select e from main.log") == [("end error,success",)]
    assert "Failure in operation proj-on-run-start-1 (./dbt_project.yml)" in result.stdout


def test_on_run_end_runs_after_a_fail_fast_stop(make_project) -> None:
    project = hooks_project(
        make_project, a="select * from no_such_table", b="select 1 as x", c="select * from {{ ref('b') }}"
    )
    result = project.run("run", "--fail-fast", "--threads", "1")
    assert result.code == 1
    res = results_by_id(project)
    assert res["model.proj.a"]["status"] == "error"
    assert res["operation.proj.proj-on-run-end-0"]["status"] == "success"
    end = project.query("select e from main.log where e like 'end%'")[0][0]
    assert "error" in end


def test_cancel_during_on_run_start_cancels_the_hook_and_starts_nothing(make_project, in_process) -> None:
    project = in_process(hooks_project(make_project, start_hook=SLOW))
    handle = start(project)
    wait_in_flight(handle.task.registry)
    cancelled_at = time.monotonic()
    handle.cancel()
    summary = handle.wait(30)
    assert time.monotonic() - cancelled_at < 3
    statuses = {r.unique_id: (r.status, r.message) for r in summary.results}
    assert statuses["operation.proj.proj-on-run-start-0"][0] == "success"
    assert statuses["operation.proj.proj-on-run-start-1"] == ("cancelled", "cancelled: cancelled by cancel()")
    assert statuses["operation.proj.proj-on-run-start-2"] == ("skipped", "not started: cancelled by cancel()")
    assert statuses["model.proj.a"] == ("skipped", "not started: cancelled by cancel()")
    assert statuses["operation.proj.proj-on-run-end-0"] == ("skipped", "not started: cancelled by cancel()")
    assert project.query("select count(*) from main.log") == [(0,)]
    on_disk = {r["unique_id"]: outcome(r) for r in project.run_results()["results"]}
    assert on_disk == {uid: status for uid, (status, _) in statuses.items()}


def test_cancel_during_on_run_end_cancels_it(make_project, in_process) -> None:
    yml = HOOKS_YML.format(start_hook="select 1").replace(
        "  - \"insert into main.log values ('end ' ||", f'  - "{SLOW}"\n  - "insert into main.log values (\'end \' ||'
    )
    project = in_process(make_project({"dbt_project.yml": yml, "models/a.sql": "select 1 as x"}))
    handle = start(project)
    deadline = time.monotonic() + 60
    while not handle.task.end_registry.in_flight():
        assert time.monotonic() < deadline, handle.output
        time.sleep(0.01)
    time.sleep(0.2)
    handle.cancel()
    summary = handle.wait(30)
    statuses = {r.unique_id: r.status for r in summary.results}
    assert statuses["model.proj.a"] == "success"
    assert statuses["operation.proj.proj-on-run-end-0"] == "cancelled"
    assert statuses["operation.proj.proj-on-run-end-1"] == "skipped"


def test_a_statement_cancelled_while_the_node_compiles_is_cancelled_not_skipped(make_project, in_process) -> None:
    project = in_process(make_project({"models/m.sql": '{% set r = run_query("' + SLOW + '") %}select 1 as x'}))
    handle = start(project)
    wait_in_flight(handle.task.registry)
    cancelled_at = time.monotonic()
    handle.cancel()
    summary = handle.wait(30)
    assert time.monotonic() - cancelled_at < 3
    (result,) = summary.results
    assert result.status == "cancelled"
    assert "m" not in {name for _, name in project.tables()}


def test_retry_after_a_failed_hook_does_not_trip_on_operations(make_project) -> None:
    # the failed and skipped hooks are in run_results.json, but they are not nodes to re-run
    project = hooks_project(make_project, start_hook="select * from no_such_table")
    assert project.run("run").code == 1
    result = project.run("retry")
    assert result.code == 0, str(result)


# -- docs -----------------------------------------------------------------------------------------


def test_doc_blocks_fill_descriptions(make_project) -> None:
    project = make_project(
        {
            "models/docs.md": "{% docs thing %}\nA **thing**.\n{% enddocs %}\n",
            "models/schema.yml": (
                "version: 2\nmodels:\n  - name: m\n    description: \"{{ doc('thing') }}\"\n"
                "    columns:\n      - name: x\n        description: \"x: {{ doc('thing') }}\"\n"
            ),
            "models/m.sql": "select 1 as x",
        }
    )
    project.ok("parse")
    manifest = project.manifest()
    node = manifest["nodes"]["model.proj.m"]
    assert node["description"] == "A **thing**."
    assert node["columns"]["x"]["description"] == "x: A **thing**."
    assert manifest["docs"]["doc.proj.thing"]["block_contents"] == "A **thing**."
    assert "doc.dbt.__overview__" in manifest["docs"]


def test_an_unknown_doc_is_an_error_naming_the_yaml_file(make_project) -> None:
    project = make_project(
        {
            "models/schema.yml": "version: 2\nmodels:\n  - name: m\n    description: \"{{ doc('nope') }}\"\n",
            "models/m.sql": "select 1 as x",
        }
    )
    result = project.run("parse")
    assert result.code == 2
    assert "Documentation for 'nope' not found" in result.stderr and "models/schema.yml" in result.stderr


# -- run-operation ----------------------------------------------------------------------------------

OPERATIONS = {
    "macros/ops.sql": """\
        {% macro make(n=1) %}
          {% do run_query("create or replace table main.made as select range as i from range(" ~ n ~ ")") %}
          {{ log("made " ~ n, info=True) }}
        {% endmacro %}
        {% macro boom() %}
          {{ exceptions.raise_compiler_error("boom on purpose") }}
        {% endmacro %}
        {% macro keep_and_lose() %}
          {% call statement('a') %}create table main.kept as select 1 as x{% endcall %}
          {% do adapter.commit() %}
          {% call statement('b') %}create table main.lost as select 1 as x{% endcall %}
        {% endmacro %}
        {% macro slow() %}
          {% do run_query("SLOW") %}
        {% endmacro %}
        {% macro schema_then_query() %}
          {% do adapter.create_schema(api.Relation.create(database=target.database, schema='extra')) %}
          {% do run_query("create table extra.t as select 1 as x") %}
        {% endmacro %}
        {% macro look_then_query() %}
          {% set r = adapter.get_relation(target.database, 'main', 'm') %}
          {% set c = adapter.get_columns_in_relation(api.Relation.create(schema='main', identifier='m')) %}
          {% do run_query("create table main.after_lookups as select 1 as x") %}
        {% endmacro %}
    """.replace("SLOW", SLOW),
    "models/m.sql": "select 1 as x",
}


def test_run_operation_runs_a_macro_with_yaml_args(make_project) -> None:
    project = make_project(OPERATIONS)
    result = project.ok("run-operation", "make", "--args", "{n: 3}")
    assert "made 3" in result.stdout
    assert project.query("select count(*) from main.made") == [(3,)]
    rr = project.run_results()
    (entry,) = rr["results"]
    assert entry["unique_id"] == "macro.proj.make" and entry["status"] == "success"
    assert rr["args"]["macro"] == "make" and rr["args"]["args"] == {"n": 3}
    project.ok("run-operation", "proj.make", "--args", json.dumps({"n": 5}))
    assert project.query("select count(*) from main.made") == [(5,)]


def test_run_operation_exit_codes(make_project) -> None:
    project = make_project(OPERATIONS)
    failed = project.run("run-operation", "boom")
    assert failed.code == 1
    assert "boom on purpose" in failed.stdout and "macros/ops.sql" in failed.stdout
    assert results_by_id(project)["macro.proj.boom"]["status"] == "error"
    missing = project.run("run-operation", "no_such_macro")
    assert missing.code == 2
    assert "could not find a macro with the name 'no_such_macro'" in missing.stderr
    bad_args = project.run("run-operation", "make", "--args", "[1, 2]")
    assert bad_args.code == 2
    assert "is not valid YAML" in bad_args.stderr


def test_run_operation_transactions_as_dbt_duckdb(make_project) -> None:
    project = make_project(OPERATIONS)
    project.ok("run-operation", "keep_and_lose")
    names = {name for _, name in project.tables()}
    assert "kept" in names and "lost" not in names


def test_run_operation_keeps_what_create_schema_committed(make_project) -> None:
    # issue 14: create_schema commits as dbt's does; the query after it used to be rolled back
    project = make_project(OPERATIONS)
    project.ok("run-operation", "schema_then_query")
    assert project.query("select x from extra.t") == [(1,)]


def test_run_operation_warns_when_it_rolls_work_back(make_project) -> None:
    project = make_project(OPERATIONS)
    result = project.ok("run-operation", "keep_and_lose")
    assert "run-operation keep_and_lose: 1 statement(s) rolled back" in result.stderr
    assert "adapter.commit()" in result.stderr


def test_run_operation_lookups_open_no_transaction(make_project) -> None:
    # dbt-duckdb's get_relation/get_columns_in_relation open a transaction that is rolled back
    # at the end with the queries after them; dagwright's lookups are reads that keep them
    project = make_project(OPERATIONS)
    project.ok("run-operation", "look_then_query")
    assert "after_lookups" in {name for _, name in project.tables()}


ADAPTER_EDGES = {
    "macros/edges.sql": """\
        {% macro columns_of_missing() %}
          {% set nope = api.Relation.create(database=target.database, schema='main', identifier='nope') %}
          {% set cols = adapter.get_columns_in_relation(nope) %}
          {{ log("columns: " ~ (cols | length), info=True) }}
        {% endmacro %}
        {% macro columns_of_text() %}
          {% do adapter.get_columns_in_relation('main.m') %}
        {% endmacro %}
        {% macro approximate() %}
          {% do adapter.get_relation(target.database, 'main', 'M') %}
        {% endmacro %}
        {% macro untyped_drop() %}
          {% do adapter.drop_relation(api.Relation.create(schema='main', identifier='m')) %}
        {% endmacro %}
        {% macro partly_quoted() %}
          {{ log("rendered: " ~ api.Relation.create(schema='s', identifier='x').quote(identifier=false), info=True) }}
        {% endmacro %}
    """,
    "models/m.sql": "{{ config(materialized='table') }}\nselect 1 as x",
    "models/reads_missing.sql": (
        "{% set cols = adapter.get_columns_in_relation(api.Relation.create(database=target.database, "
        "schema='main', identifier='nope')) %}select {{ cols | length }} as n"
    ),
}


def test_adapter_methods_on_missing_or_wrong_relations_answer_as_dbt(make_project) -> None:
    project = make_project(ADAPTER_EDGES)
    project.ok("compile")  # issue 14: this was an "Internal error"
    project.ok("run")
    assert project.query("select n from reads_missing") == [(0,)]
    assert "columns: 0" in project.ok("run-operation", "columns_of_missing").stdout
    assert 'rendered: "s".x' in project.ok("run-operation", "partly_quoted").stdout
    for macro, text in (
        ("columns_of_text", "adapter.get_columns_in_relation() needs a relation, got a str ('main.m')"),
        ("approximate", "dbt found an approximate match"),
        ("untyped_drop", "but its type is null"),
    ):
        result = project.run("run-operation", macro)
        assert result.code == 1 and text in result.stdout, (macro, result)
        assert "Internal" not in result.stdout
    assert project.query("select x from m") == [(1,)]


def test_run_operation_is_cancelled_through_its_guard(make_project, in_process) -> None:
    from dagwright.tasks.operation import run_operation

    project = in_process(make_project(OPERATIONS))
    flags = Flags(
        "run-operation",
        project_dir=str(project.root),
        profiles_dir=str(project.root),
        extra={"macro": "slow", "args": {}},
    )
    stop = Stop()
    lines: list[str] = []
    timer = threading.Timer(1.5, lambda: stop.trigger("cancel", "cancelled by cancel()"))
    timer.start()
    started = time.monotonic()
    try:
        code = run_operation(flags, lines.append, stop=stop)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 10
    assert code == 1
    (entry,) = json.loads((Path(project.root) / "target" / "run_results.json").read_text())["results"]
    assert outcome(entry) == "cancelled"
    assert entry["message"] == "cancelled: cancelled by cancel()"
