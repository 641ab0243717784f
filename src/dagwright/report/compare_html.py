"""The comparison pages as self-contained HTML (inline CSS, no script, nothing fetched):
``target/compare.html`` (a run against an earlier one) and ``target/compare-explain.html``
(explain's prediction against the run that followed). The model is ``report/run_compare.py``."""

from __future__ import annotations

import html
from typing import Any

from dagwright.report.run_compare import (
    Comparison,
    NodeChange,
    change_text,
    node_span,
    status_text,
)
from dagwright.report.timeline import Bar
from dagwright.report.timeline_history import statuses_text
from dagwright.report.timeline_html import COLOURS

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 4px}
.sub{color:#57606a;margin:2px 0}
.facts{display:flex;gap:14px;flex-wrap:wrap;margin:14px 0}
.fact{border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;min-width:110px}
.fact b{display:block;font-size:16px}
table{border-collapse:collapse;margin-top:12px;width:100%;max-width:1200px}
th,td{border-bottom:1px solid #eaeef2;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.status-changed td.st,td.differs{font-weight:600;color:#b42318}
tr.only td{color:#57606a;font-style:italic}
.slower{color:#b42318}.faster{color:#1a7f37}
.pair{width:220px}
.pair div{height:7px;margin:2px 0;border-radius:2px;min-width:1px}
.pair .a{background:#9aa0a6}
.gantt{width:260px}
.gantt div{position:relative;height:7px;margin:2px 0}
.gantt span{position:absolute;top:0;height:7px;border-radius:2px;min-width:2px}
.gantt .a span{background:#9aa0a6}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _bars(row: NodeChange, longest: float) -> str:
    """Two thin bars, before (grey) above after (the after outcome's colour), to scale."""
    parts = []
    for side, bar, seconds in (("a", row.before, row.before_seconds), ("b", row.after, row.after_seconds)):
        width = 0.0 if seconds is None or longest <= 0 else 100.0 * seconds / longest
        colour = "" if side == "a" or bar is None else f"background:{COLOURS.get(bar.status, '#6e7781')}"
        parts.append(f'<div class="{side}" style="width:{width:.1f}%;{colour}"></div>')
    return f'<td class="pair">{"".join(parts)}</td>'


def _page(title: str, subtitle: list[str], facts: list[tuple[str, str]], table: str) -> str:
    fact_html = "".join(f'<div class="fact">{_esc(name)}<b>{_esc(value)}</b></div>' for name, value in facts)
    subs = "".join(f'<p class="sub">{_esc(line)}</p>' for line in subtitle)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{_esc(title)}</h1>
{subs}
<div class="facts">{fact_html}</div>
{table}
</body>
</html>
"""


def render_compare_html(comparison: Comparison) -> str:
    """A run against an earlier one: per node both durations, the change, the outcomes."""
    c = comparison
    longest = max([0.0, *(r.before_seconds or 0.0 for r in c.rows), *(r.after_seconds or 0.0 for r in c.rows)])
    rows = []
    for row in c.rows:
        classes = []
        if row.status_changed:
            classes.append("status-changed")
        if row.presence != "both":
            classes.append("only")
        trend = "" if not row.noticeable else "slower" if row.change > 0 else "faster"
        rows.append(
            f'<tr class="{" ".join(classes)}" data-uid="{_esc(row.unique_id)}" data-presence="{_esc(row.presence)}" '
            f'data-change="{row.change:.6f}">'
            f"<td>{_esc(row.name)}</td>"
            f'<td class="num">{_secs(row.before_seconds)}</td>'
            f'<td class="num">{_secs(row.after_seconds)}</td>'
            f'<td class="num {trend}">{_esc(change_text(row))}</td>'
            f'<td class="st">{_esc(status_text(row))}</td>' + _bars(row, longest) + "</tr>"
        )
    elapsed = f"{_secs(c.before.elapsed)} → {_secs(c.after.elapsed)}"
    if c.elapsed_change is not None:
        elapsed += f" ({c.elapsed_change:+.2f}s)"
    facts = [
        ("elapsed", elapsed),
        ("nodes", f"{len(c.before.bars)} → {len(c.after.bars)}"),
        ("outcomes", f"{statuses_text(c.before.counts())} → {statuses_text(c.after.counts())}"),
        ("status changes", str(len(c.status_changes()))),
        ("only before / only after", f"{len(c.only('before'))} / {len(c.only('after'))}"),
    ]
    table = (
        '<table id="changes"><thead><tr><th>node</th><th>before</th><th>after</th><th>change</th>'
        "<th>status</th><th>before (grey) / after</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )
    return _page(
        "dagwright: run against run",
        [f"before: {c.before_label}", f"after: {c.after_label}", "largest change in duration first"],
        facts,
        table,
    )


def _at(bar: Bar | None) -> tuple[str, str]:
    if bar is None:
        return "-", "-"
    if bar.ran:
        return f"+{bar.start or 0.0:.2f}s", f"+{bar.end or 0.0:.2f}s"
    return "-", "-"


def _gantt(row: NodeChange, span: float) -> str:
    """The predicted (grey) and the actual run of the node on one time scale."""
    parts = []
    for side, bar in (("a", row.before), ("b", row.after)):
        inner = ""
        if bar is not None and bar.ran and span > 0:
            left, width = 100.0 * (bar.start or 0.0) / span, 100.0 * ((bar.end or 0.0) - (bar.start or 0.0)) / span
            colour = "" if side == "a" else f";background:{COLOURS.get(bar.status, '#6e7781')}"
            inner = f'<span style="left:{left:.2f}%;width:{width:.2f}%{colour}"></span>'
        parts.append(f'<div class="{side}">{inner}</div>')
    return f'<td class="gantt">{"".join(parts)}</td>'


def render_explain_html(comparison: Comparison, predicted_range: tuple[float, float] | None = None) -> str:
    """explain's prediction against the actual run, in the order the nodes started."""
    c = comparison
    rows = []
    right = 0
    span = max(node_span(c.before), node_span(c.after))
    for row in c.rows:
        p_start, p_end = _at(row.before)
        a_start, a_end = _at(row.after)
        predicted = row.before.status if row.before is not None else "-"
        actual = row.after.status if row.after is not None else "-"
        same = predicted == actual
        right += same
        outcome = f"<td>{_esc(actual)}</td>"
        if not same:
            outcome = f'<td class="differs">{_esc(actual)} (predicted {_esc(predicted)})</td>'
        rows.append(
            f'<tr data-uid="{_esc(row.unique_id)}" data-predicted="{_esc(predicted)}" data-actual="{_esc(actual)}">'
            f"<td>{_esc(row.name)}</td>"
            f'<td class="num">{p_start}</td><td class="num">{p_end}</td><td>{_esc(predicted)}</td>'
            f'<td class="num">{a_start}</td><td class="num">{a_end}</td>{outcome}' + _gantt(row, span) + "</tr>"
        )
    predicted_total, actual_total = node_span(c.before), node_span(c.after)
    predicted_text = f"{predicted_total:.2f}s"
    if predicted_range is not None and predicted_range[1] - predicted_range[0] >= 0.005:
        predicted_text += f" ({predicted_range[0]:.2f}s to {predicted_range[1]:.2f}s)"
    facts = [
        ("node time predicted", predicted_text),
        ("node time actual", f"{actual_total:.2f}s ({actual_total - predicted_total:+.2f}s)"),
        ("outcomes predicted right", f"{right} of {len(c.rows)}"),
    ]
    table = (
        '<table id="prediction"><thead><tr><th>node</th><th>predicted start</th><th>predicted end</th>'
        "<th>predicted</th><th>start</th><th>end</th><th>actual</th><th>predicted (grey) / actual</th></tr></thead>"
        "<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )
    return _page(
        "dagwright: explain's prediction against the run",
        [f"predicted: {c.before_label}", f"actual: {c.after_label}", "times from the first node's start"],
        facts,
        table,
    )
