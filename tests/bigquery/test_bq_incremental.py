"""Incremental models on the BigQuery emulator: merge (dbt-bigquery's default), insert_overwrite
with static and dynamic partitions, on_schema_change, and a failing run leaving the table as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bq_helpers import BQProject, new_project

#: a model whose rows come from a var: {rows: [[id, name, d], ...]}
ROWS_MODEL = """
{{{{ config(materialized='incremental', {config}) }}}}
{{% set rows = var('rows') %}}
{{% for r in rows %}}
select {{{{ r[0] }}}} as id, '{{{{ r[1] }}}}' as name, date '{{{{ r[2] }}}}' as d
{{% if not loop.last %}}union all{{% endif %}}
{{% endfor %}}
"""


def _model(project: BQProject, config: str) -> None:
    project.write({"models/m.sql": ROWS_MODEL.format(config=config)})


def _run(project: BQProject, rows: list[tuple[Any, ...]], *args: str) -> Any:
    value = "{rows: [" + ", ".join(f"[{i}, {n}, '{d}']" for i, n, d in rows) + "]}"
    result = project.run("run", "--vars", value, *args)
    return result


def _table(project: BQProject, columns: str = "id, name, d") -> list[tuple[Any, ...]]:
    dataset = f"`{project.emulator.project}`.`{project.dataset}`"
    return [
        tuple(str(v) if v is not None else None for v in row)
        for row in project.rows(f"select {columns} from {dataset}.m order by id, name")
    ]


def test_merge_with_unique_key(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    _model(project, "unique_key='id'")
    first = _run(project, [(1, "a", "2024-01-01"), (2, "b", "2024-01-02")])
    assert first.returncode == 0, first.stdout + first.stderr
    second = _run(project, [(2, "B", "2024-01-02"), (3, "c", "2024-01-03")])
    assert second.returncode == 0, second.stdout + second.stderr
    assert _table(project) == [("1", "a", "2024-01-01"), ("2", "B", "2024-01-02"), ("3", "c", "2024-01-03")]
    result = project.results_by_name()["m"]
    assert result["adapter_response"]["code"] == "MERGE"
    assert result["message"].startswith("MERGE (")
    assert project.table_names() == {"m"}, "the staging table is dropped"
    statements = "\n".join(project.statements())
    assert "merge into" in statements and "DBT_INTERNAL_SOURCE.id = DBT_INTERNAL_DEST.id" in statements


def test_merge_with_list_key_update_columns(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    _model(project, "unique_key=['id', 'd'], merge_update_columns=['name']")
    assert _run(project, [(1, "a", "2024-01-01"), (2, "b", "2024-01-02")]).returncode == 0
    result = _run(project, [(1, "A", "2024-01-01"), (2, "x", "2024-01-05")])
    assert result.returncode == 0, result.stdout + result.stderr
    assert _table(project) == [
        ("1", "A", "2024-01-01"),
        ("2", "b", "2024-01-02"),
        ("2", "x", "2024-01-05"),
    ]


def test_merge_exclude_columns_and_predicates(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    _model(
        project,
        "unique_key='id', merge_exclude_columns=['d'], "
        "incremental_predicates=[\"DBT_INTERNAL_DEST.d > date '2024-01-01'\"]",
    )
    assert _run(project, [(1, "a", "2024-01-01"), (2, "b", "2024-01-02")]).returncode == 0
    result = _run(project, [(1, "A", "2024-02-01"), (2, "B", "2024-02-02")])
    assert result.returncode == 0, result.stdout + result.stderr
    # id 1 is outside the predicate: not matched, so inserted again; id 2 updated except d
    assert _table(project) == [
        ("1", "A", "2024-02-01"),
        ("1", "a", "2024-01-01"),
        ("2", "B", "2024-01-02"),
    ]


def test_merge_without_unique_key_inserts(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    _model(project, "incremental_strategy='merge'")
    assert _run(project, [(1, "a", "2024-01-01")]).returncode == 0
    result = _run(project, [(1, "a", "2024-01-01"), (2, "b", "2024-01-02")])
    assert result.returncode == 0, result.stdout + result.stderr
    assert _table(project) == [("1", "a", "2024-01-01"), ("1", "a", "2024-01-01"), ("2", "b", "2024-01-02")]
    # --full-refresh rebuilds from the query alone
    result = _run(project, [(5, "e", "2024-01-05")], "--full-refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _table(project) == [("5", "e", "2024-01-05")]


def test_is_incremental(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    project.write(
        {
            "models/m.sql": "{{ config(materialized='incremental', unique_key='id') }}\n"
            "select 1 as id, {% if is_incremental() %}'later'{% else %}'first'{% endif %} as name, "
            "(select count(*) from {% if is_incremental() %}{{ this }}{% else %}unnest([1]){% endif %}) as d"
        }
    )
    assert project.run("run").returncode == 0
    assert project.run("run").returncode == 0
    assert _table(project) == [("1", "later", "1")]


PARTITIONED = "incremental_strategy='insert_overwrite', partition_by={'field': 'd', 'data_type': 'date'}"


def test_insert_overwrite_dynamic(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    _model(project, PARTITIONED)
    first = [(1, "a", "2024-01-01"), (2, "b", "2024-01-02"), (3, "c", "2024-01-02"), (4, "d", "2024-01-03")]
    assert _run(project, first).returncode == 0
    result = _run(project, [(20, "B", "2024-01-02"), (5, "e", "2024-01-05")])
    assert result.returncode == 0, result.stdout + result.stderr
    # 2024-01-02 replaced (both old rows gone), 01-01 and 01-03 kept, 01-05 added
    assert _table(project) == [
        ("1", "a", "2024-01-01"),
        ("4", "d", "2024-01-03"),
        ("5", "e", "2024-01-05"),
        ("20", "B", "2024-01-02"),
    ]
    script = [s for s in project.statements() if "dbt_partitions_for_replacement" in s]
    assert script and "select as struct" not in script[0].lower()
    assert "begin transaction" not in script[0].lower()


def test_insert_overwrite_static(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    _model(project, PARTITIONED + ", partitions=[\"date '2024-01-02'\", \"date '2024-01-03'\"]")
    first = [(1, "a", "2024-01-01"), (2, "b", "2024-01-02"), (4, "d", "2024-01-03")]
    assert _run(project, first).returncode == 0
    result = _run(project, [(20, "B", "2024-01-02")])
    assert result.returncode == 0, result.stdout + result.stderr
    # both listed partitions replaced (01-03 emptied), 01-01 kept
    assert _table(project) == [("1", "a", "2024-01-01"), ("20", "B", "2024-01-02")]


def test_insert_overwrite_needs_partition_by(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    _model(project, "incremental_strategy='insert_overwrite'")
    assert _run(project, [(1, "a", "2024-01-01")]).returncode == 0
    result = _run(project, [(2, "b", "2024-01-02")])
    assert result.returncode == 1
    assert "requires the `partition_by` config" in project.results_by_name()["m"]["message"]
    assert _table(project) == [("1", "a", "2024-01-01")]


def test_on_schema_change(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    dataset = f"`{bq_emulator.project}`.`{project.dataset}`"
    extra = "{% if var('more', false) %}, 'x' as extra{% endif %}"
    drop = "{% if not var('less', false) %}, 'n' as name{% endif %}"

    def write(mode: str) -> None:
        project.write(
            {
                "models/m.sql": f"{{{{ config(materialized='incremental', unique_key='id', "
                f"on_schema_change='{mode}') }}}}\nselect {{{{ var('id', 1) }}}} as id{drop}{extra}"
            }
        )

    write("fail")
    assert project.run("run").returncode == 0
    result = project.run("run", "--vars", "{more: true, id: 2}")
    assert result.returncode == 1
    assert "out of sync" in project.results_by_name()["m"]["message"]
    assert project.rows(f"select id, name from {dataset}.m") == [(1, "n")]

    write("append_new_columns")
    result = project.run("run", "--vars", "{more: true, id: 2}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert project.rows(f"select id, name, extra from {dataset}.m order by id") == [(1, "n", None), (2, "n", "x")]
    message = project.results_by_name()["m"]["message"]
    assert "were changed first, by 1 DDL job: not atomic with the rows" in message

    write("sync_all_columns")
    result = project.run("run", "--vars", "{less: true, id: 3}")
    assert result.returncode == 0, result.stdout + result.stderr
    columns = project.rows(
        f"select column_name from {dataset}.INFORMATION_SCHEMA.COLUMNS where table_name = 'm' order by ordinal_position"
    )
    assert columns == [("id",)]
    assert project.rows(f"select id from {dataset}.m order by id") == [(1,), (2,), (3,)]


def test_failing_incremental_leaves_table(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    project.write(
        {
            "models/m.sql": "{{ config(materialized='incremental', unique_key='id') }}\n"
            "select id, name, d from unnest([struct(1 as id, 'a' as name, date '2024-01-01' as d), "
            "struct({{ var('id', 1) }}, 'b', date '2024-01-02')]) {% if is_incremental() %}"
            "where 1 / {{ var('div', 1) }} > 0{% endif %}"
        }
    )
    assert project.run("run").returncode == 0
    before = _table(project)
    # the MERGE fails: two source rows match one target row
    result = project.run("run", "--vars", "{id: 1}")
    assert result.returncode == 1
    assert _table(project) == before
    # the staging query fails
    result = project.run("run", "--vars", "{id: 2, div: 0}")
    assert result.returncode == 1
    assert "division by zero" in project.results_by_name()["m"]["message"]
    assert _table(project) == before
    assert project.table_names() == {"m"}


def test_invalid_strategy_exits_2(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    _model(project, "incremental_strategy='append'")
    project.write({"models/ok.sql": "select 1 as x"})
    result = _run(project, [(1, "a", "2024-01-01")])
    assert result.returncode == 2, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "incremental_strategy 'append'" in output
    assert "dbt-bigquery rejects" in output and "'insert_overwrite'" in output
    assert project.table_names() == set()


def test_unsupported_bigquery_configs_exit_2_before_running(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    project.write(
        {
            "models/a.sql": "{{ config(materialized='table', grant_access_to=[{'project': 'p', 'dataset': 'd'}]) }}\n"
            "select 1 as x",
            "models/b.sql": "{{ config(materialized='incremental', partition_by={'field': 'd', "
            "'time_ingestion_partitioning': true}) }}\nselect current_date() as d",
            "models/ok.sql": "select 1 as x",
        }
    )
    result = project.run("run")
    assert result.returncode == 2, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "model 'a' sets `grant_access_to`" in output
    assert "model 'b' sets `partition_by.time_ingestion_partitioning`" in output
    assert "nothing was run" in output
    assert project.table_names() == set()
    # --exclude them and the rest runs
    assert project.run("run", "--exclude", "a", "b").returncode == 0


def test_bigquery_configs_mean_nothing_on_duckdb(tmp_path: Path) -> None:
    project = BQProject(tmp_path, None, "")
    project.write(
        {
            "dbt_project.yml": "name: p\nversion: '1.0'\nprofile: p\n",
            "profiles.yml": f"p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
            f"      path: {tmp_path / 'db.duckdb'}\n",
            "models/a.sql": "{{ config(materialized='table', grant_access_to=[{'project': 'p', 'dataset': 'd'}]) }}\n"
            "select 1 as x",
        }
    )
    result = project.run("run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_sql_has_no_ddl_in_transactions(tmp_path: Path, bq_emulator: Any) -> None:
    """BigQuery rejects DDL inside BEGIN TRANSACTION; the emulator does not: check the text."""
    project = new_project(tmp_path, bq_emulator)
    _model(project, PARTITIONED + ", on_schema_change='append_new_columns'")
    assert _run(project, [(1, "a", "2024-01-01")]).returncode == 0
    assert _run(project, [(2, "b", "2024-01-02")]).returncode == 0
    assert_no_ddl_in_transactions(project.statements())


def assert_no_ddl_in_transactions(statements: list[str]) -> None:
    import re

    ddl = re.compile(r"\b(create|drop|alter|truncate)\b\s+(or\s+replace\s+)?(table|view|schema)", re.IGNORECASE)
    for sql in statements:
        lowered = sql.lower()
        if "begin transaction" in lowered:
            body = lowered.split("begin transaction", 1)[1]
            assert not ddl.search(body), sql
