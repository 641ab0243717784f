"""Seeds: a CSV loaded into a table, inside one transaction, as dbt-duckdb loads it.

- No table yet: the table is created with the inferred (or ``column_types``) types and
  the rows are inserted.
- The table exists and this is not a full refresh: dbt truncates it and ``COPY``s the
  file into it *by position*, so the table keeps its columns, names and types whatever
  the file's header says now, and the values are converted to those types (a file with
  another number of columns, or a value that does not convert, fails the seed).
- ``--full-refresh`` (or ``config(full_refresh=true)``): the table is rebuilt from the
  file under a temporary name and swapped in.
- A view in the seed's place is an error, as in dbt.

On an engine without transactions (Spark), ``NonTransactionalSeed`` always loads into a
new table under ``<name>__dbt_tmp`` and renames it into place.

Values travel only as statement parameters, never inside SQL text. A value that does not
fit its column is this seed's runtime error (status ``error``), as in dbt; nothing is
published and the previous table is left as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dagwright.adapters.base import Adapter, DatabaseError, ExecResult, Relation
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob, TransactionalSwap, run_hooks
from dagwright.materialize.rename_swap import RenameSwap
from dagwright.materialize.seed_types import SeedColumn, SeedTable, SeedValueError, read_seed

#: rows per INSERT statement; a bound on parameters per statement
_BATCH_PARAMETERS = 20_000


def declared_type(adapter: Adapter, column: SeedColumn) -> str:
    """A seed column's type in its table: the type the engine's dbt adapter declares for an
    inferred column, the ``column_types`` text (or the existing table's type) otherwise."""
    return column.sql_type if column.overridden else adapter.seed_types.get(column.sql_type, column.sql_type)


def seed_error(exc: SeedValueError) -> DatabaseError:
    """dbt reports a seed that does not load as a runtime error of that seed."""
    text = exc.message + (f" (line {exc.line})" if exc.line else "")
    if exc.hint:
        text += "\n  " + exc.hint
    return DatabaseError(text)


class SeedMaterialization(TransactionalSwap):
    kind = "table"

    def __init__(self, adapter: Adapter, job: NodeJob, csv_path: Path) -> None:
        super().__init__(adapter, job)
        config = job.node.config
        self.csv_path = csv_path
        self.delimiter = str(config.get("delimiter") or ",")
        self.column_types = dict(config.get("column_types") or {})
        quote_columns = config.get("quote_columns")
        if quote_columns is not None and not isinstance(quote_columns, bool):
            raise CompilationError(
                f'The seed configuration value of "quote_columns" has an invalid type {type(quote_columns)}'
            )
        self.quote_columns = quote_columns
        self.table: SeedTable | None = None
        #: True when the rows were loaded into the target itself (publish = COMMIT)
        self._in_place = False

    def _column(self, name: str) -> str:
        # dbt-duckdb quotes seed column names unless quote_columns is false
        return name if self.quote_columns is False else self.adapter.quote(name)

    def _read(self, into: list[tuple[str, str]] | None = None) -> SeedTable:
        try:
            return read_seed(self.csv_path, delimiter=self.delimiter, column_types=self.column_types, into=into)
        except SeedValueError as exc:
            raise seed_error(exc) from None

    def _create(self, conn: GuardedConnection, relation: Relation, table: SeedTable) -> None:
        ddl = ", ".join(f"{self._column(c.name)} {declared_type(self.adapter, c)}" for c in table.columns)
        conn.execute(f"create table {self.adapter.render(relation)} ({ddl})")

    def _insert(self, conn: GuardedConnection, relation: Relation, table: SeedTable) -> None:
        columns = table.columns
        rows = table.rows
        if not rows or not columns:
            return
        load_rows = getattr(self.adapter, "load_rows", None)
        if load_rows is not None:  # optional adapter capability: bulk load (PostgreSQL: COPY)
            load_rows(conn, relation, [self._column(c.name) for c in columns], rows)
            return
        placeholders = "(" + ", ".join(f"cast(? as {c.sql_type})" for c in columns) + ")"
        per_batch = max(1, _BATCH_PARAMETERS // len(columns))
        target = self.adapter.render(relation)
        for start in range(0, len(rows), per_batch):
            batch = rows[start : start + per_batch]
            sql = f"insert into {target} values " + ", ".join([placeholders] * len(batch))
            conn.execute(sql, [value for row in batch for value in row])

    def build(self, conn: GuardedConnection) -> None:
        conn.execute(self.adapter.begin_sql())
        self._in_transaction = True
        run_hooks(conn, self.job.pre_hooks)
        existing = conn.relation_kind(self.target)
        if existing == "view":
            raise CompilationError(f"Cannot seed to '{self.adapter.render(self.target)}', it is a view")
        if existing == "table" and not self.job.full_refresh:
            # dbt-duckdb: truncate, then COPY the file into the existing columns by position
            described = conn.execute(self.adapter.columns_sql(self.target))
            self.table = self._read(into=[(str(name), str(sql_type)) for name, sql_type in described.rows])
            conn.execute(self.adapter.truncate_sql(self.target))
            self._insert(conn, self.target, self.table)
            self._in_place = True
        elif existing is None:
            # nothing to replace: created in place, visible at COMMIT
            self.table = self._read()
            self._create(conn, self.target, self.table)
            self._insert(conn, self.target, self.table)
            self._in_place = True
        else:
            self.table = self._read()
            for stale in (self.temp, self.backup):
                kind = conn.relation_kind(stale)
                if kind is not None:
                    conn.execute(self.adapter.drop_sql(stale, kind))
            self._work = self.build_temp(conn)

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        assert self.table is not None
        self._create(conn, self.temp, self.table)
        self._insert(conn, self.temp, self.table)
        return self._result()

    def _result(self) -> ExecResult:
        # dbt: "CREATE n" on a full refresh, "INSERT n" otherwise (even for a new table)
        code = "CREATE" if self.job.full_refresh else "INSERT"
        count = len(self.table.rows) if self.table is not None else 0
        return ExecResult(message=f"{code} {count}", code=code, rows_affected=count)

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        if not self._in_place:
            return super().publish(conn)
        run_hooks(conn, self.job.post_hooks)
        conn.execute(self.adapter.commit_sql())
        self._in_transaction = False
        self.published("table")  # a first load created the table in place
        result = self._result()
        return BuildOutcome(result, result.message)

    def success_message(self, result: ExecResult) -> str:
        return result.message


class NonTransactionalSeed(RenameSwap):
    """A seed on an engine without transactions (Spark): the rows always go into a new
    table under ``<name>__dbt_tmp``, renamed into place at publish, so a failing or stopped
    load leaves the previous table as it was.

    Column types are dbt-spark's (``bigint``, ``double``, ``date``, ``timestamp``,
    ``boolean``, ``string``) or ``column_types``; a table that exists keeps its columns and
    types (the file is loaded into them by position, as a re-seed without --full-refresh
    does). Values travel as statement parameters, cast to the column type in SQL.
    """

    kind = "table"

    def __init__(self, adapter: Adapter, job: NodeJob, csv_path: Path) -> None:
        super().__init__(adapter, job)
        self.seed = SeedMaterialization(adapter, job, csv_path)
        self.table: SeedTable | None = None

    def build(self, conn: GuardedConnection) -> None:
        run_hooks(conn, self.job.pre_hooks)
        existing = conn.relation_kind(self.target)
        if existing == "view":
            raise CompilationError(f"Cannot seed to '{self.adapter.render(self.target)}', it is a view")
        if existing == "table" and not self.job.full_refresh:
            described = conn.execute(self.adapter.columns_sql(self.target))
            into = [(name, dtype) for name, dtype in _described_columns(described.rows)]
            self.table = self.seed._read(into=into)
        else:
            self.table = self.seed._read()
        self.drop_stale(conn)
        self._temp_kind = "table"
        self._work = self.build_temp(conn)

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        assert self.table is not None

        def seed_type(column: SeedColumn) -> str:
            return declared_type(self.adapter, column)

        columns = self.table.columns
        ddl = ", ".join(f"{self.seed._column(c.name)} {seed_type(c)}" for c in columns)
        options = getattr(self.adapter, "table_options", None)
        suffix = "\n" + options(self.job.node.config, self.temp.identifier) if options is not None else ""
        conn.execute(f"create table {self.adapter.render(self.temp)} ({ddl}){suffix}")
        rows = self.table.rows
        if rows and columns:
            placeholders = "(" + ", ".join(f"cast(? as {seed_type(c)})" for c in columns) + ")"
            per_batch = max(1, _BATCH_PARAMETERS // len(columns))
            target = self.adapter.render(self.temp)
            for start in range(0, len(rows), per_batch):
                batch = rows[start : start + per_batch]
                sql = f"insert into {target} values " + ", ".join([placeholders] * len(batch))
                conn.execute(sql, [value for row in batch for value in row])
        code = "CREATE" if self.job.full_refresh else "INSERT"
        count = len(rows)
        return ExecResult(message=f"{code} {count}", code=code, rows_affected=count)

    def success_message(self, result: ExecResult) -> str:
        return result.message


def _described_columns(rows: Sequence[Sequence[object]]) -> list[tuple[str, str]]:
    """(name, type) rows of ``columns_sql``; Spark's DESCRIBE ends the columns at a blank
    or ``#`` row (partition information follows)."""
    out = []
    for row in rows:
        name = str(row[0] or "")
        if not name.strip() or name.startswith("#"):
            break
        out.append((name, str(row[1])))
    return out
