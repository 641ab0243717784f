"""target/run: the SQL each node ran for its main statement(s), at dbt-core's paths.

dbt writes a node's ``statement('main')`` to ``target/run/<package>/<file path>`` (the same path
as under target/compiled): a table's or view's ``create``, an incremental run's or snapshot's
DML, a seed's create and load, a test's query. dagwright writes what it sent for the same step
(its own DDL, which may differ in text from dbt's), as the guarded connection kept it
(``GuardedConnection.main_sql``: without the query comment, and only statements that passed the
stop, so a node the stop kept from starting its main statement has no file). A Python model's
file is its compiled code, as dbt's is. Written once per node, when it ends, by the runner.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dagwright.artifacts.files import write_text_if_changed


def run_sql_text(statements: Sequence[str]) -> str:
    """The file's text: the statements in the order they were sent, each ended by ``;``; a
    statement sent again right after itself (a seed's insert, once per batch of rows) once."""
    kept = [sql for i, sql in enumerate(statements) if sql.strip() and (i == 0 or sql != statements[i - 1])]
    return "".join(f"{sql.rstrip().rstrip(';').rstrip()};\n\n" for sql in kept).rstrip() + "\n"


def write_run_sql(path: Path, statements: Sequence[str], python_code: str | None = None) -> None:
    """Write ``statements`` (a Python model: its ``python_code``) to ``path`` atomically; nothing
    when there are none (the node never reached its main statement)."""
    if not any(sql.strip() for sql in statements):
        return
    write_text_if_changed(path, python_code if python_code is not None else run_sql_text(statements))
