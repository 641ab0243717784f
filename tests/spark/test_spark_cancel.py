"""Cancellation on Spark: a stop cancels the running job (classic: job group; Connect:
tag), nothing is published, the temporary table is dropped and the next run works."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from dagwright import api
from stop_helpers import outcome, stop_record

from .conftest import SparkProject, connect_query, wait_for

#: a CTAS that runs for minutes on local[2] unless cancelled
SLOW = """
{{ config(materialized='table') }}
select sum((a.id * b.id) % 7) as n from range(200000) a cross join range(200000) b
"""
FAST = "{{ config(materialized='table') }}\nselect 1 as n"


def test_cancel_stops_the_job_and_keeps_the_old_table(spark_project: SparkProject) -> None:
    spark_project.write({"models/slow.sql": FAST})
    assert spark_project.run("run").code == 0
    spark_project.write({"models/slow.sql": SLOW})

    handle = api.start("run", project_dir=str(spark_project.root), profiles_dir=str(spark_project.root))
    registry = handle.task.registry
    assert wait_for(lambda: "model.sparkproj.slow" in registry.in_flight().values(), timeout=60)
    time.sleep(1.0)  # the CTAS job is running
    started = time.perf_counter()
    handle.cancel()
    summary = handle.wait(timeout=60)
    stopped_in = time.perf_counter() - started
    (result,) = summary.results
    assert result.status == "cancelled", result.message
    assert "was not changed" in (result.message or "")
    assert stopped_in < 10, stopped_in  # the job was cancelled, not run to its end
    assert summary.cancel_latency is not None and summary.cancel_latency < 5, summary.cancel_latency
    print(f"classic: cancelJobGroup stopped the CTAS in {summary.cancel_latency:.3f} s")
    assert spark_project.table("slow") == [(1,)]
    assert spark_project.relations() == {"slow"}  # the temporary table was dropped

    # its files are gone too: the next build under the same temporary name works
    spark_project.write({"models/slow.sql": FAST.replace("1 as n", "2 as n")})
    again = spark_project.run("run")
    assert again.code == 0, again
    assert spark_project.table("slow") == [(2,)]


def test_connect_run_and_sigint(connect_project: SparkProject, spark_server: Any) -> None:
    """Over Spark Connect (dagwright in a subprocess): a seed, a table and a view, then a
    SIGINT that interrupts the running operation through its tag."""
    connect_project.write(
        {
            "seeds/nums.csv": "id,name\n1,a\n2,b\n",
            "models/doubled.sql": "{{ config(materialized='table') }}\n"
            "select id * 2 as id2, name from {{ ref('nums') }}",
            "models/named.sql": "{{ config(materialized='view') }}\nselect name from {{ ref('doubled') }}",
        }
    )
    built = connect_project.run_subprocess("build")
    assert built.code == 0, built
    schema = connect_project.schema
    url = connect_project.connect_url
    assert url is not None
    rows = connect_query(url, f"select id2, name from `{schema}`.`doubled` order by 1")
    assert rows == [[2, "a"], [4, "b"]]

    connect_project.write({"models/doubled.sql": SLOW})
    cmd = [sys.executable, "-m", "dagwright.cli", "run", "-s", "doubled"]
    cmd += ["--project-dir", str(connect_project.root), "--profiles-dir", str(connect_project.root)]
    proc = subprocess.Popen(cmd, cwd=connect_project.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "START sql table model" in line:
            break
    # the CTAS job runs on the server's JVM (the shared session's): wait until Spark has it
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
    waited = time.perf_counter() - sent
    assert proc.returncode == 130, "".join(lines) + out
    assert waited < 15, waited
    rr = json.loads((connect_project.root / "target" / "run_results.json").read_text())
    assert [outcome(r) for r in rr["results"]] == ["cancelled"]
    latency = stop_record(rr)
    assert latency["cancel_seconds"] is not None and latency["cancel_seconds"] < 5, latency
    print(f"connect: interruptTag stopped the CTAS in {latency['cancel_seconds']:.3f} s")
    rows = connect_query(url, f"select id2, name from `{schema}`.`doubled` order by 1")
    assert rows == [[2, "a"], [4, "b"]]
    tables = connect_query(url, f"show tables in `{schema}`")
    assert sorted(r[1] for r in tables if not r[2]) == ["doubled", "named", "nums"]
