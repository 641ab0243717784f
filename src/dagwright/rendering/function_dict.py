"""A function's (dbt 1.11 UDF's) entry in manifest.json's ``functions``: a node's entry with
dbt's ``returns`` first and ``arguments`` last, and without the fields a function lacks."""

from __future__ import annotations

from typing import Any

from dagwright.parse.nodes import Node

#: what dbt's FunctionConfig adds to a node's config
FUNCTION_CONFIG_DEFAULTS: dict[str, Any] = {
    "materialized": "function",
    "type": "scalar",
    "volatility": None,
    "runtime_version": None,
    "entry_point": None,
}
#: fields of a node's entry that dbt's Function does not have
_NOT_FUNCTION_KEYS = ("primary_key", "time_spine", "access", "constraints", "version", "latest_version")


def function_dict(entry: dict[str, Any], node: Node) -> dict[str, Any]:
    returns = dict(node.returns or {"data_type": None, "description": None})
    out: dict[str, Any] = {"returns": returns}
    out.update((k, v) for k, v in entry.items() if k not in _NOT_FUNCTION_KEYS)
    out["unrendered_config"] = {k: node.config[k] for k in node.own_config_keys if k in node.config}
    out["arguments"] = [dict(argument) for argument in node.arguments]
    return out
