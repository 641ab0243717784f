"""What parsing sets aside: the parts of a project dagwright does not implement, recorded once
per parse as plain values in ``Manifest.unsupported`` (cached with it), for ``parse.unsupported``
to report and for selection to see unit tests.

Each occurrence is a dict: ``feature`` (a key of ``parse.unsupported.FEATURES``), ``package``,
``file`` (as dbt writes original_file_path), ``path`` (absolute) and ``keypath`` (where in the
YAML file: the line is looked up only for an error), ``name``, and ``node`` (the unique_id of
the node it belongs to, if any). Unit tests also have dbt's ``unique_id``, ``fqn``, ``model``
and ``tags``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dagwright.parse.nodes import Manifest, Node
from dagwright.project.config import ProjectConfig
from dagwright.project.files import ProjectFiles
from dagwright.project.properties import Properties

#: top-level keys of property files kept aside by ``project.properties``, as FEATURES keys
_SECTIONS = {
    "metrics": None,  # parsed: parse/kinds/semantic.py
    "semantic_models": None,
    "saved_queries": None,
    "unit_tests": "unit_test",
    "functions": None,  # UDFs: counted from their files (function-paths)
}
_ENTRY_FEATURES = {"constraints": "constraints", "versions": "model_versions"}


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
                found = {**base, "feature": feature, "name": name, "keypath": [key, index]}
                is_unit_test = feature == "unit_test" and isinstance(entry, Mapping)
                if is_unit_test and not _unit_test(found, entry, package, file.folders, nodes):
                    continue
                out.append(found)
        for file, _type, name, index, key in props.entry_features:
            out.append(
                {
                    "feature": _ENTRY_FEATURES[key],
                    "package": package,
                    "file": file.original_file_path,
                    "path": str(file.path),
                    "keypath": ["models", index, key],
                    "name": name,
                    "node": f"model.{package}.{name}",
                }
            )
    return tuple(out)


def _unit_test(
    found: dict[str, Any], entry: Mapping[str, Any], package: str, folders: tuple[str, ...], nodes: Mapping[str, Node]
) -> bool:
    """Fill in a unit test's identity as dbt gives it; False when it is disabled."""
    config = entry.get("config") if isinstance(entry.get("config"), Mapping) else {}
    if config.get("enabled") is False:
        return False
    model = str(entry.get("model") or "")
    model_id = f"model.{package}.{model}"
    tags = config.get("tags") or []
    found.update(
        model=model,
        unique_id=f"unit_test.{package}.{model}.{found['name']}",
        node=model_id if model_id in nodes else None,
        fqn=[package, *folders, model, found["name"]],
        tags=[tags] if isinstance(tags, str) else list(tags),
    )
    return True


@dataclass(frozen=True)
class UnitTest:
    """A unit test as the selector and ``ls`` see it (dagwright does not run them)."""

    unique_id: str
    name: str
    package_name: str
    fqn: tuple[str, ...]
    original_file_path: str
    tags: tuple[str, ...]
    config: Mapping[str, Any]
    model: str | None
    resource_type: str = "unit_test"
    patch_path: str | None = None
    depends_on: tuple[str, ...] = ()


def unit_tests(manifest: Manifest) -> list[UnitTest]:
    """The project's enabled unit tests, attached to their models (for selection)."""
    out = []
    for o in manifest.unsupported:
        if o.get("feature") != "unit_test":
            continue
        node = o.get("node")
        out.append(
            UnitTest(
                unique_id=o["unique_id"],
                name=o["name"],
                package_name=o["package"],
                fqn=tuple(o.get("fqn") or ()),
                original_file_path=o["file"],
                tags=tuple(o.get("tags") or ()),
                config={"tags": list(o.get("tags") or ()), "enabled": True},
                model=node,
                depends_on=(node,) if node else (),
            )
        )
    return out
