"""Running one node on one worker: compile, build, publish — and an honest outcome.

The outcome says what happened in the warehouse:
- ``success``: published by this run;
- ``error``: its own failure (nothing published; the previous relation is intact);
- ``cancelled``: it had submitted work when the run stopped; nothing was published;
- ``skipped`` "not started: ...": the run stopped before it submitted anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagwright.adapters.base import Adapter, Connection, DatabaseError, RelationKind, StatementCancelled
from dagwright.artifacts.files import write_text_if_changed
from dagwright.errors import DagwrightError
from dagwright.execute.compile import Compiler, incremental_build
from dagwright.execute.foreign_keys import (
    foreign_key_replace_note,
    rebuilt_dependents_check,
    with_foreign_keys_compiled,
)
from dagwright.execute.microbatch import BatchProgress, MicrobatchEnv, MicrobatchRun, MicrobatchSettings
from dagwright.execute.no_op import NO_OP_KINDS, is_no_op, no_op_description, run_no_op
from dagwright.execute.node_hooks import HookSet
from dagwright.execute.results import RunResult, Status, Timing, utcnow
from dagwright.execute.run_sql import write_run_sql
from dagwright.execute.unit_test import UnitTestRun, unit_test_path
from dagwright.guard import GuardedConnection, StatementRegistry, Stop, Stopped
from dagwright.materialize.base import Hook, Materialization, NodeJob, run_hooks
from dagwright.materialize.contract import contract_enforced
from dagwright.materialize.custom import custom_materialization
from dagwright.materialize.incremental import should_full_refresh
from dagwright.materialize.kinds import materialization_for
from dagwright.materialize.microbatch import is_microbatch
from dagwright.materialize.publishing.choose import strategy_for
from dagwright.materialize.test import run_test
from dagwright.materialize.test_failures import StoringTest, stored_failures_kind
from dagwright.parse.materializations import MaterializationBlock
from dagwright.parse.nodes import Manifest, Node, UnitTest, written_file_path


@dataclass
class Worker:
    """One worker thread's identity and (lazily opened) connection."""

    name: str
    adapter: Adapter
    _connection: Connection | None = field(default=None, repr=False)

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = self.adapter.open(self.name)
        return self._connection

    def guarded(self, registry: StatementRegistry, node_id: str, stop: Stop) -> GuardedConnection:
        """The worker's connection for one node; opening it is cut short by a stop (a session
        still starting that the stop abandoned: ``Adapter.abandon_connecting``)."""
        try:
            return GuardedConnection(self.connection, registry, self.name, node_id, stop)
        except StatementCancelled:
            raise Stopped(stop.trigger_text or "stopped") from None


def _kind_label(node: Node) -> str:
    if node.resource_type == "seed":
        return "seed file"
    if node.resource_type == "test":
        return "test"
    if node.resource_type in ("snapshot", "function"):
        return node.resource_type
    if is_microbatch(node.config):
        return "sql microbatch model"
    return f"{node.language or 'sql'} {node.materialized} model"


def error_message(node: Node, kind: str, detail: str) -> str:
    return f"{kind} Error in {node.resource_type} {node.name} ({node.original_file_path})\n  {detail}"


class NodeRunner:
    def __init__(
        self,
        manifest: Manifest,
        compiler: Compiler,
        adapter: Adapter,
        stop: Stop,
        registry: StatementRegistry,
        *,
        project_root: Path,
        target_dir: Path,
        full_refresh: bool = False,
        store_failures: bool = False,
        test_warn_fails: bool = False,
        on_failure: Callable[[str], None] | None = None,
        custom_builds: Mapping[str, MaterializationBlock | None] | None = None,
        microbatch: MicrobatchSettings | None = None,
        on_batch: Callable[[BatchProgress], None] | None = None,
    ) -> None:
        self.manifest = manifest
        self.compiler = compiler
        self.adapter = adapter
        self.stop = stop
        self.registry = registry
        self.project_root = project_root
        self.target_dir = target_dir
        self.full_refresh = full_refresh
        #: --store-failures: tests whose config does not say otherwise store their failing rows
        self.store_failures = store_failures
        #: a test that warns fails instead (--warn-error: dbt's event LogTestResult)
        self.test_warn_fails = test_warn_fails
        self.on_failure = on_failure
        #: the models' materialized names built by a project's block (None: dbt finds none)
        self.custom_builds = custom_builds or {}
        #: the event-time window and retried batches of microbatch models
        self.microbatch = microbatch or MicrobatchSettings()
        self.on_batch = on_batch
        #: how relations are built and published on this engine: chosen once per run
        self.strategy = strategy_for(adapter)
        self._project_macros: dict[str, str] | None = None

    @property
    def project_macros(self) -> dict[str, str]:
        """The project's macro names and their files (incremental strategy macros are looked
        up there), built once per run."""
        if self._project_macros is None:
            self._project_macros = {m.name: m.original_file_path for m in self.manifest.macros.values()}
        return self._project_macros

    def compiled_path(self, node: Node, folder: str = "compiled") -> Path:
        return self.target_dir / folder / node.package_name / written_file_path(node)

    def describe(self, node: Node | UnitTest | Any) -> str:
        if node.resource_type in NO_OP_KINDS:  # an exposure or a saved query
            return no_op_description(node.resource_type, node.name)
        if isinstance(node, UnitTest):
            return f"unit_test {node.model}::{node.run_name}"
        if node.resource_type == "test":
            return f"test {node.name}"
        return f"{_kind_label(node)} {node.schema}.{node.alias}"

    def _file_root(self, node: Node) -> Path:
        """The folder a node's original_file_path is relative to: its package's, or the project's."""
        package_root = self.manifest.package_roots.get(node.package_name)
        return Path(package_root) if package_root else self.project_root

    def _materialization(
        self, node: Node, sql: str, hooks: HookSet, full_refresh: bool, existing: RelationKind | None
    ) -> Materialization:
        check_dependents = None
        if contract_enforced(node):  # dbt compiles a foreign key's ``to`` into the relation it names
            node = with_foreign_keys_compiled(node, self.manifest, self.adapter)
            selected = self.compiler.run.selected_resources or ()
            check_dependents = rebuilt_dependents_check(self.manifest, node, selected, self.full_refresh)
        job = NodeJob(
            node=node,
            sql=sql,
            pre_hooks=hooks["pre", True],
            post_hooks=hooks["post", True],
            full_refresh=full_refresh,
            check_rebuilt_dependents=check_dependents,
        )
        if node.resource_type == "model" and node.materialized in self.custom_builds:
            block = self.custom_builds[node.materialized]
            macro = self.manifest.macros.get(f"macro.{block.package}.{block.macro_name}") if block else None
            text = macro.macro_sql if macro is not None else ""
            return custom_materialization(self.adapter, job, block, hooks, self.compiler.materialization_context, text)
        return materialization_for(
            self.adapter,
            self.strategy,
            job,
            existing=existing,
            seed_file=lambda: self._file_root(node) / node.original_file_path,
            project_name=self.manifest.project_name,
            project_macros=self.project_macros,
        )

    def run(self, unique_id: str, worker: Worker) -> RunResult:
        if is_no_op(unique_id):
            return run_no_op(unique_id, worker.name, self.stop)
        if unique_id in self.manifest.unit_tests:
            return self._run_unit_test(self.manifest.unit_tests[unique_id], worker)
        node = self.manifest.nodes[unique_id]
        if node.resource_type == "model" and is_microbatch(node.config):
            return self._run_microbatch(node, worker)
        relation_name = self.adapter.render(node.relation) if node.has_relation(self.store_failures) else None
        started = time.perf_counter()
        compile_start = utcnow()
        timing: list[Timing] = []
        compiled_code: str | None = None
        submitted = False
        conn: GuardedConnection | None = None
        materialization: Materialization | StoringTest | None = None

        def result(status: str, message: str | None, response: dict[str, Any] | None = None, **extra: Any) -> RunResult:
            if conn is not None and conn.main_sql:  # the node ran its main statement(s): target/run
                unwritten = self._write_run_sql(node, conn.main_sql, compiled_code)
                if unwritten:
                    message = f"{message}; {unwritten}" if message else unwritten
            return RunResult(
                unique_id=unique_id,
                status=status,
                message=message,
                thread_id=worker.name,
                timing=tuple(timing),
                execution_time=time.perf_counter() - started,
                adapter_response=response or {},
                compiled_code=compiled_code,
                relation_name=relation_name,
                **extra,
            )

        try:
            self.stop.check()
            conn = worker.guarded(self.registry, unique_id, self.stop)
            # an engine whose jobs take settings from the node's config (BigQuery: dbt-bigquery's
            # job_execution_timeout_seconds and reservation, which dbt applies to every node it runs)
            node_settings = getattr(worker.connection, "use_node_config", None)
            if node_settings is not None:
                node_settings(node.config)
            existing: RelationKind | None = None
            compiled = None
            if node.resource_type == "test":
                compiled = self.compiler.compile(node, connection=conn)
                compiled_code = compiled.sql
                write_text_if_changed(self.compiled_path(node), compiled_code)
                timing.append(Timing("compile", compile_start, utcnow()))
                execute_start = utcnow()
                stored_as = stored_failures_kind(node, self.store_failures)
                submitted = True
                try:
                    if stored_as is None:
                        outcome = run_test(conn, node, compiled_code, warn_fails=self.test_warn_fails)
                    else:
                        job = NodeJob(node=node, sql=compiled_code)
                        storing = StoringTest(self.adapter, self.strategy, job, stored_as, self.test_warn_fails)
                        materialization = storing  # a stop or error aborts it, and says what it left
                        outcome = storing.run(conn)
                finally:
                    timing.append(Timing("execute", execute_start, utcnow()))
                return result(outcome.status, outcome.message, outcome.adapter_response, failures=outcome.failures)
            # decided once per node: the --full-refresh flag under the model's own config, and
            # (incremental models) the relation found before compiling, for is_incremental()
            full_refresh = should_full_refresh(node.config, self.full_refresh)
            if node.resource_type == "seed":
                compiled_code = ""
                hooks = self.compiler.hooks(node, conn)
            else:
                if node.materialized == "incremental":
                    submitted = True
                    existing = conn.relation_kind(node.relation)
                incremental = incremental_build(node, existing, full_refresh)
                compiled = self.compiler.compile(node, is_incremental=lambda: incremental, connection=conn)
                compiled_code = compiled.sql
                write_text_if_changed(self.compiled_path(node), compiled_code)
                hooks = compiled.hooks
            timing.append(Timing("compile", compile_start, utcnow()))
            execute_start = utcnow()
            after_commit: tuple[str, str] | None = None
            pre_outside, post_outside = hooks["pre", False], hooks["post", False]  # transaction: false
            not_run = ""
            skipped = len(pre_outside) + len(post_outside)
            if (
                skipped
                and node.resource_type == "model"
                and not getattr(self.adapter, "model_hooks_outside_transaction", True)
            ):
                # as the engine's dbt adapter: its model materializations run in-transaction hooks only
                plural = "s" if skipped > 1 else ""
                engine = self.adapter.type
                not_run = f"; {skipped} transaction: false hook{plural} not run (dbt-{engine} runs none for models)"
                pre_outside = post_outside = ()
            try:
                materialization = self._materialization(node, compiled_code or "", hooks, full_refresh, existing)
                if getattr(materialization, "runs_own_hooks", False):  # where its run_hooks calls say
                    pre_outside = post_outside = ()
                    not_run = ""
                submitted = True
                run_hooks(conn, pre_outside)
                outcome = materialization.run(conn)  # build, the publish gate, publish
                after_commit = self._after_commit_hooks(conn, post_outside, node, relation_name)
            finally:
                timing.append(Timing("execute", execute_start, utcnow()))
            if after_commit is not None:
                status, message = after_commit
                return result(status, f"{outcome.message}; {message}" if status == Status.SUCCESS else message)
            return result(Status.SUCCESS, outcome.message + not_run, outcome.result.adapter_response())
        except Stopped as stopped:
            self._abort(materialization, conn)
            if not timing:
                timing.append(Timing("compile", compile_start, utcnow()))
            if not submitted and not (conn is not None and conn.statements):
                return result(Status.SKIPPED, f"not started: {stopped.trigger}", cause=stopped.trigger)
            # a build of several jobs without a transaction says what its first jobs changed
            left = materialization.left_behind() if materialization is not None else None
            return result(
                Status.CANCELLED,
                f"cancelled: {stopped.trigger}; {left or f'{relation_name} was not changed'}",
                stopped.adapter_response,  # the engine's cancelled job, where it names one
                cause=stopped.trigger,
            )
        except DatabaseError as exc:
            # Signal the failure before cleaning up, so fail-fast reacts at once.
            if self.on_failure is not None:
                self.on_failure(unique_id)
            self._abort(materialization, conn)
            if not timing or timing[-1].name != "execute":
                timing.append(Timing("execute", utcnow(), utcnow()))
            text = str(exc).strip()
            left = materialization.left_behind() if materialization is not None else None
            if left and left not in text:
                text = f"{text}\n({left})"
            text += foreign_key_replace_note(self.manifest, node, text)
            return result(
                Status.ERROR,
                error_message(node, "Runtime", text),
                # an engine may say more than "error" (BigQuery: a cancelled job still running)
                getattr(exc, "adapter_response", None),
                compiled_path=self._written(node, compiled_code),
            )
        except DagwrightError as exc:
            if self.on_failure is not None:
                self.on_failure(unique_id)
            self._abort(materialization, conn)
            if not timing:
                timing.append(Timing("compile", compile_start, utcnow()))
            detail = exc.message + (f" (line {exc.line})" if exc.line else "")
            return result(Status.ERROR, error_message(node, "Compilation", detail))
        except Exception as exc:  # an unexpected failure is still this node's outcome
            if self.on_failure is not None:
                self.on_failure(unique_id)
            self._abort(materialization, conn)
            return result(Status.ERROR, error_message(node, "Internal", f"{type(exc).__name__}: {exc}"))

    def _run_microbatch(self, node: Node, worker: Worker) -> RunResult:
        env = MicrobatchEnv(
            self.compiler,
            self.adapter,
            self.strategy,
            self.stop,
            self.registry,
            self.full_refresh,
            self.microbatch,
            self.manifest.project_name,
            self.project_macros,
            self.batch_compiled_path,
            self.batch_run_path,
            self.on_failure,
            self.on_batch,
        )
        return MicrobatchRun(env, node, worker.name, worker.connection).run()

    def batch_compiled_path(self, node: Node, label: str, folder: str = "compiled") -> Path:
        """Where a microbatch model's batch is compiled (or its SQL run) to, as dbt writes it:
        ``<folder>/<model>/<model>_<batch>.sql`` beside where the model would be."""
        path = self.compiled_path(node, folder)
        return path.with_suffix("") / f"{path.stem}_{label}{path.suffix}"

    def batch_run_path(self, node: Node, label: str) -> Path:
        return self.batch_compiled_path(node, label, "run")

    def _write_run_sql(self, node: Node, statements: Sequence[str], compiled_code: str | None) -> str | None:
        """target/run (execute/run_sql.py); a Python model's file is its compiled code, as dbt's.
        Returns what the node's message says when the file could not be written (its outcome,
        decided in the warehouse, stays)."""
        python_code = compiled_code if node.language == "python" else None
        path = self.compiled_path(node, "run")
        try:
            write_run_sql(path, statements, python_code)
        except OSError as exc:
            return f"{path} not written: {exc.strerror or exc}"
        return None

    def _run_unit_test(self, unit: UnitTest, worker: Worker) -> RunResult:
        """A unit test: pass or fail (the difference in its message), error when it cannot
        run; skipped or cancelled by a stop like any node (it changes nothing)."""
        started = time.perf_counter()
        compile_start = utcnow()
        timing: list[Timing] = []
        compiled_code: str | None = None

        def result(status: str, message: str | None, **extra: Any) -> RunResult:
            if conn is not None and conn.main_sql:  # its comparison query ran: target/run
                path = self.target_dir / "run" / unit.package_name / unit_test_path(unit)
                try:
                    write_run_sql(path, conn.main_sql)
                except OSError as exc:
                    unwritten = f"{path} not written: {exc.strerror or exc}"
                    message = f"{message}; {unwritten}" if message else unwritten
            return RunResult(
                unique_id=unit.unique_id,
                status=status,
                message=message,
                thread_id=worker.name,
                timing=tuple(timing),
                execution_time=time.perf_counter() - started,
                compiled_code=compiled_code,
                **extra,
            )

        conn: GuardedConnection | None = None
        where = f"unit_test {unit.run_name} ({unit.original_file_path})"
        try:
            self.stop.check()
            conn = worker.guarded(self.registry, unit.unique_id, self.stop)
            run = UnitTestRun(self.manifest, self.compiler, self.adapter, self._file_root)
            compiled_code = run.compile(unit, conn)
            write_text_if_changed(
                self.target_dir / "compiled" / unit.package_name / unit_test_path(unit), compiled_code
            )
            timing.append(Timing("compile", compile_start, utcnow()))
            execute_start = utcnow()
            try:
                outcome = run.check(unit, compiled_code, conn)
            finally:
                timing.append(Timing("execute", execute_start, utcnow()))
            return result(
                outcome.status,
                outcome.message,
                adapter_response=dict(outcome.adapter_response),
                failures=outcome.failures,
            )
        except Stopped as stopped:
            if not timing:
                timing.append(Timing("compile", compile_start, utcnow()))
            if not (conn is not None and conn.statements):
                return result(Status.SKIPPED, f"not started: {stopped.trigger}", cause=stopped.trigger)
            return result(Status.CANCELLED, f"cancelled: {stopped.trigger}", cause=stopped.trigger)
        except (DatabaseError, DagwrightError) as exc:
            if self.on_failure is not None:
                self.on_failure(unit.unique_id)
            if not timing:
                timing.append(Timing("compile", compile_start, utcnow()))
            if isinstance(exc, DatabaseError):
                detail = (
                    f"An error occurred during execution of unit test '{unit.run_name}'. There may be an error in "
                    f"the unit test definition: check the data types.\n {str(exc).strip()}"
                )
                return result(Status.ERROR, f"Runtime Error in {where}\n  " + detail.replace("\n", "\n  "))
            detail = exc.message + (f" (line {exc.line})" if exc.line else "")
            return result(Status.ERROR, f"Compilation Error in {where}\n  " + detail.replace("\n", "\n  "))
        except Exception as exc:  # an unexpected failure is still this unit test's outcome
            if self.on_failure is not None:
                self.on_failure(unit.unique_id)
            return result(Status.ERROR, f"Internal Error in {where}\n  {type(exc).__name__}: {exc}")

    def _after_commit_hooks(
        self, conn: GuardedConnection, hooks: Sequence[Hook], node: Node, relation_name: str | None
    ) -> tuple[str, str] | None:
        """``transaction: false`` post-hooks, after the publish committed. The relation is new
        whatever happens here: a stop leaves the node ``success`` (the hooks not run, said in
        its message); a failing hook makes it ``error``, as in dbt, saying it was published."""
        if not hooks:
            return None
        try:
            run_hooks(conn, hooks)
        except Stopped as stopped:
            return Status.SUCCESS, f"post-hooks after commit not run: {stopped.trigger}"
        except (DatabaseError, DagwrightError) as exc:
            if self.on_failure is not None:
                self.on_failure(node.unique_id)
            kind = "Runtime" if isinstance(exc, DatabaseError) else "Compilation"
            text = str(exc).strip() if isinstance(exc, DatabaseError) else exc.message
            detail = f"post-hook failed after {relation_name} was published: {text}"
            return Status.ERROR, error_message(node, kind, detail)
        return None

    def _written(self, node: Node, compiled_code: str | None) -> str | None:
        if compiled_code is None or node.resource_type == "seed":
            return None
        try:
            return str(self.compiled_path(node).relative_to(self.project_root))
        except ValueError:
            return str(self.compiled_path(node))

    @staticmethod
    def _abort(materialization: Materialization | StoringTest | None, conn: GuardedConnection | None) -> None:
        if materialization is not None and conn is not None:
            try:
                materialization.abort(conn)
            except Exception:
                pass
