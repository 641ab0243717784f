"""The one small protocol every engine implements.

An ``Adapter`` owns the engine-level resources of a run (a database handle, a client) and
hands out one ``Connection`` per worker thread. Everything engine-specific lives behind
these two protocols: how a statement runs and is cancelled, how a relation is named,
created under a temporary name, swapped in and dropped. Materializations only ever see a
``Connection`` wrapped by ``dagwright.guard.GuardedConnection``, which is where every
statement is checked against the run's stop and registered for cancellation.

How an engine's relations are published is the adapter's declaration ``publishing``: the
name of a publishing strategy (``dagwright.materialize.publishing``), chosen by what the
engine can do atomically. Where the SQL of the engine's dbt adapter differs from
dbt-duckdb's (the default the materializations write), the adapter provides it through
optional capabilities, looked up with ``getattr``:

| capability | what it is | engines |
|---|---|---|
| ``relations`` / ``cache_schemas`` | the run's relation cache (adapters/cache.py) | all |
| ``replace_sql`` | a table or view built straight into its name (``transactional replace``) | DuckDB |
| ``python_runtime`` (a connection's) | a Python model's session, frames (adapters/python_runtime.py) | DuckDB, Spark |
| ``runs_scripts`` | several statements in one submission | DuckDB, PostgreSQL |
| ``begin_with_next`` | ``begin`` sent with the next statement, a change's cleanup with ``COMMIT`` | PostgreSQL |
| ``keep_dependents_sql`` / ``recreate_dependents_sql``, ``lost_views_sql`` | views bound to a swap, kept | PostgreSQL |
| ``strategy_checked_on_every_build`` | the incremental strategy resolved on every build | PostgreSQL, Spark, BigQuery |
| ``incremental_strategy`` | the engine's own validation of ``incremental_strategy`` | Spark, BigQuery |
| ``insert_overwrite_replaces_all`` | False: ``insert_overwrite`` needs ``partition_by`` (no rebuild) | BigQuery |
| ``incremental_stage_sql`` | the job staging an incremental run's rows (``_dbt_max_partition``) | BigQuery |
| ``incremental_statements`` | the engine's SQL for append, delete+insert, merge, ... | PostgreSQL, Spark, BigQuery |
| ``microbatch_merges`` | a microbatch batch is a ``merge`` on ``unique_key`` (dbt-postgres) | PostgreSQL |
| ``inserts_by_position`` | an incremental insert lists the target's columns, read after the schema change | Spark |
| ``expand_target_column_types`` | the target's ``varchar(n)`` widened before an insert | PostgreSQL |
| ``unsized_strings_kept`` | ``text`` / unsized ``varchar`` keep their type in column comparisons | PostgreSQL |
| ``column_names_case_sensitive`` | False: columns are compared by their lower-case names | Spark (False) |
| ``snapshot_get_time`` / ``snapshot_merge_sql`` | dbt's snapshot SQL of the engine | PostgreSQL, BigQuery |
| ``snapshot_hash_arguments`` | dbt's ``snapshot_hash_arguments`` of the engine (``dbt_scd_id``) | BigQuery |
| ``snapshot_unsupported`` | why snapshots cannot run (the engine's dbt adapter's message) | Spark |
| ``load_rows`` | a seed's rows bulk-loaded (``COPY``) | PostgreSQL |
| ``load_csv_sql`` | a seed's file loaded by the engine itself (``COPY ... FROM 'file'``) | DuckDB |
| ``load_csv_rows`` | a seed's rows loaded from CSV written by DuckDB (``COPY ... (FORMAT csv)``) | PostgreSQL |
| ``load_csv_file`` | a seed's file uploaded as it is to one load job (CSV, explicit schema) | BigQuery |
| ``copy_table_sql`` | one job replacing a table with another's rows (a seed's publish) | BigQuery |
| ``needs_drop`` | why a table cannot be replaced in place (partitioning, clustering changed) | BigQuery |
| ``transaction_script`` | several DML statements as one atomic job | BigQuery |
| ``seed_reload_is_new`` | a seed on an existing table is loaded as new (the file's types) | BigQuery |
| ``model_hooks_outside_transaction`` | False: a model's ``transaction: false`` hooks not run | BigQuery (False) |
| ``use_node_config`` (a connection's) | the node's own job settings, set before it runs | BigQuery |
| ``show_grants_sql`` / ``grant_sql`` / ``revoke_sql`` | a relation's privileges (``grants``) | PostgreSQL, BigQuery |
| ``replacement_keeps_grants`` | a replaced relation keeps its grants: compared, others revoked | BigQuery |
| ``function_argument_defaults`` | an argument's ``default_value`` in a function's DDL | PostgreSQL |
| ``function_body_in_parentheses`` | a function's body as ``( sql )``, no volatility | BigQuery |
| ``function_failure_note`` | why a function's DDL fails on the engine, added to the error | DuckDB |
| ``comment_sql`` / ``column_comment_sql`` | relation and column comments (``persist_docs``) | PostgreSQL, DuckDB |
| ``catalog_rows`` | relations and columns of schemas (``docs generate``) | all |
| ``catalog_by_relations``, ``catalog_shard_suffix`` | the catalog read by relation | DuckDB, PostgreSQL, BigQuery |
| ``set_descriptions`` | relation and column descriptions through an API (``persist_docs``) | BigQuery |
| ``contract_columns`` | a contracted query's columns as its dbt adapter names them | PostgreSQL, BigQuery, Spark |
| ``contract_type_labels`` | the YAML type labels its dbt adapter's ``Column`` translates | BigQuery, Spark (none) |
| ``contract_table_from_query`` | a contracted table built from its query, constraints added after | Spark |
| ``persists_constraints``, ``add_check_constraint_sql``, ``set_not_null_sql`` | those constraints | Spark |
| ``column_comment_kinds`` | what ``column_comment_sql`` comments (Spark: tables) | Spark |
| ``view_columns_sql`` | a view's column list with comments, in its DDL | Spark |
| ``abandon_connecting`` | a stop gives up a session still opening (``open`` raises ``StatementCancelled``) | Spark |
| ``constraint_support`` / ``not_enforced_clause`` | how each constraint type is supported | BigQuery |
| ``contracted_table_as_sql`` | a contracted table created with its rows in one statement | BigQuery |
| ``nest_contract_columns`` / ``contract_select_expression`` | dotted names as STRUCT columns | BigQuery |
| ``use_query_comment`` (a connection's) | the query comment as job labels (``job-label``) | BigQuery |
| ``foreign_key_target_without_database`` | a foreign key's ``to`` rendered without its database | DuckDB |
| ``foreign_key_dependents`` | the tables whose foreign keys reference a table | DuckDB |
| ``recover_partitions_sql``, ``external_location``, ``delete_location`` | a renamed table's partitions, files | Spark |
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

RelationKind = Literal["table", "view"]

#: the publishing strategies (dagwright.materialize.publishing): inside one transaction whose
#: COMMIT publishes, the new relation built under a temporary name and swapped in (PostgreSQL)
#: or, for one-statement builds, straight into its name (DuckDB); built under a temporary
#: name and renamed into place by catalog operations (Spark: no transactions); one job that
#: builds and publishes at once (BigQuery)
Publishing = Literal["transactional swap", "transactional replace", "rename swap", "single-job replace"]

#: where a relation is built before it takes its name, and where the relation it replaces
#: waits to be dropped (the names dbt's materializations use)
TMP_SUFFIX = "__dbt_tmp"
BACKUP_SUFFIX = "__dbt_backup"
#: the key under which a publication hands the DDL its node's description (not a dbt config):
#: BigQuery writes it into the relation's OPTIONS under ``persist_docs``
NODE_DESCRIPTION = "node_description"
#: the key under which a view's DDL gets its column list with comments (Spark, under
#: ``persist_docs: {columns: true}``: ``create view v (col comment '...', ...)``)
VIEW_COLUMNS = "view_columns"


def suffixed(relation: Relation, suffix: str, max_length: int | None) -> Relation:
    """``relation`` under its name with ``suffix``, the name cut first where the whole would
    pass the engine's limit: the server would otherwise cut it to the model's own name, or
    ``__dbt_tmp`` and ``__dbt_backup`` to the same one (dbt-postgres cuts it this way too)."""
    name = relation.identifier + suffix
    if max_length is None or len(name.encode()) <= max_length:
        return relation.with_identifier(name)
    room = max_length - len(suffix.encode())
    base = relation.identifier.encode()[:room].decode(errors="ignore")  # never half a character
    return relation.with_identifier(base + suffix)


#: whether the database, schema and identifier of a relation are quoted; None: as the
#: project's ``quoting:`` (over the engine's default) says
QuotePolicy = tuple["bool | None", "bool | None", "bool | None"]


@dataclass(frozen=True)
class Relation:
    database: str | None
    schema: str
    identifier: str
    #: this relation's own quoting (a source's ``quoting:``, ``api.Relation.create(quote_policy=)``,
    #: ``this.quote(...)``); not part of its identity
    quote_policy: QuotePolicy | None = field(default=None, compare=False)

    def with_identifier(self, identifier: str) -> Relation:
        return Relation(self.database, self.schema, identifier, self.quote_policy)


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str


@dataclass(frozen=True)
class CsvRows:
    """A bulk load's rows already written as CSV (no header) in a file, streamed to the
    engine as they are (``executemany`` of PostgreSQL's ``COPY ... FROM STDIN (FORMAT
    csv)``): no value is formatted or bound one by one."""

    path: Path
    count: int

    def chunks(self, size: int = 1 << 20) -> Iterator[str]:
        with self.path.open(encoding="utf-8", newline="") as file:
            while chunk := file.read(size):
                yield chunk


@dataclass(frozen=True)
class CsvFile:
    """A seed's file as it is, for an engine that loads it itself from an upload (a BigQuery
    load job): its delimiter, and the ``(name, type)`` of each column, in order."""

    path: Path
    delimiter: str
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ExecResult:
    """What one statement did, for run_results.json's adapter_response."""

    message: str = "OK"
    code: str | None = None
    rows_affected: int | None = None
    rows: Sequence[tuple[Any, ...]] = ()
    column_names: Sequence[str] = ()
    #: the driver's type code of each column, where the driver gives one (PostgreSQL: OIDs)
    column_types: Sequence[Any] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def adapter_response(self) -> dict[str, Any]:
        out: dict[str, Any] = {"_message": self.message}
        if self.code is not None:
            out["code"] = self.code
        if self.rows_affected is not None:
            out["rows_affected"] = self.rows_affected
        out.update(self.extra)
        return out


class DatabaseError(Exception):
    """A statement failed in the engine (the node's own failure)."""


class StatementCancelled(Exception):
    """The engine reports that the statement was interrupted by a cancel; ``adapter_response``
    names what was cancelled where the engine can say it (BigQuery: the job), for run_results.json."""

    def __init__(self, message: str = "", adapter_response: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.adapter_response: dict[str, Any] = adapter_response or {}


class Connection(Protocol):
    """One worker's session with the engine. Used by one thread, cancelled from another."""

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        """Run one statement; raise DatabaseError or StatementCancelled."""
        ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]] | CsvRows) -> ExecResult: ...

    def cancel(self) -> None:
        """Interrupt the statement running on this connection, if any. Thread-safe."""
        ...

    def relation_kind(self, relation: Relation) -> RelationKind | None:
        """'table', 'view' or None if absent (within the current transaction)."""
        ...

    def columns(self, relation: Relation) -> list[Column]: ...

    def close(self) -> None: ...


class Adapter(Protocol):
    type: ClassVar[str]
    #: how a relation is built and published on this engine (the strategy's name)
    publishing: ClassVar[Publishing]
    #: the engine's longest relation name in bytes, where it cuts longer ones (None: no limit
    #: a model name reaches); names made from a model's are cut to fit (``suffixed``)
    max_identifier_length: ClassVar[int | None]

    def open(self, worker: str) -> Connection:
        """A connection for one worker thread (or for the main thread: worker 'main')."""
        ...

    def close(self) -> None: ...

    #: which parts of a relation name the engine's dbt adapter quotes by default, and with
    #: the project's ``quoting:`` applied (``configure_quoting``)
    default_quote_policy: ClassVar[tuple[bool, bool, bool]]
    quote_policy: tuple[bool, bool, bool]

    #: seeds: the column type the engine declares for each inferred seed column type
    seed_types: ClassVar[Mapping[str, str]]

    def configure_quoting(self, quoting: Mapping[str, Any] | None) -> None: ...

    def quote_part(self, value: str, index: int, relation: Relation | None = None) -> str: ...

    def quote(self, identifier: str) -> str: ...

    def render(self, relation: Relation) -> str:
        """The relation as SQL text, quoted as dbt's adapter for this engine renders it."""
        ...

    def create_schema_sql(self, relation: Relation) -> str: ...

    def drop_sql(self, relation: Relation, kind: RelationKind) -> str: ...

    def rename_sql(self, relation: Relation, kind: RelationKind, new_identifier: str) -> str: ...

    def create_table_as_sql(self, relation: Relation, select_sql: str, config: Mapping[str, Any] | None = None) -> str:
        """CREATE TABLE AS, with the engine's table options from a model's config (Spark)."""
        ...

    def create_table_sql(self, relation: Relation, column_ddl: str, config: Mapping[str, Any] | None = None) -> str:
        """CREATE TABLE with these columns (``name type, ...``): a seed's table."""
        ...

    def create_view_as_sql(self, relation: Relation, select_sql: str) -> str: ...

    def temp_relation(self, relation: Relation) -> Relation:
        """Where a staging table named like ``relation`` lives when it is private to the
        connection that creates it and gone when that connection closes (DuckDB: the
        ``temp`` catalog), as dbt's incremental materialization stages its rows."""
        ...

    def create_temp_table_as_sql(self, relation: Relation, select_sql: str) -> str:
        """CREATE a table at ``temp_relation(...)`` from a query, replacing one left there."""
        ...

    def drop_temp_sql(self, relation: Relation) -> str:
        """DROP what ``create_temp_table_as_sql`` made."""
        ...

    def columns_sql(self, relation: Relation) -> str:
        """A query returning (column name, type text as dbt's adapter reports it) per column
        of the relation, in the relation's column order."""
        ...

    def columns_from_rows(self, rows: Sequence[Sequence[Any]]) -> list[tuple[str, str]]:
        """(name, type) per column from the rows ``columns_sql`` returned."""
        ...

    def add_columns_sql(self, relation: Relation, columns: Sequence[tuple[str, str]]) -> list[str]:
        """``on_schema_change``: add these (name, type) columns to the table."""
        ...

    def sync_columns_sql(
        self,
        relation: Relation,
        removed: Sequence[str],
        retyped: Sequence[tuple[str, str]],
        config: Mapping[str, Any],
    ) -> list[str]:
        """``on_schema_change: sync_all_columns`` beyond adding: drop the ``removed`` columns,
        give the ``retyped`` ones (name, new type) their new type; or raise where the engine
        cannot."""
        ...

    def truncate_sql(self, relation: Relation) -> str: ...

    def begin_sql(self) -> str: ...

    def commit_sql(self) -> str: ...

    def rollback_sql(self) -> str: ...

    def describe(self) -> dict[str, Any]:
        """What `debug` prints about the connection, never with secrets."""
        ...
