"""Test-only launcher: dagwright's CLI with BigQuery's ``jobs.cancel`` held back until the job
it cancels is DONE on the server, so the cancel always lands after the job completed.

This is the race of the user's story made deterministic on the emulator (which otherwise stops
a job within tens of milliseconds of its cancel): a job that finishes before its cancel takes
effect. Nothing in dagwright itself reads any of this; the tests run this file instead of
``python -m dagwright.cli``. Each held-back cancel is reported on stderr as
``late cancel: <job id>`` so the test can see that the race really happened.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from dagwright.adapters import bigquery_connection
from dagwright.cli import entry

_send_cancel = bigquery_connection.BigQueryConnection._send_cancel


def _late_send_cancel(self: Any, job: Any) -> float | None:
    client = self._client
    deadline = time.monotonic() + 120
    while client.get_job(job.job_id, location=job.location, project=job.project).state != "DONE":
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    print(f"late cancel: {job.job_id}", file=sys.stderr, flush=True)
    return _send_cancel(self, job)


bigquery_connection.BigQueryConnection._send_cancel = _late_send_cancel  # type: ignore[method-assign]

if __name__ == "__main__":
    entry()
