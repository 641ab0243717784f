"""on-run-start / on-run-end: the project's hooks, run once per invocation around the DAG.

As in dbt, hooks run one after another on one connection of their own (thread ``main``),
each is a result in run_results.json (``operation.<project>.<project>-on-run-start-0``,
message ``<project>.on-run-start.0 passed``), and after a failing hook the remaining hooks
of the same kind are skipped. A failing on-run-start hook does not stop the models (dbt's
default). on-run-end hooks see ``results`` (every node's result, plus on-run-start hooks
that failed), ``schemas`` and ``database_schemas``.

Every statement goes through a ``GuardedConnection`` with the phase's stop, so a stop
cancels a running hook and no hook starts after it (those are recorded ``skipped``,
``not started: <trigger>``). Transactions are those of the engine's dbt adapter (see
``rendering.statements.operation_session``): on DuckDB a statement that opens one
(``statement(auto_begin=True)``) leaves it open until ``adapter.commit()`` (or
``adapter.create_schema``), and what is still uncommitted at the end of the phase is
rolled back, with a warning.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dagwright.adapters.base import Adapter, DatabaseError
from dagwright.artifacts.files import write_text_if_changed
from dagwright.errors import DagwrightError
from dagwright.execute.node_hooks import hook_dict
from dagwright.execute.results import RunResult, Status, Timing, utcnow
from dagwright.guard import GuardedConnection, StatementRegistry, Stop, Stopped
from dagwright.parse.nodes import Manifest, Operation
from dagwright.rendering.context import RunContext, _model_values, operation_context
from dagwright.rendering.jinja import compile_template, render_error, render_template
from dagwright.rendering.statements import StatementSession, operation_session

THREAD = "main"


class JinjaRunResult:
    """A node's result as on-run-end hooks see it in ``results`` (dbt's RunResult)."""

    def __init__(self, result: RunResult, node: Mapping[str, Any]) -> None:
        self.node = node
        self.status = result.status
        self.message = result.message
        self.failures = result.failures
        self.thread_id = result.thread_id
        self.execution_time = result.execution_time
        self.adapter_response = dict(result.adapter_response)
        self.timing = [
            {"name": t.name, "started_at": t.started_at, "completed_at": t.completed_at} for t in result.timing
        ]
        self.batch_results = None
        self.agate_table = None

    def __repr__(self) -> str:
        return f"<RunResult {self.node.get('unique_id')} {self.status}>"


def _operation_values(operation: Operation) -> dict[str, Any]:
    return {
        "name": operation.name,
        "unique_id": operation.unique_id,
        "resource_type": "operation",
        "package_name": operation.package_name,
        "path": f"hooks/{operation.name}.sql",
        "original_file_path": "./dbt_project.yml",
        "fqn": [operation.package_name, "hooks", operation.name],
        "alias": operation.name,
        "config": {},
        "tags": [operation.hook_type],
        "raw_code": operation.raw_code,
        "index": operation.index,
    }


def end_hook_values(manifest: Manifest, results: Sequence[RunResult]) -> dict[str, Any]:
    """``results``, ``schemas`` and ``database_schemas`` for on-run-end hooks."""
    operations = {op.unique_id: op for op in manifest.operations}
    shown = []
    schemas: dict[tuple[str | None, str], None] = {}
    for result in results:
        if result.thread_id == THREAD and result.status != Status.ERROR:
            continue  # like dbt: hooks that did not fail are left out
        node = manifest.nodes.get(result.unique_id)
        if node is not None:
            values = {**_model_values(node), "relation_name": result.relation_name}
            if node.is_relational and result.status == Status.SUCCESS:
                schemas[(node.database, node.schema)] = None
        elif result.unique_id in operations:
            values = _operation_values(operations[result.unique_id])
        else:
            values = {"unique_id": result.unique_id}
        shown.append(JinjaRunResult(result, values))
    return {
        "results": shown,
        "schemas": list(dict.fromkeys(schema for _, schema in schemas)),
        "database_schemas": list(schemas),
    }


class ProjectHooks:
    """Runs the on-run-start or on-run-end hooks of a project and reports each as a result."""

    def __init__(
        self,
        run: RunContext,
        manifest: Manifest,
        adapter: Adapter,
        *,
        reporter: Any = None,
    ) -> None:
        self.run = run
        self.manifest = manifest
        self.adapter = adapter
        self.reporter = reporter

    def hooks(self, hook_type: str) -> list[Operation]:
        return [op for op in self.manifest.operations if op.hook_type == hook_type]

    def not_run(self, hook_type: str, trigger: str) -> list[RunResult]:
        """Results for hooks that never start because the run stopped."""
        return [
            RunResult(op.unique_id, Status.SKIPPED, f"not started: {trigger}", THREAD, failures=1, cause=trigger)
            for op in self.hooks(hook_type)
        ]

    def run_phase(
        self,
        hook_type: str,
        stop: Stop,
        registry: StatementRegistry,
        extra: Mapping[str, Any] | None = None,
    ) -> list[RunResult]:
        hooks = self.hooks(hook_type)
        if not hooks:
            return []
        results: list[RunResult] = []
        raw = None
        session: StatementSession | None = None
        failed = False
        try:
            for position, op in enumerate(hooks, 1):
                if failed or stop.is_set():
                    trigger = stop.trigger_text or "stopped"
                    message = f"{op.label} skipped" if failed else f"not started: {trigger}"
                    result = RunResult(op.unique_id, Status.SKIPPED, message, THREAD, failures=1, cause=trigger)
                    results.append(result)
                    self._report(result, op, position, len(hooks), started=False)
                    continue
                if session is None:
                    raw = self.adapter.open("main")
                    conn = GuardedConnection(raw, registry, THREAD, f"operation:{hook_type}", stop)
                    session = operation_session(self.adapter, conn, hook_type)
                self._report(None, op, position, len(hooks), started=True)
                result = self._run_one(op, session, extra or {})
                results.append(result)
                self._report(result, op, position, len(hooks), started=False)
                if result.status == Status.ERROR:
                    failed = True
        finally:
            if session is not None:
                session.finish()
            if raw is not None:
                raw.close()
        return results

    def _run_one(self, op: Operation, session: StatementSession, extra: Mapping[str, Any]) -> RunResult:
        submitted_before = len(session.connection.statements)
        started = time.perf_counter()
        timing: list[Timing] = []
        compile_start = utcnow()
        sql: str | None = None

        def result(status: str, message: str, failures: int, cause: str | None = None) -> RunResult:
            return RunResult(
                op.unique_id,
                status,
                message,
                THREAD,
                timing=tuple(timing),
                execution_time=time.perf_counter() - started,
                failures=failures,
                compiled_code=sql,
                cause=cause,
            )

        try:
            try:
                sql = self.render(op, session, extra)
            finally:
                timing.append(Timing("compile", compile_start, utcnow()))
            execute_start = utcnow()
            try:
                if sql.strip():
                    session.execute(sql, auto_begin=False)
            finally:
                timing.append(Timing("execute", execute_start, utcnow()))
        except Stopped as stopped:
            if len(session.connection.statements) > submitted_before:
                return result(Status.CANCELLED, f"cancelled: {stopped.trigger}", 1, stopped.trigger)
            return result(Status.SKIPPED, f"not started: {stopped.trigger}", 1, stopped.trigger)
        except DatabaseError as exc:
            return result(Status.ERROR, f"{op.label} failed, error:\n {str(exc).strip()}", 1)
        except DagwrightError as exc:
            detail = exc.message + (f" (line {exc.line})" if exc.line else "")
            return result(Status.ERROR, f"{op.label} failed, error:\n {detail}", 1)
        return result(Status.SUCCESS, f"{op.label} passed", 0)

    def render(self, op: Operation, session: StatementSession, extra: Mapping[str, Any]) -> str:
        return render_run_hook(self.run, self.manifest, op, session, extra)

    def _report(self, result: RunResult | None, op: Operation, index: int, total: int, *, started: bool) -> None:
        if self.reporter is not None:
            self.reporter(result, op, index, total, started)


def render_run_hook(
    run: RunContext, manifest: Manifest, op: Operation, session: StatementSession, extra: Mapping[str, Any]
) -> str:
    """The hook's SQL: its Jinja rendered (statements it runs go to ``session``)."""
    text = op.raw_code
    if "{{" in text or "{%" in text:
        ctx = operation_context(run, manifest, session, {"model": _operation_values(op), **extra})
        try:
            text = render_template(compile_template(text, "dbt_project.yml", op.unique_id), ctx)
        except (Stopped, DatabaseError):
            raise
        except Exception as exc:
            raise render_error(exc, "dbt_project.yml", op.unique_id) from None
    return hook_dict(text.strip())["sql"]


def compile_run_hooks(
    run: RunContext,
    manifest: Manifest,
    connect: Callable[[], GuardedConnection],
    target_dir: Path,
) -> dict[str, str]:
    """What ``compile`` does with on-run-start / on-run-end, as dbt's compile does: each hook's
    Jinja is rendered (statements it runs are sent, each committing on its own; ``results``
    and ``schemas`` are empty) and its SQL written to
    ``compiled/<project>/dbt_project.yml/hooks/<name>.sql``; the hook's SQL itself is not run.
    Returns unique_id -> SQL."""
    session = StatementSession(connect)
    extra = {"results": [], "schemas": [], "database_schemas": []}
    out: dict[str, str] = {}
    for op in sorted(manifest.operations, key=lambda o: (o.hook_type != "on-run-start", o.index)):
        try:
            sql = render_run_hook(run, manifest, op, session, extra)
        except DatabaseError as exc:
            raise DagwrightError(
                f"Runtime Error in operation {op.name}: {str(exc).strip()}", path="dbt_project.yml", node=op.unique_id
            ) from None
        out[op.unique_id] = sql
        path = target_dir / "compiled" / op.package_name / "dbt_project.yml" / "hooks" / f"{op.name}.sql"
        write_text_if_changed(path, sql)
    return out
