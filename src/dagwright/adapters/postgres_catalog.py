"""PostgreSQL's catalog: the run's relation cache, and the views bound to a relation.

Which relations exist comes from the run's relation cache (``PostgresRelationCache``): the
schemas a run builds into are listed in one catalog query at its start, not looked up per
node. PostgreSQL binds a view to the relations it reads by OID, not by name, so after a swap
it would read the backup, and dropping the backup (CASCADE) drops it: ``dependents``
captures the definitions of the views (and materialized views) that depend on a relation
before the swap, and ``recreate_dependents`` re-creates them, by name, in the same
transaction. Before inserting, incremental models and snapshots widen the target's
``varchar(n)`` columns (``expand_target_column_types``), as dbt-postgres does; views reading
the table are kept there too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dagwright.adapters.base import Connection, DatabaseError, Relation, RelationKind
from dagwright.adapters.cache import UNKNOWN, RelationCache
from dagwright.adapters.postgres_sql import PostgresSQL, quote_identifier, regclass_name, sql_literal

if TYPE_CHECKING:
    from dagwright.guard import GuardedConnection

#: pg_advisory_xact_lock key that serialises swaps of relations with dependent views, so two
#: workers re-creating the same view (one that reads both of their tables) cannot deadlock.
_DEPENDENTS_LOCK = 0x64_77_5F_64  # "dw_d"

#: the relation kinds a run sees as tables or views (dbt-postgres lists pg_tables, pg_views and
#: pg_matviews); the same filter for the cached listing and for the look-up of one relation
RELKINDS = "c.relkind in ('r', 'p', 'f', 'v', 'm')"


def relation_kind_of(relkind: Any) -> RelationKind:
    return "view" if relkind in ("v", "m") else "table"


class PostgresRelationCache(RelationCache):
    """``RelationCache`` keyed by schema and name only: a PostgreSQL connection sees one
    database, and relations reach the cache both with it (a node's relation) and without it
    (``api.Relation``, the Jinja adapter). Names are case-sensitive, as PostgreSQL compares
    quoted identifiers, and dbt-postgres quotes them all.

    ``forget`` marks one relation as unknown: its next look-up asks the server. That is what
    a change whose outcome the run cannot see does (a dependent view that could not be
    re-created, a relation dropped or renamed from a template)."""

    def __init__(self, catalog: Callable[[Relation], Relation] = lambda relation: relation) -> None:
        super().__init__(case_sensitive=True)
        self._forgotten: set[tuple[str, str, str]] = set()
        #: a relation as the catalog names it (see PostgresSQL.catalog_relation)
        self._catalog = catalog

    def _key(self, relation: Relation) -> tuple[str, str, str]:
        relation = self._catalog(relation)
        return ("", relation.schema, relation.identifier)

    def add_schema(self, database: str | None, schema: str, relations: Iterable[tuple[str, RelationKind]]) -> None:
        with self._lock:
            self._forgotten = {key for key in self._forgotten if key[1] != schema}
        super().add_schema(None, schema, relations)

    def lookup(self, relation: Relation) -> RelationKind | object | None:
        with self._lock:
            if self._key(relation) in self._forgotten:
                return UNKNOWN
        return super().lookup(relation)

    def set(self, relation: Relation, kind: RelationKind | None) -> None:
        with self._lock:
            self._forgotten.discard(self._key(relation))
        super().set(relation, kind)

    def forget(self, relation: Relation) -> None:
        with self._lock:
            self._forgotten.add(self._key(relation))


@dataclass(frozen=True)
class DependentView:
    """A view or materialized view that reads a relation about to be replaced."""

    schema: str
    name: str
    materialized: bool
    definition: str
    options: tuple[str, ...]
    comment: str | None


# the views (and materialized views) that depend on a relation, directly or through other
# views, deepest last, so that re-creating them in this order satisfies their dependencies
_DEPENDENTS_SQL = """
with recursive deps(oid, depth) as (
    select r.ev_class, 1
    from pg_catalog.pg_depend d
    join pg_catalog.pg_rewrite r on r.oid = d.objid
    where d.classid = 'pg_catalog.pg_rewrite'::regclass
      and d.refclassid = 'pg_catalog.pg_class'::regclass
      and d.refobjid = to_regclass(?)
      and r.ev_class <> d.refobjid
    union
    select r.ev_class, deps.depth + 1
    from deps
    join pg_catalog.pg_depend d on d.refobjid = deps.oid
    join pg_catalog.pg_rewrite r on r.oid = d.objid
    where d.classid = 'pg_catalog.pg_rewrite'::regclass
      and d.refclassid = 'pg_catalog.pg_class'::regclass
      and r.ev_class <> deps.oid
      and deps.depth < 100
)
select n.nspname, c.relname, c.relkind, pg_catalog.pg_get_viewdef(c.oid),
       coalesce(c.reloptions, '{}'), pg_catalog.obj_description(c.oid, 'pg_class'), max(deps.depth)
from deps
join pg_catalog.pg_class c on c.oid = deps.oid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('v', 'm')
group by c.oid, n.nspname, c.relname, c.relkind, c.reloptions
order by max(deps.depth), n.nspname, c.relname
"""


_ANY_DEPENDENT_SQL = """
select 1
from pg_catalog.pg_depend d
join pg_catalog.pg_rewrite r on r.oid = d.objid
where d.classid = 'pg_catalog.pg_rewrite'::regclass
  and d.refclassid = 'pg_catalog.pg_class'::regclass
  and d.refobjid = to_regclass(?)
  and r.ev_class <> d.refobjid
limit 1
"""


class PostgresCatalog(PostgresSQL):
    #: what the run's schemas hold, listed once at its start (see cache_schemas)
    relations: PostgresRelationCache

    def cache_schemas(self, conn: Connection, schemas: list[tuple[str | None, str]]) -> None:
        """List the tables and views of every schema the run builds into, in one query; the
        materializations then look their relations up here, and record what they publish
        (adapters.cache). The listing is made anew for each run."""
        names = sorted({self.catalog_relation(Relation(None, schema, "")).schema for _database, schema in schemas})
        rows = conn.execute(
            "select n.nspname, c.relname, c.relkind from pg_catalog.pg_class c "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            f"where n.nspname = any(?) and {RELKINDS}",
            [names],
        ).rows
        by_schema: dict[str, list[tuple[str, RelationKind]]] = {name: [] for name in names}
        for schema, name, relkind in rows:
            by_schema[str(schema)].append((str(name), relation_kind_of(relkind)))
        for schema, listing in by_schema.items():
            self.relations.add_schema(None, schema, listing)

    # -- views bound by OID: keep them across a swap ---------------------------------------------
    def dependents(self, conn: GuardedConnection, relation: Relation) -> list[DependentView]:
        """The views that read ``relation`` (directly or through other views), with their
        definitions, captured before it is renamed away. When there are any, the swap takes
        a transaction-level advisory lock first, so that concurrent swaps re-creating the
        same views take turns instead of deadlocking."""
        relation = self.catalog_relation(relation)
        target = ".".join(quote_identifier(p) for p in (relation.schema, relation.identifier))
        # first whether there are any, from the catalog only: pg_get_viewdef locks each view
        # it reads until the end of the transaction, which must not happen before the
        # advisory lock is held (two swaps would then wait for each other)
        found = conn.execute(_ANY_DEPENDENT_SQL, [target])
        if not found.rows:
            return []
        # definitions with every name schema-qualified (an empty search_path for the read),
        # read after the lock (another swap may just have re-created one of them). Scripts,
        # each answering with its last statement's rows: three round trips instead of five.
        previous = conn.execute(
            f"select pg_catalog.pg_advisory_xact_lock({_DEPENDENTS_LOCK});\n"
            "select pg_catalog.current_setting('search_path')"
        ).rows[0][0]
        rows = conn.execute(
            "select pg_catalog.set_config('search_path', '', true);\n"
            + _DEPENDENTS_SQL.replace("to_regclass(?)", f"to_regclass({sql_literal(target)})")
        ).rows
        # transaction-local: a failure above rolls the whole transaction (and the setting) back
        conn.execute(f"select pg_catalog.set_config('search_path', {sql_literal(str(previous))}, true)")
        return [
            DependentView(
                schema=str(schema),
                name=str(name),
                materialized=kind == "m",
                definition=str(definition).strip().rstrip(";"),
                options=tuple(str(o) for o in options or ()),
                comment=None if comment is None else str(comment),
            )
            for schema, name, kind, definition, options, comment, _depth in rows
        ]

    def recreate_dependents(self, conn: GuardedConnection, views: Sequence[DependentView]) -> list[str]:
        """Re-create the captured views after the swap (the old ones went with the backup's
        CASCADE drop). A view whose definition no longer fits the new relation (a column it
        reads is gone) stays dropped, as dbt leaves it; its name is returned."""
        lost: list[str] = []
        for view in views:
            name = f"{quote_identifier(view.schema)}.{quote_identifier(view.name)}"
            kind = "materialized view" if view.materialized else "view"
            with_options = f" with ({', '.join(view.options)})" if view.options else ""
            # one script per view (a failing statement ends it, and the transaction is then
            # taken back to the savepoint): one round trip instead of four
            script = [
                "savepoint dagwright_dependent",
                f"drop {kind} if exists {name} cascade",
                f"create {kind} {name}{with_options} as\n{view.definition}",
            ]
            if view.comment is not None:
                script.append(f"comment on {kind} {name} is {sql_literal(view.comment)}")
            try:
                conn.execute(";\n".join([*script, "release savepoint dagwright_dependent"]))
            except DatabaseError:
                conn.execute("rollback to savepoint dagwright_dependent;\nrelease savepoint dagwright_dependent")
                lost.append(f"{view.schema}.{view.name}")
                # gone if the transaction commits, still there if it rolls back
                self.relations.forget(Relation(None, view.schema, view.name))
        return lost

    # -- varchar widening: dbt-postgres' expand_target_column_types ------------------------------
    def expand_target_column_types(
        self, conn: GuardedConnection, from_relation: Relation, to_relation: Relation
    ) -> None:
        """Widen the string columns of ``to_relation`` that ``from_relation`` (the staged new
        rows of an incremental model or snapshot) holds in a larger type, as dbt-postgres does
        before it inserts: ``varchar(3)`` becomes ``varchar(10)`` (``text`` or an unsized
        ``varchar`` in the new rows count as 256, dbt's size for them). The column is re-made
        as dbt's ``alter_column_type`` does (added under a new name, filled, the old one
        dropped, renamed), so it moves to the end of the table, as with dbt-postgres.

        Two differences, both on the safe side: a target column without a size limit (``text``,
        ``varchar``) is never narrowed to a sized one (dbt-postgres would turn ``text`` into
        ``varchar(300)`` for new rows of that type, and fail on longer existing values), and
        the views that read the target are re-created rather than dropped with the column."""
        columns = conn.execute(
            "select a.attrelid = to_regclass(?), a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
            "from pg_catalog.pg_attribute a "
            "where a.attrelid in (to_regclass(?), to_regclass(?)) and a.attnum > 0 and not a.attisdropped "
            "order by a.attnum",
            [
                regclass_name(self.catalog_relation(to_relation)),
                regclass_name(self.catalog_relation(from_relation)),
                regclass_name(self.catalog_relation(to_relation)),
            ],
        ).rows
        target = {str(name): str(type_text) for is_target, name, type_text in columns if is_target}
        widen: list[tuple[str, int]] = []
        for is_target, name, type_text in columns:
            if is_target or str(name) not in target:
                continue
            new_size = _string_size(str(type_text))
            old_size = _string_size(target[str(name)])
            if new_size is None or old_size is None or old_size == _UNBOUNDED:
                continue
            new_size = 256 if new_size == _UNBOUNDED else new_size  # dbt's size of a limitless string
            if new_size > old_size:
                widen.append((str(name), new_size))
        if not widen:
            return
        kept = self.dependents(conn, to_relation)
        rendered = self.render(to_relation)
        for name, size in widen:
            column, scratch = quote_identifier(name), quote_identifier(name + "__dbt_alter")
            conn.execute(
                f"alter table {rendered} add column {scratch} character varying({size});\n"
                f"update {rendered} set {scratch} = {column};\n"
                f"alter table {rendered} drop column {column} cascade;\n"
                f"alter table {rendered} rename column {scratch} to {column}"
            )
        if kept:
            self.recreate_dependents(conn, kept)


#: a string column without a size limit (``text``, ``character varying``)
_UNBOUNDED = -1
_STRING_TYPE = re.compile(r"(character varying|character|bpchar|text)(?:\((\d+)\))?")


def _string_size(type_text: str) -> int | None:
    """A string column's size as dbt's ``Column.string_size`` counts it (256 without a
    limit), ``_UNBOUNDED`` for a target column that has none; None for other types."""
    match = _STRING_TYPE.fullmatch(type_text.strip().lower())
    if match is None:
        return None
    if match.group(2) is not None:
        return int(match.group(2))
    return _UNBOUNDED if match.group(1) in ("text", "character varying") else 256
