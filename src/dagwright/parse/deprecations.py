"""dbt-core's warnings about deprecated models (``deprecation_date:`` in a model's properties):
a model past its date, and every model that refers to a deprecated one (past: "was
deprecated on"; future: "is slated for deprecation on"). Warnings only: nothing changes what
runs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from dagwright.parse.nodes import Manifest

log = logging.getLogger("dagwright")


def warn_deprecated_models(manifest: Manifest) -> None:
    deprecated = [n for n in manifest.nodes.values() if n.resource_type == "model" and n.deprecation_date]
    if not deprecated:
        return
    now = datetime.now(UTC)
    children: dict[str, list[str]] = {}
    for child, parents in manifest.parents.items():
        for parent in parents:
            children.setdefault(parent, []).append(child)
    for model in deprecated:
        moment = datetime.fromisoformat(str(model.deprecation_date))
        past = moment < now
        if past:
            log.warning(
                "Model %s has passed its deprecation date of %s. This model should be disabled or removed.",
                _label(model),
                moment.isoformat(),
            )
        for child_id in children.get(model.unique_id, ()):
            child = manifest.nodes.get(child_id)
            if child is None or child.resource_type != "model":
                continue
            when = "was deprecated on" if past else "is slated for deprecation on"
            log.warning(
                "While compiling '%s': Found a reference to %s, which %s '%s'.",
                child.name,
                _label(model),
                when,
                moment.isoformat(),
            )


def _label(model: Manifest | object) -> str:
    """A model as dbt names it in these warnings: ``name.v2`` for a version."""
    version = getattr(model, "version", None)
    name = str(getattr(model, "name", ""))
    return name if version is None else f"{name}.v{version}"
