"""The lines of ``ls``, as dbt-core prints them for each ``--output``.

- ``selector``: the fqn joined with dots; a source is ``source:<package>.<source>.<table>``,
  an exposure, metric, semantic model or saved query ``<type>:<package>.<name>`` (no folders:
  that is how they are selected).
- ``name``: the name (``<source>.<table>`` for a source).
- ``path``: the file, relative to the project.
- ``json``: the node as manifest.json has it, cut to dbt's keys (name, resource_type,
  package_name, original_file_path, unique_id, alias, config, tags, depends_on, source_name),
  or to ``--output-keys`` (``config.materialized`` reaches into a mapping).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from dagwright.errors import DagwrightError
from dagwright.parse.nodes import Exposure, Manifest, Node, SemanticNode, SourceTable
from dagwright.rendering.node_dicts import exposure_dict, node_dict, source_dict
from dagwright.rendering.semantic_dicts import semantic_dict

OUTPUTS = ("selector", "name", "path", "json")

#: the keys of a node ``ls --output json`` prints without --output-keys (dbt's ALLOWED_KEYS)
JSON_KEYS = frozenset(
    (
        "alias",
        "name",
        "package_name",
        "depends_on",
        "tags",
        "config",
        "resource_type",
        "source_name",
        "original_file_path",
        "unique_id",
    )
)


def selector(item: Node | SourceTable | Exposure | SemanticNode) -> str:
    if isinstance(item, SourceTable):
        return f"source:{item.package_name}.{item.source_name}.{item.name}"
    if isinstance(item, (Exposure, SemanticNode)):  # by package and name, without folders (as dbt)
        return f"{item.resource_type}:{item.package_name}.{item.name}"
    return ".".join(item.fqn)


def search_name(item: Node | SourceTable | Exposure | SemanticNode) -> str:
    return f"{item.source_name}.{item.name}" if isinstance(item, SourceTable) else item.name


def _nested(data: Mapping[str, Any], dotted: str) -> Any:
    current: Any = data
    for key in dotted.split("."):
        if not isinstance(current, Mapping) or key not in current:
            return None
        current = current[key]
    return current


def json_line(data: Mapping[str, Any], output_keys: Sequence[str]) -> str:
    if output_keys:
        picked: dict[str, Any] = {}
        for key in output_keys:
            if "." in key:
                value = _nested(data, key)
                if value is not None:  # as dbt: a missing nested key is left out
                    picked[key] = value
            elif key in data:
                picked[key] = data[key]
    else:
        picked = {k: v for k, v in data.items() if k in JSON_KEYS}
    return json.dumps(picked, default=str)


def unit_test_line(unit: Any, output: str, output_keys: Sequence[str]) -> str:
    """A unit test as dbt lists it (by package and name: it has no folder in its selector)."""
    if output == "selector":  # a version's unit test by its run name (``<name>_v<version>``), as dbt
        return f"unit_test:{unit.package_name}.{getattr(unit, 'run_name', unit.name)}"
    if output == "name":
        return str(unit.name)
    if output == "path":
        return str(unit.original_file_path)
    data = {
        "name": unit.name,
        "resource_type": "unit_test",
        "package_name": unit.package_name,
        "original_file_path": unit.original_file_path,
        "unique_id": unit.unique_id,
        "depends_on": {"macros": [], "nodes": list(unit.depends_on)},
        "config": {**unit.config, "static_analysis": unit.config.get("static_analysis")},
    }
    return json_line(data, output_keys)


def ls_lines(
    manifest: Manifest,
    unique_ids: Sequence[str],
    output: str,
    *,
    output_keys: Sequence[str] = (),
    render_relation: Callable[[Any], str],
    root_path: str,
    target_path: str,
    unit_tests: Mapping[str, Any] | None = None,
) -> Iterator[str]:
    """One line per unique_id, in the order given (dbt sorts them by unique_id). ``unit_tests``:
    the project's unit tests by unique_id."""
    if output not in OUTPUTS:
        raise DagwrightError(f"unknown --output '{output}'", hint=f"use one of: {', '.join(OUTPUTS)}")
    for uid in unique_ids:
        item = manifest.get(uid) or manifest.exposures.get(uid) or manifest.semantic_nodes.get(uid)
        if item is None:
            unit = (unit_tests or {}).get(uid)
            if unit is not None:
                yield unit_test_line(unit, output, output_keys)
            continue
        if output == "selector":
            yield selector(item)
        elif output == "name":
            yield search_name(item)
        elif output == "path":
            yield item.original_file_path
        elif isinstance(item, SourceTable):
            yield json_line(source_dict(item, item.relation_name(render_relation), 0.0), output_keys)
        elif isinstance(item, Exposure):
            yield json_line(exposure_dict(item, 0.0), output_keys)
        elif isinstance(item, SemanticNode):
            yield json_line(semantic_dict(item, manifest, render_relation, 0.0), output_keys)
        else:
            relation = render_relation(item.relation) if item.is_relational else None
            node_root = manifest.package_roots.get(item.package_name, root_path)
            yield json_line(node_dict(item, relation, None, node_root, target_path, 0.0), output_keys)
