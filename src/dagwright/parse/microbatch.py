"""dbt's parse-time checks of microbatch models (``incremental_strategy='microbatch'``): the
configs a model needs (``event_time``, ``begin``, ``batch_size``) and the types of the
optional ones (``lookback``, ``concurrent_batches``), and the ``event_time`` of its inputs.
A failing check is dbt's ``Parsing Error`` (exit 2, before anything runs), with its words.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from dagwright.errors import ProjectError
from dagwright.parse.nodes import Manifest, Node

BATCH_SIZES = ["hour", "day", "month", "year"]
#: the engines whose dbt adapters can run a model's batches at once (``MicrobatchConcurrency``:
#: dbt-duckdb yes, dbt-postgres no); dagwright runs them one after the other everywhere
CONCURRENT_BATCH_ENGINES = ("duckdb",)

log = logging.getLogger("dagwright")


def _type(value: Any) -> str:
    return f"<class '{type(value).__name__}'>"


def _begin_error(node: Node, begin: Any) -> str | None:
    if isinstance(begin, (dt.datetime, dt.date)):
        return None
    if isinstance(begin, str):
        try:
            dt.datetime.fromisoformat(begin)
        except ValueError:
            return (
                f"Microbatch model '{node.name}' must provide a 'begin' config of valid datetime (ISO format), "
                f"but got: {begin}."
            )
        return None
    return f"Microbatch model '{node.name}' must provide a 'begin' config of type datetime, but got: {_type(begin)}."


def microbatch_error(node: Node, manifest: Manifest) -> str | None:
    """What dbt says is wrong with a microbatch model's configs, or None."""
    config = node.config
    event_time = config.get("event_time")
    if event_time is None:
        return (
            f"Microbatch model '{node.name}' must provide an 'event_time' (string) config that indicates the "
            "name of the event time column."
        )
    if not isinstance(event_time, str):
        return (
            f"Microbatch model '{node.name}' must provide an 'event_time' config of type string, "
            f"but got: {_type(event_time)}."
        )
    begin = config.get("begin")
    if begin is None:
        return (
            f"Microbatch model '{node.name}' must provide a 'begin' (datetime) config that indicates the earliest "
            "timestamp the microbatch model should be built from."
        )
    wrong = _begin_error(node, begin)
    if wrong:
        return wrong
    batch_size = config.get("batch_size")
    if batch_size not in BATCH_SIZES:
        return (
            f"Microbatch model '{node.name}' must provide a 'batch_size' config that is one of {BATCH_SIZES}, "
            f"but got: {batch_size}."
        )
    lookback = config.get("lookback")
    if lookback is not None and (not isinstance(lookback, int) or isinstance(lookback, bool)):
        return (
            f"Microbatch model '{node.name}' must provide the optional 'lookback' config as type int, "
            f"but got: {_type(lookback)})."
        )
    concurrent = config.get("concurrent_batches")
    if concurrent is not None and not isinstance(concurrent, bool):
        return (
            f"Microbatch model '{node.name}' optional 'concurrent_batches' config must be of type `bool` if "
            f"specified, but got: {_type(concurrent)})."
        )
    for parent_id in node.depends_on:
        parent = manifest.nodes.get(parent_id) or manifest.sources.get(parent_id)
        if parent is None:
            continue
        parent_time = parent.config.get("event_time")
        if parent_time and not isinstance(parent_time, str):
            return (
                f"Microbatch model '{node.name}' depends on an input node '{parent.name}' with an 'event_time' "
                f"config of invalid (non-string) type: {_type(parent_time)}."
            )
    return None


def _microbatch_models(manifest: Manifest) -> list[Node]:
    return [
        node
        for node in manifest.nodes.values()
        if node.resource_type == "model"
        and node.config.get("materialized") == "incremental"
        and node.config.get("incremental_strategy") == "microbatch"
    ]


def check_microbatch_models(manifest: Manifest, adapter_type: str) -> None:
    """Raise dbt's parsing error for the first microbatch model whose configs are wrong; warn,
    as dbt does, when ``concurrent_batches: true`` asks what the engine's dbt adapter cannot do."""
    models = _microbatch_models(manifest)
    for node in models:
        error = microbatch_error(node, manifest)
        if error is not None:
            raise ProjectError(f"Parsing Error\n  {error}", path=node.original_file_path, node=node.unique_id)
    warn_concurrent_batches(models, adapter_type)


def warn_concurrent_batches(models: list[Node], adapter_type: str) -> None:
    forcing = sum(1 for node in models if node.config.get("concurrent_batches") is True)
    if forcing and adapter_type not in CONCURRENT_BATCH_ENGINES:
        plural = "microbatch model" if forcing == 1 else "microbatch models"
        log.warning(
            "Found %d %s with the `concurrent_batches` config set to true, but the %s adapter does not support "
            "running batches concurrently. Batches will be run sequentially.",
            forcing,
            plural,
            adapter_type,
        )
