"""A seed's loaded rows written as CSV by DuckDB, for an engine whose bulk load reads CSV
(PostgreSQL's ``COPY ... FROM STDIN (FORMAT csv)``), so no value is formatted in Python.

The rows are those of ``seed_types``' scratch table (dbt-duckdb's ``COPY`` of the file),
with the null rule of dbt-core's agate, which dbt-postgres binds: a text value that is
blank or ``null`` (any case, surrounding whitespace ignored, as Python's ``str.strip``
reads whitespace) is NULL. Text is always quoted (so an empty string, or ``\\.``, is not
read as NULL or the end of the data); NULL is an empty unquoted field. Only types whose
DuckDB text the engine reads back as the very value Python would have bound are written:
a table with another type returns None and the caller binds values instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: DuckDB types whose CSV text is the value itself for the engine: integers and decimals
#: as digits, doubles in their shortest round-trip form (``inf``, ``nan``, ``-0.0``),
#: ``true``/``false``, ISO dates and timestamps (years 1 to 9999), text
_EXPORTABLE = frozenset(
    ("BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "VARCHAR")
)

#: the characters Python's ``str.strip()`` removes (``str.isspace``; tests check the list)
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WHITESPACE = "".join(f"\\x{{{ord(char):x}}}" for char in WHITESPACE)  # as an RE2 class
#: agate's null: blank, or "null" in any case between whitespace
AGATE_NULL_PATTERN = f"[{_WHITESPACE}]*(?i:null)?[{_WHITESPACE}]*"


def exportable(duckdb_type: str) -> bool:
    if duckdb_type in _EXPORTABLE:
        return True
    # a DECIMAL's text keeps its scale (1.50); a year past 9999 never comes from a seed's DATE
    return duckdb_type.startswith("DECIMAL(")


def export_csv(cursor: Any, table: str, described: Sequence[str], export_to: Path) -> int | None:
    """Write ``table``'s rows (columns ``c0``, ``c1``, ... of the ``described`` types) to
    ``export_to`` as CSV without a header, in the table's order; their number, or None
    (nothing written) when a type is not exportable."""
    if not all(map(exportable, described)):
        return None
    pattern = "'" + AGATE_NULL_PATTERN.replace("'", "''") + "'"
    picked = []
    for index, duckdb_type in enumerate(described):
        column = f"c{index}"
        if duckdb_type == "VARCHAR":
            column = f"case when regexp_full_match({column}, {pattern}) then null else {column} end as {column}"
        picked.append(column)
    text_columns = [f"c{i}" for i, t in enumerate(described) if t == "VARCHAR"]
    options = "format csv, header false"
    if text_columns:
        options += f", force_quote ({', '.join(text_columns)})"
    target = "'" + str(export_to).replace("'", "''") + "'"
    cursor.execute(f"copy (select {', '.join(picked)} from {table}) to {target} ({options})")
    return int(cursor.execute(f"select count(*) from {table}").fetchone()[0])
