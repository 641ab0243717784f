"""Seeds: a CSV loaded into a table, as dbt-duckdb loads it.

- No table yet, or ``--full-refresh`` (or ``config(full_refresh=true)``): a new table,
  created with the inferred (or ``column_types``) types, the rows inserted.
- The table exists and this is not a full refresh: dbt truncates it and ``COPY``s the file
  into it *by position*, so the table keeps its columns, names and types whatever the
  file's header says now, and the values are converted to those types (a file with another
  number of columns, or a value that does not convert, fails the seed). Where the engine
  cannot truncate and load atomically (no transactions: Spark), the rows go into a new table
  with the existing table's columns instead.
- A view in the seed's place is an error, as in dbt.

Values never travel inside SQL text. DuckDB reads the file itself (``load_csv_sql``: the
``COPY ... FROM 'file'`` of dbt-duckdb); BigQuery too, the file uploaded to one CSV load job
with the seed's schema (``load_csv_file``, as dbt-bigquery loads it); PostgreSQL gets the
rows DuckDB loaded, written as CSV by DuckDB and streamed to its ``COPY``
(``load_csv_rows``); other engines get them as statement parameters. A value that does not fit its column is this seed's
runtime error (status ``error``), as in dbt; nothing is published and the previous table is left as it was.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from functools import partial
from pathlib import Path

from dagwright.adapters.base import NODE_DESCRIPTION, Adapter, CsvFile, CsvRows, DatabaseError, ExecResult, Relation
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob
from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import NewRelation, PublishingStrategy, TableChange, Work, WorkSource
from dagwright.materialize.seed_types import SeedColumn, SeedTable, SeedValueError, TypedSeed, read_seed, type_seed

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


class SeedMaterialization(StrategyMaterialization):
    def __init__(
        self, adapter: Adapter, job: NodeJob, csv_path: Path, strategy: PublishingStrategy | None = None
    ) -> None:
        super().__init__(adapter, job, strategy)
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

    def work(self) -> WorkSource:
        return self.decide

    def decide(self, conn: GuardedConnection) -> Work:
        adapter = self.adapter
        existing = conn.relation_kind(self.target)
        if existing == "view":
            raise CompilationError(f"Cannot seed to '{adapter.render(self.target)}', it is a view")
        if existing == "table" and not self.job.full_refresh and not getattr(adapter, "seed_reload_is_new", False):
            # dbt-duckdb: truncate, then COPY the file into the existing columns by position
            described = conn.execute(adapter.columns_sql(self.target))
            table = self.read(into=adapter.columns_from_rows(described.rows))
            if self.strategy.atomic_changes and self.strategy.atomic_reloads:
                return SeedReload(self, table)
        else:
            table = self.read()
        return NewRelation(
            "table",
            fill=partial(self.fill, table),
            target_absent=existing is None,
            report=lambda result: BuildOutcome(result, result.message),
        )

    def read(self, into: list[tuple[str, str]] | None = None) -> SeedTable | TypedSeed:
        """The seed typed as dbt types it; its rows loaded here unless the engine loads
        the file itself (then a value that does not convert fails the engine's load)."""
        if self.loads_file:
            try:
                return type_seed(self.csv_path, delimiter=self.delimiter, column_types=self.column_types, into=into)
            except SeedValueError as exc:
                raise seed_error(exc) from None
        return self.load(into)

    @property
    def loads_file(self) -> bool:
        """The engine loads the seed's file itself: DuckDB's ``COPY``, BigQuery's load job."""
        return any(getattr(self.adapter, name, None) is not None for name in ("load_csv_sql", "load_csv_file"))

    def load(self, into: list[tuple[str, str]] | None = None) -> SeedTable:
        """The seed's rows, loaded as dbt-duckdb loads them; written by DuckDB as CSV (a
        temporary file, removed with the table) where the engine bulk-loads CSV."""
        export_to = None
        if getattr(self.adapter, "load_csv_rows", None) is not None:
            handle, name = tempfile.mkstemp(prefix="dagwright-seed-", suffix=".csv")
            os.close(handle)
            export_to = Path(name)
        try:
            table = read_seed(
                self.csv_path,
                delimiter=self.delimiter,
                column_types=self.column_types,
                into=into,
                export_to=export_to,
            )
        except SeedValueError as exc:
            raise seed_error(exc) from None
        finally:
            if export_to is not None and not export_to.stat().st_size:
                export_to.unlink(missing_ok=True)
        if table.exported is not None:
            weakref.finalize(table, table.exported.unlink, missing_ok=True)
        return table

    def column(self, name: str) -> str:
        # dbt-duckdb quotes seed column names unless quote_columns is false
        return name if self.quote_columns is False else self.adapter.quote(name)

    def fill(self, table: SeedTable | TypedSeed, conn: GuardedConnection, relation: Relation) -> ExecResult:
        """Create the seed's table under ``relation`` and load the rows."""
        ddl = ", ".join(f"{self.column(c.name)} {declared_type(self.adapter, c)}" for c in table.columns)
        config = self.job.node.config
        if config.get("persist_docs"):  # the table's comment (dbt-spark writes it into the DDL)
            config = {**config, NODE_DESCRIPTION: self.job.node.description}
        conn.execute(self.adapter.create_table_sql(relation, ddl, config))
        return self.result(self.insert(conn, relation, table))

    def insert(self, conn: GuardedConnection, relation: Relation, table: SeedTable | TypedSeed) -> int:
        """Load the seed's rows into ``relation``; the number of rows loaded."""
        if isinstance(table, TypedSeed):
            return self.copy_file(conn, relation, table)
        columns = table.columns
        rows = table.rows
        if not table.row_count or not columns:
            return 0
        if table.exported is not None:  # optional adapter capability: CSV bulk load (PostgreSQL)
            names = [self.column(c.name) for c in columns]
            self.adapter.load_csv_rows(conn, relation, names, CsvRows(table.exported, table.row_count))  # type: ignore[attr-defined]
            return table.row_count
        load_rows = getattr(self.adapter, "load_rows", None)
        if load_rows is not None:  # optional adapter capability: bulk load (PostgreSQL: COPY)
            load_rows(conn, relation, [self.column(c.name) for c in columns], rows)
            return len(rows)
        placeholders = "(" + ", ".join(f"cast(? as {declared_type(self.adapter, c)})" for c in columns) + ")"
        per_batch = max(1, _BATCH_PARAMETERS // len(columns))
        target = self.adapter.render(relation)
        for start in range(0, len(rows), per_batch):
            batch = rows[start : start + per_batch]
            sql = f"insert into {target} values " + ", ".join([placeholders] * len(batch))
            conn.execute(sql, [value for row in batch for value in row])
        return len(rows)

    def copy_file(self, conn: GuardedConnection, relation: Relation, seed: TypedSeed) -> int:
        """The engine loads the file itself, as dbt-duckdb does: one ``COPY``, inside the
        node's transaction, through the guard (BigQuery: one load job of the file uploaded,
        as dbt-bigquery loads it). When DuckDB's fails, the file is loaded once more
        into a scratch table, the way :func:`read_seed` words the failure (column, line,
        hint); the engine's own message when that load does not fail."""
        if not seed.record_count or not seed.columns:
            return 0  # dbt loads nothing when the file has no rows
        load_csv_file = getattr(self.adapter, "load_csv_file", None)
        if load_csv_file is not None:  # the engine's own error where a value does not load
            columns = tuple((c.name, declared_type(self.adapter, c)) for c in seed.columns)
            loaded = load_csv_file(conn, relation, CsvFile(seed.path, seed.delimiter, columns))
            return loaded.rows_affected if loaded.rows_affected is not None else seed.record_count
        try:
            loaded = conn.execute(self.adapter.load_csv_sql(relation, seed.path, seed.delimiter))  # type: ignore[attr-defined]
        except DatabaseError:
            self.load(None if seed.into is None else list(seed.into))
            raise
        return loaded.rows_affected if loaded.rows_affected is not None else seed.record_count

    def result(self, count: int) -> ExecResult:
        # dbt: "CREATE n" on a full refresh, "INSERT n" otherwise (even for a new table)
        code = "CREATE" if self.job.full_refresh else "INSERT"
        return ExecResult(message=f"{code} {count}", code=code, rows_affected=count)


class SeedReload(TableChange):
    """A re-seed without --full-refresh: the table truncated and the file loaded into it."""

    def __init__(self, seed: SeedMaterialization, table: SeedTable | TypedSeed) -> None:
        self.seed = seed
        self.table = table
        self.loaded = 0

    def apply(self, conn: GuardedConnection) -> None:
        target = self.seed.target
        conn.execute(self.seed.adapter.truncate_sql(target))
        self.loaded = self.seed.insert(conn, target, self.table)

    def report(self) -> BuildOutcome:
        result = self.seed.result(self.loaded)
        return BuildOutcome(result, result.message)
