"""MetricFlow's time spines, checked at parse as dbt checks them: a model's ``time_spine:``
names one of its columns, which has a ``granularity``; a project with semantic models has a
time spine of a day or finer (such a model, or the legacy ``metricflow_time_spine`` model)."""

from __future__ import annotations

from collections.abc import Sequence

from dagwright.errors import ProjectError
from dagwright.parse.nodes import Manifest
from dagwright.project.packages import InstalledPackage

#: MetricFlow's time grains, finest first
TIME_GRAINS = ("nanosecond", "microsecond", "millisecond", "second", "minute", "hour", "day", "week", "month")
TIME_GRAINS += ("quarter", "year")
LEGACY_TIME_SPINE = "metricflow_time_spine"
_DOCS = "https://docs.getdbt.com/docs/build/metricflow-time-spine"


def check_time_spines(manifest: Manifest, packages: Sequence[InstalledPackage] = ()) -> None:
    finest: int | None = None
    legacy = False
    for node in manifest.nodes.values():
        if node.resource_type != "model":
            continue
        legacy = legacy or node.name == LEGACY_TIME_SPINE
        spine = node.time_spine
        if spine is None:
            continue
        name = spine.get("standard_granularity_column")
        column = node.columns.get(str(name))
        where = f"time spine model '{node.name}'"
        yaml_path = node.patch_path.split("://", 1)[-1] if node.patch_path else node.original_file_path
        if column is None:
            raise ProjectError(
                f"{where}: its standard_granularity_column {name!r} is not one of its columns",
                path=yaml_path,
                hint="list the column under the model's `columns:` with its `granularity`",
            )
        grain = str(column.granularity or "").lower()
        if not grain:
            raise ProjectError(
                f"{where}: its column '{name}' has no `granularity`",
                path=yaml_path,
                hint="add `granularity: day` (or the column's grain) to the column",
            )
        if grain in TIME_GRAINS:
            rank = TIME_GRAINS.index(grain)
            finest = rank if finest is None else min(finest, rank)
    has_models = any(n.resource_type == "semantic_model" for n in manifest.semantic_nodes.values())
    if not has_models or legacy:
        return
    if finest is None or finest > TIME_GRAINS.index("day"):
        raise ProjectError(
            "the semantic layer needs a time spine model of a day or finer granularity; the project has none",
            hint=f"add a model with `time_spine: {{standard_granularity_column: ...}}` and that column's "
            f"`granularity: day` ({_DOCS})",
        )
