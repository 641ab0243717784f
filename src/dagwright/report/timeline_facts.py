"""What the timeline page adds to a run_results.json: what each node is (the manifest's name,
resource type, tags), why each node started when it did (the upstream it waited on, its time in
the queue), each thread's idle time, and the run's header (project, target, engine, version,
command line, selection).

run_results.json says what ran; the manifest says what each node is; the ``PageContext`` of a
command that just ran says what neither file holds (the target's name when the default was used,
the engine, a ``--selector``). None of these is written into run_results.json: they are the
page's own data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagwright import __version__
from dagwright.artifacts.files import read_json
from dagwright.report.timeline import (
    NOT_RUN,
    Bar,
    Timeline,
    parents_from_manifest,
    parents_within,
    timeline_from_run_results,
)

if TYPE_CHECKING:
    from dagwright.parse.nodes import Manifest


@dataclass(frozen=True)
class NodeFacts:
    name: str
    resource_type: str
    tags: tuple[str, ...] = ()
    materialized: str | None = None


@dataclass(frozen=True)
class PageContext:
    """What a command that just ran knows and its files do not say."""

    project: str | None = None
    target: str | None = None
    engine: str | None = None
    selector: str | None = None


#: the kinds whose materialization the page shows beside their type
_MATERIALIZED = ("model", "snapshot")


def facts_from_manifest_json(manifest: Mapping[str, Any] | None) -> dict[str, NodeFacts]:
    out: dict[str, NodeFacts] = {}
    if not manifest:
        return out
    for section in ("nodes", "unit_tests"):
        for uid, node in (manifest.get(section) or {}).items():
            if not isinstance(node, Mapping):
                continue
            config = node.get("config") or {}
            out[str(uid)] = NodeFacts(
                name=str(node.get("name") or uid),
                resource_type=str(node.get("resource_type") or uid.split(".", 1)[0]),
                tags=tuple(str(t) for t in node.get("tags") or ()),
                materialized=config.get("materialized") if node.get("resource_type") in _MATERIALIZED else None,
            )
    return out


def facts_from_manifest(manifest: Manifest, unique_ids: Iterable[str]) -> dict[str, NodeFacts]:
    """The facts of the nodes a run reported, from the parsed manifest."""
    out: dict[str, NodeFacts] = {}
    for uid in unique_ids:
        node = manifest.nodes.get(uid)
        if node is not None:
            mat = node.materialized if node.resource_type in _MATERIALIZED else None
            out[uid] = NodeFacts(node.name, node.resource_type, node.tags, mat)
        elif uid in manifest.unit_tests:
            out[uid] = NodeFacts(uid.rsplit(".", 1)[-1], "unit_test")
    return out


# -- why a node started when it did ------------------------------------------------------------
def annotate_waits(timeline: Timeline, parents: Mapping[str, Iterable[str]] | None) -> None:
    """Each node that ran: the upstream (in this run) that finished last before it started, and
    when it was ready; each worker lane: its idle seconds between the run's start and its end."""
    ran = [b for b in timeline.bars if b.ran]
    if parents:
        ends = {b.unique_id: b.end for b in timeline.bars if b.end is not None}
        within = parents_within(parents, {b.unique_id for b in timeline.bars})
        for bar in ran:
            done = [(ends[p], p) for p in within.get(bar.unique_id, ()) if p in ends]
            if done:
                bar.ready, bar.waited_on = max(done)
            else:
                bar.ready = 0.0  # nothing upstream in this run: ready when the run began
    run_end = max((b.end or 0.0 for b in ran), default=0.0)
    by_lane: dict[str, list[Bar]] = {}
    for bar in ran:
        by_lane.setdefault(bar.lane, []).append(bar)
    for lane in timeline.lanes:
        if lane == NOT_RUN:
            continue
        busy, reach = 0.0, 0.0
        for bar in sorted(by_lane.get(lane, []), key=lambda b: b.start or 0.0):
            start, end = bar.start or 0.0, bar.end or 0.0
            if end > reach:
                busy += end - max(start, reach)
                reach = end
        timeline.idle[lane] = max(0.0, run_end - busy)


# -- the header -------------------------------------------------------------------------------
_FLAG_ORDER = ("threads", "target", "full_refresh", "fail_fast", "vars", "store_failures", "indirect_selection")


def command_line(args: Mapping[str, Any], selector: str | None = None) -> str:
    """The command as it was given, from run_results.json's args (flags left at their default left out)."""
    words = ["dagwright", str(args.get("which") or "run")]
    for key in ("select", "exclude", "resource_types", "exclude_resource_types"):
        values = args.get(key)
        if values:
            words += [f"--{key.replace('_', '-').removesuffix('s')}", *map(str, values)]
    if selector:
        words += ["--selector", selector]
    for key in _FLAG_ORDER:
        value = args.get(key)
        if value in (None, False, {}, []) or (key == "indirect_selection" and value == "eager"):
            continue  # unset, or dbt's default
        flag = f"--{key.replace('_', '-')}"
        if value is True:
            words.append(flag)
        elif isinstance(value, Mapping):
            words += [flag, "'" + json.dumps(value, sort_keys=True) + "'"]
        else:
            words += [flag, str(value)]
    for key in ("state", "defer_state"):
        if args.get(key):
            words += [f"--{key.replace('_', '-')}", str(args[key])]
    if args.get("defer"):
        words.append("--defer")
    return " ".join(words)


def _writer(data: Mapping[str, Any], own: Mapping[str, Any]) -> str:
    """Which tool wrote the run: dagwright's ``args.dagwright.generator`` (``metadata.generator``
    in older files and explain's), else dbt-core's ``metadata.dbt_version``."""
    metadata = data.get("metadata") or {}
    if own.get("generator") or metadata.get("generator"):
        return str(own.get("generator") or metadata.get("generator"))
    if metadata.get("dbt_version"):
        return f"dbt-core {metadata['dbt_version']}"
    return f"dagwright {__version__}"


def header_of(
    data: Mapping[str, Any],
    manifest: Mapping[str, Any] | None,
    context: PageContext | None,
    threads: int | None,
) -> dict[str, Any]:
    args = data.get("args") or {}
    own = args.get("dagwright") if isinstance(args.get("dagwright"), Mapping) else {}
    meta = (manifest or {}).get("metadata") or {}
    ctx = context or PageContext()
    selection = [*(f"--select {' '.join(args.get('select') or ())}",)] if args.get("select") else []
    if args.get("exclude"):
        selection.append(f"--exclude {' '.join(args['exclude'])}")
    if ctx.selector:
        selection.append(f"--selector {ctx.selector}")
    return {
        "project": ctx.project or meta.get("project_name"),
        "target": ctx.target or args.get("target"),
        "engine": ctx.engine or meta.get("adapter_type"),
        "version": _writer(data, own or {}),
        "command": command_line(args, ctx.selector),
        "selection": " ".join(selection) or "everything",
        "threads": args.get("threads") if isinstance(args.get("threads"), int) else threads,
    }


def _worker_lanes(timeline: Timeline) -> int | None:
    """The threads a run had, when its args do not say: one lane per worker that took a node."""
    return len([lane for lane in timeline.lanes if lane != NOT_RUN]) or None


def apply_facts(timeline: Timeline, facts: Mapping[str, NodeFacts]) -> None:
    for bar in timeline.bars:
        fact = facts.get(bar.unique_id)
        if fact is None:
            continue
        bar.display_name = fact.name
        bar.resource_type = fact.resource_type
        bar.tags = fact.tags
        bar.materialized = fact.materialized


def page_timeline(
    data: Mapping[str, Any],
    parents: Mapping[str, Iterable[str]] | None = None,
    *,
    threads: int | None = None,
    facts: Mapping[str, NodeFacts] | None = None,
    manifest: Mapping[str, Any] | None = None,
    context: PageContext | None = None,
    previous: Mapping[str, Iterable[float]] | None = None,
) -> Timeline:
    """The timeline with everything the page shows: facts, waits, idle time, header.
    ``previous``: durations of earlier runs per unique_id (newest first), for the nodes whose
    result does not carry its own ``previous`` list."""
    if parents is None and manifest is not None:
        parents = parents_from_manifest(manifest)
    timeline = timeline_from_run_results(data, parents, threads=threads)
    for bar in timeline.bars:
        if not bar.previous and previous and bar.unique_id in previous:
            bar.previous = tuple(float(v) for v in previous[bar.unique_id])
    apply_facts(timeline, facts if facts is not None else facts_from_manifest_json(manifest))
    annotate_waits(timeline, parents)
    timeline.header = header_of(data, manifest, context, timeline.threads or _worker_lanes(timeline))
    return timeline


def load_page_timeline(run_results: Path, manifest_path: Path | None = None) -> Timeline:
    """From files: run_results.json, and the manifest.json beside it if present."""
    data = read_json(run_results)
    if not isinstance(data, dict):
        raise ValueError(f"{run_results} is not a run_results.json")
    manifest_path = manifest_path or run_results.with_name("manifest.json")
    manifest = None
    if manifest_path.exists():
        try:
            loaded = read_json(manifest_path)
            manifest = loaded if isinstance(loaded, dict) else None
        except (OSError, ValueError):
            manifest = None
    return page_timeline(data, manifest=manifest)
