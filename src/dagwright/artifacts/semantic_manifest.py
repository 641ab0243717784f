"""target/semantic_manifest.json: the project's semantic layer as MetricFlow reads it.

dbt writes it beside manifest.json whenever it writes that (empty lists when the project has
no semantic models, metrics or saved queries): the semantic models, metrics and saved queries
with every optional field of dbt-semantic-interfaces spelled out with its default, filters as
``{"where_filters": [{"where_sql_template": ...}]}``, windows as ``{"count", "granularity"}``,
each metric's ``input_measures`` (the measures it reads, through the metrics it uses), a
metric for each measure with ``create_metric: true``, and the project's time spines (models
with ``time_spine:``; the legacy ``metricflow_time_spine`` model when it has none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from dagwright.adapters.base import Relation
from dagwright.artifacts.files import write_json_atomic
from dagwright.parse.nodes import Manifest, SemanticNode
from dagwright.parse.time_spines import TIME_GRAINS
from dagwright.rendering.semantic_dicts import node_relation

#: the dbt-semantic-interfaces version dbt 1.11 writes
_DSI_VERSION = {"major_version": "0", "minor_version": "9", "patch_version": "0"}
_LEGACY_TIME_SPINE = "metricflow_time_spine"
_WINDOW = re.compile(r"^\s*(\d+)\s+(\w+)\s*$")

Render = Callable[[Relation], str]


def _filter(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return {"where_filters": [{"where_sql_template": str(item)} for item in items]}


def _window(value: Any) -> dict[str, Any] | None:
    """``"7 days"`` -> ``{"count": 7, "granularity": "day"}`` (a plural grain made singular)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {"count": value.get("count"), "granularity": value.get("granularity")}
    match = _WINDOW.match(str(value))
    if match is None:
        return {"count": None, "granularity": str(value)}
    grain = match.group(2).lower()
    singular = grain[:-1] if grain.endswith("s") and grain[:-1] in _GRAINS else grain
    return {"count": int(match.group(1)), "granularity": singular}


_GRAINS = frozenset(TIME_GRAINS)


def _measure_input(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    given = value if isinstance(value, Mapping) else {"name": value}
    return {
        "name": given.get("name"),
        "filter": _filter(given.get("filter")),
        "alias": given.get("alias"),
        "join_to_timespine": bool(given.get("join_to_timespine", False)),
        "fill_nulls_with": given.get("fill_nulls_with"),
    }


def _metric_input(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    given = value if isinstance(value, Mapping) else {"name": value}
    return {
        "name": given.get("name"),
        "filter": _filter(given.get("filter")),
        "alias": given.get("alias"),
        "offset_window": _window(given.get("offset_window")),
        "offset_to_grain": given.get("offset_to_grain"),
    }


def _meta_config(config: Any) -> dict[str, Any]:
    meta = config.get("meta") if isinstance(config, Mapping) else None
    return {"meta": dict(meta) if isinstance(meta, Mapping) else {}}


# -- semantic models ----------------------------------------------------------------------------


def _entity(e: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": e.get("name"),
        "description": e.get("description"),
        "type": e.get("type"),
        "role": e.get("role"),
        "expr": e.get("expr"),
        "metadata": None,
        "label": e.get("label"),
        "config": _meta_config(e.get("config")),
    }


def _measure(m: Mapping[str, Any]) -> dict[str, Any]:
    agg_params = m.get("agg_params")
    if isinstance(agg_params, Mapping):
        defaults = {"percentile": None, "use_discrete_percentile": False, "use_approximate_percentile": False}
        agg_params = {**defaults, **agg_params}
    non_additive = m.get("non_additive_dimension")
    if isinstance(non_additive, Mapping):
        non_additive = {
            "name": non_additive.get("name"),
            "window_choice": non_additive.get("window_choice", "min"),
            "window_groupings": list(non_additive.get("window_groupings") or []),
        }
    return {
        "name": m.get("name"),
        "agg": m.get("agg"),
        "description": m.get("description"),
        "create_metric": False,  # as dbt writes it: the metric it asked for is in "metrics"
        "expr": m.get("expr"),
        "agg_params": agg_params,
        "metadata": None,
        "non_additive_dimension": non_additive,
        "agg_time_dimension": m.get("agg_time_dimension"),
        "label": m.get("label"),
        "config": _meta_config(m.get("config")),
    }


def _dimension(d: Mapping[str, Any]) -> dict[str, Any]:
    params = d.get("type_params")
    if isinstance(params, Mapping):
        params = {"time_granularity": params.get("time_granularity"), "validity_params": params.get("validity_params")}
    return {
        "name": d.get("name"),
        "description": d.get("description"),
        "type": d.get("type"),
        "is_partition": bool(d.get("is_partition", False)),
        "type_params": params,
        "expr": d.get("expr"),
        "metadata": None,
        "label": d.get("label"),
        "config": _meta_config(d.get("config")),
    }


def _semantic_model(node: SemanticNode, manifest: Manifest, render: Render) -> dict[str, Any]:
    body = node.body
    model = manifest.nodes.get(node.depends_on[0]) if node.depends_on else None
    return {
        "name": node.name,
        "defaults": body.get("defaults"),
        "description": node.description,
        "node_relation": node_relation(model, render),
        "primary_entity": body.get("primary_entity"),
        "entities": [_entity(e) for e in body.get("entities") or []],
        "measures": [_measure(m) for m in body.get("measures") or []],
        "dimensions": [_dimension(d) for d in body.get("dimensions") or []],
        "label": node.label,
        "metadata": None,
        "config": _meta_config(node.config),
    }


# -- metrics ------------------------------------------------------------------------------------


def _metric(
    name: str,
    kind: str,
    params: Mapping[str, Any],
    *,
    description: str | None,
    label: str | None,
    config: Mapping[str, Any],
    filter_: Any = None,
    time_granularity: Any = None,
) -> dict[str, Any]:
    conversion = params.get("conversion_type_params")
    if isinstance(conversion, Mapping):
        constants = conversion.get("constant_properties")
        conversion = {
            "base_measure": _measure_input(conversion.get("base_measure")),
            "conversion_measure": _measure_input(conversion.get("conversion_measure")),
            "entity": conversion.get("entity"),
            "calculation": conversion.get("calculation", "conversion_rate"),
            "window": _window(conversion.get("window")),
            "constant_properties": [dict(c) for c in constants] if constants else None,
        }
    cumulative = params.get("cumulative_type_params")
    if kind == "cumulative" or cumulative is not None:
        own = cumulative if isinstance(cumulative, Mapping) else {}
        cumulative = {
            "window": _window(own.get("window", params.get("window"))),
            "grain_to_date": own.get("grain_to_date", params.get("grain_to_date")),
            "period_agg": own.get("period_agg", "first"),
        }
    return {
        "name": name,
        "description": description if description is not None else "",
        "type": kind,
        "type_params": {
            "measure": _measure_input(params.get("measure")),
            "numerator": _metric_input(params.get("numerator")),
            "denominator": _metric_input(params.get("denominator")),
            "expr": params.get("expr"),
            "window": _window(params.get("window")),
            "grain_to_date": params.get("grain_to_date"),
            "metrics": [_metric_input(m) for m in params.get("metrics") or []],
            "conversion_type_params": conversion,
            "cumulative_type_params": cumulative,
            "input_measures": [],  # filled in once every metric is known (_input_measures)
        },
        "filter": _filter(filter_),
        "metadata": None,
        "label": label,
        "config": _meta_config(config),
        "time_granularity": time_granularity,
    }


def _input_measures(metrics: dict[str, dict[str, Any]]) -> None:
    """Each metric's ``input_measures``: its own measures, or those of the metrics it uses."""
    done: dict[str, list[dict[str, Any]]] = {}

    def measures_of(name: str, seen: frozenset[str]) -> list[dict[str, Any]]:
        if name in done:
            return done[name]
        metric = metrics.get(name)
        if metric is None or name in seen:
            return []
        params = metric["type_params"]
        found: list[dict[str, Any]] = []
        if params["measure"] is not None:
            found.append(params["measure"])
        conversion = params["conversion_type_params"]
        if conversion is not None:
            found += [m for m in (conversion["base_measure"], conversion["conversion_measure"]) if m is not None]
        used = [params["numerator"], params["denominator"], *params["metrics"]]
        for item in used:
            if item is not None:
                found += measures_of(str(item["name"]), seen | {name})
        unique: list[dict[str, Any]] = []
        for measure in found:
            if measure not in unique:
                unique.append(measure)
        done[name] = unique
        return unique

    for name, metric in metrics.items():
        metric["type_params"]["input_measures"] = measures_of(name, frozenset())


def _created_metrics(models: list[SemanticNode]) -> list[dict[str, Any]]:
    """The metric dbt makes of each measure with ``create_metric: true``."""
    out = []
    for node in models:
        if not isinstance(node.body.get("measures"), list):
            continue
        for m in node.body.get("measures") or []:
            if isinstance(m, Mapping) and m.get("create_metric"):
                name = str(m.get("name"))
                out.append(
                    _metric(
                        name,
                        "simple",
                        {"measure": name, "expr": m.get("expr")},
                        description=f"Metric created from measure {name}",
                        label=m.get("label") or name,
                        config=m.get("config") or {},
                    )
                )
    return out


# -- saved queries, time spines -----------------------------------------------------------------


def _saved_query(node: SemanticNode) -> dict[str, Any]:
    body = node.body
    params = body.get("query_params") or {}
    exports = []
    for export in body.get("exports") or []:
        config = export.get("config") or {}
        exported = {"export_as": config.get("export_as", "table"), "schema_name": config.get("schema")}
        exported["alias"] = config.get("alias") or export.get("name")
        if config.get("database") is not None:
            exported["database"] = config["database"]
        exports.append({"name": export.get("name"), "config": exported})
    return {
        "name": node.name,
        "query_params": {
            "metrics": list(params.get("metrics") or []),
            "group_by": list(params.get("group_by") or []),
            "order_by": list(params.get("order_by") or []),
            "limit": params.get("limit"),
            "where": _filter(params.get("where")),
        },
        "description": node.description,
        "metadata": None,
        "label": node.label,
        "exports": exports,
        "tags": list(body.get("tags") or node.tags),
    }


def _time_spines(manifest: Manifest, render: Render) -> list[dict[str, Any]]:
    out = []
    for node in manifest.nodes.values():
        spine = node.time_spine
        if node.resource_type != "model" or spine is None:
            continue
        column_name = spine.get("standard_granularity_column")
        column = node.columns.get(str(column_name))
        out.append(
            {
                "node_relation": node_relation(node, render),
                "primary_column": {"name": column_name, "time_granularity": column.granularity if column else None},
                "custom_granularities": [
                    {"name": c.get("name"), "column_name": c.get("column_name")}
                    for c in spine.get("custom_granularities") or []
                    if isinstance(c, Mapping)
                ],
            }
        )
    return out


def _legacy_time_spine(manifest: Manifest, render: Render) -> list[dict[str, Any]]:
    """The ``metricflow_time_spine`` model, when the project has semantic models and the model
    has no ``time_spine:`` of its own (dbt's backward compatibility)."""
    model = next(
        (n for n in manifest.nodes.values() if n.resource_type == "model" and n.name == _LEGACY_TIME_SPINE), None
    )
    if model is None or model.time_spine is not None:
        return []
    return [{"location": render(model.relation), "column_name": "date_day", "grain": "day"}]


def semantic_manifest_dict(manifest: Manifest, render: Render) -> dict[str, Any]:
    nodes = list(manifest.semantic_nodes.values())
    models = [n for n in nodes if n.resource_type == "semantic_model"]
    metrics: dict[str, dict[str, Any]] = {}
    # dbt adds a file's metrics, then those its semantic models create: file by file
    files = list(dict.fromkeys(n.original_file_path for n in nodes))
    for file in files:
        _add_metrics(metrics, [n for n in nodes if n.original_file_path == file])
    _input_measures(metrics)
    time_spines = _time_spines(manifest, render)
    legacy = _legacy_time_spine(manifest, render) if models else []
    return {
        "semantic_models": [_semantic_model(n, manifest, render) for n in models],
        "metrics": list(metrics.values()),
        "project_configuration": {
            "time_spine_table_configurations": legacy,
            "metadata": None,
            "dsi_package_version": dict(_DSI_VERSION),
            "time_spines": time_spines,
        },
        "saved_queries": [_saved_query(n) for n in nodes if n.resource_type == "saved_query"],
    }


def _add_metrics(metrics: dict[str, dict[str, Any]], nodes: list[SemanticNode]) -> None:
    for node in nodes:
        if node.resource_type == "metric":
            body = node.body
            metrics[node.name] = _metric(
                node.name,
                str(body.get("type")),
                body.get("type_params") or {},
                description=node.description,
                label=node.label,
                config=node.config,
                filter_=body.get("filter"),
                time_granularity=body.get("time_granularity"),
            )
    for created in _created_metrics([n for n in nodes if n.resource_type == "semantic_model"]):
        metrics.setdefault(created["name"], created)


def write_semantic_manifest(path: Path, manifest: Manifest, render: Render) -> None:
    write_json_atomic(path, semantic_manifest_dict(manifest, render))
