"""Issue 16: where the user sees a BigQuery node's job: the terminal line (dbt-bigquery's
``CREATE TABLE (2.0 rows, 0 processed)``) and the failure lines (the failed job's id),
target/timeline.html (tooltip and node table: bytes processed, job), the JSON log's
``node_finished`` (``adapter_response``); and ``job_execution_timeout_seconds`` on a slow job."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from .bq_helpers import SLOW_SELECT, new_project

FILES = {
    "models/a.sql": "{{ config(materialized='table') }}\nselect 1 as x union all select 2",
    "models/b.sql": "{{ config(materialized='view') }}\nselect * from {{ ref('a') }}",
    "models/c.sql": "{{ config(materialized='table') }}\nselect 1 / 0 as x",
}


def test_terminal_timeline_and_json_log_show_jobs(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    project.write(FILES)
    ds = project.dataset

    # the terminal: dbt-bigquery's bracket on success, the failed job named in the summary
    plain = project.run("run")
    assert plain.returncode == 1, plain.stdout + plain.stderr
    results = project.results_by_name()
    job_a = results["a"]["adapter_response"]["job_id"]
    assert re.search(
        rf"OK created sql table model {ds}\.a \.+ \[CREATE TABLE \(2\.0 rows, 0 processed\) in \d+\.\d\ds\]",
        plain.stdout,
    ), plain.stdout
    assert re.search(rf"OK created sql view model {ds}\.b \.+ \[CREATE VIEW \(0 processed\) in ", plain.stdout)
    failed = results["c"]["adapter_response"]
    assert failed["job_id"].startswith("dagwright_") and failed["location"] == "US"
    assert failed["project_id"] == bq_emulator.project and "division by zero" in failed["_message"]
    assert results["c"]["status"] == "error" and "division by zero" in results["c"]["message"]
    assert f"  job {bq_emulator.project}:US.{failed['job_id']}" in plain.stdout

    # the timeline: the page's data carries each node's bytes processed, job and rows, which its
    # table (processed and job columns) and tooltip show (tests/test_timeline_page.py draws them)
    page = (tmp_path / "target" / "timeline.html").read_text()
    match = re.search(r'<script type="application/json" id="dw-data">(.*?)</script>', page, re.S)
    assert match, page
    nodes = {n["name"]: n for n in json.loads(match[1])["nodes"]}
    assert nodes["a"]["job"] == f"{bq_emulator.project}:US.{job_a}" and nodes["a"]["bytes_text"] == "0 bytes"
    assert nodes["a"]["rows"] == 2 and nodes["a"]["type"] == "model" and nodes["a"]["mat"] == "table"
    assert nodes["c"]["job"] == f"{bq_emulator.project}:US.{failed['job_id']}"
    assert "division by zero" in nodes["c"]["msg"]

    # the text timeline: bytes processed and the job after each node's time, as the page has them
    drawn = project.run("timeline", "--terminal")
    assert drawn.returncode == 0, drawn.stdout + drawn.stderr
    text = drawn.stdout
    row_a = next(line for line in text.splitlines() if re.search(r"\ba\s+│", line))
    assert re.search(rf"success\s+\d+\.\d\ds\s+0 bytes\s+{bq_emulator.project}:US\.{job_a}$", row_a), text
    row_c = next(line for line in text.splitlines() if re.search(r"\bc\s+│", line))
    assert f"{bq_emulator.project}:US.{failed['job_id']}" in row_c, text
    assert "(after the time: bytes processed, job)" in text

    # the JSON log: every node_finished carries its adapter_response
    logged = project.run("run", "--log-format", "dagwright-json")
    assert logged.returncode == 1
    events = [json.loads(line) for line in logged.stdout.splitlines() if line.startswith("{")]
    finished = {e["name"]: e for e in events if e["event"] == "node_finished"}
    again = project.results_by_name()
    for name in ("a", "b", "c"):
        assert finished[name]["adapter_response"] == again[name]["adapter_response"], name
    response = finished["a"]["adapter_response"]
    assert response["job_id"].startswith("dagwright_") and response["job_id"] != job_a
    assert response["bytes_processed"] == 0 and response["code"] == "CREATE TABLE"
    assert {"bytes_billed", "slot_ms", "location", "project_id", "rows_affected", "_message"} <= set(response)
    assert finished["c"]["status"] == "error" and finished["c"]["adapter_response"]["job_id"].startswith("dagwright_")


def test_job_execution_timeout_ends_a_slow_job(tmp_path: Path, bq_emulator: Any) -> None:
    # 10 s: the slow job (1.8 billion rows) runs for tens of seconds; a loaded machine's quick jobs
    # (the dataset's creation) fit with a wide margin
    project = new_project(tmp_path, bq_emulator, job_execution_timeout_seconds=10)
    project.write({"models/slow.sql": "{{ config(materialized='table') }}\n" + SLOW_SELECT})
    started = time.monotonic()
    result = project.run("run")
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    slow = project.results_by_name()["slow"]
    assert slow["status"] == "error"
    assert (
        "did not complete within the designated timeout of 10 seconds (job_execution_timeout_seconds)"
        in (slow["message"])
    )
    assert slow["adapter_response"]["job_id"] in slow["message"]  # "job ... was cancelled"
    assert "slow" not in project.table_names()
    assert elapsed < 60
    assert "did not complete within the designated timeout" in result.stdout
