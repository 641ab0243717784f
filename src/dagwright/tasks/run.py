"""run / seed / build: execute the selected nodes and tell one truth about each.

Every exit path writes run_results.json listing every selected node: the normal end, a
fail-fast stop, SIGINT, SIGTERM, ``cancel()``, and an immediate exit on a second Ctrl-C.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from dagwright.adapters.base import StatementCancelled
from dagwright.artifacts.files import check_writable
from dagwright.artifacts.run_history import recorded_durations, typical_durations
from dagwright.artifacts.run_results import (
    read_run_results,
    run_results_dict,
    write_run_results,
)
from dagwright.errors import ArtifactError, DagwrightError
from dagwright.execute.compile import Compiler
from dagwright.execute.microbatch import (
    BatchProgress,
    MicrobatchSettings,
    RetriedBatches,
    check_event_time_window,
)
from dagwright.execute.no_op import is_no_op
from dagwright.execute.project_hooks import ProjectHooks, end_hook_values
from dagwright.execute.results import RunResult, RunSummary, Status, utcnow
from dagwright.execute.runner import NodeRunner, Worker
from dagwright.execute.scheduler import Scheduler
from dagwright.graph.plan import Plan, build_plan
from dagwright.guard import Stop, with_comment
from dagwright.parse.materializations import PACKAGE_OVERRIDE_FLAG, MaterializationBlock, core_block, custom_builds
from dagwright.parse.unsupported_scope import macros_by_package
from dagwright.project.warn_error import NOTHING_TO_DO, warn_or_error
from dagwright.report.dbt_log import node_info_of
from dagwright.report.log_output import DbtLog, open_log
from dagwright.report.streams import drain_stdout
from dagwright.report.terminal import RunStarted, Terminal, print_summary
from dagwright.report.timeline_html import write_timeline_quietly
from dagwright.session import Flags, Session, target_dir_of
from dagwright.tasks.artifact_failure import outcomes_line, write_failed
from dagwright.tasks.defer import apply_defer
from dagwright.tasks.found import found_line
from dagwright.tasks.run_nodes import failure_lines, kind_of, listed, plan_node
from dagwright.tasks.run_outputs import write_history_and_timeline
from dagwright.tasks.stopping import EXIT_CODES, LINE_WAIT_S, STOP_TEXT, SignalHandlers, StoppedEarly, exit_code

RESOURCE_TYPES_BY_COMMAND = {
    "run": ("model",),
    "seed": ("seed",),
    "test": ("test",),
    "snapshot": ("snapshot",),
    # exposures and saved queries: listed as no-op nodes, as dbt-core's build lists them
    "build": ("seed", "function", "model", "snapshot", "test", "exposure", "saved_query"),
}


class RunTask:
    """One execution of a plan. ``start()``, then ``wait()``; ``cancel()`` from any thread."""

    def __init__(
        self,
        session: Session,
        *,
        terminal: Terminal | None = None,
        only: Sequence[str] | None = None,
        retried: RetriedBatches | None = None,
    ) -> None:
        self.session = session
        self.flags: Flags = session.flags
        self.terminal = terminal or Terminal()
        self.stop = Stop()
        self.registry = session.statement_registry(self.stop)
        check_writable(session.target_dir)  # before the parse and any node: each writes there
        #: an artifact that could not be written at the end (the run's outcomes stand)
        self.artifact_error: ArtifactError | None = None
        manifest = session.manifest
        types = RESOURCE_TYPES_BY_COMMAND.get(self.flags.command, ("model",))
        if "test" in types:
            types = (*types, "unit_test")  # selected as dbt selects them, to be reported
        if only is not None:
            selected = [u for u in only if u in manifest.nodes or u in manifest.unit_tests or listed(manifest, u)]
        else:
            selected = session.select(types)
        if self.flags.command == "build" and manifest.unit_tests:
            # dbt's build runs a model's unit tests right before the model: without it, none
            chosen = set(selected)
            selected = [
                u for u in selected if u not in manifest.unit_tests or manifest.unit_tests[u].model_id in chosen
            ]
        # before anything runs: stop here if the command would ignore what changes its outcome
        self.ignored = session.check_unsupported(selected)
        session.run_context.selected_resources = list(selected)
        apply_defer(session, selected, builds_selected=self.flags.command != "test")
        if session.run_context.on_log is None:  # {{ log('...', info=True) }} prints, as in dbt
            session.run_context.on_log = getattr(self.terminal, "jinja_log", self.terminal.line)
        if session.run_context.on_print is None and hasattr(self.terminal, "print_output"):
            session.run_context.on_print = self.terminal.print_output
        #: --no-write-json: neither run_results.json nor manifest.json is written (as in dbt)
        self.write_json = bool(getattr(getattr(self.terminal, "settings", None), "write_json", True))
        # on-run-start / on-run-end (see execute/project_hooks.py): on-run-end hooks have a
        # stop of their own, so they still run after a fail-fast stop (as in dbt) and are
        # cancelled by a signal or cancel() like everything else.
        self.hooks = ProjectHooks(session.run_context, manifest, session.adapter, reporter=self._hook_line)
        self.end_stop = Stop()
        self.end_registry = session.statement_registry(self.end_stop)
        self.start_results: list[RunResult] = []
        previous = read_run_results(session.target_dir / "run_results.json")
        # priorities from each node's median over the recorded runs (one slow run does not reorder)
        self.plan: Plan = build_plan(
            manifest, selected, typical_durations(recorded_durations(session.target_dir, previous))
        )
        self.threads = session.target.threads
        self.workers: dict[str, Worker] = {}
        self._workers_lock = threading.Lock()
        self.compiler = Compiler(session.run_context, manifest, session.loader.templates, session.loader.static_parts)
        self.runner = NodeRunner(
            manifest,
            self.compiler,
            session.adapter,
            self.stop,
            self.registry,
            project_root=session.project.root,
            target_dir=session.target_dir,
            full_refresh=self.flags.full_refresh,
            store_failures=self.flags.store_failures,
            test_warn_fails=session.warn_error.errors("LogTestResult"),
            on_failure=self._on_failure,
            custom_builds=custom_materializations(session),
            microbatch=MicrobatchSettings(
                # --sample's window is the one microbatch models build, as in dbt
                session.sample.start if session.sample else self.flags.event_time_start,
                session.sample.end if session.sample else self.flags.event_time_end,
                retried.started_at if retried and retried.started_at else session.run_context.run_started_at,
                retried.batches if retried else {},
            ),
            on_batch=self._batch_line,
        )
        self.scheduler = Scheduler(
            self.plan,
            self.threads,
            self._run_node,
            self.stop,
            fail_fast=self.flags.fail_fast,
            reporter=self.terminal.node_reporter(self._describe),
        )
        abandon = getattr(session.adapter, "abandon_connecting", None)
        if abandon is not None:  # a stop does not wait for a session that is still opening
            self.stop.add_listener(abandon)
        # the output hears of a stop from whichever thread triggers it (after the cancels start)
        self.stop.add_listener(lambda: self.terminal.run_stopping(self.stop.trigger_text or "stopped"))
        self.started_at = utcnow()
        self._t0 = time.perf_counter()
        self.summary: RunSummary | None = None
        self._manifest_writer: _Background | None = None
        self._closer: _Background | None = None

    # -- hooks for the scheduler ---------------------------------------------------------
    def _describe(self, unique_id: str) -> str:
        return self.runner.describe(plan_node(self.session.manifest, unique_id))

    def _worker(self, name: str) -> Worker:
        with self._workers_lock:
            worker = self.workers.get(name)
            if worker is None:
                worker = self.workers[name] = Worker(name, self.session.adapter)
            return worker

    def _run_node(self, unique_id: str, worker_name: str) -> RunResult:
        return self.runner.run(unique_id, self._worker(worker_name))

    def _on_failure(self, unique_id: str) -> None:
        if self.flags.fail_fast:
            self.stop.trigger("fail-fast", f"fail-fast after {unique_id} failed")

    # -- the use case ------------------------------------------------------------------------
    def start_event(self) -> RunStarted:
        """What the output is told when the run starts."""
        session = self.session
        return RunStarted(
            command=self.flags.command,
            invocation_id=session.run_context.invocation_id,
            target_name=session.target.target_name,
            target_dir=str(session.target_dir),
            threads=self.threads,
            fail_fast=bool(self.flags.fail_fast),
            nodes=self.plan.order,
            node_info=self._node_info,
            parents=self.plan.parents,
        )

    def _node_info(self, unique_id: str) -> dict[str, Any]:
        node = plan_node(self.session.manifest, unique_id)
        if node is None:
            return {"unique_id": unique_id}
        relation = None
        if getattr(node, "has_relation", None) and node.has_relation(self.flags.store_failures):
            relation = self.session.adapter.render(node.relation)
        info = node_info_of(node, relation)
        if getattr(node, "attached_node", None):  # LogTestResult's, beside node_info
            info["attached_node"] = node.attached_node
        return info

    def stop_is_final(self) -> bool:
        """After a fail-fast stop the on-run-end hooks still run: a first signal stops them."""
        return self.stop.is_set() and (self.stop.kind != "fail-fast" or self.end_stop.is_set())

    def cancel(self, kind: str = "cancel") -> None:
        """Stop the run: nothing new starts, in-flight statements are cancelled."""
        self.stop.trigger(kind, STOP_TEXT.get(kind, kind))
        self.end_stop.trigger(kind, STOP_TEXT.get(kind, kind))

    def _batch_line(self, batch: BatchProgress) -> None:
        """A microbatch model's batch, as dbt prints it."""
        head = f"Batch {batch.index} of {batch.total}"
        what = f"batch {batch.label} of {batch.relation}"
        if batch.status is None:
            self.terminal.dotted(f"{head} START {what}", "RUN")
        elif batch.status == Status.SUCCESS:
            self.terminal.dotted(f"{head} OK created {what}", f"OK in {batch.seconds:.2f}s")
        elif batch.status == Status.SKIPPED:  # after a failed first batch
            self.terminal.dotted(f"{head} SKIP {what}", "SKIPPED in 0.00s")
        else:
            self.terminal.dotted(f"{head} ERROR creating {what}", f"ERROR in {batch.seconds:.2f}s")

    def _hook_line(self, result: RunResult | None, op: Any, index: int, total: int, started: bool) -> None:
        name = f"hook: {op.label}"
        if result is None:
            self.terminal.dotted(f"{index} of {total} START {name}", "RUN")
        elif result.status == Status.SKIPPED:
            self.terminal.dotted(f"{index} of {total} SKIP {name}", "SKIP")
        else:
            word = {Status.SUCCESS: "OK"}.get(result.status, result.word)
            self.terminal.dotted(f"{index} of {total} {word} {name}", f"{word} in {result.execution_time:.2f}s")

    def _end_hooks(self, results: list[RunResult]) -> list[RunResult]:
        """on-run-end: after the DAG, unless a signal or cancel() stopped the run."""
        if not self.hooks.hooks("on-run-end"):
            return []
        if self.stop.is_set() and self.stop.kind != "fail-fast":
            return self.hooks.not_run("on-run-end", self.stop.trigger_text or "stopped")
        self.terminal.line()
        extra = end_hook_values(self.session.manifest, [*self.start_results, *results])
        out = self.hooks.run_phase("on-run-end", self.end_stop, self.end_registry, extra)
        self.end_registry.wait_cancelled(5.0)
        return out

    def start(self) -> None:
        session = self.session
        self.terminal.line(f"Concurrency: {self.threads} threads (target='{session.target.target_name}')")
        self.terminal.line()
        # The parsed manifest is written while the nodes run: nothing in the run reads it.
        self._manifest_writer = _Background(self._write_manifest, "dagwright-manifest")
        # on-run-start hooks may create or drop relations: the schemas are listed after them
        start_hooks = bool(self.hooks.hooks("on-run-start"))
        try:
            schemas = self._create_schemas(list_relations=not start_hooks)
            self.start_results = self.hooks.run_phase("on-run-start", self.stop, self.registry)
            if self.start_results:
                self.terminal.line()
            if start_hooks and schemas:
                conn = self.session.adapter.open("main")
                try:
                    self._list_relations(conn, schemas)
                finally:
                    conn.close()
        except StatementCancelled:  # the stop abandoned a session still opening: no node starts
            if not self.stop.is_set():
                raise
            if start_hooks and not self.start_results:
                self.start_results = self.hooks.not_run("on-run-start", self.stop.trigger_text or "stopped")
        self.scheduler.start()

    def _create_schemas(self, list_relations: bool = True) -> list[tuple[str | None, str]]:
        manifest = self.session.manifest
        adapter = self.session.adapter
        schemas = {}
        for uid in self.plan.order:
            if uid in manifest.unit_tests or is_no_op(uid):
                continue
            node = manifest.nodes[uid]
            if node.resource_type == "test" and not node.has_relation(self.flags.store_failures):
                continue  # as dbt: a test's (audit) schema only where it stores its failures
            rel = node.relation
            schemas[(rel.database, rel.schema)] = rel
        if not schemas:
            return []
        conn = adapter.open("main")
        try:
            comments = self.session.query_comments
            for rel in schemas.values():
                # the query comment of dbt's connection for it, create_<database>_<schema>
                comment = comments.text_for(f"create_{rel.database or ''}_{rel.schema}")
                label = getattr(conn, "use_query_comment", None) if comments.job_label else None
                if label is not None:  # BigQuery's job labels from the comment
                    label(comment)
                conn.execute(with_comment(adapter.create_schema_sql(rel), comment, comments.append))
            if list_relations:
                self._list_relations(conn, list(schemas))
        finally:
            conn.close()
        return list(schemas)

    def _list_relations(self, conn: Any, schemas: list[tuple[str | None, str]]) -> None:
        """Fill the adapter's relation cache (engines that have one) with one listing per schema."""
        cache_schemas = getattr(self.session.adapter, "cache_schemas", None)
        if cache_schemas is not None:
            cache_schemas(conn, schemas)

    def wait(self) -> RunSummary:
        results = self.scheduler.wait()
        self.registry.wait_cancelled(5.0)
        results = [*self.start_results, *results, *self._end_hooks(results)]
        summary = self._summary(results)
        # The warehouse is done with: closing it (DuckDB writes its checkpoint there, without
        # holding the GIL) overlaps with writing the artifacts. The timeline, a picture of
        # run_results.json, is drawn once the close has given the warehouse's memory back.
        self._closer = _Background(self._close, "dagwright-close")
        target = self.session.target_dir
        try:
            try:
                self.write_results(summary, timeline=False)
            except OSError as exc:
                self.artifact_error = write_failed(exc, target / "run_results.json")
            try:
                if self._manifest_writer is not None:
                    self._manifest_writer.join()  # the first manifest must not land after the final one
                self._write_manifest(results)
            except OSError as exc:
                self.artifact_error = self.artifact_error or write_failed(exc, target / "manifest.json")
            except ArtifactError as exc:  # the session's manifest write says which file
                self.artifact_error = self.artifact_error or exc
        finally:
            try:
                self._closer.join()
            finally:  # after the close, even one that failed (the page never fails the run)
                self.write_timeline(summary)
        return summary

    def _summary(self, results: list[RunResult]) -> RunSummary:
        latency = None
        if self.stop.at is not None and self.registry.cancel_finished_at is not None:
            latency = self.registry.cancel_finished_at - self.stop.at
        return RunSummary(
            results=results,
            elapsed=time.perf_counter() - self._t0,
            started_at=self.started_at,
            stop_kind=self.stop.kind,
            stop_trigger=self.stop.trigger_text,
            stop_at=self.stop.at,
            cancel_latency=latency,
        )

    def write_results(self, summary: RunSummary, timeline: bool = True) -> None:
        # Each write goes to its own temporary file and is renamed into place, so an
        # emergency write from a signal handler needs no lock (and must take none: it
        # may interrupt this very method on the main thread).
        if self.write_json:  # each node's entry made as it is written (a large run's never all held)
            write_run_results(self.session.target_dir / "run_results.json", self._results_data(summary, streamed=True))
        if timeline:
            self.write_timeline(summary)

    def write_timeline(self, summary: RunSummary) -> None:
        """The history's entry and the timeline page (after the warehouse's close, when it
        gave its memory back): both pictures of run_results.json."""
        write_history_and_timeline(
            self.session,
            self._results_data(summary),
            parents=self.plan.parents,
            order=self.plan.order,
            threads=self.threads,
            write_json=self.write_json,
        )

    def _results_data(self, summary: RunSummary, streamed: bool = False) -> dict[str, Any]:
        invocation_id = self.session.run_context.invocation_id
        return run_results_dict(summary, invocation_id=invocation_id, args=self.flags.as_args(), streamed=streamed)

    def _write_manifest(self, results: list[RunResult] | None = None) -> None:
        session = self.session
        if not self.write_json:
            return
        compiled = None
        if results is not None:
            compiled = {r.unique_id: r.compiled_code for r in results if r.compiled_code}
        session.write_manifest(compiled)

    def close(self) -> None:
        if self._manifest_writer is not None and self._closer is None:
            # start() or the run failed before wait(): that error is the one to report
            try:
                self._manifest_writer.join()
            except Exception:
                pass
        if self._closer is not None:  # already closing (see wait)
            self._closer.join()
            return
        self._close()

    def _close(self) -> None:
        for worker in self.workers.values():
            if worker._connection is not None:
                worker._connection.close()
        self.session.adapter.close()

    def emergency_exit(self, code: int) -> None:
        """Second Ctrl-C: record every node as it stands and leave at once."""
        summary = self._summary([*self.start_results, *self.scheduler.snapshot()])
        try:
            self.write_results(summary)
            # the terminal may be held by a thread stuck on a reader that does not read
            say = threading.Thread(target=self.terminal.run_finished, args=(summary, code), daemon=True)
            say.start()
            say.join(LINE_WAIT_S)
        finally:
            drain_stdout(LINE_WAIT_S)  # os._exit skips atexit, which writes out what stdout queued
            os._exit(code)


def custom_materializations(session: Session) -> dict[str, MaterializationBlock | None]:
    """The models' ``materialized`` names dbt builds with a project's or package's block (or
    with nothing: None), resolved once per run (parse/materializations.py)."""
    manifest = session.manifest
    names = {n.materialized for n in manifest.nodes.values() if n.resource_type == "model"}
    flags = session.project.raw.get("flags")
    overrides = isinstance(flags, dict) and flags.get(PACKAGE_OVERRIDE_FLAG) is False
    by_package = macros_by_package(manifest)
    adapter, root = session.adapter.type, session.project.name
    builds = custom_builds(names, by_package, adapter, root, overrides)
    for name, block in sorted(builds.items()):
        if block is not None and block.package != root and core_block(name, adapter):  # dbt warns too
            logging.getLogger("dagwright").warning(
                f"package '{block.package}' replaces the built-in materialization '{name}' because "
                f"{PACKAGE_OVERRIDE_FLAG} is false: dbt deprecates such overrides; move the block "
                "into the root project to keep it"
            )
    return builds


class _Background:
    """A call on a thread of its own; ``join`` waits for it and raises what it raised."""

    def __init__(self, target: Callable[[], object], name: str) -> None:
        self._target = target
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._target()
        except BaseException as exc:
            self._error = exc

    def join(self) -> None:
        self._thread.join()
        error, self._error = self._error, None
        if error is not None:
            raise error


def _write_early_stop(flags: Flags, kind: str, started_at: Any) -> None:
    """run_results.json for a command stopped before any node started."""
    try:
        target_dir = target_dir_of(flags)
    except Exception:
        return
    summary = RunSummary([], 0.0, started_at, stop_kind=kind, stop_trigger=STOP_TEXT[kind])
    data = run_results_dict(summary, invocation_id="", args=flags.as_args_safe())
    try:
        write_run_results(target_dir / "run_results.json", data)
    except OSError:
        return  # target/ cannot be written: the stop's line said what happened
    write_timeline_quietly(target_dir / "timeline.html", data)


def execute(
    flags: Flags,
    *,
    only: Sequence[str] | None = None,
    terminal: Terminal | None = None,
    retried: RetriedBatches | None = None,
) -> int:
    """Run a command of the run family from the CLI; returns the exit code. ``retried``:
    for ``retry``, the microbatch batches the last run left failed."""
    check_event_time_window(flags.event_time_start, flags.event_time_end)
    handlers = SignalHandlers().install()
    started_at = utcnow()
    given = terminal
    try:
        handlers.stop_if_signalled_early()
        session = Session(flags)
        terminal = given or open_log(
            flags.extra,
            session.project.raw.get("flags"),
            session.project.root,
            session.run_context.invocation_id,
            flags.command,
            session.project.raw.get("log-path"),
        )
        if isinstance(terminal, DbtLog):  # print() and log() while parsing go to the log too
            session.run_context.on_print = terminal.print_output
            session.run_context.on_log = terminal.jinja_log
        task = RunTask(session, terminal=terminal, only=only, retried=retried)
        terminal.line(found_line(session))
        if session.default_selector:
            terminal.line(f"Using default selector {session.default_selector}")
        for line in (task.ignored or "").splitlines():
            terminal.line(line)
        terminal.line()
        handlers.task = task
    except StoppedEarly as early:
        handlers.finished = True
        terminal = terminal or Terminal()
        terminal.line(f"Received {early.kind} before any node started: {STOP_TEXT[early.kind]}")
        _write_early_stop(flags, early.kind, started_at)
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
        task.write_results(RunSummary([], 0.0, task.started_at))
        if isinstance(terminal, DbtLog):
            terminal.finish(0)
        return 0
    try:
        terminal.run_started(task.start_event())
        task.start()
        summary = task.wait()
    finally:
        handlers.finished = True
        terminal.run_ended()
        task.close()
    print_summary(
        terminal,
        summary,
        {
            **{op.unique_id: "project hook" for op in session.manifest.operations},
            **{uid: kind_of(session.manifest, uid) for uid in task.plan.order},
        },
        lambda r: failure_lines(session.manifest, r),
    )
    if summary.stop_kind in EXIT_CODES:
        code = EXIT_CODES[summary.stop_kind]
    else:
        code = 1 if summary.failed or summary.count(Status.CANCELLED) else 0
    code = exit_code(code, handlers.received)
    if task.artifact_error is not None:
        terminal.line(outcomes_line(summary.results))
        terminal.run_finished(summary, task.artifact_error.exit_code)
        raise task.artifact_error
    terminal.run_finished(summary, code)
    return code
