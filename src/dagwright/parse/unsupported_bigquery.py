"""BigQuery configs dagwright does not run, found before anything runs (``parse.unsupported``
rows, only when the target's engine is BigQuery).

- dbt-bigquery's table configs dagwright does not implement (``UNSUPPORTED_TABLE_CONFIGS`` of
  adapters/bigquery_ddl.py, and ``partition_by``'s ``time_ingestion_partitioning`` and
  ``copy_partitions``): ignoring them would build another table than dbt-bigquery does;
- an ``incremental_strategy`` dbt-bigquery rejects (anything but ``merge``,
  ``insert_overwrite``, ``microbatch``; microbatch has a row of its own): dbt-bigquery fails the
  model on every run, so dagwright says so before running anything.

- column ``policy_tags`` of a model with ``persist_docs: {columns: true}`` (dbt-bigquery attaches
  them to the table's columns with the column descriptions; without persist_docs it attaches
  nothing either): ignoring them would leave the columns without their access control.

The materializations check the same again when they build (a config set by Jinja at run time).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dagwright.adapters.bigquery_ddl import UNSUPPORTED_TABLE_CONFIGS
from dagwright.parse.nodes import Node
from dagwright.parse.unsupported_scope import NODE_KEYS, Finding, Scope, truthy

#: dbt-bigquery's configs that change the table, not implemented
TABLE_CONFIGS = UNSUPPORTED_TABLE_CONFIGS
PARTITION_KEYS = ("time_ingestion_partitioning", "copy_partitions")
STRATEGIES = ("merge", "insert_overwrite", "microbatch")
_TYPES = ("model", "seed", "snapshot")

NODE_KEYS.update(TABLE_CONFIGS)
NODE_KEYS.update(("partition_by", "incremental_strategy"))


def _label(node: Node) -> str:
    return f"{node.resource_type} '{node.name}'"


def _bigquery_nodes(scope: Scope, keys: tuple[str, ...]) -> list[Node]:
    if scope.adapter_type != "bigquery":
        return []
    return [
        n
        for n in scope.candidates()
        if n.resource_type in _TYPES and any(n.config.get(k) not in (None, False, [], {}) for k in keys)
    ]


def unsupported_configs(scope: Scope) -> list[Finding]:
    out = []
    for node in _bigquery_nodes(scope, (*TABLE_CONFIGS, "partition_by")):
        config = node.config
        used = [f"`{k}` ({what})" for k, what in TABLE_CONFIGS.items() if config.get(k) not in (None, False, [], {})]
        partition_by = node.config.get("partition_by")
        if isinstance(partition_by, Mapping):
            used += [f"`partition_by.{k}`" for k in PARTITION_KEYS if partition_by.get(k)]
        if used:
            out.append(Finding(node.original_file_path, None, f"{_label(node)} sets {', '.join(used)}"))
    return out


def rejected_strategies(scope: Scope) -> list[Finding]:
    out = []
    for node in _bigquery_nodes(scope, ("incremental_strategy",)):
        strategy = node.config.get("incremental_strategy")
        if node.materialized == "incremental" and strategy not in STRATEGIES:
            what = f"has incremental_strategy '{strategy}', which dbt-bigquery rejects"
            out.append(Finding(node.original_file_path, None, f"{_label(node)} {what}"))
    return out


def _persists_column_docs(node: Node) -> bool:
    docs = node.config.get("persist_docs")
    return isinstance(docs, Mapping) and truthy(docs.get("columns")) and node.materialized != "ephemeral"


def policy_tags(scope: Scope) -> list[Finding]:
    """Selected models whose columns have policy_tags that dbt-bigquery would attach."""
    if scope.adapter_type != "bigquery":
        return []
    found = scope.occurrences("bigquery_policy_tags")
    if not found:
        return []
    from dagwright.project.yamlio import line_of

    chosen, nodes = set(scope.selected), scope.manifest.nodes
    out = []
    for o in found:
        node = nodes.get(o.get("node")) if o.get("node") in chosen else None
        if node is None or not _persists_column_docs(node):
            continue
        line = line_of(Path(o["path"]), tuple(o["keypath"])) if o.get("path") else None
        what = f"model '{node.name}' has columns with policy_tags and persist_docs: {{columns: true}}"
        out.append(Finding(str(o["file"]), line, what))
    return out
