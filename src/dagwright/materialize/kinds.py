"""Which materialization builds a node: by its resource type and ``materialized`` config, each
given the run's publishing strategy (chosen once, from the adapter)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from dagwright.adapters.base import Adapter, RelationKind
from dagwright.errors import DagwrightError
from dagwright.materialize.base import Materialization, NodeJob
from dagwright.materialize.external import ExternalMaterialization
from dagwright.materialize.function import FunctionMaterialization
from dagwright.materialize.incremental import IncrementalMaterialization
from dagwright.materialize.publishing.base import PublishingStrategy
from dagwright.materialize.python_model import PythonIncrementalMaterialization, PythonTableMaterialization
from dagwright.materialize.seed import SeedMaterialization
from dagwright.materialize.snapshot import SnapshotMaterialization
from dagwright.materialize.table import TableMaterialization
from dagwright.materialize.view import ViewMaterialization


def materialization_for(
    adapter: Adapter,
    strategy: PublishingStrategy,
    job: NodeJob,
    *,
    existing: RelationKind | None,
    seed_file: Callable[[], Path],
    project_name: str,
    project_macros: Mapping[str, str],
) -> Materialization:
    """``existing``: what the node's relation was before it compiled (incremental models
    look it up then, for ``is_incremental()``); ``seed_file``: where a seed's CSV is."""
    node = job.node
    if node.resource_type == "seed":
        return SeedMaterialization(adapter, job, seed_file(), strategy)
    if node.resource_type == "snapshot":
        return SnapshotMaterialization(adapter, job, strategy)
    if node.resource_type == "function":
        return FunctionMaterialization(adapter, job)
    kind = node.materialized
    if node.language == "python":
        return _python(adapter, strategy, job, existing, project_name, project_macros)
    if kind == "table":
        return TableMaterialization(adapter, job, strategy)
    if kind == "view":
        return ViewMaterialization(adapter, job, strategy)
    if kind == "external" and hasattr(adapter, "external_root"):
        return ExternalMaterialization(adapter, job, strategy)
    if kind == "incremental":
        return IncrementalMaterialization(
            adapter, job, existing, project_name=project_name, project_macros=project_macros, strategy=strategy
        )
    raise DagwrightError(f"materialization '{kind}' is not supported on {adapter.type} yet", node=node.unique_id)


def _python(
    adapter: Adapter,
    strategy: PublishingStrategy,
    job: NodeJob,
    existing: RelationKind | None,
    project_name: str,
    project_macros: Mapping[str, str],
) -> Materialization:
    """A Python model: ``table`` or ``incremental`` (as in dbt-duckdb)."""
    kind = job.node.materialized
    if kind == "table":
        return PythonTableMaterialization(adapter, job, strategy)
    if kind == "incremental":
        return PythonIncrementalMaterialization(
            adapter, job, existing, project_name=project_name, project_macros=project_macros, strategy=strategy
        )
    # dbt's message: its other materializations declare supported_languages=['sql']
    raise DagwrightError(
        f'Materialization "{kind}" only supports languages [\'sql\']; got "python"', node=job.node.unique_id
    )
