"""Model contracts (``contract: {enforced: true}``) and constraints, as dbt-core 1.11 applies them.

Before a contracted model is built, its query's columns are compared with the YAML
``columns``: both are read by the engine itself, the query wrapped so that it scans nothing
(``select * from (...) where false limit 0``) and the YAML as ``select cast(null as
<data_type>) as <name>, ...``, so each engine normalises type aliases as dbt's adapter sees
them (DuckDB's ``describe``; the driver's type codes on PostgreSQL, the adapter's
``contract_columns``). A missing, extra or differently typed column fails the model with
dbt's table of differences, before anything is built: the old relation stays.

A contracted table is then created with an explicit column list and its constraints, and
filled in the same publication (``create table t (col type constraints, ...)`` then
``insert into t (cols) select cols from (<query>) as model_subq``): a constraint the rows
violate fails the insert, and the strategy's abort leaves the old relation as it was. A view
checks its columns only (dbt builds no constraints into views).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dagwright.adapters.base import Adapter, ExecResult, Relation
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection
from dagwright.materialize.constraints import (
    column_list,
    select_list,
    table_definition,
    typed_columns,
)
from dagwright.materialize.persisted_constraints import persist_constraints
from dagwright.materialize.publishing.base import NewRelation
from dagwright.parse.nodes import Node

#: how wide a cell of dbt's table of differences may be (agate's ``max_column_width``)
_MAX_WIDTH = 50
_TABLE_HEADER = ("column_name", "definition_type", "contract_type", "mismatch_reason")


def contract_enforced(node: Node) -> bool:
    contract = getattr(node, "config", {}).get("contract")  # a stand-in node may have no config
    return isinstance(contract, Mapping) and contract.get("enforced") in (True, "true", "True")


class ContractError(CompilationError):
    """A contracted model's query does not give the columns its YAML promises."""


def _indented(lines: Sequence[str]) -> str:
    # the runner puts the first line after "Compilation Error in model ...\n  "; dbt indents
    # every following line of the message the same way
    return "\n  ".join(lines)


def check_contract(conn: GuardedConnection, adapter: Adapter, node: Node, sql: str) -> None:
    """dbt's ``assert_columns_equivalent``: raise ContractError unless the query's columns are
    the YAML's, by name, type and number."""
    columns = list(node.columns.values())
    if not columns:
        raise ContractError("This model has an enforced contract, and its 'columns' specification is missing")
    untyped = [c.name for c in columns if not c.data_type]
    if untyped:
        raise ContractError(
            "Contracted models require data_type to be defined for each column. Please ensure that the "
            f"column name and data_type are defined within the YAML configuration for the {untyped!r} column(s)."
        )
    defined = query_columns(conn, adapter, sql)
    promised = query_columns(conn, adapter, empty_schema_sql(adapter, node))
    if _equivalent(defined, promised):
        return
    lines = [
        "This model has an enforced contract that failed.",
        "Please ensure the name, data_type, and number of columns in your contract match the columns "
        "in your model's definition.",
        "",
        *mismatch_table(promised, defined),
        "",
    ]
    raise ContractError(_indented(lines))


def query_columns(conn: GuardedConnection, adapter: Adapter, sql: str) -> list[tuple[str, str]]:
    """(name, type) of a query's columns as the engine's dbt adapter reads them, scanning nothing."""
    empty = f"select * from (\n{sql}\n) as __dbt_sbq\nwhere false\nlimit 0"
    own = getattr(adapter, "contract_columns", None)  # optional capability: PostgreSQL's
    if own is not None:
        return list(own(conn, empty))
    return [(str(row[0]), str(row[1])) for row in conn.execute(f"describe ({empty})").rows]


def empty_schema_sql(adapter: Adapter, node: Node) -> str:
    """dbt's ``get_empty_schema_sql``: one row of typed nulls named as the YAML's columns (on
    BigQuery, dotted names nested into STRUCT columns)."""
    items = [f"cast(null as {declared}) as {name}" for name, declared in typed_columns(adapter, node)]
    return "select\n    " + ",\n    ".join(items)


def _equivalent(defined: Sequence[tuple[str, str]], promised: Sequence[tuple[str, str]]) -> bool:
    if len(defined) != len(promised):
        return False
    types = dict(promised)
    return all(name in types and types[name] == dtype for name, dtype in defined)


def mismatch_table(promised: Sequence[tuple[str, str]], defined: Sequence[tuple[str, str]]) -> list[str]:
    """dbt's table of differences (sorted by column name), as lines of a Markdown-like table."""
    types = dict(promised)
    rows: list[tuple[str, str, str, str]] = []
    for name, dtype in defined:
        if name not in types:
            rows.append((name, dtype, "", "missing in contract"))
        elif types[name] != dtype:
            rows.append((name, dtype, types[name], "data type mismatch"))
    names = {name for name, _ in defined}
    rows += [(name, "", dtype, "missing in definition") for name, dtype in promised if name not in names]
    rows.sort(key=lambda row: row[0])
    cells = [[_cell(value) for value in row] for row in [_TABLE_HEADER, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(_TABLE_HEADER))]
    lines = ["| " + " | ".join(value.ljust(widths[i]) for i, value in enumerate(row)) + " |" for row in cells]
    lines.insert(1, "| " + " | ".join("-" * width for width in widths) + " |")
    return lines


def _cell(value: str) -> str:
    return value if len(value) <= _MAX_WIDTH else value[: _MAX_WIDTH - 3] + "..."


def new_relation(adapter: Adapter, node: Node, sql: str, **fields: Any) -> NewRelation:
    """A model's new table: built from its query, or, under an enforced contract, checked and
    created with its columns and constraints (``contracted_table``); where the engine's dbt
    adapter builds it from its query and adds the constraints after (Spark), checked, built
    with the YAML's columns in order, and given its constraints under the temporary name,
    before the publish (``persisted_constraints.py``)."""
    if not contract_enforced(node):
        return NewRelation("table", select_sql=sql, **fields)
    if getattr(adapter, "contract_table_from_query", False):  # Spark: dbt-spark's CTAS, constraints after
        return NewRelation(
            "table",
            select_sql=f"select {column_list(adapter, node)}\nfrom (\n{sql}\n) as model_subq",
            check=lambda conn: check_contract(conn, adapter, node, sql),
            then=lambda conn, relation: persist_constraints(conn, adapter, node, relation),
            **fields,
        )
    if getattr(adapter, "contracted_table_as_sql", None) is not None:  # one statement (BigQuery)
        return NewRelation(
            "table",
            select_sql=f"select {select_list(adapter, node)}\nfrom (\n{sql}\n) as model_subq",
            check=lambda conn: check_contract(conn, adapter, node, sql),
            column_ddl=lambda: table_definition(adapter, node),
            **fields,
        )
    return NewRelation("table", fill=contracted_table(adapter, node, sql), **fields)


def contracted_table(adapter: Adapter, node: Node, sql: str) -> Callable[[GuardedConnection, Relation], ExecResult]:
    """A ``NewRelation.fill``: the contract checked, the table created with its columns and
    constraints under the name it is given, then filled from the query in the YAML's order."""

    def fill(conn: GuardedConnection, relation: Relation) -> ExecResult:
        check_contract(conn, adapter, node, sql)
        conn.execute(adapter.create_table_sql(relation, table_definition(adapter, node)))
        names = column_list(adapter, node)
        select = f"select {select_list(adapter, node)}\nfrom (\n{sql}\n) as model_subq"
        return conn.execute(f"insert into {adapter.render(relation)} ({names})\n{select}")

    return fill
