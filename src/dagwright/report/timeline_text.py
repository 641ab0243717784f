"""The timeline in the terminal: a row per node grouped by lane, bars of block characters
(rich styles on a terminal, plain characters otherwise)."""

from __future__ import annotations

import math
from typing import Any

from dagwright.report.timeline import (
    Timeline,
    bytes_text,
    lane_label,
    nice_step,
    shorten_ids,
    stop_text,
    tick_label,
)
from dagwright.report.timeline_history import trend, trend_text

#: rich styles by outcome, for the terminal
STYLES = {
    "success": "green",
    "pass": "green",
    "error": "red",
    "fail": "red",
    "warn": "yellow",
    "cancelled": "dark_orange",
    "skipped": "bright_black",
    "no-op": "blue",
}

#: rich styles of a node's duration against its earlier runs
TREND_STYLES = {"slower": "yellow", "faster": "cyan", "as usual": "dim"}


def render_text(timeline: Timeline, width: int = 100) -> list[Any]:
    """Lines (rich ``Text``) of a text timeline: a row per node, grouped by lane."""
    from rich.text import Text

    lanes = timeline.by_lane()
    names = [("* " if b.critical else "  ") + b.name for b in timeline.bars]
    name_w = min(max((len(n) for n in names), default=8), 30)
    lane_w = min(max((len(lane_label(lane)) for lane in timeline.lanes), default=7), 12)
    status_w = 10
    bar_w = max(20, width - lane_w - name_w - status_w - 12)
    scale = bar_w / timeline.span
    stop_col = None
    if timeline.stop is not None and timeline.stop.at is not None:
        stop_col = min(bar_w - 1, int(timeline.stop.at * scale))

    def col(value: float) -> int:
        return min(bar_w - 1, max(0, int(value * scale)))

    # an engine whose nodes run as jobs (BigQuery): what each read and which job it was, as
    # the HTML timeline's node table says; nothing for other engines
    jobs = any(bar.job or bar.bytes_processed is not None for bar in timeline.bars)
    lines: list[Text] = []
    for lane in timeline.lanes:
        for i, bar in enumerate(lanes.get(lane, [])):
            style = STYLES.get(bar.status, "")
            label = ("* " if bar.critical else "  ") + bar.name
            if len(label) > name_w:
                label = label[: name_w - 1] + "…"
            line = Text()
            line.append(f"{(lane_label(lane) if i == 0 else ''):<{lane_w}} ", style="bold" if i == 0 else "")
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
                if bar.previous and (against := trend_text(bar)):  # against the earlier runs
                    line.append(f"  {against}", style=TREND_STYLES.get(trend(bar), "dim"))
                if jobs:
                    processed = "" if bar.bytes_processed is None else bytes_text(bar.bytes_processed)
                    line.append(f"  {processed:>10}")
                    line.append(f"  {bar.job}" if bar.job else "", style="dim")
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
    if jobs:
        legend.append("  (after the time: bytes processed, job)")
    if stop_col is not None:
        legend.append("  ")
        legend.append("┃", style="bold red")
        legend.append(" stop")
    lines.append(legend)
    if timeline.stop is not None:
        lines.append(Text(f"Stop: {stop_text(timeline.stop)}", style="red"))
    return lines


def print_terminal(timeline: Timeline, console: Any = None, width: int | None = None) -> None:
    from rich.console import Console

    console = console or Console(highlight=False)
    width = width or min(console.width, 140)
    for line in render_text(timeline, width):
        console.print(line, soft_wrap=True, highlight=False)
