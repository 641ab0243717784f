"""The tables whose foreign keys reference a DuckDB table, read from the catalog.

DuckDB refuses to drop, rename or replace a table that another table's foreign key
references, and cannot drop a foreign key from a table. Rebuilding such a table therefore
means dropping the referencing tables first (dbt-duckdb does, inside the node's
transaction, for referencing tables its run rebuilds later: materialize/publishing/
transactional_replace.py). The referencing tables are found transitively (a table referencing
one of them must go first), in the referenced table's schema only: DuckDB's foreign keys do
not cross schemas.
"""

from __future__ import annotations

from typing import Any

from dagwright.adapters.base import Relation

#: (table, how deep in the chain, a table it references) for every table whose foreign key
#: reaches ``?.?.?`` (database, schema, table), deepest first: the order they are dropped in
DEPENDENTS_SQL = """
with recursive keys as (
    select table_name, referenced_table
    from duckdb_constraints()
    where constraint_type = 'FOREIGN KEY'
      and lower(database_name) = lower(?)
      and lower(schema_name) = lower(?)
      and lower(table_name) <> lower(referenced_table)
),
reaching(table_name, depth) as (
    select table_name, 1 from keys where lower(referenced_table) = lower(?)
    union
    select keys.table_name, reaching.depth + 1
    from keys join reaching on lower(keys.referenced_table) = lower(reaching.table_name)
)
select r.table_name, r.depth, k.referenced_table
from (select table_name, max(depth) as depth from reaching group by table_name) r
join keys k on k.table_name = r.table_name
order by r.depth desc, r.table_name, k.referenced_table
"""


def foreign_key_dependents(conn: Any, relation: Relation, database: str) -> list[tuple[str, list[str]]]:
    """Each table whose foreign key references ``relation`` (directly or through others), with
    the tables it references (lower-cased), deepest first."""
    rows = conn.execute(DEPENDENTS_SQL, [relation.database or database, relation.schema, relation.identifier]).rows
    found: dict[str, list[str]] = {}
    for table, _, referenced in rows:
        found.setdefault(str(table), []).append(str(referenced).lower())
    return list(found.items())
