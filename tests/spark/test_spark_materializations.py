"""Materializations on a real Spark (the shared ``local[2]`` session): rows in Spark tables,
run_results.json and exit codes."""

from __future__ import annotations

from typing import Any

from .conftest import SparkProject

MODELS = {
    "models/base.sql": """
        {{ config(materialized='table') }}
        select id, cast(id * 10 as int) as amount, 'v' || cast(id as string) as label
        from range({{ var('n', 3) }})
    """,
    "models/base_view.sql": """
        {{ config(materialized='view') }}
        select id, amount from {{ ref('base') }} where id > 0
    """,
    "models/total.sql": """
        {{ config(materialized='table') }}
        select count(*) as n, sum(amount) as total from {{ ref('base_view') }}
    """,
}


def test_table_and_view_build_and_rebuild(spark_project: SparkProject) -> None:
    spark_project.write(MODELS)
    first = spark_project.run("run")
    assert first.code == 0, first
    assert spark_project.kind("base") == "table"
    assert spark_project.kind("base_view") == "view"
    assert spark_project.table("base") == [(0, 0, "v0"), (1, 10, "v1"), (2, 20, "v2")]
    assert spark_project.table("total") == [(2, 30)]
    assert spark_project.statuses() == {"base": "success", "base_view": "success", "total": "success"}
    results = spark_project.run_results()["results"]
    by_name = {r["unique_id"].split(".")[-1]: r for r in results}
    assert by_name["base"]["relation_name"] == f"{spark_project.schema}.base"  # unquoted, as dbt-spark
    # target/run (issue 19): the statement that built each relation (the table under its
    # temporary name, renamed after; the view straight into its name)
    run_sql = spark_project.root / "target" / "run" / "sparkproj" / "models"
    base_sql = (run_sql / "base.sql").read_text().lower()
    assert "create" in base_sql and "base__dbt_tmp" in base_sql and "from range(3)" in base_sql
    view_sql = (run_sql / "base_view.sql").read_text().lower()
    assert "create or replace view" in view_sql and "__dbt_tmp" not in view_sql and "where id > 0" in view_sql

    # a second run replaces the table (new rows) and the view keeps reading it by name
    second = spark_project.run("run", "--vars", "{n: 5}")
    assert second.code == 0, second
    assert [r[0] for r in spark_project.table("base")] == [0, 1, 2, 3, 4]
    assert spark_project.table("total") == [(4, 100)]
    # nothing is left under a temporary or backup name
    assert spark_project.relations() == {"base", "base_view", "total"}


def test_failing_table_keeps_the_old_one(spark_project: SparkProject) -> None:
    spark_project.write(MODELS)
    assert spark_project.run("run").code == 0
    spark_project.write(
        {
            "models/base.sql": """
                {{ config(materialized='table') }}
                select id, cast(raise_error(concat('bad amount ', cast(id as string))) as int) as amount,
                    'new' as label
                from range(4)
            """
        }
    )
    failed = spark_project.run("run")
    assert failed.code == 1, failed
    statuses = spark_project.statuses()
    assert statuses["base"] == "error"
    assert statuses["base_view"] == "skipped" and statuses["total"] == "skipped"
    message = next(r["message"] for r in spark_project.run_results()["results"] if r["unique_id"].endswith(".base"))
    assert "bad amount" in message
    assert "\tat " not in message and "JVM stacktrace" not in message  # no stack trace
    # the previous table is untouched and the temporary one is gone
    assert spark_project.table("base") == [(0, 0, "v0"), (1, 10, "v1"), (2, 20, "v2")]
    assert spark_project.relations() == {"base", "base_view", "total"}


def test_view_replaces_a_table_and_back(spark_project: SparkProject) -> None:
    spark_project.write(MODELS)
    assert spark_project.run("run").code == 0
    spark_project.write({"models/total.sql": "{{ config(materialized='view') }}\nselect 1 as n"})
    result = spark_project.run("run", "-s", "total")
    assert result.code == 0, result
    assert spark_project.kind("total") == "view"
    spark_project.write({"models/total.sql": "{{ config(materialized='table') }}\nselect 2 as n"})
    result = spark_project.run("run", "-s", "total")
    assert result.code == 0, result
    assert spark_project.kind("total") == "table"
    assert spark_project.table("total") == [(2,)]
    assert spark_project.relations() == {"base", "base_view", "total"}


def _seed_rows(project: SparkProject, name: str) -> list[tuple[Any, ...]]:
    return project.table(name, order_by="id")


def test_seeds_types_and_reload(spark_project: SparkProject) -> None:
    spark_project.write(
        {
            "seeds/people.csv": (
                "id,name,score,born,seen_at,active\n"
                "1,ann,1.5,2001-02-03,2024-01-31 10:00:00,true\n"
                "2,bob,,2002-03-04,2024-02-01 11:30:00,false\n"
                "3,o'neil;--,3,,,\n"
            ),
        }
    )
    result = spark_project.run("seed")
    assert result.code == 0, result
    columns = {r[0]: r[1] for r in spark_project.rows(f"describe table `{spark_project.schema}`.`people`")}
    # dbt-spark's inferred types
    assert columns == {
        "id": "bigint",
        "name": "string",
        "score": "double",
        "born": "date",
        "seen_at": "timestamp",
        "active": "boolean",
    }
    rows = _seed_rows(spark_project, "people")
    assert [r[1] for r in rows] == ["ann", "bob", "o'neil;--"]  # values are parameters, never SQL text
    assert rows[0][2] == 1.5 and rows[1][2] is None
    assert str(rows[0][3]) == "2001-02-03" and str(rows[0][4]) == "2024-01-31 10:00:00"
    assert rows[0][5] is True and rows[2][5] is None
    seed_result = spark_project.run_results()["results"][0]
    assert seed_result["status"] == "success" and seed_result["message"] == "INSERT 3"

    # a re-seed with new rows replaces them, keeping the table's types
    (spark_project.root / "seeds" / "people.csv").write_text(
        "id,name,score,born,seen_at,active\n7,zed,2,2003-01-01,2024-03-01 00:00:00,true\n"
    )
    again = spark_project.run("seed")
    assert again.code == 0, again
    assert [(r[0], r[1], r[2]) for r in _seed_rows(spark_project, "people")] == [(7, "zed", 2.0)]
    assert spark_project.relations() == {"people"}


def test_column_types_override_and_bad_value(spark_project: SparkProject) -> None:
    spark_project.write(
        {
            "seeds/codes.csv": "id,code\n1,007\n2,042\n",
            "seeds/codes.yml": """
                version: 2
                seeds:
                  - name: codes
                    config:
                      column_types: {code: string}
            """,
        }
    )
    assert spark_project.run("seed").code == 0
    assert spark_project.table("codes", order_by="id") == [(1, "007"), (2, "042")]


def test_tests_run_on_spark(spark_project: SparkProject) -> None:
    spark_project.write(
        {
            **MODELS,
            "models/schema.yml": """
                version: 2
                models:
                  - name: base
                    columns:
                      - name: id
                        tests: [unique, not_null]
                      - name: label
                        tests:
                          - accepted_values:
                              values: ['v0', 'v1']
                  - name: base_view
                    columns:
                      - name: id
                        tests:
                          - relationships:
                              to: ref('base')
                              field: id
            """,
            "tests/no_negative.sql": "select * from {{ ref('base') }} where amount < 0",
        }
    )
    assert spark_project.run("run").code == 0
    result = spark_project.run("test")
    assert result.code == 1, result
    statuses = {r["unique_id"]: r["status"] for r in spark_project.run_results()["results"]}
    failing = [uid for uid, status in statuses.items() if status == "fail"]
    assert len(failing) == 1 and "accepted_values" in failing[0]
    passing = [uid for uid, status in statuses.items() if uid.startswith("test.") and status == "pass"]
    assert len(passing) == 4
    failures = next(r["failures"] for r in spark_project.run_results()["results"] if r["status"] == "fail")
    assert failures == 1


def test_snapshot_on_parquet_is_a_clear_node_error(spark_project: SparkProject) -> None:
    spark_project.write(
        {
            **MODELS,
            "snapshots/snap.sql": """
                {% snapshot snap %}
                {{ config(target_schema=target.schema, unique_key='id', strategy='check', check_cols='all') }}
                select * from {{ ref('base') }}
                {% endsnapshot %}
            """,
        }
    )
    result = spark_project.run("build")
    assert result.code == 1, result
    message = next(r["message"] for r in spark_project.run_results()["results"] if r["unique_id"].endswith("snap"))
    assert "Snapshot functionality requires file_format" in message and "parquet" in message
    assert "Traceback" not in result.output


INCREMENTAL = """
    {{ config(materialized='incremental', incremental_strategy=var('strategy', 'append'),
              partition_by=var('partition_by', none), on_schema_change=var('osc', 'ignore')) }}
    select id, cast(id % 2 as int) as part, '{{ var("tag", "a") }}' as tag
    from range({{ var('lo', 0) }}, {{ var('hi', 3) }})
    {% if is_incremental() %} where id >= (select coalesce(max(id), -1) from {{ this }}) - 1 {% endif %}
"""


def test_incremental_append(spark_project: SparkProject) -> None:
    spark_project.write({"models/inc.sql": INCREMENTAL})
    assert spark_project.run("run").code == 0
    assert spark_project.table("inc", order_by="id") == [(0, 0, "a"), (1, 1, "a"), (2, 0, "a")]
    # default strategy (append): rows from id >= 1 are added again
    result = spark_project.run("run", "--vars", "{hi: 5, tag: b}")
    assert result.code == 0, result
    ids = sorted(r[0] for r in spark_project.table("inc", order_by="id"))
    assert ids == [0, 1, 1, 2, 2, 3, 4]
    assert spark_project.relations() == {"inc"}
    # --full-refresh rebuilds it
    assert spark_project.run("run", "--full-refresh", "--vars", "{hi: 2}").code == 0
    assert spark_project.table("inc", order_by="id") == [(0, 0, "a"), (1, 1, "a")]


def test_incremental_insert_overwrite_partitions(spark_project: SparkProject) -> None:
    spark_project.write({"models/inc.sql": INCREMENTAL})
    flags = "{strategy: insert_overwrite, partition_by: part, hi: 4}"
    assert spark_project.run("run", "--vars", flags).code == 0
    assert sorted(spark_project.table("inc")) == [(0, "a", 0), (1, "a", 1), (2, "a", 0), (3, "a", 1)]
    # the new rows (ids 2..5, tag b) replace the partitions they fall in: both parts here,
    # so ids 0 and 1 go; with only odd ids, part 0 would stay
    result = spark_project.run("run", "--vars", "{strategy: insert_overwrite, partition_by: part, hi: 6, tag: b}")
    assert result.code == 0, result
    rows = sorted(spark_project.table("inc"))
    assert rows == [(2, "b", 0), (3, "b", 1), (4, "b", 0), (5, "b", 1)]
    assert spark_project.relations() == {"inc"}
    # a full refresh renames a new partitioned table into place: its partitions (same keys as
    # the old one's) are read from its own folders, which dropping the old one leaves alone
    flags = "{strategy: insert_overwrite, partition_by: part, lo: 10, hi: 12, tag: c}"
    assert spark_project.run("run", "--full-refresh", "--vars", flags).code == 0
    assert sorted(spark_project.table("inc")) == [(10, "c", 0), (11, "c", 1)]


def test_incremental_insert_overwrite_one_partition(spark_project: SparkProject) -> None:
    spark_project.write(
        {
            "models/inc.sql": """
                {{ config(materialized='incremental', incremental_strategy='insert_overwrite', partition_by='part') }}
                select id, cast(id % 2 as int) as part, '{{ var("tag", "a") }}' as tag
                from range({{ var('lo', 0) }}, {{ var('hi', 4) }}, {{ var('step', 1) }})
            """
        }
    )
    assert spark_project.run("run").code == 0
    # only odd ids this time: partition 1 is replaced, partition 0 stays as it was
    assert spark_project.run("run", "--vars", "{lo: 5, hi: 8, step: 2, tag: b}").code == 0
    assert sorted(spark_project.table("inc")) == [(0, "a", 0), (2, "a", 0), (5, "b", 1), (7, "b", 1)]


def test_incremental_insert_overwrite_without_partitions_replaces_all(spark_project: SparkProject) -> None:
    spark_project.write({"models/inc.sql": INCREMENTAL})
    assert spark_project.run("run", "--vars", "{strategy: insert_overwrite}").code == 0
    assert spark_project.run("run", "--vars", "{strategy: insert_overwrite, lo: 10, hi: 12}").code == 0
    assert spark_project.table("inc", order_by="id") == [(10, 0, "a"), (11, 1, "a")]
    assert spark_project.relations() == {"inc"}
    # partitioned from now on: the new table replaces one without partitions
    flags = "{strategy: insert_overwrite, partition_by: part, lo: 20, hi: 22}"
    assert spark_project.run("run", "--full-refresh", "--vars", flags).code == 0
    assert spark_project.table("inc", order_by="id") == [(20, "a", 0), (21, "a", 1)]


def test_incremental_schema_change(spark_project: SparkProject) -> None:
    spark_project.write({"models/inc.sql": INCREMENTAL})
    assert spark_project.run("run").code == 0
    spark_project.write({"models/inc.sql": INCREMENTAL.replace("as tag\n", "as tag, 'n' as extra\n")})
    failed = spark_project.run("run", "--vars", "{osc: fail, hi: 5}")
    assert failed.code == 1, failed
    assert "out of sync" in spark_project.run_results()["results"][0]["message"]
    assert len(spark_project.table("inc")) == 3  # unchanged
    added = spark_project.run("run", "--vars", "{osc: append_new_columns, hi: 5}")
    assert added.code == 0, added
    rows = spark_project.table("inc", order_by="id, tag")
    assert rows[0] == (0, 0, "a", None) and rows[-1] == (4, 0, "a", "n")


def test_incremental_merge_needs_a_table_format(spark_project: SparkProject) -> None:
    spark_project.write(
        {
            "models/inc.sql": """
                {{ config(materialized='incremental', incremental_strategy='merge', unique_key='id') }}
                select id from range(3)
            """,
            "models/other.sql": "{{ config(materialized='table') }}\nselect 1 as x",
        }
    )
    result = spark_project.run("run")
    assert result.code == 1, result
    statuses = spark_project.statuses()
    assert statuses == {"inc": "error", "other": "success"}
    message = spark_project.run_results()["results"][0]["message"] or ""
    message = next(r["message"] for r in spark_project.run_results()["results"] if r["unique_id"].endswith(".inc"))
    assert "Invalid incremental strategy provided: merge" in message and "'delta'" in message
    assert "parquet" in message
    assert spark_project.kind("inc") is None  # nothing was built


def test_location_root_external_tables(spark_project: SparkProject, tmp_path: Any) -> None:
    root = tmp_path / "lake"
    spark_project.write(
        {
            "models/ext.sql": """
                {{ config(materialized='table', location_root=var('root'), partition_by='p') }}
                select id, cast(id % 2 as int) as p from range({{ var('n', 2) }})
            """
        }
    )
    assert spark_project.run("run", "--vars", f"{{root: '{root}'}}").code == 0
    first = {p.name for p in (root / "ext").iterdir()}
    assert spark_project.run("run", "--vars", f"{{root: '{root}', n: 4}}").code == 0
    assert sorted(spark_project.table("ext")) == [(0, 0), (1, 1), (2, 0), (3, 1)]
    # each build has a folder of its own under location_root/ext; the replaced one is removed
    second = {p.name for p in (root / "ext").iterdir()}
    assert len(first) == len(second) == 1 and first != second


def test_cross_database_macros_are_spark_sql(spark_project: SparkProject) -> None:
    spark_project.write(
        {
            "models/m.sql": """
                {{ config(materialized='table') }}
                select
                    cast('it''s' as {{ dbt.type_string() }}) as s,
                    '{{ dbt.escape_single_quotes("o'neil") }}' as quoted,
                    {{ dbt.safe_cast("'x'", dbt.type_int()) }} as bad_int,
                    {{ dbt.date(2024, 1, 31) }} as d,
                    {{ dbt.dateadd('day', 1, dbt.date(2024, 1, 31)) }} as next_day,
                    {{ dbt.datediff(dbt.date(2024, 1, 1), dbt.date(2024, 1, 31), 'day') }} as days,
                    {{ dbt.hash("'a'") }} as h,
                    {{ dbt.current_timestamp() }} is not null as has_now,
                    size({{ dbt.array_construct(['1', '2']) }}) as n
            """
        }
    )
    result = spark_project.run("run")
    assert result.code == 0, result
    (row,) = spark_project.table("m")
    assert row[0] == "it's"
    assert row[1] == "o'neil" and row[2] is None
    assert str(row[3]) == "2024-01-31" and str(row[4]).startswith("2024-02-01") and row[5] == 30
    assert row[6] == "0cc175b9c0f1b6a831c399e269772661" and row[7] is True and row[8] == 2


def test_persistent_warehouse_across_processes(tmp_path: Any) -> None:
    """method: session on its own (no active session): a run in one process, another in the
    next. The Hive catalog (embedded Derby, the default) remembers the tables, so the second
    run replaces them instead of failing on their files (LOCATION_ALREADY_EXISTS)."""
    import subprocess
    import sys

    from .conftest import PROJECT_YML, require_spark

    require_spark()
    root = tmp_path / "proj"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(PROJECT_YML)
    (root / "profiles.yml").write_text(
        "sparkproj:\n  target: dev\n  outputs:\n    dev:\n      type: spark\n      method: session\n"
        f"      master: local[1]\n      schema: lake\n      warehouse_dir: {tmp_path / 'warehouse'}\n"
    )
    (root / "models" / "t.sql").write_text("{{ config(materialized='table') }}\nselect {{ var('v', 1) }} as v")
    cmd = [sys.executable, "-m", "dagwright.cli", "run", "--project-dir", str(root), "--profiles-dir", str(root)]
    for value in (1, 2):
        proc = subprocess.run([*cmd, "--vars", f"{{v: {value}}}"], capture_output=True, text=True, timeout=240)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "\tat " not in proc.stderr  # no JVM stack traces on the terminal
    assert (tmp_path / "warehouse" / "metastore_db").is_dir()
    assert (tmp_path / "warehouse" / "lake.db" / "t").is_dir()


HOOK_MACROS = """
{% macro add_row(relation, values) %}
  {% if execute %}{% do run_query('insert into ' ~ relation ~ ' values (' ~ values ~ ')') %}{% endif %}
{% endmacro %}
"""


def test_post_hooks_render_after_the_build(spark_project: SparkProject) -> None:
    # a post-hook macro's run_query runs when the hook runs, into the relation just published
    # (on a first build as on a rebuild), as dbt renders hooks right before running them
    spark_project.write(
        {
            "macros/hooks.sql": HOOK_MACROS,
            "models/tbl.sql": "{{ config(materialized='table', post_hook=\"{{ add_row(this, 2) }}\") }}\n"
            "select 1 as id",
            "models/inc.sql": "{{ config(materialized='incremental', post_hook=\"{{ add_row(this, 100) }}\") }}\n"
            "select {{ var('batch', 1) }} as id",
            "seeds/codes.csv": "code,label\n1,one\n",
            "seeds/codes.yml": (
                'seeds:\n  - name: codes\n    config:\n      post_hook: "{{ add_row(this, \\"9, \'nine\'\\") }}"\n'
            ),
        }
    )
    for batch in (1, 2):
        result = spark_project.run("build", "--vars", f"{{batch: {batch}}}")
        assert result.code == 0, result
        assert spark_project.table("tbl", order_by="id") == [(1,), (2,)]
        assert spark_project.table("codes", order_by="code") == [(1, "one"), (9, "nine")]
    assert sorted(r[0] for r in spark_project.table("inc", order_by="id")) == [1, 2, 100, 100]
