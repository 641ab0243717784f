"""target/run (issue 19): the SQL each node ran for its main statement(s), as dbt-core 1.11
writes it. Both tools run the same project; the SET of files under target/run must be the
same (which commands write them, for which nodes, at which paths: tests of a YAML file under
a folder of its name, a versioned model's own file, a microbatch model's batches, a unit
test's), and each dagwright file must hold the statement that built or changed the relation
(its own DDL: the text differs from dbt's, not what it does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from oracle import Twins, needs_dbt
from stop_helpers import FAIL_VARS, article_from, article_template, by_uid

PROJECT = {
    "seeds/s1.csv": "id,name\n1,a\n2,b\n",
    # hooks run, but are not the main statement: dbt leaves them out of the file
    "models/t1.sql": "{{ config(materialized='table', pre_hook='select 101', post_hook='select 202') }}\n"
    "select * from {{ ref('s1') }}\n",
    "models/sub/v1.sql": "{{ config(materialized='view') }}\nselect id from {{ ref('t1') }}\n",
    "models/e1.sql": "{{ config(materialized='ephemeral') }}\nselect 7 as x\n",
    "models/inc1.sql": "{{ config(materialized='incremental', unique_key='id') }}\n"
    "select id, name from {{ ref('s1') }}\n",
    "models/inc2.sql": "{{ config(materialized='incremental') }}\nselect x from {{ ref('e1') }}\n",
    "models/t_alias.sql": "{{ config(materialized='table', alias='aliased_t') }}\nselect 1 as a\n",
    "models/ver_v1.sql": "select 1 as a\n",
    "models/ver_v2.sql": "select 2 as a\n",
    "models/bad.sql": "{{ config(materialized='table') }}\nselect * from no_such_table_here\n",
    "models/after_bad.sql": "select * from {{ ref('bad') }}\n",
    "models/ev.sql": "{{ config(materialized='table') }}\n"
    "select 1 as id, timestamp '2024-01-01 10:00:00' as ts union all select 2, timestamp '2024-01-02 10:00:00'\n",
    "models/mb.sql": "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts', "
    "batch_size='day', begin='2024-01-01') }}\nselect * from {{ ref('ev') }}\n",
    "models/py1.py": "def model(dbt, session):\n    dbt.config(materialized='table')\n    return dbt.ref('t1').df()\n",
    "models/cm.sql": "{{ config(materialized='mytable') }}\nselect 3 as c\n",
    "macros/mytable.sql": """\
        {% materialization mytable, default %}
          {%- set target_relation = this.incorporate(type='table') -%}
          {% call statement('probe') %} select 42 {% endcall %}
          {% call statement('main') -%}
            create or replace table {{ target_relation }} as ({{ sql }})
          {%- endcall %}
          {{ return({'relations': [target_relation]}) }}
        {% endmaterialization %}
        """,
    "models/schema.yml": """\
        version: 2
        models:
          - name: t1
            columns:
              - name: id
                data_tests: [not_null, unique]
          - name: ver
            latest_version: 2
            versions:
              - v: 1
              - v: 2
        unit_tests:
          - name: ut1
            model: t_alias
            given: []
            expect:
              rows:
                - {a: 1}
        """,
    "tests/sing.sql": "select * from {{ ref('t1') }} where id < 0\n",
    "snapshots/snap.sql": """\
        {% snapshot snap %}
        {{ config(target_schema='main', unique_key='id', strategy='check', check_cols='all') }}
        select * from {{ ref('s1') }}
        {% endsnapshot %}
        """,
}

WINDOW = ("--event-time-start", "2024-01-01", "--event-time-end", "2024-01-03")


def run_files(root: Path) -> dict[str, str]:
    base = root / "target" / "run"
    if not base.exists():
        return {}
    return {str(p.relative_to(base)): p.read_text(encoding="utf-8") for p in sorted(base.rglob("*")) if p.is_file()}


def flat(sql: str) -> str:
    """Lower case, one space, no quotes, relations without their database (the DuckDB file's name)."""
    return " ".join(sql.lower().replace('"', "").replace("dagwright.main.", "main.").split())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Twins:
    twins = Twins(tmp_path_factory.mktemp("run-sql"), PROJECT)
    twins.both("build", *WINDOW, code=1)  # bad fails; after_bad is skipped
    return twins


@needs_dbt
def test_build_writes_dbts_files(built: Twins) -> None:
    theirs, ours = run_files(built.roots["dbt"]), run_files(built.roots["dagwright"])
    assert sorted(ours) == sorted(theirs)
    assert "proj/models/schema.yml/unique_t1_id.sql" in ours  # a YAML file's tests: under its folder
    assert "proj/models/ver_v1.sql" in ours and "proj/models/t_alias.sql" in ours  # the file's path, not the alias
    assert "proj/models/mb/mb_2024-01-02.sql" in ours  # a microbatch model: one file per batch
    assert "proj/models/schema.yml/models/ut1.sql" in ours  # a unit test
    assert "proj/seeds/s1.csv" in ours  # a seed's file keeps its name
    assert "proj/models/py1.py" in ours  # a Python model's: its compiled code
    # never run: an ephemeral model, a model skipped after its parent failed
    assert "proj/models/e1.sql" not in ours and "proj/models/after_bad.sql" not in ours


@needs_dbt
def test_each_file_holds_the_statement_that_built_the_relation(built: Twins) -> None:
    ours = {path: flat(sql) for path, sql in run_files(built.roots["dagwright"]).items()}
    t1 = ours["proj/models/t1.sql"]
    assert "create" in t1 and "table" in t1 and "main.t1" in t1 and "select * from main.s1" in t1
    assert "select 101" not in t1 and "select 202" not in t1  # hooks are not the main statement
    view = ours["proj/models/sub/v1.sql"]
    assert "create" in view and "view" in view and "main.v1" in view and "select id from main.t1" in view
    assert "main.aliased_t" in ours["proj/models/t_alias.sql"]
    assert "main.ver_v2" in ours["proj/models/ver_v2.sql"] and "select 2 as a" in ours["proj/models/ver_v2.sql"]
    # the ephemeral model inlined where it is used
    assert "create table main.inc2" in ours["proj/models/inc2.sql"] and "select 7 as x" in ours["proj/models/inc2.sql"]
    seed = ours["proj/seeds/s1.csv"]
    assert "create table main.s1" in seed and "copy main.s1 from '" in seed  # dbt-duckdb's load of the file
    assert "create table main.snap" in ours["proj/snapshots/snap.sql"]
    assert "dbt_internal_test" in ours["proj/models/schema.yml/not_null_t1_id.sql"]
    assert "where id < 0" in ours["proj/tests/sing.sql"]
    assert "no_such_table_here" in ours["proj/models/bad.sql"]  # a failing node: what it sent
    assert ours["proj/models/cm.sql"].startswith("create or replace table main.cm")  # statement('main')
    assert "select 42" not in ours["proj/models/cm.sql"]
    assert "2024-01-02" in ours["proj/models/mb/mb_2024-01-02.sql"]
    assert "select 1 as a" in ours["proj/models/schema.yml/models/ut1.sql"]
    assert ours["proj/models/py1.py"].startswith("def model(dbt, session):")
    assert not any(path.startswith(".") or "/." in path for path in ours)  # no temporary file left


@needs_dbt
def test_a_second_run_writes_the_change(built: Twins) -> None:
    """An incremental model's, a snapshot's and a seed's later runs: the statements that changed
    the rows (the temporary relation they read is not in the file, as in dbt)."""
    built.both("build", "-s", "inc1", "inc2", "snap", "s1")
    theirs, ours = run_files(built.roots["dbt"]), run_files(built.roots["dagwright"])
    assert sorted(ours) == sorted(theirs)
    inc1 = flat(ours["proj/models/inc1.sql"])
    assert "delete from main.inc1" in inc1 and "insert into main.inc1" in inc1 and "create" not in inc1
    assert flat(ours["proj/models/inc2.sql"]).startswith("insert into main.inc2")
    snap = flat(ours["proj/snapshots/snap.sql"])
    assert "update main.snap" in snap and "insert into main.snap" in snap
    assert flat(ours["proj/seeds/s1.csv"]).startswith("truncate table main.s1")


@needs_dbt
@pytest.mark.parametrize("command", [("compile",), ("show", "-s", "t1"), ("ls",)], ids=lambda c: c[0])
def test_commands_that_run_nothing_write_nothing(tmp_path: Path, command: tuple[str, ...]) -> None:
    twins = Twins(tmp_path, {"models/t1.sql": "select 1 as a\n"})
    twins.both(*command)
    assert run_files(twins.roots["dbt"]) == run_files(twins.roots["dagwright"]) == {}


def test_a_stop_leaves_files_only_for_what_was_sent(tmp_path: Path) -> None:
    """--fail-fast with two threads: beta_a fails (its statement was sent: its file), beta_b is
    cancelled while its create runs (its file: what was sent), the others never start (none)."""
    ws = article_from(tmp_path, article_template("seeded", tmp_path / "templates"))
    result = ws.run("run", "--threads", "2", "--vars", FAIL_VARS, "--fail-fast")
    assert result.code == 1, str(result)
    base = ws.target / "run" / "article" / "models"
    files = {p.stem: p.read_text(encoding="utf-8") for p in base.rglob("*.sql")}
    results = by_uid(ws.run_results()).items()
    # run_results.json says a cancelled node is an error, its message says cancelled
    statuses = {uid.split(".")[-1]: r["status"] for uid, r in results}
    messages = {uid.split(".")[-1]: r["message"] or "" for uid, r in results}
    assert messages["model_beta_b"].startswith("cancelled:") and statuses["model_gamma_b"] == "skipped", messages
    for name, status in statuses.items():
        if status == "skipped":
            assert name not in files, name
        else:
            assert name in files and "create" in files[name].lower() and name in files[name], (name, status)
