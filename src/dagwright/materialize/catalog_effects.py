"""A relation's side effects on the catalog once it is built, as dbt's materializations apply
them: its privileges (``grants``) and its comments (``persist_docs``).

They run inside the node's transaction, right before its publish (its COMMIT), so a grant or
comment that fails rolls the whole node back and readers keep the old relation with its old
privileges. The SQL is the adapter's (``adapters/catalog_effects_sql.py``); an engine without
it never gets here with a node that needs it (``parse/unsupported.py`` warns that DuckDB has
no grants, and that ``persist_docs``' column comments are not applied to Spark views). Spark and
BigQuery have no transaction: the grants come right after the relation is published (renamed
into place; the job that built it), as in their dbt adapters, then Spark's column comments
(``alter table ... alter column ... comment``, on any table format), and on BigQuery the
descriptions too, through the tables API (``describe``; the relation's description is also
written into the publishing job itself).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from dagwright.adapters.base import Adapter, Relation
from dagwright.guard import GuardedConnection
from dagwright.parse.nodes import Node

log = logging.getLogger("dagwright")


def has_catalog_effects(node: Node) -> bool:
    """Whether ``apply_catalog_effects`` would run anything for the node (cheap: two lookups)."""
    return bool(node.config.get("grants")) or bool(node.config.get("persist_docs"))


def apply_catalog_effects(
    conn: GuardedConnection, adapter: Adapter, node: Node, relation: Relation, kind: str, *, replaced: bool
) -> None:
    """Grants, then comments, on ``relation`` (of ``kind``, under its final name). ``replaced``:
    the relation is new (built and swapped in, or created): it carries no grants of its own,
    so the configured ones are granted without reading and revoking what was there (dbt's
    ``should_revoke`` is false where the engine does not copy grants to a replacement, as on
    PostgreSQL); a table changed in place keeps its grants, which are compared with the
    config: the missing granted, the others revoked."""
    grants = node.config.get("grants")
    if grants and isinstance(grants, Mapping) and hasattr(adapter, "grant_sql"):
        apply_grants(conn, adapter, relation, grants, revoke=not replaced, kind=kind)
    persist = node.config.get("persist_docs")
    if not persist or not isinstance(persist, Mapping):
        return
    if hasattr(adapter, "set_descriptions"):
        describe(adapter, node, relation, persist)
    elif hasattr(adapter, "comment_sql") or hasattr(adapter, "column_comment_sql"):
        persist_docs(conn, adapter, node, relation, kind, persist)


def describe(adapter: Any, node: Node, relation: Relation, persist: Mapping[str, Any]) -> None:
    """``persist_docs`` where the engine's dbt adapter sets descriptions through an API
    (BigQuery, after the job that published the relation): the node's description when
    ``relation`` is set and it is not empty; with ``columns``, each documented column's. A
    documented column the relation does not have is warned about, as dbt does."""
    description = node.description if persist.get("relation") and node.description else None
    columns: dict[str, tuple[str, bool]] = {}
    if persist.get("columns"):
        columns = {name: (column.description, bool(column.quote)) for name, column in node.columns.items()}
    if description is None and not columns:
        return
    missing = adapter.set_descriptions(relation, description, columns)
    if missing:
        log.warning(
            f"In relation {adapter.render(relation)}: columns documented in the YAML but not in the relation "
            f"were not described: {', '.join(missing)}"
        )


def _grantees(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _missing(a: Mapping[str, list[str]], b: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The grantees of ``a`` not in ``b``, per privilege, compared without regard to case (as
    dbt's ``diff_of_two_dicts``)."""
    lowered = {k.casefold(): {g.casefold() for g in v} for k, v in b.items()}
    out: dict[str, list[str]] = {}
    for privilege, grantees in a.items():
        have = lowered.get(privilege.casefold())
        left = grantees if have is None else [g for g in grantees if g.casefold() not in have]
        if left or have is None:
            out[privilege] = left
    return out


def apply_grants(
    conn: GuardedConnection,
    adapter: Any,
    relation: Relation,
    config: Mapping[str, Any],
    *,
    revoke: bool,
    kind: str = "table",
) -> None:
    wanted = {str(privilege): _grantees(grantees) for privilege, grantees in config.items()}
    to_revoke: dict[str, list[str]] = {}
    to_grant = wanted
    if revoke:
        current: dict[str, list[str]] = {}
        rows = conn.execute(adapter.show_grants_sql(relation)).rows
        read = getattr(adapter, "current_grants", None)  # Spark's show grants has rows of its own
        for grantee, privilege in read(rows) if read is not None else rows:
            current.setdefault(str(privilege), []).append(str(grantee))
        to_grant = _missing(wanted, current)
        to_revoke = _missing(current, wanted)
    statements = [adapter.revoke_sql(relation, p, g, kind=kind) for p, g in to_revoke.items() if g]
    statements += [adapter.grant_sql(relation, p, g, kind=kind) for p, g in to_grant.items() if g]
    # an engine that takes one grantee per statement (Spark) gives a list for each
    statements = [sql for item in statements for sql in ([item] if isinstance(item, str) else item)]
    _run(conn, adapter, statements)


def persist_docs(
    conn: GuardedConnection, adapter: Any, node: Node, relation: Relation, kind: str, persist: Mapping[str, Any]
) -> None:
    """dbt's ``persist_docs``: the node's description on the relation when ``relation`` is set
    and the description is not empty; with ``columns``, each documented column's description
    on the column of that exact name, if the relation has one."""
    statements: list[str] = []
    # Spark writes the relation's comment into the statement that builds it: no comment_sql
    if persist.get("relation") and node.description and hasattr(adapter, "comment_sql"):
        statements.append(adapter.comment_sql(relation, kind, node.description))
    kinds = getattr(adapter, "column_comment_kinds", None)  # Spark: tables only
    if persist.get("columns") and node.columns and (kinds is None or kind in kinds):
        existing = {column.name for column in conn.columns(relation)}
        for name, column in node.columns.items():
            if name in existing:
                sql_name = adapter.quote(name) if column.quote else name
                statements.append(adapter.column_comment_sql(relation, sql_name, column.description))
    _run(conn, adapter, statements)


def _run(conn: GuardedConnection, adapter: Any, statements: Sequence[str]) -> None:
    if not statements:
        return
    if getattr(adapter, "runs_scripts", False):
        conn.execute_script(statements)
    else:
        for sql in statements:
            conn.execute(sql)
