"""A drawn run against the runs before it, and the list of recorded runs.

The history (``artifacts/run_history.py``) keeps the last runs' results; here each bar of
a timeline gets the durations its node took in the runs recorded before this one
(``Bar.previous``, newest first), so the page and the terminal can say a node ran slower
or faster than usual. ``run_list_lines`` is ``dagwright timeline --list``.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dagwright.artifacts.run_history import HistoryEntry, durations_of, runs_before
from dagwright.report.timeline import Bar, Timeline

#: a change smaller than this (a fraction of the usual duration, or seconds) is "as usual":
#: timings of a few milliseconds move by more than that from one run to the next
USUAL_FRACTION = 0.2
USUAL_SECONDS = 0.05


def earlier_durations(target_dir: Path, invocation_id: str) -> dict[str, list[float]]:
    """Each node's durations in the runs recorded before ``invocation_id``, newest first."""
    return durations_of(runs_before(target_dir, invocation_id))


def with_previous(timeline: Timeline, earlier: Mapping[str, Sequence[float]]) -> Timeline:
    """The timeline with each bar's ``previous`` filled from ``earlier`` (unique_id -> seconds)."""
    bars = [dataclasses.replace(bar, previous=tuple(earlier.get(bar.unique_id, ()))) for bar in timeline.bars]
    return dataclasses.replace(timeline, bars=bars)


def with_earlier_runs(timeline: Timeline, target_dir: Path) -> Timeline:
    """``with_previous`` from the history in ``target_dir``, before the timeline's own run."""
    return with_previous(timeline, earlier_durations(target_dir, timeline.invocation_id))


def usual_seconds(bar: Bar) -> float | None:
    """The median of the node's earlier durations (None without any)."""
    return statistics.median(bar.previous) if bar.previous else None


def versus_usual(bar: Bar) -> float | None:
    """This run's duration against the usual one, as a fraction: +0.35 is 35% slower.
    Only for a node that ran to success (a failure's time is not comparable)."""
    usual = usual_seconds(bar)
    if usual is None or not bar.ran or bar.status not in ("success", "pass"):
        return None
    if usual <= 0:
        return 0.0 if bar.execution_time <= 0 else float("inf")
    return bar.execution_time / usual - 1.0


def trend(bar: Bar) -> str:
    """``slower``, ``faster`` or ``as usual`` than the earlier runs; empty when unknown."""
    change = versus_usual(bar)
    usual = usual_seconds(bar)
    if change is None or usual is None:
        return ""
    if abs(bar.execution_time - usual) < USUAL_SECONDS or abs(change) < USUAL_FRACTION:
        return "as usual"
    return "slower" if change > 0 else "faster"


def trend_text(bar: Bar) -> str:
    """``+35% vs 1.20s usual`` (or empty when there is nothing to compare with)."""
    change, usual = versus_usual(bar), usual_seconds(bar)
    if change is None or usual is None:
        return ""
    percent = "new" if change == float("inf") else f"{change * 100:+.0f}%"
    return f"{percent} vs {usual:.2f}s usual ({trend(bar)})"


# -- dagwright timeline --list ----------------------------------------------------------------
def _when(summary: Mapping[str, Any], entry: HistoryEntry) -> str:
    text = str(summary.get("started_at") or summary.get("generated_at") or "")
    if len(text) >= 19:
        return text[:10] + " " + text[11:19]
    stamp = entry.written_at  # 20261207T224312.123456Z
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}"


def statuses_text(statuses: Mapping[str, int]) -> str:
    return " ".join(f"{status}={count}" for status, count in sorted(statuses.items())) or "-"


def run_list_lines(entries: Iterable[HistoryEntry]) -> list[str]:
    """The recorded runs, newest first: the reference to draw each (``-N``), when, the
    command, its nodes and their outcomes, how long it took, its invocation id."""
    rows = []
    for i, entry in enumerate(entries, start=1):
        summary = entry.summary() or {}
        elapsed = summary.get("elapsed")
        rows.append(
            (
                f"-{i}",
                _when(summary, entry) + " UTC",
                str(summary.get("command") or "?"),
                str(summary.get("nodes", "?")),
                statuses_text(summary.get("statuses") or {}),
                f"{elapsed:.2f}s" if isinstance(elapsed, (int, float)) else "-",
                entry.invocation_id or "-",
            )
        )
    if not rows:
        return []
    header = ("run", "started", "command", "nodes", "statuses", "elapsed", "invocation id")
    widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
