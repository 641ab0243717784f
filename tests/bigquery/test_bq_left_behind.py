"""A BigQuery build of several jobs that a stop interrupts says what its first jobs changed:
BigQuery runs DDL outside transactions, so an ``on_schema_change`` ALTER that ran before the
stop stays (docs/execution.md). The node is ``cancelled``, nothing more is submitted, and its
message names the change instead of claiming the relation was not changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .bq_helpers import new_project

#: the CLI, stopping itself (SIGTERM) right after an ALTER TABLE job (test-only)
STOP_AFTER_ALTER_CLI = Path(__file__).resolve().parent / "stop_after_alter_cli.py"

WIDE = """
{{ config(materialized='incremental', unique_key='id', on_schema_change='append_new_columns') }}
select 1 as id, 'a' as v
{%- if var('second', false) %}, 'new' as extra{% endif %}
"""


def test_a_stop_after_the_alter_reports_what_stays(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    project.write({"models/wide.sql": WIDE})
    first = project.run("run")
    assert first.returncode == 0, first.stdout + first.stderr
    env = {k: v for k, v in os.environ.items() if k != "BIGQUERY_EMULATOR_HOST"}
    args = ["run", "--vars", "{second: true}", "--project-dir", str(project.root), "--profiles-dir", str(project.root)]
    result = subprocess.run(
        [sys.executable, str(STOP_AFTER_ALTER_CLI), *args], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 143, result.stdout + result.stderr
    wide = project.results_by_name()["wide"]
    assert wide["adapter_response"].get("dagwright_outcome") == "cancelled", wide
    assert "were changed before, by 1 DDL job, and stay changed: not rolled back" in wide["message"], wide
    assert "was not changed" not in wide["message"]
    assert "with changes left behind" in result.stdout and "not rolled back" in result.stdout
    # the ALTER ran before the stop: the column stays; the MERGE was never sent: the old rows
    dataset = f"`{bq_emulator.project}`.`{project.dataset}`"
    assert project.rows(f"select id, v, extra from {dataset}.wide") == [(1, "a", None)]
    assert not [s for s in project.statements() if s.lstrip().lower().startswith("merge")]
