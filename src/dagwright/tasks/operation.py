"""run-operation: call one macro with arguments, as ``dbt run-operation MACRO --args '{...}'``.

The project is parsed as for any command (so the macro sees ``graph`` and every macro), then
the macro runs with ``execute`` True. Every statement it runs goes through a
``GuardedConnection``: SIGINT, SIGTERM and a stop cancel the statement in flight. Transactions
are the engine's dbt adapter's (``rendering.statements.operation_session``): on DuckDB a
``statement`` with ``auto_begin`` opens a transaction that ``adapter.commit()`` (or
``adapter.create_schema``/``drop_schema``) commits, and what is still open at the end is
rolled back with a warning; ``run_query`` statements commit on their own.

Exit codes are dbt's: 0 when the macro returns, 1 when it fails (run_results.json says
``error``), 2 when there is no such macro (no run_results.json is written). A signal ends
it with 130 (SIGINT) or 143 (SIGTERM), the operation ``cancelled`` (or ``skipped`` if it
had not sent a statement yet).
"""

from __future__ import annotations

import datetime as _dt
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagwright.adapters.base import DatabaseError, StatementCancelled
from dagwright.artifacts.run_results import run_results_dict, write_run_results
from dagwright.errors import CompilationError, did_you_mean
from dagwright.execute.results import RunResult, RunSummary, Status, Timing, utcnow
from dagwright.guard import GuardedConnection, Stop, Stopped
from dagwright.parse.unsupported import warning_line
from dagwright.rendering.context import operation_context
from dagwright.rendering.jinja import render_error
from dagwright.rendering.statements import operation_session
from dagwright.session import Flags, Session
from dagwright.tasks.command_output import attach_log
from dagwright.tasks.found import found_line
from dagwright.tasks.stopping import EXIT_CODES, STOP_TEXT

Echo = Callable[[str], None]


def _stamp() -> str:
    return _dt.datetime.now().strftime("%H:%M:%S")


def find_macro(session: Session, name: str) -> tuple[str, str]:
    """(package, macro name) for ``name`` or ``package.name``: the root project's macro
    first, then dagwright's built-in ones (the ``dbt`` package), as dbt looks them up."""
    registry = session.run_context.macros
    project = session.project.name
    package, _, macro = name.rpartition(".")
    candidates = [package] if package else [project, *(p for p in registry.packages if p != project)]
    for candidate in candidates:
        if macro in registry.packages.get(candidate, {}):
            return candidate, macro
    known = sorted({m for p in registry.packages.values() for m in p})
    raise CompilationError(
        f"dbt could not find a macro with the name '{name}' in any package",
        hint=did_you_mean(macro, known) or "check the name, or define it in a file under macro-paths",
    )


@contextmanager
def _signals(stop: Stop) -> Iterator[None]:
    """SIGINT / SIGTERM stop the operation through its guard (the statement is cancelled)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: Any) -> None:
        kind = "SIGINT" if signum == signal.SIGINT else "SIGTERM"
        stop.trigger(kind, STOP_TEXT[kind])

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_operation(flags: Flags, echo: Echo, *, stop: Stop | None = None) -> int:
    started_at = utcnow()
    t0 = time.perf_counter()
    stop = stop or Stop()
    compile_start = utcnow()
    session = Session(flags)
    manifest = session.manifest
    session.write_manifest()
    run = session.run_context
    stamped = getattr(echo, "stamped", None)
    say: Echo = stamped if stamped is not None else lambda text: echo(f"{_stamp()}  {text}")
    run.on_log = say
    attach_log(session, echo)  # log() and print() to dbt's log, when the CLI gave one
    say(found_line(session))
    if session.target.ignored:  # the run family says it in its warning line (check_unsupported)
        say(warning_line(session.target.ignored))
    name = str(flags.extra.get("macro") or "")
    kwargs: Mapping[str, Any] = flags.extra.get("args") or {}
    package, macro_name = find_macro(session, name)  # no such macro: exit 2, nothing written
    found = manifest.macros.get(f"macro.{package}.{macro_name}")
    macro_path = found.original_file_path if found is not None else name
    timing = [Timing("compile", compile_start, utcnow())]
    execute_start = utcnow()
    registry = session.statement_registry(stop)
    abandon = getattr(session.adapter, "abandon_connecting", None)
    if abandon is not None:  # a stop does not wait for a session that is still opening
        stop.add_listener(abandon)
    raw = None
    session_sql = None
    status, message = Status.SUCCESS, None
    try:
        with _signals(stop):
            try:
                try:
                    raw = session.adapter.open("main")
                except StatementCancelled:  # the stop abandoned the session still opening
                    raise Stopped(stop.trigger_text or "stopped") from None
                conn = GuardedConnection(raw, registry, "main", f"macro.{package}.{macro_name}", stop)
                session_sql = operation_session(session.adapter, conn, f"run-operation {name}")
                ctx = operation_context(run, manifest, session_sql)
                macro = run.macros.lookup(package, macro_name, ctx)
                assert macro is not None
                macro(**dict(kwargs))
            except Stopped as stopped:
                submitted = bool(session_sql is not None and session_sql.connection.statements)
                status = Status.CANCELLED if submitted else Status.SKIPPED
                message = f"{'cancelled' if submitted else 'not started'}: {stopped.trigger}"
                say(f"Operation stopped: {stopped.trigger}")
            except DatabaseError as exc:
                status = Status.ERROR
                say(f"Encountered an error while running operation: Runtime Error\n  {exc}")
            except Exception as exc:  # a compilation error, or a Jinja one (wrong arguments, undefined)
                status = Status.ERROR
                error = render_error(exc, macro_path, f"macro.{package}.{macro_name}")
                say(f"Encountered an error while running operation: Compilation Error\n  {error}")
            finally:
                if session_sql is not None:
                    session_sql.finish()
                registry.wait_cancelled(5.0)
    finally:
        if raw is not None:
            raw.close()
        session.adapter.close()
    timing.append(Timing("execute", execute_start, utcnow()))
    result = RunResult(
        unique_id=f"macro.{package}.{macro_name}",
        status=status,
        message=message,
        thread_id="MainThread",
        timing=tuple(timing),
        execution_time=time.perf_counter() - t0,
        failures=0 if status == Status.SUCCESS else 1,
        cause=stop.trigger_text,
    )
    summary = RunSummary(
        [result],
        time.perf_counter() - t0,
        started_at,
        stop_kind=stop.kind,
        stop_trigger=stop.trigger_text,
        stop_at=stop.at,
    )
    args = {**flags.as_args_safe(), "macro": name, "args": dict(kwargs)}
    data = run_results_dict(summary, invocation_id=run.invocation_id, args=args)
    data["results"][0]["compiled"] = False
    if session.writes_json:
        write_run_results(session.target_dir / "run_results.json", data)
    if stop.kind in EXIT_CODES:
        return EXIT_CODES[stop.kind]
    return 0 if status == Status.SUCCESS else 1
