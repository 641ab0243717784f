"""The timeline as a self-contained HTML page: inline CSS, SVG and a few lines of JS, nothing
fetched. The style and the script are package data beside this module (timeline.css,
timeline.js), inlined into every page."""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from dagwright.artifacts.files import write_text_atomic
from dagwright.report.timeline import (
    NOT_RUN,
    Bar,
    Timeline,
    bytes_text,
    lane_label,
    nice_step,
    short_name,
    stop_text,
    tick_label,
    timeline_from_run_results,
)
from dagwright.report.timeline_history import with_earlier_runs

#: colours by outcome (execute part; the compile part is the same colour, lighter)
COLOURS = {
    "success": "#2f9e5b",
    "pass": "#2f9e5b",
    "error": "#d64545",
    "fail": "#d64545",
    "warn": "#d9a400",
    "cancelled": "#e8802a",
    "skipped": "#9aa0a6",
    "no-op": "#8fb3d9",
}


@functools.cache
def _asset(name: str) -> str:
    """timeline.css or timeline.js, as the page inlines it."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


LABEL_W = 96  # lane labels
PLOT_W = 960
LANE_H = 34
BAR_H = 22
SUB_H = 18  # a row of the not-run lane
AXIS_H = 26
TOP = 28  # room for the stop label
CHAR_W = 6.4  # approximate width of a character at 11px


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


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
    if bar.bytes_processed is not None:
        lines.append(f"bytes processed: {bytes_text(bar.bytes_processed)}")
    if bar.job:
        lines.append(f"job: {bar.job}")
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
            f'<text class="lane-label" x="8" y="{top + 21:.1f}">{_esc(lane_label(lane))}</text></g>'
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
            f'stroke-width="2" stroke-dasharray="6,3"><title>{_esc(stop_text(stop))}</title></line>'
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
        stop_html = f'<p class="stopnote">Stop: {_esc(stop_text(timeline.stop))}</p>'
    crit = " &rarr; ".join(_esc(short_name(u)) for u in timeline.critical_path) or "unknown (no manifest.json)"
    # an engine whose nodes run as jobs (BigQuery): what each read and which job it was
    jobs = any(bar.job or bar.bytes_processed is not None for bar in timeline.bars)
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
            + (
                f'<td class="num">{_esc("" if bar.bytes_processed is None else bytes_text(bar.bytes_processed))}</td>'
                f'<td class="job">{_esc(bar.job or "")}</td>'
                if jobs
                else ""
            )
            + f'<td class="msg">{_esc(bar.summary_line())}</td>'
            "</tr>"
        )
    sim = '<span class="sim">simulated</span>' if timeline.simulated else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>
{_asset("timeline.css")}</style>
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
<th>rows</th>{"<th>processed</th><th>job</th>" if jobs else ""}<th>message</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody>
</table>
<div id="tip"></div>
<script>
{_asset("timeline.js")}</script>
</body>
</html>
"""


def write_timeline(
    path: Path,
    run_results: Mapping[str, Any],
    parents: Mapping[str, Iterable[str]] | None = None,
    threads: int | None = None,
    history: Path | None = None,
) -> Path:
    """``history``: the target folder whose recorded runs give each node's earlier durations."""
    drawing = timeline_from_run_results(run_results, parents, threads=threads)
    if history is not None:
        drawing = with_earlier_runs(drawing, history)
    write_text_atomic(path, render_html(drawing))
    return path


def write_timeline_quietly(
    path: Path,
    run_results: Mapping[str, Any],
    parents: Mapping[str, Iterable[str]] | None = None,
    threads: int | None = None,
    history: Path | None = None,
) -> None:
    """For the end of a run: a picture that cannot be drawn never fails the run."""
    try:
        write_timeline(path, run_results, parents, threads, history)
    except Exception:
        pass
