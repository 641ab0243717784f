"""``snapshot``: a type-2 history of a query, with the values and types dbt gives it.

The statements are written to reproduce, value for value, what dbt-core's snapshot
materialization produces with dbt-duckdb (measured against it in tests/compat) and with
dbt-postgres (tests/postgres/test_pg_compat.py), so ``dbt_scd_id``, ``dbt_updated_at``,
``dbt_valid_from`` and ``dbt_valid_to`` match. What differs between engines is behind two
optional adapter attributes: ``snapshot_get_time`` (dbt's ``snapshot_get_time()``) and
``snapshot_merge_sql`` (dbt's ``snapshot_merge_sql``); without them, dbt-duckdb's.

- strategy ``timestamp``: a row changed when its ``updated_at`` is later than the current
  version's ``dbt_valid_from``; ``dbt_scd_id`` is ``md5(unique key | updated_at)``;
- strategy ``check``: a row changed when one of ``check_cols`` (a list, or ``all``) differs;
  ``updated_at`` (and so ``dbt_valid_from`` and the hash) is the snapshot's run time
  (``now()::timestamp``), unless ``updated_at`` is configured;
- ``hard_deletes`` (or legacy ``invalidate_hard_deletes``): ``ignore``, ``invalidate`` (close
  the current version of a row gone from the query) or ``new_record`` (also insert a
  ``dbt_is_deleted = 'True'`` version); ``dbt_valid_to_current``; ``snapshot_meta_column_names``.

Publishing: the first run creates the table (a new relation, as a table). A later run is a
change of the table: it stages the changes in ``<name>__dbt_tmp``, adds new columns, closes
changed versions and inserts new ones, all inside one transaction whose COMMIT is gated on
the run's stop: a failure or a stop rolls back and leaves the previous snapshot table
exactly as it was (on BigQuery: one MERGE job after the gate; the new columns are DDL jobs
before it). An engine that cannot make these statements atomic (no transactions: Spark) does
not run snapshots (``adapter.snapshot_unsupported`` says why). ``snapshot_hash_arguments``
is the adapter's where its dbt adapter hashes otherwise (BigQuery).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dagwright.adapters.base import TMP_SUFFIX, Adapter, Column, DatabaseError, ExecResult, suffixed
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob
from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import NewRelation, PublishingStrategy, TableChange, Work, WorkSource

META_COLUMNS = ("dbt_valid_to", "dbt_valid_from", "dbt_scd_id", "dbt_updated_at", "dbt_is_deleted")

#: dbt's ``snapshot_get_time()`` as dbt-duckdb writes it; an adapter with another spelling
#: says so in its ``snapshot_get_time`` attribute (PostgreSQL: ``now()::timestamp without time zone``)
DEFAULT_SNAPSHOT_GET_TIME = "now()::timestamp"


class SnapshotRuntimeError(DatabaseError):
    """A configuration dbt rejects when the snapshot runs (reported as a Runtime Error)."""


def meta_column_names(config: Mapping[str, Any]) -> dict[str, str]:
    """dbt's ``snapshot_table_column_names``: the meta columns, renamed by
    ``snapshot_meta_column_names``."""
    names = config.get("snapshot_meta_column_names") or {}
    if not isinstance(names, Mapping):
        names = {}
    return {column: str(names.get(column) or column) for column in META_COLUMNS}


def hard_deletes_behavior(config: Mapping[str, Any]) -> str:
    """dbt-adapters' ``get_hard_deletes_behavior``."""
    invalidate = config.get("invalidate_hard_deletes")
    hard_deletes = config.get("hard_deletes")
    if invalidate is not None and hard_deletes is not None:
        raise SnapshotRuntimeError(
            "You cannot set both the invalidate_hard_deletes and hard_deletes config properties on the same snapshot."
        )
    if invalidate or hard_deletes == "invalidate":
        return "invalidate"
    if hard_deletes == "new_record":
        return "new_record"
    if hard_deletes is None or hard_deletes == "ignore":
        return "ignore"
    raise SnapshotRuntimeError("Invalid setting for property hard_deletes.")


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def scd_args(unique_key: Any, updated_at: str) -> list[str]:
    """``api.Relation.scd_args``: the unique key column(s), then updated_at."""
    args = [str(k) for k in unique_key] if _is_list(unique_key) else [str(unique_key)]
    return [*args, updated_at]


def hash_arguments(args: Sequence[str]) -> str:
    """``default__snapshot_hash_arguments``: md5 of the arguments as text, joined by '|'."""
    return "md5(" + " || '|' || ".join(f"coalesce(cast({arg} as varchar ), '')" for arg in args) + ")"


def unique_key_fields(unique_key: Any) -> str:
    if _is_list(unique_key):
        return " , ".join(f"{key} as dbt_unique_key_{i}" for i, key in enumerate(unique_key, 1))
    return f"{unique_key} as dbt_unique_key"


def unique_key_join_on(unique_key: Any, left: str, right: str) -> str:
    if _is_list(unique_key):
        # dbt's equals() without the enable_truthy_nulls_equals_macro behavior flag
        return " and ".join(
            f"({left}.dbt_unique_key_{i} = {right}.dbt_unique_key_{i})" for i in range(1, len(unique_key) + 1)
        )
    return f"{left}.dbt_unique_key = {right}.dbt_unique_key"


def unique_key_is_null(unique_key: Any, identifier: str) -> str:
    return f"{identifier}.dbt_unique_key_1 is null" if _is_list(unique_key) else f"{identifier}.dbt_unique_key is null"


def unique_key_is_not_null(unique_key: Any, identifier: str) -> str:
    suffix = "_1" if _is_list(unique_key) else ""
    return f"{identifier}.dbt_unique_key{suffix} is not null"


@dataclass(frozen=True)
class Strategy:
    unique_key: Any
    updated_at: str  # a SQL expression
    row_changed: str  # a SQL condition on snapshotted_data and source_data
    scd_id: str  # a SQL expression
    hard_deletes: str


def timestamp_strategy(config: Mapping[str, Any], columns: Mapping[str, str], hasher: Any = hash_arguments) -> Strategy:
    unique_key = config.get("unique_key")
    updated_at = str(config.get("updated_at"))
    return Strategy(
        unique_key=unique_key,
        updated_at=updated_at,
        row_changed=f"(snapshotted_data.{columns['dbt_valid_from']} < source_data.{updated_at})",
        scd_id=hasher(scd_args(unique_key, updated_at)),
        hard_deletes=hard_deletes_behavior(config),
    )


def check_strategy(
    config: Mapping[str, Any],
    get_time: str,
    column_added: bool,
    check_cols: Sequence[str],
    hasher: Any = hash_arguments,
) -> Strategy:
    """``check_cols`` are the quoted columns to compare (dbt's intersection of the query's
    and the table's columns); ``column_added`` when the query has a column the table lacks."""
    unique_key = config.get("unique_key")
    updated_at = str(config.get("updated_at") or get_time)
    if column_added:
        changed = "(TRUE)"
    else:
        changed = (
            "("
            + " or ".join(
                f"snapshotted_data.{c} != source_data.{c} or ("
                f"((snapshotted_data.{c} is null) and not (source_data.{c} is null)) or "
                f"((not snapshotted_data.{c} is null) and (source_data.{c} is null)))"
                for c in check_cols
            )
            + ")"
        )
    return Strategy(
        unique_key=unique_key,
        updated_at=updated_at,
        row_changed=changed,
        scd_id=hasher(scd_args(unique_key, updated_at)),
        hard_deletes=hard_deletes_behavior(config),
    )


def valid_to_current_sql(strategy: Strategy, columns: Mapping[str, str], current: Any) -> str:
    """``get_dbt_valid_to_current``: null (or dbt_valid_to_current) typed as updated_at."""
    return (
        f"coalesce(nullif({strategy.updated_at}, {strategy.updated_at}), {current or 'null'}) "
        f"as {columns['dbt_valid_to']}"
    )


def build_table_sql(strategy: Strategy, sql: str, columns: Mapping[str, str], current: Any) -> str:
    """``default__build_snapshot_table``: the first version of every row."""
    is_deleted = f"\n    , 'False' as {columns['dbt_is_deleted']}" if strategy.hard_deletes == "new_record" else ""
    return (
        "select *,\n"
        f"    {strategy.scd_id} as {columns['dbt_scd_id']},\n"
        f"    {strategy.updated_at} as {columns['dbt_updated_at']},\n"
        f"    {strategy.updated_at} as {columns['dbt_valid_from']},\n"
        f"    {valid_to_current_sql(strategy, columns, current)}{is_deleted}\n"
        f"from (\n{sql}\n) sbq"
    )


def _current_version(columns: Mapping[str, str], current: Any, prefix: str = "") -> str:
    valid_to = prefix + columns["dbt_valid_to"]
    return f"{valid_to} = {current}" if current else f"{valid_to} is null"


def staging_sql(
    strategy: Strategy,
    source_sql: str,
    target: str,
    columns: Mapping[str, str],
    *,
    current: Any,
    get_time: str,
    quote: Any,
    snapshotted_cols: Sequence[str] = (),
    source_cols: Sequence[str] = (),
    hasher: Any = hash_arguments,
) -> str:
    """``default__snapshot_staging_table``: the rows to insert, the versions to close."""
    uk = strategy.unique_key
    c = columns
    new_record = strategy.hard_deletes == "new_record"
    with_deletes = strategy.hard_deletes in ("invalidate", "new_record")
    join = unique_key_join_on(uk, "snapshotted_data", "source_data")
    if current:
        snapshotted_filter = f"( ({c['dbt_valid_to']} = {current}) or {c['dbt_valid_to']} is null )"
    else:
        snapshotted_filter = f"{c['dbt_valid_to']} is null"
    deleted_again = f" or snapshotted_data.{c['dbt_is_deleted']} = 'True'" if new_record else ""
    parts = [
        f"with snapshot_query as (\n\n{source_sql}\n\n),",
        f"snapshotted_data as (\n    select *, {unique_key_fields(uk)}\n    from {target}\n"
        f"    where {snapshotted_filter}\n),",
        f"insertions_source_data as (\n    select *, {unique_key_fields(uk)},\n"
        f"        {strategy.updated_at} as {c['dbt_updated_at']},\n"
        f"        {strategy.updated_at} as {c['dbt_valid_from']},\n"
        f"        {valid_to_current_sql(strategy, c, current)},\n"
        f"        {strategy.scd_id} as {c['dbt_scd_id']}\n    from snapshot_query\n),",
        f"updates_source_data as (\n    select *, {unique_key_fields(uk)},\n"
        f"        {strategy.updated_at} as {c['dbt_updated_at']},\n"
        f"        {strategy.updated_at} as {c['dbt_valid_from']},\n"
        f"        {strategy.updated_at} as {c['dbt_valid_to']}\n    from snapshot_query\n),",
    ]
    if with_deletes:
        parts.append(f"deletes_source_data as (\n    select *, {unique_key_fields(uk)}\n    from snapshot_query\n),")
    is_deleted_insert = f"\n        ,'False' as {c['dbt_is_deleted']}" if new_record else ""
    parts.append(
        f"insertions as (\n    select\n        'insert' as dbt_change_type,\n        source_data.*{is_deleted_insert}\n"
        f"    from insertions_source_data as source_data\n    left outer join snapshotted_data\n"
        f"        on {join}\n        where {unique_key_is_null(uk, 'snapshotted_data')}\n"
        f"        or ({unique_key_is_not_null(uk, 'snapshotted_data')} and (\n"
        f"           {strategy.row_changed}{deleted_again}\n        )\n    )\n),"
    )
    is_deleted_kept = f"\n        , snapshotted_data.{c['dbt_is_deleted']}" if new_record else ""
    parts.append(
        f"updates as (\n    select\n        'update' as dbt_change_type,\n        source_data.*,\n"
        f"        snapshotted_data.{c['dbt_scd_id']}{is_deleted_kept}\n"
        f"    from updates_source_data as source_data\n    join snapshotted_data\n        on {join}\n"
        f"    where (\n        {strategy.row_changed}{deleted_again}\n    )\n)"
    )
    not_deleted_already = (
        f"\n        and not (\n            snapshotted_data.{c['dbt_is_deleted']} = 'True'\n            and "
        f"{_current_version(c, current, 'snapshotted_data.')}\n        )"
    )
    if with_deletes:
        parts[-1] += ","
        parts.append(
            f"deletes as (\n    select\n        'delete' as dbt_change_type,\n        source_data.*,\n"
            f"        {get_time} as {c['dbt_valid_from']},\n"
            f"        {get_time} as {c['dbt_updated_at']},\n"
            f"        {get_time} as {c['dbt_valid_to']},\n"
            f"        snapshotted_data.{c['dbt_scd_id']}{is_deleted_kept}\n"
            f"    from snapshotted_data\n    left join deletes_source_data as source_data\n"
            f"        on {join}\n        where {unique_key_is_null(uk, 'source_data')}"
            + (not_deleted_already if new_record else "")
            + "\n)"
        )
    if new_record:
        selected = []
        for name in source_cols:
            origin = "snapshotted_data" if name in snapshotted_cols else "source_data"
            selected.append(f"        {origin}.{quote(name)},")
        if _is_list(uk):
            keys = [f"        snapshotted_data.{key} as dbt_unique_key_{i}," for i, key in enumerate(uk, 1)]
        else:
            keys = ["        snapshotted_data.dbt_unique_key as dbt_unique_key,"]
        new_scd_id = hasher([c["dbt_scd_id"], get_time])
        parts[-1] += ","
        parts.append(
            "deletion_records as (\n    select\n        'insert' as dbt_change_type,\n"
            + "\n".join([*selected, *keys])
            + f"\n        {get_time} as {c['dbt_valid_from']},\n"
            f"        {get_time} as {c['dbt_updated_at']},\n"
            f"        snapshotted_data.{c['dbt_valid_to']} as {c['dbt_valid_to']},\n"
            f"        {new_scd_id} as {c['dbt_scd_id']},\n"
            f"        'True' as {c['dbt_is_deleted']}\n"
            f"    from snapshotted_data\n    left join deletes_source_data as source_data\n"
            f"        on {join}\n    where {unique_key_is_null(uk, 'source_data')}" + not_deleted_already + "\n)"
        )
    unions = ["select * from insertions", "select * from updates"]
    if with_deletes:
        unions.append("select * from deletes")
    if new_record:
        unions.append("select * from deletion_records")
    return "\n\n".join(parts) + "\n\n" + "\nunion all\n".join(unions)


def merge_sql(
    target: str, staging: str, insert_cols: Sequence[str], columns: Mapping[str, str], current: Any
) -> list[str]:
    """``duckdb__snapshot_merge_sql``: close the changed versions, insert the new ones."""
    valid_to = columns["dbt_valid_to"]
    if current:
        still_current = f"(DBT_INTERNAL_TARGET.{valid_to} = {current} or DBT_INTERNAL_TARGET.{valid_to} is null)"
    else:
        still_current = f"DBT_INTERNAL_TARGET.{valid_to} is null"
    update = (
        f"update {target} as DBT_INTERNAL_TARGET\n"
        f"set {valid_to} = DBT_INTERNAL_SOURCE.{valid_to}\n"
        f"from {staging} as DBT_INTERNAL_SOURCE\n"
        f"where DBT_INTERNAL_SOURCE.{columns['dbt_scd_id']}::text = DBT_INTERNAL_TARGET.{columns['dbt_scd_id']}::text\n"
        f"  and DBT_INTERNAL_SOURCE.dbt_change_type::text in ('update'::text, 'delete'::text)\n"
        f"  and {still_current}"
    )
    insert = (
        f"insert into {target} ({', '.join(insert_cols)})\n"
        f"select {', '.join('DBT_INTERNAL_SOURCE.' + col for col in insert_cols)}\n"
        f"from {staging} as DBT_INTERNAL_SOURCE\n"
        f"where DBT_INTERNAL_SOURCE.dbt_change_type::text = 'insert'::text"
    )
    return [update, insert]


def _first_version(result: ExecResult) -> BuildOutcome:
    return BuildOutcome(ExecResult(), "OK")  # dbt-duckdb reports a snapshot as plain "OK"


class SnapshotMaterialization(StrategyMaterialization):
    """First run: a new table. Later runs: staged, then merged into the table."""

    def __init__(self, adapter: Adapter, job: NodeJob, strategy: PublishingStrategy | None = None) -> None:
        super().__init__(adapter, job, strategy)
        self.config = job.node.config
        if not self.strategy.atomic_changes:
            unsupported = getattr(adapter, "snapshot_unsupported", None)
            raise CompilationError(
                unsupported(self.config)
                if unsupported is not None
                else f"snapshots on {adapter.type} are not supported by dagwright yet"
            )
        self.columns = meta_column_names(self.config)
        self.current = self.config.get("dbt_valid_to_current")
        self.get_time = str(getattr(adapter, "snapshot_get_time", DEFAULT_SNAPSHOT_GET_TIME))
        #: dbt's snapshot_hash_arguments: the adapter's where its dbt adapter has its own (BigQuery)
        self.hasher = getattr(adapter, "snapshot_hash_arguments", None) or hash_arguments
        self.temp = suffixed(self.target, TMP_SUFFIX, adapter.max_identifier_length)

    def work(self) -> WorkSource:
        return self.decide

    def decide(self, conn: GuardedConnection) -> Work:
        existing = conn.relation_kind(self.target)
        if existing == "view":
            target = self.adapter.render(self.target)
            raise CompilationError(
                f"Trying to create table {target}, but it currently exists as a view. Either drop {target} "
                "manually, or run dbt with `--full-refresh` and dbt will drop it for you."
            )
        if existing is None:
            strategy = self._strategy(conn, exists=False)
            sql = build_table_sql(strategy, self.job.sql, self.columns, self.current)
            return NewRelation("table", select_sql=sql, target_absent=True, report=_first_version)
        return SnapshotMerge(self, self._strategy(conn, exists=True))

    # -- what the database says ------------------------------------------------------------
    def query_columns(self, conn: GuardedConnection, sql: str) -> list[str]:
        """dbt's ``get_columns_in_query``."""
        result = conn.execute(f"select * from (\n{sql}\n) as __dbt_sbq\nwhere false\nlimit 0")
        return [str(name) for name in result.column_names]

    def _strategy(self, conn: GuardedConnection, *, exists: bool) -> Strategy:
        name = self.config.get("strategy")
        if name == "timestamp":
            return timestamp_strategy(self.config, self.columns, self.hasher)
        if name != "check":
            raise CompilationError(f"The specified strategy macro '{name}' was not found in package 'None'")
        check_cols = self.config.get("check_cols")
        column_added, intersection = False, []
        if exists:
            if check_cols == "all":
                query_columns = self.query_columns(conn, self.job.sql)
            elif _is_list(check_cols) and len(check_cols) > 0:
                query_columns = self.query_columns(
                    conn, f"select {', '.join(str(c) for c in check_cols)} from (\n{self.job.sql}\n) subq"
                )
            else:
                raise CompilationError(f"Invalid value for 'check_cols': {check_cols}")
            existing = [c.name for c in conn.columns(self.target)]
            for column in query_columns:
                if column in existing:
                    intersection.append(self.adapter.quote(column))
                else:
                    column_added = True
        return check_strategy(self.config, self.get_time, column_added, intersection, self.hasher)

    def check_target(self, target_columns: Sequence[Column], strategy: Strategy) -> None:
        """``assert_valid_snapshot_target_given_strategy``."""
        names = {c.name.lower() for c in target_columns}
        missing = [
            self.columns[c]
            for c in ("dbt_scd_id", "dbt_valid_from", "dbt_valid_to")
            if self.columns[c].lower() not in names
        ]
        if not missing and strategy.hard_deletes == "new_record" and self.columns["dbt_is_deleted"] not in names:
            missing.append(self.columns["dbt_is_deleted"])
        if missing:
            raise CompilationError(
                'Snapshot target is missing configured columns (missing "'
                + '", "'.join(missing)
                + '"). See https://docs.getdbt.com/docs/build/snapshots#snapshot-meta-fields for more information.'
            )


class SnapshotMerge(TableChange):
    """A later run: the changes staged in ``<name>__dbt_tmp``, new columns added to the
    snapshot table, changed versions closed and new ones inserted."""

    def __init__(self, snapshot: SnapshotMaterialization, strategy: Strategy) -> None:
        self.snapshot = snapshot
        self.strategy = strategy
        self.adapter = snapshot.adapter
        self.target = snapshot.target
        self.temp = snapshot.temp
        self.insert_cols: list[str] = []
        self.schema_changes: list[str] = []

    def stage(self, conn: GuardedConnection) -> None:
        snapshot, adapter, strategy = self.snapshot, self.adapter, self.strategy
        stale = conn.relation_kind(self.temp)  # left by another session
        if stale is not None:
            conn.execute(adapter.drop_sql(self.temp, stale))
        target_columns = conn.columns(self.target)
        snapshot.check_target(target_columns, strategy)
        snapshotted_cols: list[str] = []
        source_cols: list[str] = []
        if strategy.hard_deletes == "new_record":
            snapshotted_cols = [c.name for c in target_columns]
            source_cols = snapshot.query_columns(conn, snapshot.job.sql)
        sql = staging_sql(
            strategy,
            snapshot.job.sql,
            adapter.render(self.target),
            snapshot.columns,
            current=snapshot.current,
            get_time=snapshot.get_time,
            quote=adapter.quote,
            snapshotted_cols=snapshotted_cols,
            source_cols=source_cols,
            hasher=snapshot.hasher,
        )
        conn.execute(adapter.create_table_as_sql(self.temp, sql))

    def alter(self, conn: GuardedConnection) -> None:
        adapter = self.adapter
        expand = getattr(adapter, "expand_target_column_types", None)  # PostgreSQL: widen varchar(n)
        if expand is not None:
            expand(conn, self.temp, self.target)
        remove = ["dbt_change_type", "DBT_CHANGE_TYPE", "dbt_unique_key", "DBT_UNIQUE_KEY"]
        if _is_list(self.snapshot.config.get("unique_key")):
            for i in range(1, len(self.strategy.unique_key) + 1):
                remove += [f"dbt_unique_key_{i}", f"DBT_UNIQUE_KEY_{i}"]
        staged = [c for c in conn.columns(self.temp) if c.name not in remove]
        in_target = {c.name for c in conn.columns(self.target)}
        added = [(c.name, c.data_type) for c in staged if c.name not in in_target]
        for sql in adapter.add_columns_sql(self.target, added):
            conn.execute(sql)
            self.schema_changes.append(sql)
        self.insert_cols = [adapter.quote(c.name) for c in staged]

    def apply(self, conn: GuardedConnection) -> None:
        target = self.adapter.render(self.target)
        staging = self.adapter.render(self.temp)
        # optional adapter capability: the engine's dbt adapter's own snapshot merge
        # (dbt-postgres: UPDATE ... FROM without a target alias), else dbt-duckdb's
        render_merge = getattr(self.adapter, "snapshot_merge_sql", None) or merge_sql
        for sql in render_merge(target, staging, self.insert_cols, self.snapshot.columns, self.snapshot.current):
            conn.execute(sql)

    def cleanup(self) -> list[str]:
        return [self.adapter.drop_sql(self.temp, "table")]
