"""Python models (``def model(dbt, session)``) on Spark: ``method: session`` on the shared
``local[2]`` session, ``method: connect`` over its Spark Connect endpoint.

dbt-spark cannot run these (it submits Python models to Databricks), so there is no oracle on
Spark; where a model can be written for both engines, its rows are compared with what
dbt-duckdb builds from the same files (the other Python runner dbt has). The rest is the
behaviour dagwright promises (docs/spark.md, "Python models"): the table published by the
rename swap, incremental runs through the Spark SQL incrementals' rules, a model that raises
failing its node with the model's traceback, and a stop cancelling the model's Spark jobs.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagwright import api
from oracle import Twins, needs_dbt
from stop_helpers import outcome

from .conftest import SparkProject, connect_query, wait_for

BASE_SQL = "{{ config(materialized='table') }}\nselect * from (values (1, 10), (2, 20), (3, 30)) as t(id, amount)\n"
SOURCES_YML = """\
version: 2
sources:
  - name: raw
    schema: "{{ target.schema }}"
    tables: [{name: base}]
models:
  - name: py_portable
    config: {mode: yaml}
"""
#: runs on DuckDB (a DuckDB relation's ``df()``) and on Spark (a DataFrame's ``toPandas()``)
PORTABLE = """\
def _pandas(frame):
    return frame.toPandas() if hasattr(frame, "toPandas") else frame.df()


def model(dbt, session):
    dbt.config(materialized="table")
    frame = _pandas(dbt.ref("base"))
    count = len(_pandas(dbt.source("raw", "base")))
    frame = frame[frame["amount"] > 10].copy()
    frame["total_rows"] = count
    frame["mode"] = dbt.config.get("mode", "none")
    return frame
"""
SPARK_TABLE = """\
def model(dbt, session):
    dbt.config(materialized="table")
    me = str(dbt.this)
    return dbt.ref("base").filter("amount > 10").selectExpr("id", "amount * 2 as doubled", f"'{me}' as me")
"""
DOWNSTREAM = "select sum(doubled) as total from {{ ref('py_table') }}"


def _files() -> dict[str, str]:
    return {
        "models/base.sql": BASE_SQL,
        "models/sources.yml": SOURCES_YML,
        "models/py_portable.py": PORTABLE,
        "models/py_table.py": SPARK_TABLE,
        "models/after.sql": DOWNSTREAM,
    }


def _results(project: SparkProject) -> dict[str, dict[str, Any]]:
    return {r["unique_id"].split(".")[-1]: r for r in project.run_results()["results"]}


@needs_dbt
def test_tables_from_refs_sources_and_pandas_as_dbt_duckdb(spark_project: SparkProject, tmp_path: Path) -> None:
    spark_project.write(_files())
    result = spark_project.run("run")
    assert result.code == 0, result
    assert "python table model" in result.output, result
    schema = spark_project.schema
    assert spark_project.statuses() == dict.fromkeys(("base", "py_portable", "py_table", "after"), "success")
    assert spark_project.kind("py_table") == "table" and spark_project.kind("py_portable") == "table"
    assert spark_project.table("py_table", "id") == [(2, 40, f"{schema}.py_table"), (3, 60, f"{schema}.py_table")]
    assert spark_project.table("after") == [(100,)]
    assert _results(spark_project)["py_table"]["adapter_response"] == {"_message": "OK"}
    # nothing left under a temporary or backup name
    assert spark_project.relations() == {"base", "py_portable", "py_table", "after"}
    compiled = (spark_project.root / "target/compiled/sparkproj/models/py_table.py").read_text()
    assert f"'{schema}.base'" in compiled  # dbt.ref reads the relation dbt-spark renders
    ours = spark_project.rows(f"select id, amount, total_rows, mode from `{schema}`.py_portable order by id")

    # the same files, built by dbt-duckdb (its Python models run in-process too)
    portable = ("models/base.sql", "models/sources.yml", "models/py_portable.py")
    twins = Twins(tmp_path / "twins", {k: v for k, v in _files().items() if k in portable})
    done = twins.dbt("run")
    assert done.returncode == 0, done.stdout + done.stderr
    with duckdb.connect(str(tmp_path / "twins" / "dbt.duckdb"), read_only=True) as con:
        theirs = con.execute("select id, amount, total_rows, mode from main.py_portable order by id").fetchall()
    assert ours == theirs == [(2, 20, 3, "yaml"), (3, 30, 3, "yaml")]

    # a second run replaces the tables
    spark_project.write({"models/base.sql": BASE_SQL.replace("(3, 30)", "(3, 30), (4, 40)")})
    assert spark_project.run("run").code == 0
    assert [r[0] for r in spark_project.table("py_table", "id")] == [2, 3, 4]
    assert spark_project.relations() == {"base", "py_portable", "py_table", "after"}


INCREMENTAL = """\
def model(dbt, session):
    dbt.config(materialized="incremental")
    if dbt.is_incremental:
        top = session.table(str(dbt.this)).agg({"id": "max"}).collect()[0][0]
        return session.sql(f"select {top} + 1 as id, 'next' as note")
    return session.createDataFrame([(1, "first")], "id long, note string")
"""
OVERWRITE = """\
import pandas as pd


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="insert_overwrite", partition_by="day")
    if dbt.is_incremental:
        return pd.DataFrame({"n": [20, 21], "day": [2, 2]})
    return pd.DataFrame({"n": [10, 11, 12], "day": [1, 1, 2]})
"""
MERGE = """\
def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="merge", unique_key="id")
    return session.sql("select 1 as id")
"""


def test_incremental_runs(spark_project: SparkProject) -> None:
    spark_project.write({"models/inc.py": INCREMENTAL, "models/parts.py": OVERWRITE, "models/merged.py": MERGE})
    first = spark_project.run("run")
    assert first.code == 1, first  # merged: merge needs delta, iceberg or hudi, as for a SQL model
    statuses = spark_project.statuses()
    assert statuses == {"inc": "success", "parts": "success", "merged": "error"}
    message = _results(spark_project)["merged"]["message"]
    assert "Invalid incremental strategy provided: merge" in message and "parquet" in message, message
    assert spark_project.kind("merged") is None

    assert spark_project.run("run", "--exclude", "merged").code == 0
    assert spark_project.table("inc", "id") == [(1, "first"), (2, "next")]  # appended (the default)
    # insert_overwrite with partition_by: day 2 replaced, day 1 kept
    assert spark_project.table("parts", "n") == [(10, 1), (11, 1), (20, 2), (21, 2)]
    compiled = (spark_project.root / "target/compiled/sparkproj/models/inc.py").read_text()
    assert "self.is_incremental = True" in compiled
    assert spark_project.relations() == {"inc", "parts"}  # the staged temporary views are not tables

    assert spark_project.run("run", "--exclude", "merged", "--full-refresh").code == 0
    assert spark_project.table("inc", "id") == [(1, "first")]
    assert spark_project.table("parts", "n") == [(10, 1), (11, 1), (12, 2)]


RAISES = """\
def divide(x):
    return 1 / x


def model(dbt, session):
    divide(0)
    return dbt.ref("base")
"""
SPARK_ERROR = """\
def model(dbt, session):
    return session.sql("select * from no_such_table")
"""
WRONG = "def model(dbt, session):\n    return [1, 2]\n"


def test_a_model_that_raises_or_returns_something_else(spark_project: SparkProject) -> None:
    ok = "def model(dbt, session):\n    return dbt.ref('base')\n"
    after = "select count(*) as n from {{ ref('boom') }}"
    spark_project.write({"models/base.sql": BASE_SQL, "models/boom.py": ok, "models/after.sql": after})
    assert spark_project.run("run").code == 0
    spark_project.write({"models/boom.py": RAISES, "models/bad_sql.py": SPARK_ERROR, "models/wrong.py": WRONG})
    result = spark_project.run("run")
    assert result.code == 1, result
    results = _results(spark_project)
    assert results["boom"]["status"] == "error" and results["after"]["status"] == "skipped"
    message = results["boom"]["message"]
    assert message.startswith("Runtime Error in model boom (models/boom.py)\n  Python model failed:"), message
    assert 'File "models/boom.py", line 6, in model' in message and "line 2, in divide" in message
    assert "ZeroDivisionError: division by zero" in message and "dagwright" not in message
    spark_message = results["bad_sql"]["message"]
    assert 'File "models/bad_sql.py", line 2, in model' in spark_message
    assert "TABLE_OR_VIEW_NOT_FOUND" in spark_message and "\tat " not in spark_message, spark_message
    assert "JVM stacktrace" not in spark_message and "Project [" not in spark_message
    assert "pyspark" not in spark_message and "py4j" not in spark_message  # the client library's frames
    wrong = results["wrong"]["message"]
    assert "Python model returned list: return a Spark DataFrame (or a pandas DataFrame)" in wrong, wrong
    # the previous table is untouched and nothing is left under a temporary name
    assert spark_project.table("boom") == [(1, 10), (2, 20), (3, 30)]
    assert spark_project.relations() == {"base", "boom", "after"}


#: a model whose own Spark action runs for minutes on local[2] unless cancelled
SLOW_ACTION = """\
def model(dbt, session):
    session.sql("select sum((a.id * b.id) % 7) as n from range(200000) a cross join range(200000) b").collect()
    return session.sql("select 2 as version")
"""
FIRST = "def model(dbt, session):\n    return session.sql('select 1 as version')\n"


def test_cancel_stops_the_models_spark_job(spark_project: SparkProject) -> None:
    spark_project.write({"models/slow.py": FIRST, "models/after.sql": "select * from {{ ref('slow') }}"})
    assert spark_project.run("run").code == 0
    spark_project.write({"models/slow.py": SLOW_ACTION})
    tracker = spark_project.spark.sparkContext._jsc.statusTracker()

    handle = api.start("run", project_dir=str(spark_project.root), profiles_dir=str(spark_project.root))
    registry = handle.task.registry
    assert wait_for(lambda: "model.sparkproj.slow" in registry.in_flight().values(), timeout=60)
    assert wait_for(lambda: len(tracker.getActiveJobIds()) > 0, timeout=60)  # the model's collect() runs
    time.sleep(0.5)
    started = time.perf_counter()
    handle.cancel()
    summary = handle.wait(timeout=60)
    stopped_in = time.perf_counter() - started
    results = {r.unique_id.split(".")[-1]: r for r in summary.results}
    assert results["slow"].status == "cancelled", results["slow"].message
    assert "was not changed" in (results["slow"].message or "")
    assert results["after"].status == "skipped"
    assert stopped_in < 10, stopped_in  # the job was cancelled, not run to its end
    assert summary.cancel_latency is not None and summary.cancel_latency < 5, summary.cancel_latency
    assert wait_for(lambda: not tracker.getActiveJobIds(), timeout=10)
    assert outcome(_results(spark_project)["slow"]) == "cancelled"
    assert spark_project.table("slow") == [(1,)]  # the previous table
    assert spark_project.relations() == {"slow", "after"}


PURE_PYTHON = """\
import time


def model(dbt, session):
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        pass
    return session.sql("select 2 as version")
"""


def test_cancel_during_pure_python_publishes_nothing(spark_project: SparkProject) -> None:
    """Python between Spark calls cannot be interrupted: it runs to its end, and its result is
    discarded (the statement that would build the table meets the stop)."""
    spark_project.write({"models/slow.py": FIRST})
    assert spark_project.run("run").code == 0
    spark_project.write({"models/slow.py": PURE_PYTHON})
    handle = api.start("run", project_dir=str(spark_project.root), profiles_dir=str(spark_project.root))
    registry = handle.task.registry
    assert wait_for(lambda: "model.sparkproj.slow" in registry.in_flight().values(), timeout=60)
    time.sleep(0.5)  # inside the model's loop
    handle.cancel()
    summary = handle.wait(timeout=60)
    (result,) = summary.results
    assert result.status == "cancelled", result.message
    assert spark_project.table("slow") == [(1,)]
    assert spark_project.relations() == {"slow"}


def test_connect_table_ref_and_incremental(connect_project: SparkProject) -> None:
    connect_project.write(
        {
            "models/base.sql": BASE_SQL,
            "models/py_table.py": SPARK_TABLE,
            "models/after.sql": DOWNSTREAM,
            "models/inc.py": INCREMENTAL,
            "models/pdf.py": "import pandas as pd\n\n\ndef model(dbt, session):\n"
            "    return pd.DataFrame({'x': [1, 2]})\n",
        }
    )
    first = connect_project.run_subprocess("run")
    assert first.code == 0, first
    second = connect_project.run_subprocess("run", "-s", "inc")
    assert second.code == 0, second
    url, schema = connect_project.connect_url, connect_project.schema
    assert url is not None
    rows = connect_query(url, f"select id, doubled, me from `{schema}`.py_table order by id")
    assert rows == [[2, 40, f"{schema}.py_table"], [3, 60, f"{schema}.py_table"]]
    assert connect_query(url, f"select total from `{schema}`.after") == [[100]]
    assert connect_query(url, f"select id, note from `{schema}`.inc order by id") == [[1, "first"], [2, "next"]]
    assert connect_query(url, f"select x from `{schema}`.pdf order by x") == [[1], [2]]
    tables = connect_query(url, f"show tables in `{schema}`")
    assert sorted(r[1] for r in tables if not r[2]) == ["after", "base", "inc", "pdf", "py_table"]


def test_connect_sigint_interrupts_the_models_spark_job(connect_project: SparkProject, spark_server: Any) -> None:
    """Over Spark Connect the model's own action carries the worker's tag: a SIGINT interrupts it."""
    connect_project.write({"models/slow.py": FIRST})
    first = connect_project.run_subprocess("run")
    assert first.code == 0, first
    connect_project.write({"models/slow.py": SLOW_ACTION})
    cmd = [sys.executable, "-m", "dagwright.cli", "run"]
    cmd += ["--project-dir", str(connect_project.root), "--profiles-dir", str(connect_project.root)]
    proc = subprocess.Popen(cmd, cwd=connect_project.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "START python table model" in line:
            break
    tracker = spark_server.spark.sparkContext._jsc.statusTracker()
    assert wait_for(lambda: len(tracker.getActiveJobIds()) > 0, timeout=60), "".join(lines)
    time.sleep(0.5)
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"dagwright did not stop within 60 s of SIGINT:\n{''.join(lines)}{out}", pytrace=False)
    assert proc.returncode == 130, "".join(lines) + out
    assert time.perf_counter() - sent < 15
    assert wait_for(lambda: not tracker.getActiveJobIds(), timeout=10)  # the job was interrupted
    results = json.loads((connect_project.root / "target" / "run_results.json").read_text())["results"]
    assert [outcome(r) for r in results] == ["cancelled"]
    url, schema = connect_project.connect_url, connect_project.schema
    assert url is not None
    assert connect_query(url, f"select version from `{schema}`.slow") == [[1]]
    tables = connect_query(url, f"show tables in `{schema}`")
    assert sorted(r[1] for r in tables if not r[2]) == ["slow"]
