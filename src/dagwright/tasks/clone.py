"""clone: the selected models, seeds and snapshots of another environment (``--state``) made
available in this target, as dbt-core 1.11's ``clone`` does with each engine's dbt adapter:

- DuckDB, PostgreSQL (which cannot clone a table without copying it): each becomes a view
  reading the state's relation, made in one transaction (the old relation dropped, the view
  created, then COMMIT);
- BigQuery: a state relation that is a table becomes a zero-copy table clone
  (``create or replace table ... clone ...``, one atomic job), any other a view; an existing
  relation of the other kind is dropped first (BigQuery replaces a table only by a table);
- Spark: as dbt-spark, a shallow clone of a table for models of ``file_format: delta``, a
  view otherwise, and an error for a model of any other file format (dbt-spark clones only
  Delta tables).

A node whose relation exists here already is left as it is (``No-op``) unless
``--full-refresh``; one the state's manifest does not have is a ``No-op`` too. Ephemeral
models have no relation and are not cloned. Nodes are cloned one after another.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from dagwright.adapters.base import Adapter, Connection, Relation
from dagwright.artifacts.run_results import run_results_dict, write_run_results
from dagwright.errors import DagwrightError
from dagwright.execute.results import RunResult, RunSummary, Status, Timing, utcnow, worker_name
from dagwright.execute.run_sql import write_run_sql
from dagwright.parse.nodes import Node, written_file_path
from dagwright.project.state import load_state
from dagwright.report.terminal import print_summary
from dagwright.session import Flags, Session
from dagwright.tasks.command_output import StampedLines, attach_log
from dagwright.tasks.found import found_line

Echo = Callable[[str], None]

#: what dbt's clone selects
CLONED_TYPES = ("model", "seed", "snapshot")
#: engines whose dbt adapters clone by creating views
VIEW_CLONING_ENGINES = ("duckdb", "postgres")
#: engines whose dbt adapters clone a table as a table where they can
TABLE_CLONING_ENGINES = ("bigquery", "spark")
THREAD = worker_name(1)


def clone(flags: Flags, echo: Echo) -> int:
    session = Session(flags)
    attach_log(session, echo)
    folder = flags.extra.get("state") or flags.extra.get("defer_state")
    if not folder:
        raise DagwrightError(
            "clone needs the artifacts of the environment to clone from",
            hint="give --state (or --defer-state) the target/ folder of that environment's run",
        )
    state = load_state(str(folder), session.project.root)
    if state.manifest is None:
        raise DagwrightError(
            f"clone: there is no manifest.json in {state.path}", hint="run dagwright parse there first"
        )
    if session.target.type not in (*VIEW_CLONING_ENGINES, *TABLE_CLONING_ENGINES):
        raise DagwrightError(
            f"clone is not implemented for {session.target.type} in dagwright",
            hint="run dbt clone for this target",
        )
    manifest = session.manifest
    selected = session.select(CLONED_TYPES)
    ignored = session.check_unsupported(selected)
    session.run_context.selected_resources = list(selected)
    nodes = [manifest.nodes[uid] for uid in selected if manifest.nodes[uid].materialized != "ephemeral"]
    theirs: Mapping[str, Any] = state.manifest.get("nodes") or {}
    terminal = StampedLines(echo)
    terminal.line(found_line(session))
    if ignored:
        terminal.line(ignored)
    terminal.line()
    terminal.line(f"Concurrency: 1 threads (target='{session.target.target_name}')")
    terminal.line()
    started_at, t0 = utcnow(), time.perf_counter()
    results: list[RunResult] = []
    adapter = session.adapter
    conn = adapter.open("main")
    try:
        for node in nodes:
            entry = theirs.get(node.unique_id)
            results.append(_clone_node(adapter, conn, node, entry, flags.full_refresh, session, terminal))
    finally:
        conn.close()
    session.write_manifest()
    summary = RunSummary(results, time.perf_counter() - t0, started_at)
    data = run_results_dict(summary, invocation_id=session.invocation_id, args=flags.as_args_safe())
    write_run_results(session.target_dir / "run_results.json", data)
    kinds = {n.unique_id: n.resource_type for n in nodes}
    print_summary(terminal, summary, kinds, lambda r: [f"Failure in {r.unique_id}", f"  {r.message}"])
    return 1 if summary.count(Status.ERROR) else 0


def _clone_node(
    adapter: Adapter,
    conn: Connection,
    node: Node,
    entry: Mapping[str, Any] | None,
    full_refresh: bool,
    session: Session,
    terminal: StampedLines,
) -> RunResult:
    began = utcnow()
    relation_name = session.render_relation(node.relation)
    if not isinstance(entry, Mapping) or (entry.get("config") or {}).get("materialized") == "ephemeral":
        terminal.line(f"{node.unique_id}: not in the state's manifest, nothing to clone")
        return _result(node, "No-op", began, relation_name, response={})
    kind = conn.relation_kind(node.relation)
    if kind is not None and not full_refresh:
        terminal.line(f"{relation_name} exists already: left as it is (--full-refresh replaces it)")
        return _result(node, "No-op", began, relation_name, response={})
    source = Relation(entry.get("database") or None, str(entry.get("schema")), str(entry.get("alias")))
    select_sql = f"select * from {session.render_relation(source)}"
    engine = session.target.type
    if engine == "spark" and node.config.get("file_format") != "delta":
        message = (
            f"Invalid file format: {node.config.get('file_format')}: clone makes a shallow clone, "
            "which needs the model's file_format to be 'delta' (as dbt-spark)"
        )
        return _result(node, message, began, relation_name, status=Status.ERROR)
    as_table = engine in TABLE_CLONING_ENGINES and conn.relation_kind(source) == "table"
    if as_table:
        code = _clone_table_sql(engine, session.render_relation(node.relation), session.render_relation(source))
        statements = [adapter.drop_sql(node.relation, kind)] if kind == "view" else []
        statements.append(code)
    else:
        code = select_sql
        statements = [adapter.drop_sql(node.relation, kind)] if kind is not None else []
        statements.append(adapter.create_view_as_sql(node.relation, select_sql))
    sent: list[str] = []  # the main statement, once sent: its target/run file, as dbt's clone writes one
    try:
        conn.execute(adapter.create_schema_sql(node.relation))
        _in_one_transaction(adapter, conn, statements, sent)
    except Exception as exc:  # the engine's error is the node's outcome, as in a run
        message = str(exc).strip() + _write_run_sql(session, node, sent)
        return _result(node, message, began, relation_name, status=Status.ERROR, code=code)
    message = "OK" + _write_run_sql(session, node, sent)
    return _result(node, message, began, relation_name, response={"_message": "OK"}, code=code)


def _clone_table_sql(engine: str, target: str, source: str) -> str:
    if engine == "spark":
        return f"create or replace table {target} shallow clone {source}"
    return f"create or replace table {target}\nclone {source}"


def _in_one_transaction(adapter: Adapter, conn: Connection, statements: list[str], sent: list[str]) -> None:
    """The statements in one transaction where the engine has them (DuckDB, PostgreSQL); one
    after another elsewhere (each of BigQuery's and Spark's is atomic on its own). The last
    one, the clone's main statement, is added to ``sent`` before it is sent."""
    begin = adapter.begin_sql()
    if begin:
        conn.execute(begin)
    try:
        for statement in statements[:-1]:
            conn.execute(statement)
        sent.append(statements[-1])
        conn.execute(statements[-1])
        if begin:
            conn.execute(adapter.commit_sql())
    except Exception:
        if begin:
            conn.execute(adapter.rollback_sql())
        raise


def _write_run_sql(session: Session, node: Node, sent: list[str]) -> str:
    """The main statement to target/run (execute/run_sql.py); what the node's message adds
    when the file could not be written."""
    if not sent:
        return ""
    path = session.target_dir / "run" / node.package_name / written_file_path(node)
    try:
        write_run_sql(path, sent)
    except OSError as exc:
        return f"; {path} not written: {exc.strerror or exc}"
    return ""


def _result(
    node: Node,
    message: str,
    began: Any,
    relation_name: str,
    *,
    status: str = Status.SUCCESS,
    response: dict[str, Any] | None = None,
    code: str | None = None,
) -> RunResult:
    now = utcnow()
    return RunResult(
        unique_id=node.unique_id,
        status=status,
        message=message,
        thread_id=THREAD,
        timing=(Timing("compile", began, began), Timing("execute", began, now)),
        execution_time=(now - began).total_seconds(),
        adapter_response=response or {},
        compiled_code=code,
        relation_name=relation_name,
    )
