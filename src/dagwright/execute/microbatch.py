"""Running a microbatch model (``incremental_strategy='microbatch'``): batch after batch on the
node's worker, each batch its own compile and its own incremental build, committed on its own.

As dbt-core 1.11 does:

- the batches are planned by materialize/microbatch.py (or, for ``retry``, they are the
  batches the previous run left failed);
- each batch compiles the model with ``model.batch`` set and its inputs that have an
  ``event_time`` filtered to the batch's window (target/compiled/.../<model>/<model>_<batch>.sql);
- the first batch builds the table when there is none (or on a full refresh); the others
  change it (``is_incremental()`` is true in their SQL, but for a ``--full-refresh``);
  pre-hooks run with the first batch only, post-hooks with the last;
- a batch that fails is recorded and the next batch runs; when the first batch fails, the
  others are not run (recorded as failed);
- the node is ``success`` (every batch), ``error`` (none), or ``partial success``
  (``PARTIAL SUCCESS (k/n)``: its children are skipped and the run exits 1), with
  ``batch_results`` (the successful and failed windows) in run_results.json.

The batches run one after the other on the node's worker, also when ``concurrent_batches``
would let dbt run them side by side: the tables are the same. A stop is checked before every
batch, and a batch running when the run stops is rolled back: the batches committed before it
stay (they are real) and are reported as such (``partial success``, the rest failed, the
message naming the stop); with none committed the node is ``cancelled`` (or ``skipped``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagwright.adapters.base import Adapter, Connection, DatabaseError
from dagwright.artifacts.files import write_text_if_changed
from dagwright.errors import DagwrightError
from dagwright.execute.compile import Compiler, incremental_build
from dagwright.execute.results import RunResult, Status, Timing, utcnow
from dagwright.execute.run_sql import write_run_sql
from dagwright.guard import GuardedConnection, StatementRegistry, Stop, Stopped
from dagwright.materialize.base import NodeJob, run_hooks
from dagwright.materialize.incremental import IncrementalMaterialization, should_full_refresh
from dagwright.materialize.microbatch import Batch, batch_label, plan_batches, window
from dagwright.materialize.publishing.base import PublishingStrategy
from dagwright.parse.nodes import Node


@dataclass(frozen=True)
class BatchResults:
    """A microbatch model's batches from a previous run (``dbt retry`` re-runs the failed ones)."""

    successful: tuple[Batch, ...] = ()
    failed: tuple[Batch, ...] = ()


@dataclass
class MicrobatchSettings:
    """What the run says about every microbatch model: the ``--event-time-start`` /
    ``--event-time-end`` window, the run's start (the default end), and, on ``retry``, the
    previous run's batches by unique_id."""

    event_time_start: dt.datetime | None = None
    event_time_end: dt.datetime | None = None
    started_at: dt.datetime = field(default_factory=utcnow)
    previous: Mapping[str, BatchResults] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchProgress:
    """A batch starting (``status`` None) or ending (``success``, ``error``), for the output:
    ``index`` of ``total``, its label (``2024-01-02``), the model's ``schema.alias``."""

    index: int
    total: int
    label: str
    relation: str
    status: str | None = None
    seconds: float = 0.0


@dataclass
class MicrobatchEnv:
    """What one model's batches are run with, handed down by the node runner."""

    compiler: Compiler
    adapter: Adapter
    strategy: PublishingStrategy
    stop: Stop
    registry: StatementRegistry
    full_refresh: bool
    settings: MicrobatchSettings
    project_name: str
    project_macros: Mapping[str, str]
    #: where a batch's compiled SQL is written (the node, the batch's label)
    compiled_path: Callable[[Node, str], Path]
    #: where a batch's main statements are written (target/run, execute/run_sql.py)
    run_path: Callable[[Node, str], Path]
    on_failure: Callable[[str], None] | None = None
    #: told of each batch's start and end (the run's output prints a line for each)
    on_batch: Callable[[BatchProgress], None] | None = None


def iso_batch(batch: Batch) -> list[str]:
    return [batch[0].isoformat(), batch[1].isoformat()]


def batch_from_iso(pair: Sequence[str]) -> Batch:
    return dt.datetime.fromisoformat(pair[0]), dt.datetime.fromisoformat(pair[1])


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


class MicrobatchRun:
    """The batches of one microbatch model on one worker's connection."""

    def __init__(self, env: MicrobatchEnv, node: Node, worker: str, connection: Connection) -> None:
        self.env = env
        self.node = node
        self.worker = worker
        self.connection = connection
        self.size = str(node.config.get("batch_size"))
        self.succeeded: list[Batch] = []
        self.failed: list[Batch] = []
        #: the failed batches and why, for the node's message
        self.errors: list[str] = []

    def run(self) -> RunResult:
        env, node = self.env, self.node
        started = time.perf_counter()
        compile_start = utcnow()
        relation_name = env.adapter.render(node.relation)
        timing: list[Timing] = []
        conn = GuardedConnection(self.connection, env.registry, self.worker, node.unique_id, env.stop)
        stopped_by: str | None = None
        batches: list[Batch] = []
        try:
            env.stop.check()
            existing = conn.relation_kind(node.relation)
            full_refresh = should_full_refresh(node.config, env.full_refresh)
            incremental = incremental_build(node, existing, full_refresh)
            batches = self._batches(incremental)
            timing.append(Timing("compile", compile_start, utcnow()))
            execute_start = utcnow()
            try:
                stopped_by = self._run_batches(conn, batches, existing, incremental, full_refresh)
            finally:
                timing.append(Timing("execute", execute_start, utcnow()))
        except Stopped as stopped:  # before any batch started
            if not timing:
                timing.append(Timing("compile", compile_start, utcnow()))
            status = Status.CANCELLED if conn.statements else Status.SKIPPED
            word = "cancelled" if conn.statements else "not started"
            return RunResult(
                node.unique_id,
                status,
                f"{word}: {stopped.trigger}",
                self.worker,
                tuple(timing),
                time.perf_counter() - started,
                relation_name=relation_name,
                cause=stopped.trigger,
            )
        except DagwrightError as exc:  # the batches cannot be planned (begin missing)
            if env.on_failure is not None:
                env.on_failure(node.unique_id)
            return RunResult(
                node.unique_id,
                Status.ERROR,
                f"Compilation Error in model {node.name} ({node.original_file_path})\n  {exc.message}",
                self.worker,
                tuple(timing) or (Timing("compile", compile_start, utcnow()),),
                time.perf_counter() - started,
                relation_name=relation_name,
            )
        return self._result(batches, stopped_by, tuple(timing), time.perf_counter() - started, relation_name)

    def _batches(self, incremental: bool) -> list[Batch]:
        previous = self.env.settings.previous.get(self.node.unique_id)
        if previous is not None:  # retry: the batches that failed last time
            return list(previous.failed)
        settings = self.env.settings
        return plan_batches(
            self.node.name,
            self.node.config,
            incremental=incremental,
            event_time_start=settings.event_time_start,
            event_time_end=settings.event_time_end,
            now=settings.started_at,
        )

    def _run_batches(
        self,
        conn: GuardedConnection,
        batches: list[Batch],
        existing: str | None,
        incremental: bool,
        full_refresh: bool,
    ) -> str | None:
        """Run the batches; returns the stop's trigger when the run stopped before the last."""
        skip_rest = False
        for index, batch in enumerate(batches):
            if skip_rest:
                self.failed.append(batch)
                label = batch_label(batch[0], self.size)
                shown = f"{self.node.schema}.{self.node.alias}"
                self._tell(BatchProgress(index + 1, len(batches), label, shown, Status.SKIPPED))
                continue
            try:
                ok = self._run_batch(conn, batch, index, len(batches), existing, incremental, full_refresh)
            except Stopped as stopped:
                self.failed.extend(batches[index:])
                return stopped.trigger
            if ok and index == 0:
                existing = "table"
            if not ok and index == 0:  # dbt runs no other batch after the first one failed
                skip_rest = True
        return None

    def _run_batch(
        self,
        conn: GuardedConnection,
        batch: Batch,
        index: int,
        total: int,
        existing: str | None,
        incremental: bool,
        full_refresh: bool,
    ) -> bool:
        env, node = self.env, self.node
        env.stop.check()  # no batch starts after a stop
        first, last = index == 0, index == total - 1
        label = batch_label(batch[0], self.size)
        # is_incremental() as the model's SQL sees it: the first batch's is what the run is (a
        # first build, a full refresh, or incremental); the later ones change the table the first
        # built, but --full-refresh still makes is_incremental() false in their SQL, as in dbt
        batch_incremental = incremental if first else not full_refresh
        batch_window = window(batch, self.size)
        materialization: IncrementalMaterialization | None = None
        shown = f"{node.schema}.{node.alias}"
        self._tell(BatchProgress(index + 1, total, label, shown))
        started = time.perf_counter()
        conn.main_sql = []  # each batch's own target/run file
        try:
            compiled = env.compiler.compile(
                node, is_incremental=lambda: batch_incremental, connection=conn, batch=batch_window
            )
            write_text_if_changed(env.compiled_path(node, label), compiled.sql)
            hooks = compiled.hooks
            job = NodeJob(
                node=node,
                sql=compiled.sql,
                pre_hooks=hooks["pre", True] if first else (),
                post_hooks=hooks["post", True] if last else (),
                full_refresh=full_refresh if first else False,
            )
            materialization = IncrementalMaterialization(
                env.adapter,
                job,
                existing if first else "table",
                project_name=env.project_name,
                project_macros=env.project_macros,
                strategy=env.strategy,
                batch=batch_window,
            )
            if first:
                run_hooks(conn, hooks["pre", False])
            materialization.run(conn)
            if last:
                run_hooks(conn, hooks["post", False])
        except Stopped:
            if materialization is not None:
                _abort(materialization, conn)
            self._write_run_sql(conn, label)
            raise
        except (DatabaseError, DagwrightError) as exc:
            if materialization is not None:
                _abort(materialization, conn)
            text = exc.message if isinstance(exc, DagwrightError) else str(exc).strip()
            self._write_run_sql(conn, label)
            self.errors.append(f"batch {label}: {text}")
            self.failed.append(batch)
            self._tell(BatchProgress(index + 1, total, label, shown, Status.ERROR, time.perf_counter() - started))
            return False
        self._write_run_sql(conn, label)
        self.succeeded.append(batch)
        self._tell(BatchProgress(index + 1, total, label, shown, Status.SUCCESS, time.perf_counter() - started))
        return True

    def _write_run_sql(self, conn: GuardedConnection, label: str) -> None:
        """The batch's main statements to its target/run file; one not written is said in the
        model's message with the batches' errors."""
        path = self.env.run_path(self.node, label)
        try:
            write_run_sql(path, conn.main_sql)
        except OSError as exc:
            self.errors.append(f"batch {label}: {path} not written: {exc.strerror or exc}")

    def _tell(self, progress: BatchProgress) -> None:
        if self.env.on_batch is not None:
            self.env.on_batch(progress)

    def _result(
        self,
        batches: list[Batch],
        stopped_by: str | None,
        timing: tuple[Timing, ...],
        seconds: float,
        relation_name: str,
    ) -> RunResult:
        node, env = self.node, self.env
        done, failed = len(self.succeeded), len(self.failed)
        if stopped_by is not None and done == 0:
            status, message = Status.CANCELLED, f"cancelled: {stopped_by}; {relation_name} was not changed"
        elif failed == 0:
            status, message = Status.SUCCESS, "SUCCESS"
        elif done == 0:
            status, message = Status.ERROR, "ERROR"
        else:
            status, message = Status.PARTIAL_SUCCESS, f"PARTIAL SUCCESS ({done}/{done + failed})"
        if stopped_by is not None and done:
            message += f"; cancelled: {stopped_by}; {done} committed batch(es) kept, the other {failed} not run"
        details = "".join(f"\n  {e}" for e in self.errors)
        if status != Status.CANCELLED and details:
            message += details
        if status in Status.FAILED and stopped_by is None and env.on_failure is not None:
            env.on_failure(node.unique_id)
        successful = [iso_batch(b) for b in sorted(self.succeeded)]
        previous = env.settings.previous.get(node.unique_id)
        if previous is not None:  # as dbt retry: last run's successful batches stay listed
            successful += [iso_batch(b) for b in previous.successful]
        return RunResult(
            node.unique_id,
            status,
            message,
            self.worker,
            timing,
            seconds,
            failures=0,
            relation_name=relation_name,
            cause=stopped_by,
            batch_results={"successful": successful, "failed": [iso_batch(b) for b in sorted(self.failed)]},
        )


def _abort(materialization: IncrementalMaterialization, conn: GuardedConnection) -> None:
    try:
        materialization.abort(conn)
    except Exception:
        pass


@dataclass(frozen=True)
class RetriedBatches:
    """What ``retry`` hands the run about microbatch models: each one's batches from the last
    run, and that run's start (the end of batches planned again, as dbt retry keeps it)."""

    batches: Mapping[str, BatchResults]
    started_at: dt.datetime | None = None


def check_event_time_window(start: dt.datetime | None, end: dt.datetime | None) -> None:
    """dbt's checks of ``--event-time-start`` / ``--event-time-end`` (a usage error, exit 2)."""
    if start is None and end is None:
        return
    if start is None:
        raise DagwrightError(
            "The flag `--event-time-end` was specified, but `--event-time-start` was not. "
            "When specifying `--event-time-end`, `--event-time-start` must also be present."
        )
    if end is None:
        raise DagwrightError(
            "The flag `--event-time-start` was specified, but `--event-time-end` was not. "
            "When specifying `--event-time-start`, `--event-time-end` must also be present."
        )
    if start >= end:
        raise DagwrightError("Value for `--event-time-start` must be less than `--event-time-end`")


def previous_batches(results: Sequence[Mapping[str, Any]]) -> dict[str, BatchResults]:
    """From a previous run_results.json's results: the batches of each microbatch model that
    had some fail (what ``retry`` re-runs)."""
    out: dict[str, BatchResults] = {}
    for result in results:
        batches = result.get("batch_results")
        if not isinstance(batches, Mapping) or not batches.get("failed"):
            continue
        try:
            failed = tuple(batch_from_iso(p) for p in batches.get("failed") or ())
            successful = tuple(batch_from_iso(p) for p in batches.get("successful") or ())
        except (TypeError, ValueError, IndexError):
            continue
        out[str(result.get("unique_id"))] = BatchResults(successful, failed)
    return out


__all__ = [
    "BatchProgress",
    "MicrobatchEnv",
    "MicrobatchRun",
    "MicrobatchSettings",
    "RetriedBatches",
    "check_event_time_window",
    "previous_batches",
]
