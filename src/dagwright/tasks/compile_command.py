"""compile: what dbt's does, without building anything.

Every selected model, snapshot, seed, test (also those selected indirectly, with the models
they test) and analysis gets a result: its SQL is rendered (seeds have none), written under
``target/compiled/<package>/`` (not for snapshots and seeds, as dbt), and stored as
``compiled_code`` in manifest.json, and ``target/run_results.json`` lists every node as
``success``. As in dbt, a node that fails to compile stops the command (exit 2, the error
named) and no run_results.json is written. With ``--select``, the compiled SQL of the nodes
the first selector names is printed, as dbt prints it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from dagwright.artifacts.files import JsonItems, write_json_streamed_atomic, write_text_if_changed
from dagwright.artifacts.run_results import result_dict, run_results_dict
from dagwright.execute.results import RunResult, RunSummary, Status, Timing, utcnow, worker_name
from dagwright.parse.nodes import Node, written_file_path
from dagwright.report.command_log import plain_result
from dagwright.session import Flags, Session
from dagwright.tasks.command_output import attach_log
from dagwright.tasks.defer import apply_defer
from dagwright.tasks.found import found_line

Echo = Callable[[str], None]

#: what dbt's compile selects
COMPILED_TYPES = ("model", "snapshot", "seed", "test", "analysis", "function")
THREAD = worker_name(1)


def compile_project(flags: Flags, echo: Echo) -> int:
    if flags.extra.get("inline"):
        from dagwright.tasks.show import compile_inline

        return compile_inline(flags, echo)
    session = Session(flags)
    attach_log(session, echo)
    try:
        return compile_session(session, flags, echo)
    finally:
        if "adapter" in session.__dict__:
            session.adapter.close()


def compile_session(session: Session, flags: Flags, echo: Echo, *, summary_line: bool = True) -> int:
    """compile on an open session (``docs generate`` goes on with its adapter afterwards)."""
    from dagwright.execute.compile import Compiler, MainConnection, renders_incremental
    from dagwright.materialize.incremental import should_full_refresh

    manifest = session.manifest
    started_at, t0 = utcnow(), time.perf_counter()
    selected = session.select(COMPILED_TYPES)
    ignored = session.check_unsupported(selected)  # before anything is compiled
    compiler = Compiler(session.run_context, manifest, session.loader.templates, session.loader.static_parts)
    session.run_context.selected_resources = list(selected)
    apply_defer(session, selected, builds_selected=False)
    # the engine is opened only if a template runs a query or an incremental model needs its table
    compiler.connect = statements = MainConnection(lambda: session.adapter.open("main"))
    statements.registry.comments = session.query_comments
    compiled: dict[str, str] = {}
    results: dict[str, RunResult] = {}
    conn = None
    # Writing a file costs more than compiling a static model, and the file system works
    # while Python does not: files are written by a few threads as the nodes compile, and
    # while manifest.json is written (``CompiledFiles``).
    files = CompiledFiles()
    hooks: list[RunResult] = []
    try:
        if not flags.select and manifest.operations:
            # as dbt's compile: the on-run-* hooks' Jinja runs, their SQL is written, not run
            from dagwright.execute.project_hooks import compile_run_hooks

            for uid, sql in compile_run_hooks(session.run_context, manifest, statements, session.target_dir).items():
                hooks.append(RunResult(uid, Status.SUCCESS, None, THREAD, compiled_code=sql))
        for uid in selected:
            node = manifest.nodes[uid]
            start = utcnow()
            if node.resource_type == "seed":
                results[uid] = _result(node, Status.SUCCESS, None, start, relation=None)
                continue
            existing = None
            # a model rebuilt in full never renders as incremental: no need to look for its table
            if node.materialized == "incremental" and not should_full_refresh(node.config, flags.full_refresh):
                conn = conn or session.adapter.open("main")
                existing = conn.relation_kind(node.relation)
            incremental = renders_incremental(node, existing, flags.full_refresh)
            sql = compiler.compile(node, is_incremental=lambda inc=incremental: inc).sql
            compiled[uid] = sql
            stores = session.flags.store_failures
            relation = session.render_relation(node.relation) if node.has_relation(stores) else None
            results[uid] = _result(node, Status.SUCCESS, None, start, code=sql, relation=relation)
            if node.resource_type != "snapshot":  # dbt writes no compiled file for a snapshot
                files.write(session.target_dir / "compiled" / node.package_name / written_file_path(node), sql)
        files.flush()
    except BaseException:
        files.wait(check=False)
        raise
    finally:
        statements.close()
        if conn is not None:
            conn.close()
    try:
        session.write_manifest(compiled)
    except BaseException:
        files.wait(check=False)
        raise
    files.wait()  # a failed write fails the command, before run_results.json says success
    ordered = [results[uid] for uid in selected]
    # as dbt: an ephemeral model is compiled (its file, its compiled_code) but has no result
    summary_results = [*(r for r in ordered if manifest.nodes[r.unique_id].materialized != "ephemeral"), *hooks]
    if session.writes_json:
        # each result's entry made as it is written: never the whole list at once
        summary = RunSummary([], time.perf_counter() - t0, started_at)
        data = run_results_dict(summary, invocation_id=session.invocation_id, args=flags.as_args_safe())
        data["results"] = JsonItems(lambda: (_result_entry(r) for r in summary_results))
        write_json_streamed_atomic(session.target_dir / "run_results.json", data)

    echo(found_line(session))
    if ignored:
        echo(ignored)
    # as dbt: the nodes whose name is part of the first selector
    first = flags.select[0] if flags.select else None
    for result in ordered:
        node = manifest.nodes[result.unique_id]
        if first is not None and node.name in first and result.compiled_code is not None:
            code = result.compiled_code
            data = {
                "compiled": code,
                "is_inline": False,
                "node_name": node.name,
                "output_format": flags.output if flags.output == "json" else "text",
                "quiet": getattr(echo, "quiet", False),
                "unique_id": node.unique_id,
            }
            plain_result(echo, "CompiledNode", f"Compiled node '{node.name}' is:\n{code}", data, code)
    if first is None and summary_line:
        echo(f"Compiled {len(compiled)} nodes into {session.target_dir / 'compiled'}")
    return 0


def _result_entry(result: RunResult) -> dict[str, Any]:
    entry = result_dict(result)
    if result.unique_id.startswith("seed."):
        entry["compiled"] = None  # dbt: a seed has nothing to compile
    return entry


class CompiledFiles:
    """target/compiled's files, written by a few threads in batches (a future and a wake-up
    per file cost as much as writing it)."""

    BATCH = 64

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dagwright-write")
        self._batch: list[tuple[Path, str]] = []
        self._done: list[Future[None]] = []

    def write(self, path: Path, text: str) -> None:
        self._batch.append((path, text))
        if len(self._batch) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self._batch:
            self._done.append(self._pool.submit(_write_batch, self._batch))
            self._batch = []

    def wait(self, check: bool = True) -> None:
        """Every file written; the first failed write raised (``check``)."""
        self._pool.shutdown(wait=True)
        for done in self._done if check else ():
            done.result()


def _write_batch(batch: list[tuple[Path, str]]) -> None:
    for path, text in batch:
        write_text_if_changed(path, text)


def _result(
    node: Node,
    status: str,
    message: str | None,
    start: dt.datetime | None = None,
    *,
    code: str | None = None,
    relation: str | None = None,
) -> RunResult:
    now = utcnow()
    began = start if start is not None else now
    timing = (Timing("compile", began, now), Timing("execute", now, now))
    return RunResult(
        unique_id=node.unique_id,
        status=status,
        message=message,
        thread_id=THREAD,
        timing=timing,
        execution_time=(now - began).total_seconds(),
        compiled_code=code,
        relation_name=relation,
    )
