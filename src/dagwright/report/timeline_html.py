"""The timeline as one self-contained HTML page: the run as JSON data, drawn by the page's own
script (SVG for the chart, a table of nodes), inline CSS and JS, nothing fetched.

The script is package data beside this module, in several files inlined in order
(``SCRIPTS``): ``timeline_core.js`` (the data, the state and the URL fragment that sets it),
``timeline_chart.js`` (lanes, bars, axis, zoom and pan), ``timeline_table.js`` (the node table:
sort, filter, pages), ``timeline.js`` (the controls, the tooltip, the first draw). The page
honours a fragment such as ``#q=orders&status=error&from=2&to=5&sort=-duration`` (search,
filters, time window, sort), and keeps it up to date as the user changes the view, so a view
can be linked to.
"""

from __future__ import annotations

import functools
import html
import json
import statistics
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from dagwright.artifacts.files import write_text_atomic
from dagwright.report.timeline import NOT_RUN, Bar, Timeline, bytes_text, lane_label, short_name, stop_text
from dagwright.report.timeline_facts import NodeFacts, PageContext, page_timeline
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

#: the page's script, in the order it is inlined
SCRIPTS = ("timeline_core.js", "timeline_chart.js", "timeline_table.js", "timeline.js")


@functools.cache
def _asset(name: str) -> str:
    """timeline.css or one of the scripts, as the page inlines it."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _t(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def history_change(bar: Bar) -> tuple[float, float] | None:
    """(median of the previous durations, this run's change against it as a fraction), when known."""
    previous = [v for v in bar.previous if v >= 0]
    if not previous or bar.duration is None:
        return None
    median = statistics.median(previous)
    return median, ((bar.duration - median) / median if median > 0 else 0.0)


def change_text(change: float) -> str:
    """``0.35`` -> ``+35% slower``; ``-0.2`` -> ``-20% faster``."""
    pct = round(change * 100)
    if pct == 0:
        return "same"
    return f"{pct:+d}% {'slower' if pct > 0 else 'faster'}"


def node_record(bar: Bar) -> dict[str, Any]:
    """One node as the page's data carries it (keys short: a page may carry 5,000 of them)."""
    record: dict[str, Any] = {
        "id": bar.unique_id,
        "name": bar.name,
        "type": bar.resource_type,
        "status": bar.status,
        "lane": bar.lane,
        "crit": bar.critical,
    }
    optional: dict[str, Any] = {
        "mat": bar.materialized,
        "start": _t(bar.start),
        "cend": _t(bar.compile_end),
        "end": _t(bar.end),
        "decided": _t(bar.decided_at) if not bar.ran else None,
        "ready": _t(bar.ready),
        "waited": bar.waited_on,
        "rows": bar.rows_affected if bar.rows_affected is not None and bar.rows_affected >= 0 else None,
        "failures": bar.failures,
        "bytes": bar.bytes_processed,
        "bytes_text": bytes_text(bar.bytes_processed) if bar.bytes_processed is not None else None,
        "job": bar.job,
        "rel": bar.relation_name,
        "msg": bar.message.strip() or None,
        "tags": list(bar.tags) or None,
        "previous": [round(v, 4) for v in bar.previous] or None,
    }
    record.update({k: v for k, v in optional.items() if v is not None})
    change = history_change(bar)
    if change is not None:
        record["median"], record["change"] = round(change[0], 4), round(change[1], 4)
        record["change_text"] = change_text(change[1])
    return record


def page_data(timeline: Timeline) -> dict[str, Any]:
    """Everything the page's script draws."""
    stop = timeline.stop
    return {
        "title": _title(timeline),
        "simulated": timeline.simulated,
        "span": timeline.span,
        "header": {
            **timeline.header,
            "threads": timeline.header.get("threads") or timeline.threads,
            "started_at": None if timeline.simulated else timeline.started_at,
            "invocation_id": None if timeline.simulated else timeline.invocation_id or None,
            "elapsed": timeline.elapsed,
            "fail_fast": timeline.fail_fast,
        },
        "lanes": [
            {"id": lane, "label": lane_label(lane), "idle": _t(timeline.idle.get(lane)), "not_run": lane == NOT_RUN}
            for lane in timeline.lanes
        ],
        "stop": None
        if stop is None
        else {"kind": stop.kind, "at": _t(stop.at), "cancel": stop.cancel_seconds, "text": stop_text(stop)},
        "critical_path": timeline.critical_path,
        "critical_names": [short_name(u) for u in timeline.critical_path],
        "colours": COLOURS,
        "nodes": [node_record(bar) for bar in timeline.bars],
    }


def _title(timeline: Timeline) -> str:
    if timeline.title:
        return timeline.title
    if timeline.simulated:
        return f"dagwright explain: {timeline.command} (simulated)"
    return f"dagwright {timeline.command}"


def _json_for_script(data: Any) -> str:
    """JSON that cannot end the <script> element it sits in."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(timeline: Timeline) -> str:
    data = page_data(timeline)
    script = "\n".join(_asset(name) for name in SCRIPTS)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(data["title"])}</title>
<style>
{_asset("timeline.css")}</style>
</head>
<body>
<header id="head"><h1>{_esc(data["title"])}</h1></header>
<noscript><p>This page draws the run with JavaScript; the data is in the script element below.</p></noscript>
<div id="controls"></div>
<div id="chart" class="chart"></div>
<div id="critical" class="sub"></div>
<div id="table"></div>
<div id="tip"></div>
<script type="application/json" id="dw-data">{_json_for_script(data)}</script>
<script>
{script}</script>
</body>
</html>
"""


def write_timeline(
    path: Path,
    run_results: Mapping[str, Any],
    parents: Mapping[str, Iterable[str]] | None = None,
    threads: int | None = None,
    *,
    facts: Mapping[str, NodeFacts] | None = None,
    context: PageContext | None = None,
    previous: Mapping[str, Iterable[float]] | None = None,
    history: Path | None = None,
) -> Path:
    """``history``: the target folder whose recorded runs give each node's earlier durations
    (when ``previous`` does not)."""
    timeline = page_timeline(run_results, parents, threads=threads, facts=facts, context=context, previous=previous)
    if history is not None and previous is None:
        timeline = with_earlier_runs(timeline, history)
    write_text_atomic(path, render_html(timeline))
    return path


def write_timeline_quietly(
    path: Path,
    run_results: Mapping[str, Any],
    parents: Mapping[str, Iterable[str]] | None = None,
    threads: int | None = None,
    about: Callable[[], tuple[Mapping[str, NodeFacts], PageContext]] | None = None,
    history: Path | None = None,
) -> None:
    """For the end of a run: a picture that cannot be drawn never fails the run. ``about``
    gives the nodes' facts and the command's context (called here, so its failure is quiet too)."""
    try:
        facts, context = about() if about is not None else (None, None)
        write_timeline(path, run_results, parents, threads, facts=facts, context=context, history=history)
    except Exception:
        pass
