"""A model's foreign keys with ``to: ref(...)`` / ``source(...)`` compiled as dbt compiles them:
``to`` replaced by the relation it names, rendered by the engine's adapter (dbt-duckdb leaves
the database out: DuckDB refuses a catalog-qualified target). The parse stage made the
relation a parent of the model (parse/foreign_keys.py).

Where the engine cannot replace a table other tables' foreign keys reference (DuckDB), the
referencing tables are dropped inside the node's transaction and restored, without their
constraints, for the run to rebuild them later, as dbt-duckdb does: only when this run does
rebuild each of them (``rebuilt_dependents_check``), else the node fails before anything is
dropped."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import Any

from dagwright.adapters.base import Adapter, Relation
from dagwright.errors import CompilationError
from dagwright.materialize.contract import contract_enforced
from dagwright.parse.foreign_keys import foreign_keys_to, parse_to
from dagwright.parse.nodes import Manifest, Node, RefCall


def _target(manifest: Manifest, node: Node, text: str) -> Relation:
    call = parse_to(text)
    if isinstance(call, RefCall):
        uid = manifest.find_ref(call.name, call.package, node.package_name, call.version)
        found: Any = manifest.nodes.get(uid) if uid else None
    elif call is not None:
        uid = manifest.find_source(call.source_name, call.table_name, node.package_name)
        found = manifest.sources.get(uid) if uid else None
    else:
        found = None
    if found is None:
        raise CompilationError(
            f"Model '{node.unique_id}' depends on a node named '{text}' which was not found "
            "(the 'to' of its foreign key constraint)"
        )
    return found.relation


def _rendered(adapter: Adapter, relation: Relation) -> str:
    if getattr(adapter, "foreign_key_target_without_database", False):
        relation = Relation(None, relation.schema, relation.identifier)
    return adapter.render(relation)


def _compiled(adapter: Adapter, manifest: Manifest, node: Node, constraint: Any) -> Any:
    if constraint.get("type") != "foreign_key" or not constraint.get("to"):
        return constraint
    return {**constraint, "to": _rendered(adapter, _target(manifest, node, str(constraint["to"])))}


def with_foreign_keys_compiled(node: Node, manifest: Manifest, adapter: Adapter) -> Node:
    """``node`` with the ``to`` of each foreign key the relation it names; itself when it has none."""
    if next(foreign_keys_to(node), None) is None:
        return node
    columns = {
        name: replace(column, constraints=tuple(_compiled(adapter, manifest, node, c) for c in column.constraints))
        for name, column in node.columns.items()
    }
    constraints = tuple(_compiled(adapter, manifest, node, c) for c in node.constraints)
    return replace(node, columns=columns, constraints=constraints)


def rebuilt_dependents_check(
    manifest: Manifest, node: Node, selected: Collection[str], full_refresh: bool
) -> Callable[[Sequence[tuple[str, Sequence[str]]]], None]:
    """A ``NodeJob.check_rebuilt_dependents`` for ``node``: raises a CompilationError naming
    each referencing table this run would not rebuild from scratch after ``node`` (no model
    of the project builds it in the node's schema, its model is not selected, does not ref a
    table of the chain, or is an incremental model without a full refresh)."""

    def check(dependents: Sequence[tuple[str, Sequence[str]]]) -> None:
        target = node.relation
        chain = {target.identifier.lower(): node.unique_id}
        builders: dict[str, Node] = {}
        tables = {table.lower(): table for table, _ in dependents}
        for other in manifest.nodes.values():
            where = other.relation
            if (
                other.resource_type == "model"
                and (where.database or "").lower() == (target.database or "").lower()
                and (where.schema or "").lower() == (target.schema or "").lower()
                and where.identifier.lower() in tables
            ):
                builders[where.identifier.lower()] = other
                chain[where.identifier.lower()] = other.unique_id
        problems = []
        for table, referenced in dependents:
            builder = builders.get(table.lower())
            upstream = {chain[r] for r in referenced if r in chain}
            if builder is None:
                problems.append(f"{table} (no model of this project builds it)")
            elif builder.unique_id not in selected:
                problems.append(f"{table} (model {builder.name} is not selected)")
            elif not upstream & set(builder.depends_on):
                problems.append(
                    f"{table} (model {builder.name} does not ref() the table its foreign key references, so "
                    "it may run before it: write the constraint's `to: ref(...)`)"
                )
            elif not _rebuilt_whole(builder, full_refresh):
                problems.append(
                    f"{table} (model {builder.name} is an {builder.materialized} model and would lose its rows; "
                    "run with --full-refresh)"
                )
        if problems:
            raise CompilationError(
                f"Cannot replace {node.name}: DuckDB refuses to replace a table that foreign keys reference, "
                "and only the referencing tables this run rebuilds can be dropped and rebuilt after it. "
                f"Not rebuilt by this run: {'; '.join(problems)}"
            )

    return check


def _rebuilt_whole(node: Node, full_refresh: bool) -> bool:
    if node.materialized == "table":
        return True
    own = node.config.get("full_refresh")
    return node.materialized == "incremental" and bool(full_refresh if own is None else own)


def foreign_key_replace_note(manifest: Manifest, node: Node, error: str) -> str:
    """What to add to an engine's refusal to replace a table that another table's foreign key
    references (DuckDB's dependency error) where dagwright does not drop the referencing
    tables: the replaced table has no enforced contract (dbt-duckdb also drops them then, when
    the old table has a key). Empty for any other error."""
    if "depend" not in error.lower():
        return ""
    referencing = sorted(
        other.name
        for other in manifest.nodes.values()
        if node.unique_id in other.depends_on
        and contract_enforced(other)  # only then are its constraints built
        and other.materialized in ("table", "incremental")
        and any(_names(manifest, other, str(c["to"])) == node.unique_id for c in foreign_keys_to(other))
    )
    if not referencing:
        return ""
    return (
        f"\n  {node.name} is referenced by the foreign key of {', '.join(referencing)}: dagwright drops and "
        "rebuilds referencing tables only around a table with an enforced contract (dbt-duckdb also around "
        f"a table whose old version has a key); enforce {node.name}'s contract, drop {', '.join(referencing)} "
        f"first, or leave {node.name} out (--exclude)"
    )


def _names(manifest: Manifest, node: Node, text: str) -> str | None:
    call = parse_to(text)
    if isinstance(call, RefCall):
        return manifest.find_ref(call.name, call.package, node.package_name, call.version)
    if call is not None:
        return manifest.find_source(call.source_name, call.table_name, node.package_name)
    return None
