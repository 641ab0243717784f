"""Test-only launcher: dagwright's CLI that sends itself SIGTERM right after a BigQuery
``alter table`` job completes, so a run always stops between an ``on_schema_change`` ALTER
and the MERGE that follows it (the moment BigQuery cannot make atomic). Nothing in dagwright
reads this; tests/bigquery/test_bq_left_behind.py runs this file instead of the CLI."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from dagwright.adapters import bigquery_connection
from dagwright.cli import entry

_execute = bigquery_connection.BigQueryConnection.execute


def _execute_then_stop(self: Any, sql: str, params: Any = None) -> Any:
    result = _execute(self, sql, params)
    # the statement as sent carries the query comment first (dbt's default: /* {...} */)
    if "*/" in sql.lstrip()[:2000] and sql.lstrip().startswith("/*"):
        sql = sql[sql.index("*/") + 2 :]
    if sql.lstrip().lower().startswith("alter table"):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1.0)  # the main thread's handler records the stop before this worker goes on
    return result


bigquery_connection.BigQueryConnection.execute = _execute_then_stop  # type: ignore[method-assign]

if __name__ == "__main__":
    entry()
