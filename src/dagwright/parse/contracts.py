"""What dbt-core checks about model contracts and constraints when it parses a project.

- A model whose property file patches it with an enforced contract must list its columns
  there, and its constraints must be of dbt's types; one with constraints on a
  materialization that builds none (a view, an ephemeral model) gets dbt's warning.
- An incremental model with an enforced contract must set ``on_schema_change`` to
  ``append_new_columns`` or ``fail`` (dbt's config validation).
- A primary key is declared on one column, or at the model level, not both.

The contract itself is checked and the constraints built when the model runs
(materialize/contract.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from dagwright.errors import ProjectError
from dagwright.parse.nodes import Manifest, Node
from dagwright.project.packages import InstalledPackage

log = logging.getLogger("dagwright")

CONSTRAINT_TYPES = ("check", "not_null", "unique", "primary_key", "foreign_key", "custom")
#: the materializations dbt builds constraints into
_ENFORCING = ("table", "incremental")


def _enforced(node: Node) -> bool:
    contract = node.config.get("contract")
    return isinstance(contract, Mapping) and contract.get("enforced") is True


def _column_constraints(node: Node) -> list[Mapping[str, Any]]:
    return [c for column in node.columns.values() for c in column.constraints]


def _patch_file(node: Node) -> str | None:
    return node.patch_path.split("://", 1)[-1] if node.patch_path else None


def check_contracts(manifest: Manifest, packages: Sequence[InstalledPackage] = ()) -> None:
    for node in manifest.nodes.values():
        if node.resource_type != "model":
            continue
        if node.patch_path is not None:
            _check_primary_keys(node)
            if _enforced(node):
                _check_patched_contract(node)
        if _enforced(node) and node.materialized == "incremental":
            mode = node.config.get("on_schema_change") or "ignore"
            if mode not in ("append_new_columns", "fail"):
                raise ProjectError(
                    f"Invalid value for on_schema_change: {mode}. Models materialized as incremental with "
                    "contracts enabled must set on_schema_change to 'append_new_columns' or 'fail'",
                    path=node.original_file_path,
                    node=node.unique_id,
                    hint="set on_schema_change: append_new_columns (or fail) in the model's config",
                )


def _check_patched_contract(node: Node) -> None:
    every = [*_column_constraints(node), *node.constraints]
    if any(c.get("warn_unsupported", True) for c in every) and node.materialized not in _ENFORCING:
        log.warning(
            "Constraint types are not supported for %s materializations and will be ignored (model %s). "
            "Set 'warn_unsupported: false' on this constraint to ignore this warning.",
            node.materialized,
            node.unique_id,
        )
    problems = []
    if not node.columns:
        problems.append("Constraints must be defined in a `yml` schema configuration file like `schema.yml`.")
    if node.language != "sql":
        problems.append(f"Language Error: Expected 'sql' but found '{node.language}'")
    if problems:
        raise ProjectError(
            f"Contract enforcement failed for: ({node.original_file_path})\n" + "\n".join(problems),
            path=_patch_file(node),
            node=node.unique_id,
        )
    if any(c.get("type") not in CONSTRAINT_TYPES for c in node.constraints):
        raise ProjectError(
            f"Invalid constraint type on model {node.name}: Type must be one of {list(CONSTRAINT_TYPES)}",
            path=_patch_file(node),
            node=node.unique_id,
        )


def _check_primary_keys(node: Node) -> None:
    keyed = [
        column.name
        for column in node.columns.values()
        for constraint in column.constraints
        if constraint.get("type") == "primary_key"
    ]
    problems = []
    if len(keyed) > 1:
        problems.append(
            f"Found {len(keyed)} columns ({keyed}) with primary key constraints defined. "
            "Primary keys for multiple columns must be defined as a model level constraint."
        )
    if keyed and any(c.get("type") == "primary_key" for c in node.constraints):
        problems.append(
            "Primary key constraints defined at the model level and the columns level. "
            "Primary keys can be defined at the model level or the column level, not both."
        )
    if problems:
        raise ProjectError(
            f"Primary key constraint error: ({node.original_file_path})\n" + "\n".join(problems),
            path=_patch_file(node),
            node=node.unique_id,
        )
