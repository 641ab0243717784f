"""The semantic layer checked at parse as dbt-core 1.11 checks it.

dbt builds the semantic manifest (target/semantic_manifest.json's content) and runs
dbt-semantic-interfaces' validator over it whenever the project has metrics and semantic
models: every error fails the parse (exit 2), every warning is shown. dagwright's
semantic_manifest.json is dbt's field for field (tests/test_semantic_manifest.py), so the same
validator, run on the same content, gives dbt's verdict: dbt-semantic-interfaces is imported
only for projects that have a semantic layer.

dbt adds one check of its own: cumulative metrics with ``window`` / ``grain_to_date`` directly
under ``type_params`` are an error with the behaviour flag
``require_nested_cumulative_type_params`` (dbt 1.11's default: off, a deprecation warning).
"""

from __future__ import annotations

import logging

from dagwright.artifacts.semantic_manifest import Render, semantic_manifest_dict
from dagwright.errors import DagwrightError
from dagwright.parse.nodes import Manifest

log = logging.getLogger("dagwright")

_FLAG = "require_nested_cumulative_type_params"


def check_semantic_layer(manifest: Manifest, render: Render, nested_cumulative_required: bool) -> None:
    """Raise DagwrightError with each of the validator's errors; log its warnings."""
    if not any(node.resource_type == "semantic_model" for node in manifest.semantic_nodes.values()):
        return
    data = semantic_manifest_dict(manifest, render)
    if not data["metrics"]:  # as dbt: nothing is validated without metrics (created ones count)
        return
    from dbt_semantic_interfaces.implementations.semantic_manifest import PydanticSemanticManifest
    from dbt_semantic_interfaces.validations.semantic_manifest_validator import SemanticManifestValidator

    semantic_manifest = PydanticSemanticManifest.parse_obj(data)
    results = SemanticManifestValidator[PydanticSemanticManifest]().validate_semantic_manifest(semantic_manifest)
    errors = [issue.message for issue in results.errors]
    old_style = sorted(
        metric["name"]
        for metric in data["metrics"]
        if (metric.get("type_params") or {}).get("window") or (metric.get("type_params") or {}).get("grain_to_date")
    )
    if old_style:
        where = f"cumulative metrics {', '.join(old_style)}: `window` and `grain_to_date` belong under "
        if nested_cumulative_required:
            errors.append(f"{where}`type_params.cumulative_type_params` (the behaviour flag {_FLAG} is on)")
        else:
            log.warning("%s`type_params.cumulative_type_params`; dbt deprecates them directly under type_params", where)
    for warning in results.warnings:
        log.warning("%s", warning.message)
    if errors:
        listed = "\n".join(f"  - {message}" for message in errors)
        raise DagwrightError(
            f"the semantic layer (semantic models, metrics, saved queries) is not valid, as dbt-core "
            f"would also report at parse:\n{listed}",
            hint="fix the YAML of the named semantic models and metrics",
        )
