"""One worker's BigQuery jobs: submitted with their id set beforehand, polled, cancelled.

Every statement is a query job whose id dagwright makes before submitting it, so a stop can
always address it. The worker's thread submits the job (``jobs.insert``) and then polls
``jobs.get`` until the job is DONE, never ``job.result(timeout=...)``, whose long poll
overshoots. ``cancel()`` (from the statement registry's canceller thread, re-sent every
10 ms while the statement is in flight) only marks the running job; the worker's own poll
loop wakes at once, sends ``jobs.cancel``, and keeps polling, re-sending it every
``CANCEL_RESEND`` seconds until the job is DONE: a cancel that reaches a job before its query
has started can be lost (the emulator loses it; BigQuery's cancel is best effort), and a
repeated cancel is harmless. The statement's result is the job's **final state** alone:

- ``errorResult.reason == "stopped"`` after a cancel: ``StatementCancelled`` (the job did
  nothing: BigQuery commits a job's writes only when it completes);
- DONE without error: the job completed, cancel or not, and its result is returned (the
  caller sees the stop and reports the node published);
- another error: ``DatabaseError``;
- still running ``CANCEL_WAIT`` seconds after the cancel: ``CancelUnconfirmed``, naming the
  job, whose outcome nobody knows yet.

``job_execution_timeout_seconds`` ends a job the same way: past the limit the job is
cancelled, and its final state decides (stopped: the node fails with the timeout; completed
anyway: the statement succeeded, since its table is the new one).

``job_retries`` (bigquery_retry.py decides what is transient): a submission or a poll that
fails transiently is made again with the same job id (a job the server already has is
attached to, never run twice); a job that ended with a transient error is run again under a
new id (a failed job changed nothing), unless it is a script, whose earlier statements may
have committed. Nothing is retried once the statement is cancelled (the run stopped): the
wait before a retry wakes on the cancel, and the error is the node's.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from dagwright.adapters.base import Column, DatabaseError, ExecResult, Relation, RelationKind, StatementCancelled
from dagwright.adapters.bigquery_labels import labels_from_comment
from dagwright.adapters.bigquery_retry import is_transient, is_transient_job_error, retry_wait
from dagwright.adapters.cache import UNKNOWN, RelationCache


class JobOwner(Protocol):
    """What a connection needs of the adapter that owns the client (adapters/bigquery.py)."""

    relations: RelationCache
    location: str | None
    execution_project: str
    job_creation_timeout: float | None
    job_execution_timeout: float | None
    job_retries: int
    job_retry_deadline: float | None
    cancel_wait: float

    @property
    def client(self) -> Any: ...

    def job_config(self, parameters: list[Any] | None = None) -> Any: ...

    def scrub(self, text: str) -> str: ...

    def render(self, relation: Relation) -> str: ...

    def lookup_kind(self, relation: Relation) -> RelationKind | None: ...

    def table_rows(self, job: Any) -> int | None: ...

    def run_load(self, connection: BigQueryConnection, relation: Relation, payload: Any) -> ExecResult: ...


#: how long a cancelled job may keep running before its node is reported unconfirmed
CANCEL_WAIT = 30.0
#: polling interval of a running job: from the first to the last, doubling
_POLL_FIRST, _POLL_MAX = 0.01, 0.5
#: after a cancel: how often it is re-sent (and the job polled) until the job is DONE
CANCEL_RESEND = 0.2


class CancelUnconfirmed(DatabaseError):
    """A job still running when the wait after its cancel ended: its outcome is unknown."""

    def __init__(self, job_id: str, location: str | None, waited: float, reason: str = "") -> None:
        super().__init__(
            f"{reason}cancel unconfirmed: job {job_id} was still running {waited:.0f} s after its cancel: "
            f"it may still complete and change its table (check it with `bq show -j {job_id}`)"
        )
        self.job_id = job_id
        self.location = location
        #: run_results.json: status error, told apart by dagwright_outcome (docs/execution.md)
        self.adapter_response = {
            "_message": f"cancel unconfirmed: job {job_id} still running",
            "dagwright_outcome": "cancel unconfirmed",
            "job_id": job_id,
            "location": location,
        }


class JobFailed(DatabaseError):
    """A job (or its submission) failed: the message is BigQuery's, ``adapter_response`` names the job."""

    def __init__(self, message: str, job_id: str, location: str | None, project: str | None) -> None:
        super().__init__(message)
        self.job_id = job_id
        first = message.strip().splitlines()[0] if message.strip() else "job failed"
        #: run_results.json (status error), the timeline and the JSON log: which job failed
        self.adapter_response = {"_message": first, "job_id": job_id, "location": location, "project_id": project}


class TransientJobFailure(JobFailed):
    """A failure ``job_retries`` may retry: ``new_job`` when the job itself ended with it."""

    def __init__(self, message: str, job_id: str, location: str | None, project: str | None, *, new_job: bool) -> None:
        super().__init__(message, job_id, location, project)
        self.new_job = new_job


def format_bytes(count: int | None) -> str | int | None:
    """dbt-bigquery's ``format_bytes`` (``12.0 KiB``; 0 and None as they are)."""
    if not count:
        return count
    value = float(count)
    for unit in ("Bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024.0:
            return f"{value:3.1f} {unit}"
        value /= 1024.0
    return f"{value * 1024.0:3.1f} PiB"


def format_rows(count: int) -> str:
    """dbt-bigquery's ``format_rows_number`` (``1.5k``)."""
    value = float(count)
    for unit in ("", "k", "m", "b", "t"):
        if abs(value) < 1000.0:
            return f"{value:3.1f}{unit}".strip()
        value /= 1000.0
    return f"{value * 1000.0:3.1f}t"


def _param_type(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, float):
        return "FLOAT64"
    if isinstance(value, decimal.Decimal):
        return "BIGNUMERIC"
    if isinstance(value, dt.datetime):
        return "TIMESTAMP" if value.tzinfo is not None else "DATETIME"
    if isinstance(value, dt.date):
        return "DATE"
    if isinstance(value, dt.time):
        return "TIME"
    if isinstance(value, bytes):
        return "BYTES"
    return "STRING"


def query_parameters(params: Sequence[Any]) -> list[Any]:
    """Positional parameters (``?`` in the SQL), typed from their Python values."""
    from google.cloud import bigquery

    out = []
    for value in params:
        kind = _param_type(value)
        out.append(bigquery.ScalarQueryParameter(None, kind, None if value is None else value))
    return out


def _timeout_message(limit: float | None) -> str:
    return (
        f"Operation did not complete within the designated timeout of {limit:g} seconds (job_execution_timeout_seconds)"
    )


def _job_message(error: dict[str, Any] | None, errors: Sequence[dict[str, Any]] | None) -> str:
    messages = [str(e.get("message") or "").strip() for e in (errors or []) if e.get("message")]
    if not messages and error:
        messages = [str(error.get("message") or error.get("reason") or "job failed")]
    seen: list[str] = []
    for m in messages:
        if m not in seen:
            seen.append(m)
    return "\n".join(seen) or "job failed"


class BigQueryConnection:
    """One worker's jobs; used by one thread, cancelled from another."""

    def __init__(self, adapter: JobOwner, worker: str) -> None:
        self._adapter = adapter
        self._client = adapter.client
        self._worker = worker
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._job_id: str | None = None
        self._cancel_requested = False
        #: inside run_with_retries, between jobs too: a cancel then stops the retries
        self._in_statement = False
        self._closed = False
        #: the job ids this connection submitted, in order (tests, the timeline)
        self.job_ids: list[str] = []
        #: the schema fields of the last query's result (the Jinja adapter's query columns)
        self.last_schema: list[Any] = []
        #: the running node's own job settings (``use_node_config``); None: the profile's
        self._node_timeout: float | None = None
        self._node_reservation: str | None = None
        #: the job labels of the query comment (``use_query_comment``), and that comment
        self._labels: dict[str, str] = {}
        self._labelled: str | None = None

    def use_query_comment(self, comment: str) -> None:
        """``query-comment: {job-label: true}``: the jobs sent next carry the comment's labels
        (bigquery_labels.py); the guard calls this with each statement's comment."""
        if comment != self._labelled:
            self._labels = labels_from_comment(comment) if comment else {}
            self._labelled = comment

    def use_node_config(self, config: Mapping[str, Any] | None) -> None:
        """The job settings dbt-bigquery takes from a node's config (models, seeds, snapshots and
        tests alike), for the node about to run here (None: the profile's):
        ``job_execution_timeout_seconds`` and ``reservation`` replace the profile's for its jobs,
        as dbt-bigquery's pre_model_hook does."""
        config = config or {}
        timeout = config.get("job_execution_timeout_seconds")
        seconds = None
        if timeout is not None:
            try:  # dbt-bigquery takes what float() takes ("30" too)
                seconds = None if isinstance(timeout, bool) else float(timeout)
            except (TypeError, ValueError):
                pass
            if seconds is None or not seconds > 0:
                from dagwright.errors import CompilationError

                raise CompilationError(
                    f"config job_execution_timeout_seconds must be a number of seconds above 0, not {timeout!r}"
                )
        reservation = config.get("reservation")
        self._node_timeout = seconds
        self._node_reservation = None if reservation is None else str(reservation)

    @property
    def job_timeout(self) -> float | None:
        """The limit of this connection's jobs: the node's, else the profile's."""
        return self._node_timeout if self._node_timeout is not None else self._adapter.job_execution_timeout

    @property
    def adapter(self) -> JobOwner:
        """The adapter that owns the client (its catalog calls: adapters/bigquery_catalog.py)."""
        return self._adapter

    # -- jobs --------------------------------------------------------------------------------------
    def new_job_id(self) -> str:
        return f"dagwright_{uuid.uuid4().hex}"

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        if not sql.strip():  # begin/commit/rollback: jobs are atomic, transactions live in scripts
            return ExecResult(message="OK")
        config = self._adapter.job_config(query_parameters(params) if params else None)
        if self._node_timeout is not None:
            config.job_timeout_ms = int(self._node_timeout * 1000)
        if self._node_reservation is not None:
            config.reservation = self._node_reservation
        if self._labels:
            config.labels = dict(self._labels)

        def submit(job_id: str) -> Any:
            return self._client.query(
                sql,
                job_config=config,
                job_id=job_id,
                location=self._adapter.location,
                project=self._adapter.execution_project,
                job_retry=None,
                timeout=self._adapter.job_creation_timeout,
            )

        job = self.run_with_retries(submit)
        return self._result(job)

    def run_with_retries(self, submit: Callable[[str], Any]) -> Any:
        """Run a job (``submit(job_id)`` submits it) as ``run_job`` does, retrying a transient
        failure up to ``job_retries`` times (the module docstring says how); never after a cancel."""
        adapter = self._adapter
        with self._lock:
            self._in_statement = True
            self._cancel_requested = False
            self._wake.clear()
        started = time.monotonic()
        failures = 0
        job_id = self.new_job_id()
        try:
            while True:
                try:
                    return self._run_job(job_id, functools.partial(submit, job_id))
                except TransientJobFailure as exc:
                    failures += 1
                    deadline = adapter.job_retry_deadline
                    if failures > adapter.job_retries or (deadline and time.monotonic() - started > deadline):
                        raise
                    if not self._wait_to_retry(retry_wait(failures)):
                        raise JobFailed(
                            f"{exc}\n(not retried: the run stopped)",
                            exc.job_id,
                            exc.adapter_response["location"],
                            exc.adapter_response["project_id"],
                        ) from None
                    if exc.new_job:
                        job_id = self.new_job_id()
        finally:
            with self._lock:
                self._in_statement = False

    def _wait_to_retry(self, seconds: float) -> bool:
        """Wait before a retry; False when the statement was cancelled (the run stopped) meanwhile."""
        if self._cancel_requested:
            return False
        self._wake.wait(seconds)
        return not self._cancel_requested

    def run_job(self, job_id: str, submit: Any) -> Any:
        """Submit a job (``submit()``, with ``job_id`` already set on it) and wait for its final
        state; raise as the module docstring says. Load and copy jobs go through here too."""
        with self._lock:
            self._cancel_requested = False
            self._wake.clear()
        return self._run_job(job_id, submit)

    def _run_job(self, job_id: str, submit: Any) -> Any:
        from google.api_core import exceptions as api_errors

        location, project = self._adapter.location, self._adapter.execution_project
        with self._lock:
            self._job_id = job_id
        if job_id not in self.job_ids:
            self.job_ids.append(job_id)
        started = time.monotonic()
        try:
            try:
                job = submit()
            except api_errors.Conflict:
                # the id is a fresh uuid: a job that has it is this submission's, sent again by
                # a retry (ours, or the client library's own after a lost response): attach to
                # it, never run it twice
                job = self._client.get_job(job_id, location=location, project=project, timeout=30)
            except Exception as exc:
                message = self._adapter.scrub(getattr(exc, "message", None) or str(exc))
                if is_transient(exc):
                    raise TransientJobFailure(message, job_id, location, project, new_job=False) from None
                if isinstance(exc, api_errors.GoogleAPICallError):
                    raise JobFailed(message, job_id, location, project) from None
                raise
            cancel_sent_at: float | None = None
            last_cancel = 0.0
            delay = _POLL_FIRST
            limit = self.job_timeout
            timed_out = False
            while job.state != "DONE":
                if limit and not timed_out and time.monotonic() - started > limit:
                    # the job's own timeout: cancelled like a stop, its final state decides
                    timed_out = True
                cancelling = self._cancel_requested or timed_out
                if cancelling and time.monotonic() - last_cancel >= CANCEL_RESEND:
                    sent = self._send_cancel(job)
                    if sent is not None:
                        last_cancel = sent
                        cancel_sent_at = cancel_sent_at or sent
                    delay = min(delay, CANCEL_RESEND)
                if cancel_sent_at is not None and time.monotonic() - cancel_sent_at > self._adapter.cancel_wait:
                    reason = _timeout_message(limit) + "; " if timed_out and not self._cancel_requested else ""
                    raise CancelUnconfirmed(job_id, job.location, time.monotonic() - cancel_sent_at, reason)
                self._wake.wait(delay)
                delay = min(delay * 2, CANCEL_RESEND if cancelling else _POLL_MAX)
                try:
                    job.reload(timeout=30)
                except Exception as exc:
                    message = f"cannot read the state of job {job_id}: {self._adapter.scrub(str(exc))}"
                    if is_transient(exc):
                        raise TransientJobFailure(message, job_id, job.location, job.project, new_job=False) from None
                    if isinstance(exc, api_errors.GoogleAPICallError):
                        raise JobFailed(message, job_id, job.location, job.project) from None
                    raise
            error = job.error_result
            if error:
                if error.get("reason") == "stopped" and self._cancel_requested:
                    response = {"job_id": job_id, "location": job.location, "project_id": job.project}
                    raise StatementCancelled(f"job {job_id} was cancelled", response)
                if error.get("reason") == "stopped" and timed_out:
                    raise JobFailed(
                        f"{_timeout_message(limit)}; job {job_id} was cancelled", job_id, job.location, job.project
                    )
                message = self._adapter.scrub(_job_message(error, job.errors))
                # a script's earlier statements may have committed: it is never run again
                if is_transient_job_error(error) and getattr(job, "statement_type", None) != "SCRIPT":
                    raise TransientJobFailure(message, job_id, job.location, job.project, new_job=True)
                raise JobFailed(message, job_id, job.location, job.project)
            # DONE without error: the job completed, even past its timeout when the cancel
            # came too late; its table is the new one, and the node says so
            return job
        finally:
            with self._lock:
                self._job_id = None

    def _send_cancel(self, job: Any) -> float | None:
        """``jobs.cancel``; None when the server does not know the job yet (the next poll retries)."""
        from google.api_core import exceptions as api_errors

        try:
            self._client.cancel_job(job.job_id, location=job.location, project=job.project, timeout=10)
        except api_errors.NotFound:
            return None
        except api_errors.GoogleAPICallError:
            return None
        return time.monotonic()

    def _result(self, job: Any) -> ExecResult:
        statement = job.statement_type
        rows: list[tuple[Any, ...]] = []
        names: list[str] = []
        num_rows: int | None = None
        code: str | None = statement
        if statement in ("SELECT", "SCRIPT", None):
            iterator = job.result(timeout=60)
            self.last_schema = list(iterator.schema or [])
            names = [field.name for field in self.last_schema]
            rows = [tuple(row.values()) for row in iterator]
            if statement == "SELECT":
                num_rows = len(rows)
        elif statement == "CREATE_TABLE_AS_SELECT":
            code = "CREATE TABLE"
            num_rows = self._adapter.table_rows(job)
        elif statement == "CREATE_VIEW":
            code = "CREATE VIEW"
        elif statement in ("INSERT", "DELETE", "MERGE", "UPDATE"):
            num_rows = job.num_dml_affected_rows
        processed = job.total_bytes_processed
        shown = format_bytes(processed)
        if num_rows is not None:
            message = f"{code} ({format_rows(num_rows)} rows, {shown} processed)"
        elif processed is not None:
            message = f"{code} ({shown} processed)"
        else:
            message = str(code or "OK")
        extra = {
            "bytes_processed": processed,
            "bytes_billed": job.total_bytes_billed,
            "location": job.location,
            "project_id": job.project,
            "job_id": job.job_id,
            "slot_ms": job.slot_millis,
        }
        types = list(self.last_schema) if names else []  # the schema fields (a contract's column types)
        return ExecResult(
            message=message,
            code=code,
            rows_affected=num_rows,
            rows=rows,
            column_names=names,
            column_types=types,
            extra=extra,
        )

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> ExecResult:
        """``load into ...`` with rows ``(payload, project, dataset, table)``: one load job each
        (the adapter's ``load_csv_file``: a seed's file uploaded); any other statement runs once
        per row."""
        if sql.startswith("load into "):
            result = ExecResult()
            for payload, project, dataset, table in rows:
                result = self._adapter.run_load(self, Relation(project, dataset, table), payload)
            return result
        for row in rows:
            self.execute(sql, row)
        return ExecResult(message="OK", rows_affected=len(rows))

    def cancel(self) -> None:
        with self._lock:
            if (self._job_id is None and not self._in_statement) or self._closed:
                return
            self._cancel_requested = True
        self._wake.set()

    # -- catalog -----------------------------------------------------------------------------------
    def relation_kind(self, relation: Relation) -> RelationKind | None:
        known = self._adapter.relations.lookup(relation)
        if known is not UNKNOWN:
            return known  # type: ignore[return-value]
        return self._adapter.lookup_kind(relation)

    def columns(self, relation: Relation) -> list[Column]:
        dataset = self._adapter.render(relation.with_identifier(""))
        result = self.execute(
            f"select column_name, data_type from {dataset}.INFORMATION_SCHEMA.COLUMNS "
            "where table_name = ? order by ordinal_position",
            [relation.identifier],
        )
        return [Column(str(r[0]), str(r[1])) for r in result.rows]

    def close(self) -> None:
        self._closed = True
