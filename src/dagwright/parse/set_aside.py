"""What parsing sets aside: the parts of a project dagwright does not implement, recorded once
per parse as plain values in ``Manifest.unsupported`` (cached with it), for ``parse.unsupported``
to report.

Each occurrence is a dict: ``feature`` (a key of ``parse.unsupported.FEATURES``), ``package``,
``file`` (as dbt writes original_file_path), ``path`` (absolute) and ``keypath`` (where in the
YAML file: the line is looked up only for an error), ``name``, and ``node`` (the unique_id of
the node it belongs to, if any).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dagwright.parse.nodes import Node
from dagwright.project.config import ProjectConfig
from dagwright.project.files import ProjectFiles
from dagwright.project.properties import Properties

#: top-level keys of property files kept aside by ``project.properties``, as FEATURES keys
_SECTIONS = {
    "metrics": None,  # parsed: parse/kinds/semantic.py
    "semantic_models": None,
    "saved_queries": None,
    "unit_tests": None,  # parsed: parse.kinds.unit_tests
}
_ENTRY_FEATURES = {"constraints": "constraints", "policy_tags": "bigquery_policy_tags"}


def collect_unsupported(
    projects: Iterable[tuple[ProjectConfig, ProjectFiles, Properties]], nodes: Mapping[str, Node]
) -> tuple[dict[str, Any], ...]:
    """What the property files of each project hold that dagwright does not implement, as
    plain values (they are cached with the manifest)."""
    out: list[dict[str, Any]] = []
    for project, _files, props in projects:
        package = project.name
        for file, key, value in props.set_aside:
            base = {"package": package, "file": file.original_file_path, "path": str(file.path)}
            if key not in _SECTIONS:
                out.append({**base, "feature": "unknown_key", "name": key, "keypath": [key]})
                continue
            feature = _SECTIONS[key]
            if feature is None or not isinstance(value, list):
                continue
            for index, entry in enumerate(value):
                name = str(entry.get("name")) if isinstance(entry, Mapping) else str(entry)
                out.append({**base, "feature": feature, "name": name, "keypath": [key, index]})
        for file, _type, name, index, key in props.entry_features:
            for node in _entry_nodes(f"model.{package}.{name}", nodes):
                out.append(
                    {
                        "feature": _ENTRY_FEATURES[key],
                        "package": package,
                        "file": file.original_file_path,
                        "path": str(file.path),
                        # policy tags are on columns: the line of the model's columns
                        "keypath": ["models", index, "columns" if key == "policy_tags" else key],
                        "name": name,
                        "node": node,
                    }
                )
    return tuple(out)


def _entry_nodes(unique_id: str, nodes: Mapping[str, Node]) -> list[str]:
    """The nodes of a model's property entry: the model, or each version of a versioned model."""
    if unique_id in nodes:
        return [unique_id]
    return [u for u in nodes if u.startswith(unique_id + ".v")] or [unique_id]
