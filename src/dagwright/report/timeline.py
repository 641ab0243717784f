"""A run as a picture: one lane per worker thread, a bar per node, the stop, the critical path.

Everything is read from a run_results.json (a real run's, or the simulated one of
``dagwright explain``), so ``dagwright timeline`` can draw any run afterwards. This module
holds the drawing's model (``Timeline``), built from the run_results.json and the DAG's
edges, and the time axis both renderers share; ``report/timeline_html.py`` draws it as a
self-contained HTML page, ``report/timeline_text.py`` in the terminal.
"""

from __future__ import annotations

import datetime as dt
import graphlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dagwright.artifacts.run_results import outcome, stop_record
from dagwright.execute.results import worker_name

#: the lane of nodes that never ran on a worker (skipped, not started)
NOT_RUN = "not run"


def parse_ts(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def short_name(unique_id: str) -> str:
    """``model.article.model_alpha`` -> ``model_alpha`` (tests keep their full last part)."""
    return unique_id.split(".", 2)[-1] if unique_id.count(".") >= 2 else unique_id


_TEST_HASH = re.compile(r"\.[0-9a-f]{10}$")


def readable_name(unique_id: str) -> str:
    """A node's name as a reader knows it: ``test.shop.not_null_orders_id.e2f8a4d3b8`` ->
    ``not_null_orders_id`` (the hash dbt appends to a test's unique_id dropped)."""
    name = short_name(unique_id)
    return _TEST_HASH.sub("", name) if unique_id.startswith("test.") else name


def resource_type_of(unique_id: str) -> str:
    """``model``, ``test``, ``seed``, ``snapshot``, ``unit_test``...: the first part of a unique_id."""
    return unique_id.split(".", 1)[0] if "." in unique_id else "node"


_UID = re.compile(r"\b(?:model|seed|test|snapshot|source|analysis)\.\w+\.([\w.]+)")


def shorten_ids(text: str) -> str:
    """unique_ids in a message shortened to node names."""
    return _UID.sub(lambda m: m[1], text)


def bytes_text(count: int) -> str:
    """``1536`` -> ``1.5 KiB`` (the units dbt-bigquery prints)."""
    if abs(count) < 1024:
        return f"{count} bytes"
    value = count / 1024.0
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024.0 or unit == "TiB":
            break
        value /= 1024.0
    return f"{value:.1f} {unit}"


def job_of(response: Mapping[str, Any]) -> str | None:
    """``project:location.job_id`` of the job an adapter_response names (as ``bq show -j`` takes it)."""
    job_id = response.get("job_id")
    if not job_id:
        return None
    project, location = response.get("project_id"), response.get("location")
    return f"{project}:{location}.{job_id}" if project and location else str(job_id)


def lane_label(lane: str) -> str:
    """A lane as drawn: "Thread-2", without the " (worker)" every thread name of a run carries."""
    return lane.removesuffix(" (worker)")


def _lane_sort_key(lane: str) -> tuple[int, int, str]:
    match = re.search(r"(\d+)", lane)  # "Thread-2 (worker)", or "Thread-2" from older runs
    return (0, int(match[1]) if match else 0, lane)


@dataclass
class Bar:
    """One node: where it ran and when (seconds from the timeline's origin)."""

    unique_id: str
    status: str
    lane: str
    message: str = ""
    start: float | None = None  # None: never started
    compile_end: float | None = None
    end: float | None = None
    #: for a node that never ran: when its outcome was decided (upstream failure, the stop)
    decided_at: float | None = None
    execution_time: float = 0.0
    rows_affected: int | None = None
    failures: int | None = None
    relation_name: str | None = None
    #: the engine's job of the node and the bytes it read (BigQuery's adapter_response)
    job: str | None = None
    bytes_processed: int | None = None
    critical: bool = False
    #: what the manifest says of the node (``timeline_facts``): its name, kind, tags
    display_name: str | None = None
    resource_type: str = ""
    materialized: str | None = None
    tags: tuple[str, ...] = ()
    #: durations (seconds) of the same node in earlier runs, newest first; empty when unknown
    previous: tuple[float, ...] = ()
    #: why it started when it did (``timeline_waits``): the upstream that finished last
    #: before it started, and when the node was ready (seconds from the origin)
    waited_on: str | None = None
    ready: float | None = None

    def __post_init__(self) -> None:
        if not self.resource_type:
            self.resource_type = resource_type_of(self.unique_id)

    @property
    def name(self) -> str:
        return self.display_name or readable_name(self.unique_id)

    @property
    def duration(self) -> float | None:
        """Start to end, when it ran."""
        return (self.end or 0.0) - (self.start or 0.0) if self.ran else None

    @property
    def queue_seconds(self) -> float | None:
        """Ready (its last upstream done) to start: the time it waited for a free thread."""
        if not self.ran or self.ready is None:
            return None
        return max(0.0, (self.start or 0.0) - self.ready)

    @property
    def ran(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def compile_seconds(self) -> float:
        if self.start is None or self.compile_end is None:
            return 0.0
        return max(0.0, self.compile_end - self.start)

    @property
    def execute_seconds(self) -> float:
        if self.end is None:
            return 0.0
        begin = self.compile_end if self.compile_end is not None else self.start
        return max(0.0, self.end - (begin or 0.0))

    def summary_line(self) -> str:
        """The first line of the message, shortened."""
        first = (self.message or "").strip().splitlines()[0] if (self.message or "").strip() else ""
        return first if len(first) <= 160 else first[:157] + "..."


@dataclass
class Stop:
    kind: str | None
    trigger: str | None
    at: float | None  # seconds from the origin
    cancel_seconds: float | None


@dataclass
class Timeline:
    bars: list[Bar]
    lanes: list[str]
    span: float  # seconds from the origin to the last event
    command: str = "run"
    invocation_id: str = ""
    started_at: str = ""  # ISO, the origin
    elapsed: float | None = None
    threads: int | None = None
    fail_fast: bool = False
    stop: Stop | None = None
    critical_path: list[str] = field(default_factory=list)
    simulated: bool = False
    title: str = ""
    #: the run's header (project, target, engine, version, command line, selection), by ``timeline_facts``
    header: dict[str, Any] = field(default_factory=dict)
    #: per lane, the seconds its thread had no node between the run's start and its end
    idle: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for bar in self.bars:
            out[bar.status] = out.get(bar.status, 0) + 1
        return out

    def by_lane(self) -> dict[str, list[Bar]]:
        out: dict[str, list[Bar]] = {lane: [] for lane in self.lanes}
        for bar in self.bars:
            out.setdefault(bar.lane, []).append(bar)
        for bars in out.values():
            bars.sort(key=lambda b: (b.start if b.start is not None else (b.decided_at or 0.0), b.unique_id))
        return out


# -- the model, from run_results.json --------------------------------------------------------
def _timing(result: Mapping[str, Any], name: str) -> tuple[dt.datetime, dt.datetime] | None:
    for entry in result.get("timing") or []:
        if entry.get("name") == name:
            start, end = parse_ts(entry.get("started_at")), parse_ts(entry.get("completed_at"))
            if start and end:
                return start, end
    return None


def parents_from_manifest(manifest: Mapping[str, Any] | None) -> dict[str, list[str]] | None:
    """parent_map of a manifest.json (or None when there is none)."""
    if not manifest:
        return None
    parent_map = manifest.get("parent_map")
    if isinstance(parent_map, dict):
        return {str(k): [str(p) for p in v or []] for k, v in parent_map.items()}
    nodes = manifest.get("nodes") or {}
    out: dict[str, list[str]] = {}
    for uid, node in nodes.items():
        deps = (node.get("depends_on") or {}).get("nodes") or []
        out[str(uid)] = [str(d) for d in deps]
    return out or None


def parents_within(parents: Mapping[str, Iterable[str]], members: set[str]) -> dict[str, set[str]]:
    """Each member's nearest ancestors among the members, looking through other nodes
    (ephemeral models, sources, nodes that were not selected)."""
    out: dict[str, set[str]] = {}
    for uid in members:
        found: set[str] = set()
        seen = {uid}
        todo = list(parents.get(uid, ()))
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            if p in members:
                found.add(p)
            else:
                todo.extend(parents.get(p, ()))
        out[uid] = found
    return out


def critical_path(bars: Iterable[Bar], parents: Mapping[str, Iterable[str]] | None) -> list[str]:
    """The longest chain of dependent nodes by measured duration (start to end of each
    node that ran to its end): no number of threads could have finished the run faster.
    A cancelled node did not complete: its time says nothing of the DAG, so no chain runs
    through it."""
    if not parents:
        return []
    ran = {b.unique_id: b for b in bars if b.ran and b.status != "cancelled"}
    if not ran:
        return []
    within = parents_within(parents, set(ran))
    try:
        order = list(graphlib.TopologicalSorter({uid: sorted(ps) for uid, ps in within.items()}).static_order())
    except graphlib.CycleError:
        return []
    best: dict[str, tuple[float, str | None]] = {}
    for uid in order:
        bar = ran[uid]
        own = (bar.end or 0.0) - (bar.start or 0.0)
        choice: tuple[float, str | None] = (own, None)
        for p in sorted(within[uid]):
            if best[p][0] + own > choice[0] + 1e-9:
                choice = (best[p][0] + own, p)
        best[uid] = choice
    tail = max(sorted(best), key=lambda u: best[u][0])
    path = [tail]
    while (previous := best[path[-1]][1]) is not None:
        path.append(previous)
    return list(reversed(path))


def _previous(value: Any) -> tuple[float, ...]:
    """A result's ``previous`` durations (newest first), when the history gave them."""
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(float(v) for v in value if isinstance(v, (int, float)) and not isinstance(v, bool))


def _upstream_of(message: str) -> str | None:
    match = re.match(r"skipped because upstream (\S+) failed", message or "")
    return match[1] if match else None


def timeline_from_run_results(
    data: Mapping[str, Any],
    parents: Mapping[str, Iterable[str]] | None = None,
    *,
    simulated: bool | None = None,
    threads: int | None = None,
) -> Timeline:
    """The drawing of a run_results.json; ``parents`` (unique_id -> parents) gives the
    critical path, ``threads`` the number of lanes when args.threads does not say."""
    metadata = data.get("metadata") or {}
    args = data.get("args") or {}
    results = [r for r in data.get("results") or [] if isinstance(r, Mapping) and r.get("unique_id")]
    stop_meta = stop_record(data)
    stop_at_abs = parse_ts(stop_meta.get("at")) if isinstance(stop_meta, Mapping) else None

    starts = []
    for r in results:
        for entry in ("compile", "execute"):
            span = _timing(r, entry)
            if span:
                starts.append(span[0])
    origin = min(starts) if starts else parse_ts(metadata.get("invocation_started_at"))
    if stop_at_abs is not None and (origin is None or stop_at_abs < origin):
        origin = stop_at_abs
    if origin is None:
        origin = dt.datetime.now(dt.timezone.utc)

    def rel(value: dt.datetime | None) -> float | None:
        return None if value is None else (value - origin).total_seconds()

    bars: list[Bar] = []
    for r in results:
        uid = str(r["unique_id"])
        compile_span, execute_span = _timing(r, "compile"), _timing(r, "execute")
        response = r.get("adapter_response") or {}
        rows = response.get("rows_affected") if isinstance(response, Mapping) else None
        bar = Bar(
            unique_id=uid,
            status=outcome(r) or "unknown",
            lane=str(r.get("thread_id") or NOT_RUN),
            message=str(r.get("message") or ""),
            execution_time=float(r.get("execution_time") or 0.0),
            rows_affected=rows if isinstance(rows, int) else None,
            failures=r.get("failures") if isinstance(r.get("failures"), int) else None,
            relation_name=r.get("relation_name"),
            previous=_previous(r.get("previous")),
        )
        if isinstance(response, Mapping):
            bar.job = job_of(response)
            processed = response.get("bytes_processed")
            bar.bytes_processed = processed if isinstance(processed, int) else None
        spans = [s for s in (compile_span, execute_span) if s]
        if spans:
            bar.start = rel(spans[0][0])
            bar.end = rel(max(s[1] for s in spans))
            bar.compile_end = rel(compile_span[1]) if compile_span else bar.start
            if execute_span is None:  # stopped during compilation: all of it is compile time
                bar.compile_end = bar.end
        else:
            bar.lane = NOT_RUN
        bars.append(bar)

    ends = {b.unique_id: b.end for b in bars if b.end is not None}
    stop_at = rel(stop_at_abs)
    for bar in bars:
        if bar.ran:
            continue
        upstream = _upstream_of(bar.message)
        if upstream and ends.get(upstream) is not None:
            bar.decided_at = ends[upstream]
        elif bar.message.startswith("not started") and stop_at is not None:
            bar.decided_at = stop_at
        else:
            bar.decided_at = stop_at if stop_at is not None else 0.0

    last = [b.end for b in bars if b.end is not None] + [b.decided_at for b in bars if b.decided_at is not None]
    if stop_at is not None:
        last.append(stop_at)
        if isinstance(stop_meta, Mapping) and isinstance(stop_meta.get("cancel_seconds"), (int, float)):
            last.append(stop_at + float(stop_meta["cancel_seconds"]))
    span = max([0.0, *last]) or 1.0

    if isinstance(args.get("threads"), int):
        threads = args["threads"]
    if threads:
        threads = min(threads, len(bars))  # an idle lane per worker, and a worker per node at most ran
    lanes = sorted({b.lane for b in bars if b.lane != NOT_RUN}, key=_lane_sort_key)
    if threads:
        numbers = {_lane_sort_key(lane)[1] for lane in lanes}
        lanes.extend(worker_name(i) for i in range(1, threads + 1) if i not in numbers)
        lanes.sort(key=_lane_sort_key)
    if any(b.lane == NOT_RUN for b in bars):
        lanes.append(NOT_RUN)

    path = critical_path(bars, parents)
    on_path = set(path)
    for bar in bars:
        bar.critical = bar.unique_id in on_path

    stop = None
    if isinstance(stop_meta, Mapping):
        stop = Stop(
            kind=stop_meta.get("kind"),
            trigger=stop_meta.get("trigger"),
            at=stop_at,
            cancel_seconds=stop_meta.get("cancel_seconds")
            if isinstance(stop_meta.get("cancel_seconds"), (int, float))
            else None,
        )
    is_simulated = bool(metadata.get("simulated")) if simulated is None else simulated
    elapsed = data.get("elapsed_time")
    return Timeline(
        bars=bars,
        lanes=lanes,
        span=span,
        command=str(args.get("which") or "run"),
        invocation_id=str(metadata.get("invocation_id") or ""),
        started_at=origin.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        elapsed=float(elapsed) if isinstance(elapsed, (int, float)) else None,
        threads=threads,
        fail_fast=bool(args.get("fail_fast")),
        stop=stop,
        critical_path=path,
        simulated=is_simulated,
    )


# -- time axis ------------------------------------------------------------------------------
def nice_step(span: float, target_ticks: int = 8) -> float:
    raw = max(span, 1e-6) / target_ticks
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def tick_label(value: float, step: float) -> str:
    if step >= 60 and value >= 60:
        minutes, seconds = divmod(value, 60)
        return f"{int(minutes)}m{round(seconds):02d}s"
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{value:.{decimals}f}s"


def stop_text(stop: Stop) -> str:
    """The stop in words: its trigger, when, and how long its cancels took."""
    text = f"{stop.trigger or stop.kind} at +{stop.at:.3f}s" if stop.at is not None else str(stop.trigger)
    if stop.cancel_seconds is not None:
        text += f"; in-flight statements cancelled within {stop.cancel_seconds:.3f}s"
    return text
