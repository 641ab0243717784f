"""dbt-core's warnings about deprecated models (``deprecation_date:`` in a model's properties):
a model past its date, and every model that refers to a deprecated one (past: "was
deprecated on"; future: "is slated for deprecation on"). Warnings only: nothing changes what
runs."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from dagwright.errors import ProjectError
from dagwright.parse.nodes import Manifest

log = logging.getLogger("dagwright")


def deprecation_moment(text: str, model: str, path: str) -> str:
    """A ``deprecation_date:`` as dbt keeps it: an ISO date-time with its zone (UTC where none
    is written)."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ProjectError(
            f"deprecation_date of model '{model}' is not a date: {text!r}",
            path=path,
            hint="write an ISO 8601 date or date-time, e.g. 2025-06-30",
        ) from None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).isoformat()


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
                model.name,
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
                model.name,
                when,
                moment.isoformat(),
            )
