"""PostgreSQL's catalog: the run's relation cache, and the views bound to a relation.

Which relations exist comes from the run's relation cache (``PostgresRelationCache``): the
schemas a run builds into are listed in one catalog query at its start, not looked up per
node. PostgreSQL binds a view to the relations it reads by OID, not by name, so after a swap
it would read the backup, and dropping the backup (CASCADE) drops it: ``keep_dependents_sql``
captures the definitions of the views (and materialized views) that depend on a relation
before the swap, and ``recreate_dependents_sql`` re-creates them, by name, in the same
transaction (SQL the server runs, postgres_dependents.py: no round trip per view). Before
inserting, incremental models and snapshots widen the target's ``varchar(n)`` columns
(``expand_target_column_types``), as dbt-postgres does; views reading the table are kept
there too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from dagwright.adapters.base import Connection, Relation, RelationKind
from dagwright.adapters.cache import UNKNOWN, RelationCache
from dagwright.adapters.postgres_dependents import LOST, RECREATE, keep_dependents_sql, lost_views
from dagwright.adapters.postgres_sql import PostgresSQL, quote_identifier, regclass_name

if TYPE_CHECKING:
    from dagwright.guard import GuardedConnection

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

    # -- views bound by OID: keep them across a swap (postgres_dependents.py) --------------------
    def keep_dependents_sql(self, relation: Relation) -> list[str]:
        """Statements capturing, under per-view advisory locks, the views that read
        ``relation`` (directly or through other views), before it is renamed away."""
        return keep_dependents_sql(self.catalog_relation(relation))

    def recreate_dependents_sql(self) -> list[str]:
        """Statements re-creating the captured views once the old relation is dropped."""
        return [RECREATE]

    def lost_views_sql(self) -> str:
        """The query naming the views the last re-creation could not make (a session setting:
        it may follow the COMMIT); its rows go to ``forget_lost_views``."""
        return LOST

    def forget_lost_views(self, rows: list[Any]) -> None:
        """The views that stayed dropped: gone if the transaction commits, still there if it
        rolls back; the run's cache asks the server about them next time."""
        for view in lost_views(rows):
            self.relations.forget(view)

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
        rendered = self.render(to_relation)
        script = self.keep_dependents_sql(to_relation)
        for name, size in widen:
            column, scratch = quote_identifier(name), quote_identifier(name + "__dbt_alter")
            script += [
                f"alter table {rendered} add column {scratch} character varying({size})",
                f"update {rendered} set {scratch} = {column}",
                f"alter table {rendered} drop column {column} cascade",
                f"alter table {rendered} rename column {scratch} to {column}",
            ]
        # one round trip: the views reading the table are kept, the columns re-made
        script += [*self.recreate_dependents_sql(), self.lost_views_sql()]
        self.forget_lost_views(conn.execute_script(script).rows)


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
