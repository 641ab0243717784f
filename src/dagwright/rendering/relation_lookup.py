"""How ``adapter.get_relation`` and the adapter methods that take a relation check what they
are given, as dbt's adapters do."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dagwright.adapters.base import ExecResult, Relation
from dagwright.errors import CompilationError

Query = Callable[[str, Sequence[Any]], ExecResult]


def require_relation(relation: Any, method: str) -> None:
    """A relation argument that is not one (a string, None) is the template's error, named
    as such (dbt fails on it too, deeper in its macros)."""
    if relation is None or isinstance(relation, str) or not hasattr(relation, "identifier"):
        shown = "None" if relation is None else f"a {type(relation).__name__} ({relation!r})"
        raise CompilationError(
            f"adapter.{method}() needs a relation, got {shown}",
            hint="pass ref(...), source(...), this, adapter.get_relation(...) or api.Relation.create(...)",
        )


def find_relation(
    query: Query, make: Callable[[Relation, str | None], Any], database: str | None, schema: str, identifier: str
) -> Any:
    """The relation named exactly so, or None. A relation whose name differs only in case is an
    error, as in dbt ("approximate match"): guessing could build over the wrong relation."""
    result = query(
        "select table_catalog, table_schema, table_name, table_type from information_schema.tables "
        "where lower(table_catalog) = lower(?) and lower(table_schema) = lower(?) and lower(table_name) = lower(?)",
        [database, schema, identifier],
    )
    exact = [row for row in result.rows if (row[0], row[1], row[2]) == (database, schema, identifier)]
    if not exact and result.rows:
        catalog, found_schema, name, _ = result.rows[0]
        raise CompilationError(
            "When searching for a relation, dbt found an approximate match. Instead of guessing which relation "
            f'to use, dbt will move on. Please delete "{catalog}"."{found_schema}"."{name}", or rename it to be '
            f'less ambiguous.\n  Searched for: "{database}"."{schema}"."{identifier}"'
        )
    if not exact:
        return None
    catalog, found_schema, name, kind = exact[0]
    found = Relation(str(catalog), str(found_schema), str(name))
    return make(found, "view" if str(kind).upper() == "VIEW" else "table")
