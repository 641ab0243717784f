"""A run as a picture: one lane per worker thread, a bar per node, the stop, the critical path.

Everything is read from a run_results.json (a real run's, or the simulated one of
``dagwright explain``), so ``dagwright timeline`` can draw any run afterwards. Two renderers
share one model (``Timeline``): a self-contained HTML page (inline CSS, SVG and a few lines
of JS, nothing fetched) and text for the terminal (rich when it is a terminal, plain
characters otherwise).
"""

from __future__ import annotations

import datetime as dt
import graphlib
import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagwright.artifacts.files import read_json, write_text_atomic
from dagwright.artifacts.run_results import outcome, stop_record
from dagwright.execute.results import worker_name

#: the lane of nodes that never ran on a worker (skipped, not started)
NOT_RUN = "not run"

#: colours by outcome (execute part; the compile part is the same colour, lighter)
COLOURS = {
    "success": "#2f9e5b",
    "pass": "#2f9e5b",
    "error": "#d64545",
    "fail": "#d64545",
    "warn": "#d9a400",
    "cancelled": "#e8802a",
    "skipped": "#9aa0a6",
}
#: rich styles by outcome, for the terminal
STYLES = {
    "success": "green",
    "pass": "green",
    "error": "red",
    "fail": "red",
    "warn": "yellow",
    "cancelled": "dark_orange",
    "skipped": "bright_black",
}


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


_UID = re.compile(r"\b(?:model|seed|test|snapshot|source|analysis)\.\w+\.([\w.]+)")


def shorten_ids(text: str) -> str:
    """unique_ids in a message shortened to node names."""
    return _UID.sub(lambda m: m[1], text)


def _lane_label(lane: str) -> str:
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
    critical: bool = False

    @property
    def name(self) -> str:
        return short_name(self.unique_id)

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


def _parents_within(parents: Mapping[str, Iterable[str]], members: set[str]) -> dict[str, set[str]]:
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
    node that ran): no number of threads could have finished the run faster."""
    if not parents:
        return []
    ran = {b.unique_id: b for b in bars if b.ran}
    if not ran:
        return []
    within = _parents_within(parents, set(ran))
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
        )
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


def load_timeline(run_results: Path, manifest: Path | None = None) -> Timeline:
    """From files: run_results.json, and manifest.json beside it for the edges if present."""
    data = read_json(run_results)
    if not isinstance(data, dict):
        raise ValueError(f"{run_results} is not a run_results.json")
    manifest = manifest or run_results.with_name("manifest.json")
    parents = None
    if manifest.exists():
        try:
            parents = parents_from_manifest(read_json(manifest))
        except (OSError, ValueError):
            parents = None
    return timeline_from_run_results(data, parents)


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


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


# -- HTML ------------------------------------------------------------------------------------
_CSS = """
:root { color-scheme: light; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 20px 24px;
       color: #1f2328; background: #fff; }
h1 { font-size: 18px; margin: 0 0 4px; }
.sub { color: #57606a; margin: 0 0 10px; }
.sim { display: inline-block; background: #fff4d6; border: 1px solid #e3c46b; border-radius: 4px;
       padding: 1px 6px; margin-left: 6px; font-size: 12px; }
.pills span { display: inline-block; border-radius: 10px; padding: 1px 9px; margin: 0 6px 6px 0; color: #fff;
       font-size: 12px; font-weight: 600; }
.legend { font-size: 12px; color: #57606a; margin: 4px 0 8px; }
.legend i { display: inline-block; width: 14px; height: 10px; border-radius: 2px; margin: 0 4px -1px 10px; }
.legend i.crit { background: #fff; border: 2px solid #1b1f3b; width: 10px; height: 6px; }
.legend i.compile { opacity: .45; background: #555; }
.stopnote { color: #b42318; margin: 0 0 8px; font-weight: 600; }
.chart { overflow-x: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
.lane-label { font-size: 12px; font-weight: 600; fill: #1f2328; }
.bar-label { font-size: 11px; fill: #fff; pointer-events: none; }
.bar-label.out { fill: #1f2328; }
.tick { font-size: 11px; fill: #57606a; }
.node { cursor: default; }
.node:hover rect.exec, .node:hover rect.comp { filter: brightness(1.12); }
#tip { position: fixed; pointer-events: none; background: #1f2328; color: #fff; font-size: 12px;
       padding: 6px 8px; border-radius: 4px; white-space: pre-line; max-width: 520px; display: none;
       box-shadow: 0 2px 6px rgba(0,0,0,.25); z-index: 10; }
table { border-collapse: collapse; margin-top: 14px; font-size: 12px; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { color: #57606a; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.msg { color: #57606a; max-width: 520px; }
.st { font-weight: 600; }
body.chart-only #nodes { display: none; }
"""

_JS = """
(function () {
  if (location.hash === '#chart') { document.body.classList.add('chart-only'); }
  var tip = document.getElementById('tip');
  document.querySelectorAll('g.node').forEach(function (g) {
    var t = g.querySelector('title');
    if (t) { g.setAttribute('data-tip', t.textContent); t.remove(); }
    g.addEventListener('mousemove', function (e) {
      tip.textContent = g.getAttribute('data-tip');
      tip.style.display = 'block';
      var x = e.clientX + 14, y = e.clientY + 14;
      if (x + tip.offsetWidth > window.innerWidth - 8) { x = e.clientX - tip.offsetWidth - 14; }
      if (y + tip.offsetHeight > window.innerHeight - 8) { y = e.clientY - tip.offsetHeight - 14; }
      tip.style.left = x + 'px'; tip.style.top = y + 'px';
    });
    g.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  });
})();
"""

LABEL_W = 96  # lane labels
PLOT_W = 960
LANE_H = 34
BAR_H = 22
SUB_H = 18  # a row of the not-run lane
AXIS_H = 26
TOP = 28  # room for the stop label
CHAR_W = 6.4  # approximate width of a character at 11px


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def tooltip(bar: Bar) -> str:
    lines = [bar.unique_id, f"status: {bar.status}"]
    if bar.ran:
        lines.append(f"thread: {bar.lane}")
        lines.append(f"started: +{bar.start:.3f}s, ended: +{bar.end:.3f}s")
        lines.append(f"compile: {bar.compile_seconds:.3f}s, execute: {bar.execute_seconds:.3f}s")
    elif bar.decided_at is not None:
        lines.append(f"decided at: +{bar.decided_at:.3f}s (never started)")
    if bar.rows_affected is not None:
        lines.append(f"rows affected: {bar.rows_affected}")
    if bar.failures is not None:
        lines.append(f"failures: {bar.failures}")
    if bar.relation_name:
        lines.append(f"relation: {bar.relation_name}")
    if bar.critical:
        lines.append("on the critical path")
    if bar.message:
        lines.append(f"message: {bar.message.strip()}")
    return "\n".join(lines)


def render_html(timeline: Timeline) -> str:
    step = nice_step(timeline.span)
    axis_end = max(step, math.ceil(timeline.span / step - 1e-9) * step)
    scale = PLOT_W / axis_end
    lanes = timeline.by_lane()

    # the not-run lane: markers stacked in rows so that their labels do not overlap; a
    # label goes left of its marker when there is no room on the right
    not_run_rows: dict[str, int] = {}
    label_left: set[str] = set()
    row_spans: list[list[tuple[float, float]]] = []
    for bar in lanes.get(NOT_RUN, []):
        x = (bar.decided_at or 0.0) * scale
        text_w = len(bar.name) * CHAR_W
        if x + 8 + text_w > PLOT_W + 20:
            label_left.add(bar.unique_id)
            extent = (x - 8 - text_w, x + 5)
        else:
            extent = (x - 5, x + 8 + text_w)
        for i, spans in enumerate(row_spans):
            if i == 19 or all(extent[0] >= b + 6 or extent[1] <= a - 6 for a, b in spans):
                row = i
                break
        else:
            row = len(row_spans)
            row_spans.append([])
        row_spans[row].append(extent)
        not_run_rows[bar.unique_id] = row

    lane_top: dict[str, float] = {}
    y = TOP
    for lane in timeline.lanes:
        lane_top[lane] = y
        if lane == NOT_RUN:
            y += max(LANE_H, 8 + SUB_H * (max(not_run_rows.values(), default=0) + 1))
        else:
            y += LANE_H
    plot_bottom = y
    height = plot_bottom + AXIS_H
    width = LABEL_W + PLOT_W + 24

    parts: list[str] = []
    add = parts.append
    add(
        f'<svg xmlns="http://www.w3.org/2000/svg" id="timeline" width="{width}" height="{height:.0f}" '
        f'style="max-width:100%;height:auto" viewBox="0 0 {width} {height:.0f}" '
        'role="img" aria-label="timeline of the run">'
    )
    # lanes
    for i, lane in enumerate(timeline.lanes):
        top = lane_top[lane]
        bottom = lane_top[timeline.lanes[i + 1]] if i + 1 < len(timeline.lanes) else plot_bottom
        fill = "#f6f8fa" if i % 2 == 0 else "#ffffff"
        add(
            f'<g class="lane" data-lane="{_esc(lane)}"><rect x="0" y="{top:.1f}" width="{width}" '
            f'height="{bottom - top:.1f}" fill="{fill}"/>'
            f'<text class="lane-label" x="8" y="{top + 21:.1f}">{_esc(_lane_label(lane))}</text></g>'
        )
    # grid and axis
    value = 0.0
    while value <= axis_end + 1e-9:
        x = LABEL_W + value * scale
        add(
            f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{plot_bottom:.1f}" stroke="#d0d7de" stroke-width="1" '
            f'stroke-dasharray="2,3"/>'
        )
        add(
            f'<text class="tick" x="{x:.1f}" y="{plot_bottom + 16:.1f}" text-anchor="middle">'
            f"{_esc(tick_label(value, step))}</text>"
        )
        value += step
    add(
        f'<line x1="{LABEL_W}" y1="{plot_bottom:.1f}" x2="{LABEL_W + PLOT_W}" y2="{plot_bottom:.1f}" stroke="#8c959f"/>'
    )
    # bars
    for lane in timeline.lanes:
        top = lane_top[lane]
        bars = lanes.get(lane, [])
        for i, bar in enumerate(bars):
            colour = COLOURS.get(bar.status, "#6e7781")
            attrs = (
                f'class="node" data-uid="{_esc(bar.unique_id)}" data-name="{_esc(bar.name)}" '
                f'data-lane="{_esc(bar.lane)}" data-status="{_esc(bar.status)}" '
                f'data-critical="{"true" if bar.critical else "false"}"'
            )
            if bar.ran:
                x0 = LABEL_W + (bar.start or 0.0) * scale
                x1 = LABEL_W + (bar.end or 0.0) * scale
                xc = LABEL_W + (bar.compile_end if bar.compile_end is not None else bar.start or 0.0) * scale
                w = max(2.0, x1 - x0)
                yb = top + (LANE_H - BAR_H) / 2
                add(f"<g {attrs}><title>{_esc(tooltip(bar))}</title>")
                cw = min(max(0.0, xc - x0), w)
                if cw > 0:
                    add(
                        f'<rect class="comp" x="{x0:.2f}" y="{yb:.1f}" width="{cw:.2f}" height="{BAR_H}" '
                        f'fill="{colour}" fill-opacity="0.45"/>'
                    )
                add(
                    f'<rect class="exec" x="{x0 + cw:.2f}" y="{yb:.1f}" width="{max(0.0, w - cw):.2f}" '
                    f'height="{BAR_H}" fill="{colour}"/>'
                )
                if bar.critical:
                    add(
                        f'<rect class="crit" x="{x0 - 1:.2f}" y="{yb - 1:.1f}" width="{w + 2:.2f}" '
                        f'height="{BAR_H + 2}" fill="none" stroke="#1b1f3b" stroke-width="2.5" rx="2"/>'
                    )
                label = bar.name
                text_w = len(label) * CHAR_W
                next_start = LABEL_W + PLOT_W + 20
                if i + 1 < len(bars) and bars[i + 1].start is not None:
                    next_start = LABEL_W + (bars[i + 1].start or 0.0) * scale
                if text_w + 8 <= w:
                    add(f'<text class="bar-label" x="{x0 + 4:.1f}" y="{yb + 15:.1f}">{_esc(label)}</text>')
                elif x0 + w + 4 + text_w <= next_start - 2:
                    add(f'<text class="bar-label out" x="{x0 + w + 4:.1f}" y="{yb + 15:.1f}">{_esc(label)}</text>')
                add("</g>")
            else:
                row = not_run_rows.get(bar.unique_id, 0)
                x = LABEL_W + (bar.decided_at or 0.0) * scale
                yb = top + 6 + row * SUB_H
                add(f"<g {attrs}><title>{_esc(tooltip(bar))}</title>")
                add(
                    f'<rect class="marker" x="{x - 4:.1f}" y="{yb + 2:.1f}" width="8" height="12" rx="2" '
                    f'fill="{colour}" stroke="#57606a" stroke-width="0.8"/>'
                )
                if bar.unique_id in label_left:
                    add(
                        f'<text class="bar-label out" x="{x - 8:.1f}" y="{yb + 12:.1f}" text-anchor="end">'
                        f"{_esc(bar.name)}</text>"
                    )
                else:
                    add(f'<text class="bar-label out" x="{x + 8:.1f}" y="{yb + 12:.1f}">{_esc(bar.name)}</text>')
                add("</g>")
    # the stop
    stop = timeline.stop
    if stop is not None and stop.at is not None:
        xs = LABEL_W + stop.at * scale
        if stop.cancel_seconds:
            band = max(1.0, stop.cancel_seconds * scale)
            add(
                f'<rect class="cancel-band" x="{xs:.2f}" y="{TOP - 4}" width="{band:.2f}"'
                f' height="{plot_bottom - TOP + 4:.1f}" fill="#d64545" fill-opacity="0.12"/>'
            )
        add(
            f'<line id="stop" x1="{xs:.2f}" y1="{TOP - 10}" x2="{xs:.2f}" y2="{plot_bottom:.1f}" stroke="#b42318" '
            f'stroke-width="2" stroke-dasharray="6,3"><title>{_esc(_stop_text(stop))}</title></line>'
        )
        label = f"stop: {stop.kind or ''} at +{stop.at:.2f}s"
        anchor = "end" if xs > LABEL_W + PLOT_W * 0.6 else "start"
        dx = -5 if anchor == "end" else 5
        add(
            f'<text x="{xs + dx:.1f}" y="{TOP - 12}" text-anchor="{anchor}" font-size="12" font-weight="600" '
            f'fill="#b42318">{_esc(label)}</text>'
        )
    add("</svg>")
    svg = "\n".join(parts)
    return _page(timeline, svg)


def _stop_text(stop: Stop) -> str:
    text = f"{stop.trigger or stop.kind} at +{stop.at:.3f}s" if stop.at is not None else str(stop.trigger)
    if stop.cancel_seconds is not None:
        text += f"; in-flight statements cancelled within {stop.cancel_seconds:.3f}s"
    return text


def _page(timeline: Timeline, svg: str) -> str:
    counts = timeline.counts()
    order = ("success", "pass", "warn", "error", "fail", "cancelled", "skipped")
    pills = "".join(
        f'<span style="background:{COLOURS.get(s, "#6e7781")}">{_esc(s)} {counts[s]}</span>'
        for s in [*order, *sorted(set(counts) - set(order))]
        if counts.get(s)
    )
    title = timeline.title or (
        f"dagwright explain: {timeline.command} (simulated)" if timeline.simulated else f"dagwright {timeline.command}"
    )
    facts = [f"{len(timeline.bars)} nodes"]
    if timeline.threads:
        facts.append(f"{timeline.threads} thread{'s' if timeline.threads != 1 else ''}")
    if timeline.fail_fast:
        facts.append("--fail-fast")
    if timeline.elapsed is not None:
        facts.append(f"{timeline.elapsed:.2f}s elapsed")
    if timeline.started_at and not timeline.simulated:
        facts.append(f"first node at {timeline.started_at}")
    if timeline.invocation_id and not timeline.simulated:
        facts.append(f"invocation {timeline.invocation_id}")
    legend = "".join(
        f'<i style="background:{COLOURS[s]}"></i>{s}' for s in ("success", "error", "cancelled", "skipped", "warn")
    )
    legend += '<i class="compile"></i>compile (lighter part) <i class="crit"></i>critical path'
    stop_html = ""
    if timeline.stop is not None:
        stop_html = f'<p class="stopnote">Stop: {_esc(_stop_text(timeline.stop))}</p>'
    crit = " &rarr; ".join(_esc(short_name(u)) for u in timeline.critical_path) or "unknown (no manifest.json)"
    rows = []
    for bar in sorted(
        timeline.bars,
        key=lambda b: (b.start if b.start is not None else math.inf, b.decided_at or 0.0, b.unique_id),
    ):
        colour = COLOURS.get(bar.status, "#6e7781")
        rows.append(
            "<tr>"
            f"<td>{'&#9733; ' if bar.critical else ''}{_esc(bar.name)}</td>"
            f'<td class="st" style="color:{colour}">{_esc(bar.status)}</td>'
            f"<td>{_esc(bar.lane)}</td>"
            f'<td class="num">{_esc(f"+{bar.start:.2f}s" if bar.start is not None else "-")}</td>'
            f'<td class="num">{_esc(seconds(bar.compile_seconds) if bar.ran else "-")}</td>'
            f'<td class="num">{_esc(seconds(bar.execute_seconds) if bar.ran else "-")}</td>'
            f'<td class="num">{_esc("" if bar.rows_affected is None else bar.rows_affected)}</td>'
            f'<td class="msg">{_esc(bar.summary_line())}</td>'
            "</tr>"
        )
    sim = '<span class="sim">simulated</span>' if timeline.simulated else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{_esc(title)}{sim}</h1>
<p class="sub">{_esc(" · ".join(facts))}</p>
<div class="pills">{pills}</div>
{stop_html}
<div class="legend">{legend}</div>
<div class="chart">
{svg}
</div>
<p class="sub">Critical path (longest chain of dependent nodes by measured time): {crit}</p>
<table id="nodes">
<thead><tr><th>node</th><th>status</th><th>thread</th><th>start</th><th>compile</th><th>execute</th>
<th>rows</th><th>message</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody>
</table>
<div id="tip"></div>
<script>{_JS}</script>
</body>
</html>
"""


def write_timeline(
    path: Path,
    run_results: Mapping[str, Any],
    parents: Mapping[str, Iterable[str]] | None = None,
    threads: int | None = None,
) -> Path:
    write_text_atomic(path, render_html(timeline_from_run_results(run_results, parents, threads=threads)))
    return path


def write_timeline_quietly(
    path: Path,
    run_results: Mapping[str, Any],
    parents: Mapping[str, Iterable[str]] | None = None,
    threads: int | None = None,
) -> None:
    """For the end of a run: a picture that cannot be drawn never fails the run."""
    try:
        write_timeline(path, run_results, parents, threads)
    except Exception:
        pass


# -- the terminal ------------------------------------------------------------------------------
def render_text(timeline: Timeline, width: int = 100) -> list[Any]:
    """Lines (rich ``Text``) of a text timeline: a row per node, grouped by lane."""
    from rich.text import Text

    lanes = timeline.by_lane()
    names = [("* " if b.critical else "  ") + b.name for b in timeline.bars]
    name_w = min(max((len(n) for n in names), default=8), 30)
    lane_w = min(max((len(_lane_label(lane)) for lane in timeline.lanes), default=7), 12)
    status_w = 10
    bar_w = max(20, width - lane_w - name_w - status_w - 12)
    scale = bar_w / timeline.span
    stop_col = None
    if timeline.stop is not None and timeline.stop.at is not None:
        stop_col = min(bar_w - 1, int(timeline.stop.at * scale))

    def col(value: float) -> int:
        return min(bar_w - 1, max(0, int(value * scale)))

    lines: list[Text] = []
    for lane in timeline.lanes:
        for i, bar in enumerate(lanes.get(lane, [])):
            style = STYLES.get(bar.status, "")
            label = ("* " if bar.critical else "  ") + bar.name
            if len(label) > name_w:
                label = label[: name_w - 1] + "…"
            line = Text()
            line.append(f"{(_lane_label(lane) if i == 0 else ''):<{lane_w}} ", style="bold" if i == 0 else "")
            line.append(f"{label:<{name_w}}", style="bold" if bar.critical else "")
            line.append(" │")
            cells = [" "] * bar_w
            styles = [""] * bar_w
            if stop_col is not None:
                cells[stop_col], styles[stop_col] = "┃", "bold red"
            if bar.ran:
                start = col(bar.start or 0.0)
                end = max(start + 1, min(bar_w, math.ceil((bar.end or 0.0) * scale)))
                split = min(end, start + round(bar.compile_seconds * scale))
                for c in range(start, end):
                    cells[c] = "░" if c < split else "█"
                    styles[c] = style
            else:
                c = col(bar.decided_at or 0.0)
                cells[c], styles[c] = "◆", style
            for ch, st in zip(cells, styles):
                line.append(ch, style=st)
            line.append("│ ")
            line.append(f"{bar.status:<{status_w}}", style=style)
            if bar.ran:
                line.append(f"{(bar.end or 0.0) - (bar.start or 0.0):6.2f}s")
            else:
                reason = shorten_ids(bar.message.replace("skipped because ", "").split(";")[0])
                line.append(f" ({reason})" if reason else "")
            lines.append(line)
    # the axis
    axis = [" "] * bar_w
    step = nice_step(timeline.span, max(2, bar_w // 14))
    value = 0.0
    while value <= timeline.span + 1e-9:
        label = tick_label(value, step)
        c = col(value)
        if c + len(label) <= bar_w and all(ch == " " for ch in axis[max(0, c - 1) : c + len(label) + 1]):
            axis[c : c + len(label)] = list(label)
        value += step
    pad = " " * (lane_w + 1 + name_w)
    lines.append(Text(pad + " └" + "─" * bar_w + "┘"))
    lines.append(Text(pad + "  " + "".join(axis).rstrip(), style="dim"))
    legend = Text(pad + "  ")
    legend.append("░", style="bold")
    legend.append(" compile  ")
    legend.append("█", style="bold")
    legend.append(" execute  ")
    legend.append("◆", style="bold")
    legend.append(" never started  * critical path")
    if stop_col is not None:
        legend.append("  ")
        legend.append("┃", style="bold red")
        legend.append(" stop")
    lines.append(legend)
    if timeline.stop is not None:
        lines.append(Text(f"Stop: {_stop_text(timeline.stop)}", style="red"))
    return lines


def print_terminal(timeline: Timeline, console: Any = None, width: int | None = None) -> None:
    from rich.console import Console

    console = console or Console(highlight=False)
    width = width or min(console.width, 140)
    for line in render_text(timeline, width):
        console.print(line, soft_wrap=True, highlight=False)
