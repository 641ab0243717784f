"""PostgreSQL's SQL: names as its catalog stores them, and the statements where dbt-postgres
writes other SQL than dbt-duckdb (the materializations' default).

- Names: an unquoted identifier is folded to lower case (``catalog_relation``); ``create
  schema`` names no database; renames say ``if exists``.
- Incremental models: dbt-core's default ``delete+insert`` and ``merge`` (PostgreSQL 15+)
  with explicit column lists and the target aliased ``DBT_INTERNAL_DEST``
  (``incremental_statements``).
- Snapshots: dbt-postgres' ``snapshot_get_time`` and ``snapshot_merge_sql``.
- Seeds: dbt-core's declared column types, the rows loaded with ``COPY ... FROM STDIN``
  (``load_rows``): values travel in the copy protocol, never in SQL text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from dagwright.adapters.base import CsvRows, ExecResult, Relation, RelationKind
from dagwright.adapters.catalog_effects_sql import CommentSQL, PostgresGrantSQL
from dagwright.adapters.sql import SQLDialect
from dagwright.errors import CompilationError

if TYPE_CHECKING:
    from dagwright.guard import GuardedConnection

#: the types dbt-core declares for inferred seed columns (what dbt-postgres creates)
SEED_TYPES = {
    "INTEGER": "integer",
    "DOUBLE": "float8",
    "DATE": "date",
    "TIMESTAMP": "timestamp without time zone",
    "BOOLEAN": "boolean",
    "VARCHAR": "text",
}


class PostgresSQL(PostgresGrantSQL, CommentSQL, SQLDialect):
    #: incremental models: dbt-core's default materialization resolves the strategy on every
    #: build, and dbt-postgres' columns keep ``text`` / unsized ``character varying`` as they are
    strategy_checked_on_every_build: ClassVar[bool] = True
    unsized_strings_kept: ClassVar[bool] = True
    #: dbt-postgres builds a microbatch batch as a merge on unique_key
    microbatch_merges: ClassVar[bool] = True

    def catalog_relation(self, relation: Relation) -> Relation:
        """``relation`` as the catalog names it: PostgreSQL folds an unquoted name to lower
        case (the project's ``quoting:`` may leave parts unquoted, as dbt then writes them)."""
        if relation.quote_policy is None and self.quote_policy[1] and self.quote_policy[2]:
            return relation
        _, schema_quoted, identifier_quoted = self.policy(relation)
        return Relation(
            relation.database,
            relation.schema if schema_quoted else fold_name(relation.schema),
            relation.identifier if identifier_quoted else fold_name(relation.identifier),
        )

    # -- SQL text ------------------------------------------------------------------------------
    def create_schema_sql(self, relation: Relation) -> str:
        return f"create schema if not exists {self.quote_part(relation.schema, 1, relation)}"

    def rename_sql(self, relation: Relation, kind: RelationKind, new_identifier: str) -> str:
        # ``if exists``: the run's cache may still list a relation that a CASCADE took with it
        # (a view on a column that on_schema_change re-made); renaming nothing away is right then
        new_name = self.quote_part(new_identifier, 2, relation)
        return f"alter {kind} if exists {self.render(relation)} rename to {new_name}"

    def temp_relation(self, relation: Relation) -> Relation:
        # the session's own temporary schema (pg_temp_N): private to the worker's connection,
        # gone with a ROLLBACK of the transaction that created it, or when the session ends
        return Relation(None, "pg_temp", relation.identifier)

    def create_temp_table_as_sql(self, relation: Relation, select_sql: str) -> str:
        rel = self.render(relation)
        return f"drop table if exists {rel};\ncreate temporary table {rel} as (\n{select_sql}\n)"

    def columns_sql(self, relation: Relation) -> str:
        # format_type: the type text dbt-postgres reports ("character varying(10)", "numeric(4,2)")
        relation = self.catalog_relation(relation)
        return (
            "select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
            "from pg_catalog.pg_attribute a "
            "join pg_catalog.pg_class c on c.oid = a.attrelid "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            f"where {schema_match(relation.schema)} and c.relname = {sql_literal(relation.identifier)} "
            "and a.attnum > 0 and not a.attisdropped order by a.attnum"
        )

    # -- incremental: dbt-core's default SQL, as dbt-postgres runs it ------------------------------
    def merge_sql(
        self,
        config: Mapping[str, Any],
        target: str,
        source: str,
        unique_key: Any,
        dest_columns: Sequence[Any],
        predicates: Any,
    ) -> str:
        """``MERGE`` (PostgreSQL 15+) with explicit column lists, as dbt-core's default merge
        writes it for dbt-postgres: ``merge_update_columns`` / ``merge_exclude_columns`` pick
        the updated columns, ``incremental_predicates`` and the unique key(s) make the ON
        condition. dbt-duckdb's own ``merge_*`` configs mean nothing to dbt-postgres, and are
        ignored here as well."""
        conditions = _predicate_list(predicates)
        if unique_key:
            keys = list(unique_key) if isinstance(unique_key, (list, tuple)) else [unique_key]
            conditions += [f"DBT_INTERNAL_SOURCE.{key} = DBT_INTERNAL_DEST.{key}" for key in keys]
        else:
            conditions.append("FALSE")
        all_columns = ", ".join(self.quote(c.name) for c in dest_columns)
        parts = []
        header = config.get("sql_header")
        if header is not None:
            parts.append(str(header))
        parts.append(
            f"merge into {target} as DBT_INTERNAL_DEST\n    using {source} as DBT_INTERNAL_SOURCE\n"
            f"    on ({') and ('.join(conditions)})"
        )
        if unique_key:
            updated = _merge_update_columns(
                config.get("merge_update_columns"), config.get("merge_exclude_columns"), dest_columns, self.quote
            )
            assignments = ", ".join(f"{column} = DBT_INTERNAL_SOURCE.{column}" for column in updated)
            parts.append(f"when matched then update set {assignments}")
        parts.append(f"when not matched then insert ({all_columns})\nvalues ({all_columns})")
        return "\n".join(parts)

    def delete_insert_sql(
        self, target: str, source: str, unique_key: Any, dest_columns: Sequence[Any], predicates: Any
    ) -> list[str]:
        """dbt-core's default delete+insert, which dbt-postgres uses: the target is aliased
        ``DBT_INTERNAL_DEST`` (``incremental_predicates`` may name it) and the keys are
        matched as a row, ``(a, b) in (select distinct a, b from <staged>)``."""
        statements = []
        if unique_key:
            keys = ", ".join(str(k) for k in unique_key) if isinstance(unique_key, (list, tuple)) else str(unique_key)
            extra = "".join(f"\n    and {p}" for p in _predicate_list(predicates))
            statements.append(
                f"delete from {target} as DBT_INTERNAL_DEST\nwhere ({keys}) in (\n"
                f"    select distinct {keys}\n    from {source} as DBT_INTERNAL_SOURCE\n){extra}"
            )
        statements.append(self.insert_sql(target, source, dest_columns))
        return statements

    def incremental_statements(
        self,
        strategy: str,
        target: str,
        source: str,
        unique_key: Any,
        dest_columns: Sequence[Any],
        predicates: Any,
        config: Mapping[str, Any],
    ) -> list[str]:
        """dbt-core's default SQL for each strategy, as dbt-postgres runs it."""
        if strategy == "delete+insert":
            return self.delete_insert_sql(target, source, unique_key, dest_columns, predicates)
        if strategy == "merge":
            return [self.merge_sql(config, target, source, unique_key, dest_columns, predicates)]
        return [self.insert_sql(target, source, dest_columns)]

    def insert_sql(self, target: str, source: str, dest_columns: Sequence[Any]) -> str:
        all_columns = ", ".join(self.quote(c.name) for c in dest_columns)
        return f"insert into {target} ({all_columns})\n(\n    select {all_columns}\n    from {source}\n)"

    # -- snapshots: dbt-postgres' snapshot_get_time and snapshot_merge_sql ------------------------
    snapshot_get_time: ClassVar[str] = "now()::timestamp without time zone"

    def snapshot_merge_sql(
        self, target: str, staging: str, insert_cols: Sequence[str], columns: Mapping[str, str], current: Any
    ) -> list[str]:
        """Close the versions the staged rows update or delete, then insert the new versions:
        an ``UPDATE ... FROM`` naming the target itself (no alias), as dbt-postgres does.
        ``columns`` are the (possibly renamed) meta columns; ``current`` is
        ``dbt_valid_to_current``, when set."""
        valid_to = columns["dbt_valid_to"]
        scd_id = columns["dbt_scd_id"]
        if current:
            still_current = f"({target}.{valid_to} = {current} or {target}.{valid_to} is null)"
        else:
            still_current = f"{target}.{valid_to} is null"
        update = (
            f"update {target}\n"
            f"set {valid_to} = DBT_INTERNAL_SOURCE.{valid_to}\n"
            f"from {staging} as DBT_INTERNAL_SOURCE\n"
            f"where DBT_INTERNAL_SOURCE.{scd_id}::text = {target}.{scd_id}::text\n"
            "  and DBT_INTERNAL_SOURCE.dbt_change_type::text in ('update'::text, 'delete'::text)\n"
            f"  and {still_current}"
        )
        insert = (
            f"insert into {target} ({', '.join(insert_cols)})\n"
            f"select {', '.join('DBT_INTERNAL_SOURCE.' + column for column in insert_cols)}\n"
            f"from {staging} as DBT_INTERNAL_SOURCE\n"
            "where DBT_INTERNAL_SOURCE.dbt_change_type::text = 'insert'::text"
        )
        return [update, insert]

    # -- seeds -----------------------------------------------------------------------------------
    #: dbt-core's declared type for each inferred seed column type
    seed_types: ClassVar[Mapping[str, str]] = SEED_TYPES

    def load_rows(
        self, conn: GuardedConnection, relation: Relation, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> ExecResult:
        """Load ``rows`` with ``COPY ... FROM STDIN``: values travel in the copy protocol,
        never in SQL text. ``columns`` are the column names as SQL (already quoted or not).

        dbt-postgres binds the values agate read from the file, and agate reads ``null``
        (any case, surrounding blanks ignored) and blank fields as NULL in every column,
        text columns included; so does this.
        """
        sql = f"copy {self.render(relation)} ({', '.join(columns)}) from stdin"
        return conn.executemany(sql, [tuple(_agate_null(v) for v in row) for row in rows])

    def load_csv_rows(
        self, conn: GuardedConnection, relation: Relation, columns: Sequence[str], rows: CsvRows
    ) -> ExecResult:
        """Load rows DuckDB wrote as CSV (agate's nulls already applied, text quoted:
        ``materialize/seed_export.py``) with ``COPY ... FROM STDIN (FORMAT csv)``, streamed
        in blocks: the values travel in the copy protocol, and none is formatted in Python."""
        sql = f"copy {self.render(relation)} ({', '.join(columns)}) from stdin (format csv)"
        return conn.executemany(sql, rows)


def _predicate_list(predicates: Any) -> list[str]:
    """``incremental_predicates`` as a list of SQL conditions (one string is one condition)."""
    if not predicates:
        return []
    if isinstance(predicates, str):
        return [predicates]
    return [str(p) for p in predicates]


def _merge_update_columns(include: Any, exclude: Any, dest_columns: Sequence[Any], quote: Any) -> list[str]:
    """dbt's ``default__get_merge_update_columns``: ``merge_update_columns`` as written, else
    every destination column (quoted) but the excluded ones, compared case-insensitively."""
    if include and exclude:
        raise CompilationError(
            "Model cannot specify merge_update_columns and merge_exclude_columns. "
            "Please update model to use only one config"
        )
    if include:
        return [str(c) for c in ([include] if isinstance(include, str) else include)]
    excluded = {str(c).lower() for c in ([exclude] if isinstance(exclude, str) else exclude or ())}
    return [quote(c.name) for c in dest_columns if c.name.lower() not in excluded]


def _agate_null(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("", "null"):
        return None
    return value


def regclass_name(relation: Relation) -> str:
    """The relation as ``to_regclass`` takes it (no database; a schema-less name resolves
    through the search path, which starts with the session's temporary schema)."""
    if not relation.schema:
        return quote_identifier(relation.identifier)
    schema = "pg_temp" if relation.schema == "pg_temp" else quote_identifier(relation.schema)
    return f"{schema}.{quote_identifier(relation.identifier)}"


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_name(name: str) -> str:
    """An unquoted identifier as PostgreSQL stores it (its ASCII letters in lower case)."""
    return name.translate(_ASCII_LOWER)


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def schema_match(schema: str) -> str:
    """SQL matching ``n`` (pg_namespace) to a schema; ``pg_temp`` is the session's own."""
    if schema == "pg_temp":
        return "n.oid = pg_catalog.pg_my_temp_schema()"
    return f"n.nspname = {sql_literal(schema)}"
