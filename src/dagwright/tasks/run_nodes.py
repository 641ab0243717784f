"""How a run names and describes its plan's nodes: which manifest entry a unique_id is, what
kind the summary counts it as, and the lines printed for its failure."""

from __future__ import annotations

from typing import Any

from dagwright.execute.no_op import NO_OP_KINDS, is_no_op
from dagwright.execute.results import RunResult, Status
from dagwright.parse.nodes import Manifest, UnitTest
from dagwright.report.timeline import job_of


def plan_node(manifest: Manifest, unique_id: str) -> Any:
    """The node of a plan's unique_id: a node, a unit test, an exposure or a saved query."""
    return (
        manifest.nodes.get(unique_id)
        or manifest.unit_tests.get(unique_id)
        or manifest.exposures.get(unique_id)
        or manifest.semantic_nodes.get(unique_id)
    )


def listed(manifest: Manifest, unique_id: str) -> bool:
    """An exposure or saved query of the manifest: a build's no-op node."""
    return is_no_op(unique_id) and (unique_id in manifest.exposures or unique_id in manifest.semantic_nodes)


def failure_lines(manifest: Manifest, result: RunResult) -> list[str]:
    node = manifest.nodes.get(result.unique_id) or manifest.unit_tests.get(result.unique_id)
    if node is None:
        if result.unique_id.startswith("operation."):
            name = result.unique_id.split(".", 2)[-1]
            return [f"Failure in operation {name} (./dbt_project.yml)", "  " + (result.message or "")]
        return [result.message or ""]
    head = "Warning" if result.status == Status.WARN else "Failure"
    # dbt names a version's unit test by its run name when it fails, by its own name when it errors
    name = node.run_name if isinstance(node, UnitTest) and result.status == Status.FAIL else node.name
    lines = [f"{head} in {node.resource_type} {name} ({node.original_file_path})"]
    lines += ["  " + (result.message or "")]
    job = job_of(result.adapter_response)
    if job:  # the engine's job that failed (BigQuery), as `bq show -j` takes it
        lines += [f"  job {job}"]
    if result.compiled_path:
        lines += ["", f"  compiled code at {result.compiled_path}"]
    if node.resource_type == "test" and result.relation_name:  # it stores its failing rows
        lines += ["", f"  See test failures: select * from {result.relation_name}"]
    return lines


def kind_of(manifest: Manifest, unique_id: str) -> str:
    if unique_id in manifest.unit_tests:
        return "unit test"
    if is_no_op(unique_id):  # "2 exposures, 1 saved query", as dbt counts them
        return NO_OP_KINDS[unique_id.split(".", 1)[0]]
    node = manifest.nodes[unique_id]
    if node.resource_type == "seed":
        return "seed"
    if node.resource_type == "test":
        return "data test"
    if node.resource_type in ("snapshot", "function"):
        return node.resource_type
    return f"{node.materialized} model"
