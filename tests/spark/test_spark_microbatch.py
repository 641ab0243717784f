"""Microbatch models on Spark, against dbt-spark (the oracle) on the same Spark.

dbt-spark's microbatch is its ``insert_overwrite`` per batch: the inputs filtered to the batch's
window (``(select * from <input> where ts >= '<start>' and ts < '<end>')``, no cast, no
alias), the batch's rows staged, and the partitions they fall in replaced (dynamic partition
overwrite). ``partition_by`` is required where a batch changes the table: a first build's
first batch creates the table without that check, the batches after it fail.

Both tools build one project into schemas of their own (dbt-spark's session method as a Connect
client, dagwright over Connect), a first build then an incremental run, and the statuses, exit
codes and rows are compared.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from .harness import SparkServer, drop_schemas, run_tool, write_twin_project
from .test_spark_compat import BIN_DIR, oracle

pytestmark = [pytest.mark.spark, pytest.mark.compat]

MODEL = (
    "{{{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts', "
    "batch_size='day', begin='2024-01-01'{partition}) }}}}\n"
    "select id, ts, n + {{{{ var('k', 0) }}}} as n, cast(ts as date) as d from {{{{ ref('events') }}}}"
)
FILES = {
    "dbt_project.yml": "name: proj\nversion: '1.0'\nconfig-version: 2\nprofile: proj\n",
    "models/events.sql": "{{ config(materialized='table', event_time='ts') }}\n"
    "select id, ts, 1 as n from values (1, timestamp'2024-01-01 03:00:00'), (2, timestamp'2024-01-02 05:00:00'),"
    " (3, timestamp'2024-01-02 23:00:00'), (4, timestamp'2024-01-03 00:00:00') as t(id, ts)",
    "models/mb.sql": MODEL.format(partition=", partition_by='d'"),
    # dbt-spark needs partition_by where a batch changes the table
    "models/mb_unpartitioned.sql": MODEL.format(partition=""),
}
#: the runs, each with the exit both tools give
RUNS = (
    (("--event-time-start", "2024-01-01", "--event-time-end", "2024-01-04"), 1),  # a first build: 3 batches
    (("--event-time-start", "2024-01-02", "--event-time-end", "2024-01-03", "--vars", "{k: 5}"), 1),  # one day
    (("--select", "mb", "--full-refresh", "--event-time-start", "2024-01-03", "--event-time-end", "2024-01-04"), 0),
)


def _run(executable: str, root: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    return run_tool(executable, root, env, "run", "--threads", "1", *args)


def _results(root: Path) -> dict[str, tuple[str, str]]:
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1]: (r["status"], r["message"] or "") for r in results}


def _tool_runs(tool: str, executable: str, root: Path, server: SparkServer, schema: str) -> list[dict[str, Any]]:
    env = write_twin_project(tool, root, server, schema, FILES)
    steps = []
    for args, _exit in RUNS:
        code, output = _run(executable, root, env, *args)
        columns = "id, n, cast(ts as string), cast(d as string)"
        rows = {
            name: server.sql(f"select {columns} from `{schema}`.`{name}` order by id")
            for name in ("mb", "mb_unpartitioned")
        }
        steps.append({"code": code, "output": output, "results": _results(root), "rows": rows})
    return steps


def _statuses(step: dict[str, Any]) -> dict[str, str]:
    return {name: status for name, (status, _message) in step["results"].items()}


def test_microbatch_builds_what_dbt_spark_builds(tmp_path: Path, spark_server: SparkServer) -> None:
    tools = {"dbt": oracle(), "dagwright": shutil.which("dagwright", path=str(BIN_DIR))}
    schemas = {"dbt": "dbt_microbatch", "dagwright": "dw_microbatch"}
    drop_schemas(spark_server, list(schemas.values()))
    steps: dict[str, list[dict[str, Any]]] = {}
    try:
        for tool, executable in tools.items():
            assert executable
            steps[tool] = _tool_runs(tool, executable, tmp_path / tool, spark_server, schemas[tool])
    finally:
        drop_schemas(spark_server, list(schemas.values()))
    dbt, dw = steps["dbt"], steps["dagwright"]
    for number, (_args, code) in enumerate(RUNS):
        assert dbt[number]["code"] == dw[number]["code"] == code, (dbt[number]["output"], dw[number]["output"])
        assert _statuses(dw[number]) == _statuses(dbt[number]), (dbt[number]["output"], dw[number]["output"])
        assert dw[number]["rows"] == dbt[number]["rows"]

    # the first build: mb's three batches; mb_unpartitioned's first batch creates the table,
    # the two after it need partition_by
    assert _statuses(dw[0]) == {"events": "success", "mb": "success", "mb_unpartitioned": "partial success"}
    assert dw[0]["rows"]["mb"] == [
        (1, 1, "2024-01-01 03:00:00", "2024-01-01"),
        (2, 1, "2024-01-02 05:00:00", "2024-01-02"),
        (3, 1, "2024-01-02 23:00:00", "2024-01-02"),
        (4, 1, "2024-01-03 00:00:00", "2024-01-03"),
    ]
    assert dw[0]["rows"]["mb_unpartitioned"] == [(1, 1, "2024-01-01 03:00:00", "2024-01-01")]
    # an incremental run of one day: its partition replaced, the others kept
    assert _statuses(dw[1]) == {"events": "success", "mb": "success", "mb_unpartitioned": "error"}
    assert [row[:2] for row in dw[1]["rows"]["mb"]] == [(1, 1), (2, 6), (3, 6), (4, 1)]
    # the batch's error, in each tool's words (dbt-spark's run_results message is "ERROR";
    # dagwright's also names the failed batch and its error)
    assert "requires a `partition_by` config" in dbt[1]["output"]
    assert dbt[1]["results"]["mb_unpartitioned"][1] == "ERROR"
    message = dw[1]["results"]["mb_unpartitioned"][1]
    assert message.startswith("ERROR\n  batch 2024-01-02: ")
    assert "needs a `partition_by` config" in message and "`batch_size` (day)" in message
    # a full refresh of one batch: the table is that batch's rows
    assert [row[:2] for row in dw[2]["rows"]["mb"]] == [(4, 1)]
    # the batch's filter as dbt-spark writes it: no cast, no alias
    compiled = tmp_path / "dagwright" / "target" / "compiled" / "proj" / "models" / "mb" / "mb_2024-01-03.sql"
    assert (
        "from (select * from dw_microbatch.events where ts >= '2024-01-03 00:00:00+00:00' "
        "and ts < '2024-01-04 00:00:00+00:00')\n"
    ) in compiled.read_text() + "\n"


def _events(project: Any, bad: bool) -> None:
    project.spark.sql(f"create schema if not exists `{project.schema}`")
    table = f"`{project.schema}`.events"
    project.spark.sql(f"drop table if exists {table}")
    project.spark.sql(f"create table {table} (id int, ts timestamp, amount string) using parquet")
    amount = "bad" if bad else "12"
    project.spark.sql(
        f"insert into {table} values (1, timestamp'2024-01-01 03:00:00', '10'), "
        f"(2, timestamp'2024-01-02 05:00:00', '{amount}'), (3, timestamp'2024-01-03 00:00:00', '13')"
    )


def test_a_failing_batch_is_partial_success_and_retry_runs_only_it(spark_project: Any) -> None:
    """Per-batch results and retry on Spark, as on the other engines (compared with dbt on
    DuckDB in tests/test_microbatch.py): the failed batch is listed, and ``retry`` builds it only."""
    _events(spark_project, bad=True)
    spark_project.write(
        {
            "models/sources.yml": 'version: 2\nsources:\n  - name: raw\n    schema: "{{ target.schema }}"\n'
            "    tables:\n      - name: events\n        config: {event_time: ts}\n",
            "models/mb.sql": "{{ config(materialized='incremental', incremental_strategy='microbatch', "
            "event_time='ts', batch_size='day', begin='2024-01-01', partition_by='d') }}\n"
            "select id, case when amount = 'bad' then raise_error('bad amount') else cast(amount as int) end "
            "as amount, cast(ts as date) as d from {{ source('raw', 'events') }}",
        }
    )
    result = spark_project.run("run", "--event-time-start", "2024-01-01", "--event-time-end", "2024-01-04")
    assert result.code == 1, str(result)
    mb = spark_project.run_results()["results"][0]
    assert mb["status"] == "partial success", str(result)
    assert mb["batch_results"]["failed"] == [["2024-01-02T00:00:00+00:00", "2024-01-03T00:00:00+00:00"]]
    assert spark_project.table("mb", order_by="id") == [(1, 10, dt.date(2024, 1, 1)), (3, 13, dt.date(2024, 1, 3))]

    _events(spark_project, bad=False)
    result = spark_project.run("retry")
    assert result.code == 0, str(result)
    assert "batch 2024-01-02" in result.output and "batch 2024-01-01" not in result.output, str(result)
    mb = spark_project.run_results()["results"][0]
    assert mb["status"] == "success"
    # the batch built now, with those built before (as dbt lists them after a retry)
    assert sorted(mb["batch_results"]["successful"]) == [
        [f"2024-01-0{day}T00:00:00+00:00", f"2024-01-0{day + 1}T00:00:00+00:00"] for day in (1, 2, 3)
    ]
    assert mb["batch_results"]["failed"] == []
    assert spark_project.table("mb", order_by="id") == [
        (1, 10, dt.date(2024, 1, 1)),
        (2, 12, dt.date(2024, 1, 2)),
        (3, 13, dt.date(2024, 1, 3)),
    ]
