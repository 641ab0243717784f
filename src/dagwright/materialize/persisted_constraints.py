"""An enforced contract's constraints added to a table once it is built, as dbt-spark's
``persist_constraints`` adds them (its CTAS has no column list, so nothing goes into the DDL).

The adapter says whether a model's table gets them (``persists_constraints``: dbt-spark reads
the model's ``file_format``, taking a model that names none as ``delta``) and writes the SQL:

- each model-level ``check`` becomes ``alter table ... add constraint <name> check (...)``,
  named by its ``name`` or, without one, by the same md5 dbt-spark computes (so a Delta
  table's constraint has the same name with both tools); other model-level types are left
  out silently, as in dbt-spark;
- each column's ``not_null`` becomes ``alter table ... change column <c> set not null``; any
  other column constraint is left out with a warning.

Spark's v1 tables (parquet, the local default) have neither statement: Spark refuses them
(``UNSUPPORTED_FEATURE.TABLE_OPERATION``) and the model fails, as with dbt-spark. dagwright
sends them to the table under its temporary name, before the publish, so the failed model
leaves the previous relation as it was (dbt-spark has already dropped it by then).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from dagwright.adapters.base import Relation
from dagwright.guard import GuardedConnection
from dagwright.materialize.constraints import column_name
from dagwright.parse.nodes import Node

log = logging.getLogger("dagwright")


def _check_name(constraint: Mapping[str, Any], expression: str, position: int) -> str:
    name = constraint.get("name")
    if name:
        return str(name)
    # dbt-spark's name for an unnamed check: the md5 of ";<expression>;<position>" (1-based
    # among the model's constraints)
    return hashlib.md5(f";{expression};{position}".encode(), usedforsecurity=False).hexdigest()


def constraint_statements(adapter: Any, node: Node, relation: Relation) -> list[str]:
    """The statements adding the node's constraints to ``relation``; warns about the column
    constraints left out."""
    statements: list[str] = []
    for position, constraint in enumerate(node.constraints, start=1):
        if constraint.get("type") == "check":
            expression = str(constraint.get("expression") or "")
            name = _check_name(constraint, expression, position)
            statements.append(adapter.add_check_constraint_sql(relation, name, expression))
    for column in node.columns.values():
        for constraint in column.constraints:
            kind = constraint.get("type")
            if kind != "not_null":
                log.warning(
                    f"Invalid constraint for column {column.name} of model '{node.name}': only `not_null` is "
                    f"supported on a column here; its '{kind}' constraint is not applied (as dbt-spark)"
                )
                continue
            expression = str(constraint.get("expression") or "")
            statements.append(adapter.set_not_null_sql(relation, column_name(adapter, column), expression))
    return statements


def persist_constraints(conn: GuardedConnection, adapter: Any, node: Node, relation: Relation) -> None:
    """A ``NewRelation.then``: the constraints added to the table just built under ``relation``
    (``adapter``: one with ``persists_constraints``, Spark's)."""
    if not adapter.persists_constraints(node.config):
        return
    for sql in constraint_statements(adapter, node, relation):
        conn.execute(sql)
