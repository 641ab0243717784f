"""show: run a node's compiled query, or an inline one, and print its first rows as dbt does.

``show -s MODEL`` compiles each selected node (models, snapshots, tests, analyses; ephemeral
models as their CTEs) and runs its query wrapped in a limit (``--limit``, default 5; a
negative limit returns every row); nothing is built. The previews printed are those of the
nodes whose name is part of the first selector, as dbt prints them (the others run and are
in run_results.json). ``show --inline "select ..."`` does the same for one query, which may
``ref``/``source`` anything. ``--output json`` prints dbt's JSON document instead of the
table (report/preview.py draws both). A query that fails fails the command with
the engine's message, exit 2 as dbt (run_results.json records the error); a Jinja error
exits 2 too, as compile.

``compile --inline`` shares the inline node: its SQL is compiled and printed, nothing runs.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import textwrap
import time
from collections.abc import Callable

from dagwright.adapters.base import DatabaseError
from dagwright.artifacts.run_results import run_results_dict, write_run_results
from dagwright.errors import SelectionError
from dagwright.execute.results import RunResult, RunSummary, Status, Timing, utcnow, worker_name
from dagwright.parse.nodes import Node, evolve, new_node
from dagwright.report.command_log import plain_result
from dagwright.report.preview import format_table, show_json
from dagwright.session import Flags, Session
from dagwright.tasks.command_output import attach_log, log_found
from dagwright.tasks.defer import apply_defer

Echo = Callable[[str], None]

#: what show runs (seeds have no query: dbt shows none either)
SHOWN_TYPES = ("model", "snapshot", "test", "analysis")
THREAD = worker_name(1)
INLINE_NAME = "inline_query"


def inline_node(session: Session, sql: str) -> Node:
    """The node of an ``--inline`` query: a SQL operation that may ref any node."""
    project = session.project
    manifest = session.manifest
    target = session.target
    node = new_node(
        unique_id=f"sql_operation.{project.name}.{INLINE_NAME}",
        resource_type="sql_operation",
        package_name=project.name,
        name=INLINE_NAME,
        path=f"sql/{INLINE_NAME}.sql",
        original_file_path="from remote system.sql",
        fqn=(project.name, "sql", INLINE_NAME),
        raw_code=sql,
        config={},
        database=target.database,
        schema=target.schema,
        alias=INLINE_NAME,
    )
    # refs are resolved while rendering: the query may name any node
    return evolve(node, depends_on=tuple(manifest.nodes))


def limited(sql: str, limit: int | None) -> str:
    """The query wrapped as dbt's ``get_limit_subquery_sql`` wraps it (no limit: unchanged)."""
    if limit is None:
        return sql
    return f"select *\nfrom (\n    {sql}\n) as model_limit_subq\nlimit {limit}"


def show(flags: Flags, echo: Echo) -> int:
    from dagwright.execute.compile import Compiler, MainConnection, renders_incremental

    inline = flags.extra.get("inline")
    if not inline and not flags.select:
        raise SelectionError("show needs --select (-s) or --inline", hint="e.g. dagwright show -s my_model --limit 10")
    raw_limit = flags.extra.get("limit")
    limit = 5 if raw_limit is None else int(raw_limit)
    row_limit = None if limit < 0 else limit
    as_json = flags.output == "json"

    session = Session(flags)
    attach_log(session, echo)
    manifest = session.manifest
    started_at, t0 = utcnow(), time.perf_counter()
    if inline:
        nodes = [inline_node(session, str(inline))]
        ignored = session.check_unsupported([])
    else:
        selected = session.select(SHOWN_TYPES)
        ignored = session.check_unsupported(selected)
        nodes = [manifest.nodes[uid] for uid in selected]
        python = [n.name for n in nodes if n.language == "python"]
        if python:  # dbt sends the Python code to the engine as SQL, and fails there
            raise SelectionError(
                f"show previews SQL: '{python[0]}' is a Python model",
                hint=f"build it, then: dagwright show --inline \"select * from {{{{ ref('{python[0]}') }}}}\"",
            )
    log_found(session, echo)
    session.write_manifest()  # as dbt show does
    if ignored:
        sys.stderr.write(ignored + "\n")  # stdout carries only the previews (scripts read the JSON)
    compiler = Compiler(session.run_context, manifest, session.loader.templates, session.loader.static_parts)
    session.run_context.selected_resources = [n.unique_id for n in nodes]
    apply_defer(
        session, [n.unique_id for n in nodes], builds_selected=False, reads=[p for n in nodes for p in n.depends_on]
    )
    statements = MainConnection(lambda: session.adapter.open("main"))
    compiler.connect = statements
    results: list[RunResult] = []
    previews: list[tuple[Node, list[str], list[tuple[object, ...]]]] = []
    failed: tuple[Node, str] | None = None
    try:
        for node in nodes:
            start = utcnow()
            existing = None
            if node.materialized == "incremental" and node.resource_type == "model":
                existing = statements().relation_kind(node.relation)
            incremental = renders_incremental(node, existing, flags.full_refresh)
            sql = compiler.compile(node, is_incremental=lambda inc=incremental: inc).sql
            header = node.config.get("sql_header")
            query = limited(sql, row_limit)
            if isinstance(header, str) and header.strip():
                query = f"{header}\n{query}"
            try:
                result = statements().execute(query)
            except DatabaseError as exc:
                failed = (node, str(exc))
                results.append(_result(node, Status.ERROR, str(exc), start, sql))
                break
            results.append(_result(node, Status.SUCCESS, None, start, sql, result.adapter_response()))
            previews.append((node, list(result.column_names), [tuple(r) for r in result.rows]))
    finally:
        statements.close()
        if "adapter" in session.__dict__:
            session.adapter.close()
    summary = RunSummary(results, time.perf_counter() - t0, started_at)
    data = run_results_dict(summary, invocation_id=session.invocation_id, args=flags.as_args_safe())
    if session.writes_json:
        write_run_results(session.target_dir / "run_results.json", data)

    if failed is not None:
        node, message = failed
        # as dbt: a failing query is the command's error (exit 2); run_results.json records it
        heading = f"Runtime Error in {node.resource_type} {node.name} ({node.original_file_path})"
        getattr(echo, "error", echo)(f"{heading}\n{textwrap.indent(message, '  ')}")
        return 2
    first = flags.select[0] if flags.select else ""
    for node, columns, rows in previews:
        if not inline and node.name not in first:
            continue  # as dbt: only the nodes the first selector names are printed
        name = None if inline else node.name
        if as_json:
            msg = show_json(name, columns, rows)
            preview = json.dumps(json.loads(msg)["show"])
            quiet_msg = msg
        else:
            preview = quiet_msg = format_table(columns, rows)
            msg = f"Previewing {'inline node' if inline else f'node {node.name!r}'}:\n{preview}"
        data = {
            "is_inline": bool(inline),
            "node_name": node.name,
            "output_format": flags.output,
            "preview": preview,
            "quiet": getattr(echo, "quiet", False),
            "unique_id": node.unique_id,
        }
        plain_result(echo, "ShowNode", msg, data, quiet_msg)
    return 0


def compile_inline(flags: Flags, echo: Echo) -> int:
    """``compile --inline``: the query's SQL compiled and printed (and in run_results.json)."""
    from dagwright.execute.compile import Compiler, MainConnection

    session = Session(flags)
    attach_log(session, echo)
    started_at, t0 = utcnow(), time.perf_counter()
    node = inline_node(session, str(flags.extra["inline"]))
    ignored = session.check_unsupported([])
    log_found(session, echo)
    apply_defer(session, [node.unique_id], builds_selected=False, reads=node.depends_on)
    compiler = Compiler(session.run_context, session.manifest, session.loader.templates, session.loader.static_parts)
    statements = MainConnection(lambda: session.adapter.open("main"))
    compiler.connect = statements
    start = utcnow()
    try:
        sql = compiler.compile(node).sql
    finally:
        statements.close()
        if "adapter" in session.__dict__:
            session.adapter.close()
    summary = RunSummary([_result(node, Status.SUCCESS, None, start, sql)], time.perf_counter() - t0, started_at)
    data = run_results_dict(summary, invocation_id=session.invocation_id, args=flags.as_args_safe())
    write_run_results(session.target_dir / "run_results.json", data)
    if ignored:
        echo(ignored)
    as_json = flags.output == "json"
    msg = json.dumps({"compiled": sql}, indent=2) if as_json else f"Compiled inline node is:\n{sql}"
    data = {
        "compiled": sql,
        "is_inline": True,
        "node_name": node.name,
        "output_format": flags.output,
        "quiet": getattr(echo, "quiet", False),
        "unique_id": node.unique_id,
    }
    plain_result(echo, "CompiledNode", msg, data, msg if as_json else sql)
    return 0


def _result(
    node: Node,
    status: str,
    message: str | None,
    began: dt.datetime,
    code: str,
    adapter_response: dict[str, object] | None = None,
) -> RunResult:
    now = utcnow()
    timing = (Timing("compile", began, now), Timing("execute", began, now))
    return RunResult(
        unique_id=node.unique_id,
        status=status,
        message=message,
        thread_id=THREAD,
        timing=timing,
        execution_time=(now - began).total_seconds(),
        compiled_code=code,
        adapter_response=adapter_response or {},
    )
