"""``source freshness``: how long ago each selected source was loaded, as dbt-core 1.11 checks it.

Each source with a freshness threshold (``has_freshness``) is one node of a plan without
edges, run by the same ``Scheduler`` as ``run`` on N threads; its one query goes through
the ``GuardedConnection``, so Ctrl-C, SIGTERM and ``cancel()`` stop a freshness check as
they stop a model. The query is dbt's ``collect_freshness`` (``max(loaded_at_field)`` and
the warehouse's ``now()``, with the ``filter``), or ``loaded_at_query`` when set.

Statuses, as dbt's: ``pass``, ``warn``, ``error`` (stale: older than ``error_after``),
``runtime error`` (the check could not run); after a stop, ``skipped`` (not started) and
``cancelled`` (stopped while its query ran). The exit code is 1 when a check ends in
``error`` or ``runtime error``. Results go to ``target/sources.json`` (or ``--output``);
run_results.json is left alone, as dbt leaves it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dagwright.adapters.base import DatabaseError
from dagwright.artifacts.run_results import iso
from dagwright.artifacts.sources import sources_dict, write_sources
from dagwright.errors import DagwrightError
from dagwright.execute.results import RunResult, Status, Timing, utcnow
from dagwright.execute.runner import Worker
from dagwright.execute.scheduler import Reporter, Scheduler
from dagwright.graph.plan import Plan
from dagwright.guard import GuardedConnection, Stop, Stopped
from dagwright.parse.freshness import NEVER, NotATimestamp, as_utc, freshness_status, has_freshness
from dagwright.parse.nodes import SourceTable
from dagwright.project.warn_error import NOTHING_TO_DO, warn_or_error
from dagwright.report.log_output import DbtLog, open_log
from dagwright.report.streams import drain_stdout
from dagwright.report.terminal import Terminal
from dagwright.session import Flags, Session
from dagwright.tasks.found import found_line
from dagwright.tasks.stopping import EXIT_CODES, LINE_WAIT_S, STOP_TEXT, SignalHandlers, StoppedEarly

RUNTIME_ERROR = "runtime error"

#: the terminal's word for each outcome: (what the line says, what the brackets say)
_WORDS = {
    Status.PASS: ("PASS", "PASS"),
    Status.WARN: ("WARN", "WARN"),
    Status.ERROR: ("ERROR STALE", "ERROR STALE"),
    RUNTIME_ERROR: ("ERROR", "ERROR"),
}


@dataclass(frozen=True)
class FreshnessResult(RunResult):
    """A check's outcome; the three measurements are set when the query returned."""

    max_loaded_at: datetime | None = None
    snapshotted_at: datetime | None = None
    age: float | None = None


def freshness_sql(relation: str, loaded_at_field: str, filter: str | None) -> str:
    """dbt's ``default__collect_freshness``, laid out as dbt renders it (same error lines)."""
    where = f"\n    where {filter}\n    " if filter else ""
    return (
        f"select\n      max({loaded_at_field}) as max_loaded_at,\n      now() as snapshotted_at\n"
        f"    from {relation}\n    {where}\n  "
    )


def freshness_query_sql(loaded_at_query: str) -> str:
    """dbt's ``default__collect_freshness_custom_sql``."""
    return (
        f"with source_query as (\n    {loaded_at_query}\n  )\n  select\n"
        "    (select * from source_query) as max_loaded_at,\n    now() as snapshotted_at\n  "
    )


def source_label(source: SourceTable) -> str:
    return f"{source.source_name}.{source.name}"


class _RuntimeFailure(Exception):
    """A check that cannot run (dbt: a runtime error of the source)."""


class FreshnessLines(Reporter):
    """dbt's lines: ``1 of 2 START freshness of raw.orders``, ``PASS freshness of ...``."""

    def __init__(self, terminal: Terminal, sources: Mapping[str, SourceTable]) -> None:
        self.terminal = terminal
        self.sources = sources

    def node_started(self, unique_id: str, index: int, total: int, worker: str) -> None:
        self.terminal.dotted(*self.start_line(unique_id, index, total))

    def node_finished(self, result: RunResult, index: int, total: int) -> None:
        self.terminal.dotted(*self.end_line(result, index, total))

    def start_line(self, unique_id: str, index: int, total: int) -> tuple[str, str]:
        return f"{index} of {total} START freshness of {source_label(self.sources[unique_id])}", "RUN"

    def end_line(self, result: RunResult, index: int, total: int) -> tuple[str, str]:
        label = source_label(self.sources[result.unique_id])
        prefix = f"{index} of {total}"
        seconds = f"{result.execution_time:.2f}s"
        if result.status in _WORDS:
            word, bracket = _WORDS[result.status]
            return f"{prefix} {word} freshness of {label}", f"{bracket} in {seconds}"
        if result.status == Status.SKIPPED:
            reason = (result.message or "").replace("skipped because ", "")
            return f"{prefix} SKIP freshness of {label} ({reason})", "SKIP"
        if result.status == Status.CANCELLED:
            return f"{prefix} CANCELLED freshness of {label} ({result.cause})", f"CANCELLED in {seconds}"
        return f"{prefix} {result.word} freshness of {label}", f"{result.word} in {seconds}"


def _plan(selected: Sequence[str]) -> Plan:
    """Freshness checks are independent: no edges; handed out in unique_id order, as dbt does."""
    order = tuple(sorted(selected))
    none: frozenset[str] = frozenset()
    return Plan(
        order=order,
        parents={uid: none for uid in order},
        children={uid: none for uid in order},
        priority={uid: 0.0 for uid in order},
        estimates={uid: 0.0 for uid in order},
    )


class FreshnessTask:
    """One ``source freshness``. ``start()``, then ``wait()``; ``cancel()`` from any thread."""

    def __init__(self, session: Session, *, terminal: Terminal | None = None, output: str | None = None) -> None:
        self.session = session
        self.flags: Flags = session.flags
        self.terminal = terminal or Terminal()
        self.stop = Stop()
        self.registry = session.statement_registry(self.stop)
        manifest = session.manifest
        self.sources = manifest.sources
        selected = [uid for uid in session.select(("source",)) if has_freshness(manifest.sources[uid].freshness)]
        self.ignored = session.check_unsupported(selected)  # before any query
        self.plan = _plan(selected)
        self.threads = session.target.threads
        self.output_path = Path(os.path.realpath(output)) if output else session.target_dir / "sources.json"
        self.workers: dict[str, Worker] = {}
        self._workers_lock = threading.Lock()
        self.scheduler = Scheduler(
            self.plan,
            self.threads,
            self._run_node,
            self.stop,
            reporter=self._reporter(),
        )
        self.started_at = utcnow()
        self._t0 = time.perf_counter()
        self.elapsed = 0.0

    def _reporter(self) -> Reporter:
        """The terminal's lines; with dbt's log (the CLI's), its events around them."""
        terminal = self.terminal
        if not isinstance(terminal, DbtLog):
            return FreshnessLines(terminal, self.sources)
        from dagwright.report.dbt_log import node_info_of
        from dagwright.report.freshness_log import FreshnessEvents

        lines = FreshnessLines(terminal.text or terminal, self.sources)
        render = self.session.render_relation

        def node_info(uid: str) -> dict[str, Any]:
            source = self.sources[uid]
            info = node_info_of(source, source.relation_name(render))
            info["node_relation"]["alias"] = ""  # as dbt: a source has no alias
            return info

        def names(uid: str) -> tuple[str, str]:
            return self.sources[uid].source_name, self.sources[uid].name

        return FreshnessEvents(terminal, lines, lines.start_line, lines.end_line, node_info, names)

    # -- the scheduler's hook ----------------------------------------------------------------
    def _worker(self, name: str) -> Worker:
        with self._workers_lock:
            worker = self.workers.get(name)
            if worker is None:
                worker = self.workers[name] = Worker(name, self.session.adapter)
            return worker

    def _sql(self, source: SourceTable) -> str:
        relation = source.relation_name(self.session.render_relation)
        query = source.config.get("loaded_at_query")
        if query:
            return freshness_query_sql(self._render_query(source, str(query)))
        if source.loaded_at_field:
            freshness = source.freshness or {}
            return freshness_sql(relation, source.loaded_at_field, freshness.get("filter"))
        raise _RuntimeFailure(
            f"Could not compute freshness for source {source.name}: no 'loaded_at_field' provided and "
            f"{self.session.adapter.type} adapter does not support metadata-based freshness checks."
        )

    def _render_query(self, source: SourceTable, text: str) -> str:
        """``loaded_at_query`` is rendered when the check runs, with ``this`` the source."""
        if "{{" not in text and "{%" not in text:
            return text
        from dagwright.rendering.context import JinjaRelation
        from dagwright.rendering.jinja import LazyContext, compile_template, render_template

        session = self.session
        run = session.run_context

        def source_fn(source_name: str, table_name: str) -> JinjaRelation:
            other = self.sources.get(f"source.{session.manifest.project_name}.{source_name}.{table_name}")
            if other is None:
                raise DagwrightError(f"source('{source_name}', '{table_name}') is not defined in any YAML file")
            return JinjaRelation(other.relation, other.relation_name(session.render_relation), "table")

        this = JinjaRelation(source.relation, source.relation_name(session.render_relation), "table")
        values = run.base_values(source.name)
        values.update(
            this=this,
            source=source_fn,
            source_node={"name": source.name, "unique_id": source.unique_id},
            model={"name": source.name, "unique_id": source.unique_id, "config": dict(source.config)},
            execute=True,
        )
        template = compile_template(text, source.original_file_path, source.unique_id)
        return render_template(template, LazyContext(values, run.macros))

    def _run_node(self, unique_id: str, worker_name: str) -> RunResult:
        source = self.sources[unique_id]
        worker = self._worker(worker_name)
        started = time.perf_counter()
        compile_start = utcnow()
        timing: list[Timing] = []
        submitted = False

        def result(status: str, message: str | None, **extra: Any) -> FreshnessResult:
            return FreshnessResult(
                unique_id=unique_id,
                status=status,
                message=message,
                thread_id=worker_name,
                timing=tuple(timing),
                execution_time=time.perf_counter() - started,
                **extra,
            )

        def failure(kind: str, detail: str) -> FreshnessResult:
            # as dbt prints an error: every line of the detail indented under the heading
            lines = "\n".join(f"  {line}".rstrip() or "  " for line in detail.strip().splitlines())
            return result(RUNTIME_ERROR, f"{kind} Error in source {source.name} ({source.original_file_path})\n{lines}")

        try:
            self.stop.check()
            sql = self._sql(source)
            timing.append(Timing("compile", compile_start, utcnow()))
            conn = GuardedConnection(worker.connection, self.registry, worker_name, unique_id, self.stop)
            execute_start = utcnow()
            submitted = True
            try:
                response = conn.execute(sql)
            finally:
                timing.append(Timing("execute", execute_start, utcnow()))
            if len(response.rows) != 1 or len(response.rows[0]) != 2:
                raise _RuntimeFailure(
                    f"Got an unexpected result from the freshness query: {len(response.rows)} rows "
                    f"of {len(response.column_names)} columns (expected 1 row of 2 columns)"
                )
            loaded, snapshotted = response.rows[0]
            max_loaded_at = NEVER if loaded is None else as_utc(loaded)
            snapshotted_at = as_utc(snapshotted)
            age = (snapshotted_at - max_loaded_at).total_seconds()
            status = freshness_status(source.freshness or {}, age)
            return result(
                status,
                None,
                adapter_response=response.adapter_response(),
                max_loaded_at=max_loaded_at,
                snapshotted_at=snapshotted_at,
                age=age,
            )
        except Stopped as stopped:
            if not submitted:
                return result(Status.SKIPPED, f"not started: {stopped.trigger}", cause=stopped.trigger)
            return result(Status.CANCELLED, f"cancelled: {stopped.trigger}", cause=stopped.trigger)
        except NotATimestamp as exc:
            return failure("Database", str(exc))
        except DatabaseError as exc:
            return failure("Runtime", str(exc))
        except _RuntimeFailure as exc:
            return failure("Runtime", str(exc))
        except DagwrightError as exc:
            return failure("Compilation", exc.message)
        except Exception as exc:  # still this check's outcome, never a lost node
            return failure("Internal", f"{type(exc).__name__}: {exc}")

    # -- the use case --------------------------------------------------------------------------
    def stop_is_final(self) -> bool:
        """Any stop ends the checks (there are no end hooks to run after one)."""
        return self.stop.is_set()

    def cancel(self, kind: str = "cancel") -> None:
        self.stop.trigger(kind, STOP_TEXT.get(kind, kind))

    def start(self) -> None:
        session = self.session
        self.terminal.line(f"Concurrency: {self.threads} threads (target='{session.target.target_name}')")
        self.terminal.line()
        self._write_manifest()
        self.scheduler.start()

    def wait(self) -> list[RunResult]:
        results = self.scheduler.wait()
        self.registry.wait_cancelled(5.0)
        self.elapsed = time.perf_counter() - self._t0
        self.write_results(results)
        return results

    def write_results(self, results: Sequence[RunResult]) -> None:
        stop = None
        if self.stop.kind is not None:
            stop = {
                "kind": self.stop.kind,
                "trigger": self.stop.trigger_text,
                "at": iso(datetime.fromtimestamp(self.stop.at, timezone.utc)) if self.stop.at else None,
            }
        data = sources_dict(
            results,
            {uid: self.sources[uid].freshness for uid in self.plan.order},
            invocation_id=self.session.run_context.invocation_id,
            started_at=self.started_at,
            elapsed=self.elapsed,
            stop=stop,
        )
        write_sources(self.output_path, data)

    def _write_manifest(self) -> None:
        self.session.write_manifest()

    def close(self) -> None:
        for worker in self.workers.values():
            if worker._connection is not None:
                worker._connection.close()
        self.session.adapter.close()

    def emergency_exit(self, code: int) -> None:
        """Second Ctrl-C: write what was measured so far and leave at once."""
        try:
            self.elapsed = time.perf_counter() - self._t0
            self.write_results(self.scheduler.snapshot())
        finally:
            drain_stdout(LINE_WAIT_S)  # os._exit skips atexit, which writes out what stdout queued
            os._exit(code)


def print_freshness_summary(
    terminal: Terminal, task: FreshnessTask, results: Sequence[RunResult], stop_trigger: str | None
) -> None:
    """dbt's end of ``source freshness``: the timing line, each error in full, ``Done.``"""
    secs = task.elapsed
    hours, rem = divmod(int(secs), 3600)
    minutes, seconds = divmod(rem, 60)
    count = len(results)
    terminal.line()
    terminal.line(
        f"Finished running {count} source{'' if count == 1 else 's'} in {hours} hours {minutes} minutes and "
        f"{seconds + secs % 1:.2f} seconds ({secs:.2f}s)."
    )
    if stop_trigger:
        terminal.line()
        terminal.line(f"Run stopped: {stop_trigger}")
    for result in results:
        source = task.sources[result.unique_id]
        if result.status == Status.ERROR:
            terminal.line()
            terminal.line(f"Failure in source {source.name} ({source.original_file_path})")
            terminal.line("  Status: error")
        elif result.status == RUNTIME_ERROR:
            terminal.line()
            terminal.line(f"  {result.message}")
    terminal.line("Done.")


def exit_code(results: Sequence[RunResult], stop_kind: str | None) -> int:
    if stop_kind in EXIT_CODES:
        return EXIT_CODES[stop_kind]
    failed = (Status.ERROR, RUNTIME_ERROR, Status.CANCELLED)
    return 1 if any(r.status in failed for r in results) else 0


def freshness(flags: Flags, *, output: str | None = None, terminal: Terminal | None = None) -> int:
    """``dagwright source freshness`` from the CLI; returns the exit code."""
    handlers = SignalHandlers().install()
    given = terminal
    try:
        handlers.stop_if_signalled_early()
        session = Session(flags)
        terminal = given or open_log(
            flags.extra,
            session.project.raw.get("flags"),
            session.project.root,
            session.run_context.invocation_id,
            "source freshness",
            session.project.raw.get("log-path"),
        )
        if isinstance(terminal, DbtLog):  # print() and log() in the checks' Jinja go to the log too
            session.run_context.on_print = terminal.print_output
            session.run_context.on_log = terminal.jinja_log
        task = FreshnessTask(session, terminal=terminal, output=output)
        terminal.line(found_line(session))
        for line in (task.ignored or "").splitlines():
            terminal.line(line)
        if output:
            terminal.line(  # as dbt warns (the option still works)
                "[WARNING][CustomOutputPathInSourceFreshnessDeprecation]: Deprecated functionality\n"
                f"Custom output path usage `--output {output}` usage detected in `dbt source freshness` command."
            )
        terminal.line()
        handlers.task = task
    except StoppedEarly as early:
        handlers.finished = True
        terminal = terminal or Terminal()
        terminal.line(f"Received {early.kind} before any check started: {STOP_TEXT[early.kind]}")
        _finish(terminal, EXIT_CODES[early.kind])
        return EXIT_CODES[early.kind]
    except DagwrightError as exc:
        if isinstance(terminal, DbtLog):  # the error in the log too (the CLI prints it on stderr)
            terminal.failed(exc)
        raise
    if not task.plan.order:
        handlers.finished = True
        nothing = warn_or_error(session.warn_error, "NothingToDo", NOTHING_TO_DO)
        if nothing is not None:
            terminal.line(nothing)
        task.write_results([])
        terminal.line("Done.")
        task.session.adapter.close()
        _finish(terminal, 0)
        return 0
    try:
        task.start()
        results = task.wait()
    finally:
        handlers.finished = True
        task.close()
    stop_trigger = task.stop.trigger_text if task.stop.kind is not None else None
    print_freshness_summary(terminal, task, results, stop_trigger)
    code = exit_code(results, task.stop.kind)
    if handlers.received is not None:  # a signal that came when every source was measured
        code = EXIT_CODES[handlers.received]
    _finish(terminal, code)
    return code


def _finish(terminal: Terminal, code: int) -> None:
    if isinstance(terminal, DbtLog):
        terminal.finish(code)
