"""Two drawings of runs side by side, node by node: a run against an earlier one
(``dagwright timeline --compare``), or ``explain``'s prediction against the run that
followed it (``--compare-explain``). The model and its terminal form; the page is
``report/compare_html.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dagwright.report.timeline import Bar, Timeline
from dagwright.report.timeline_history import USUAL_FRACTION, USUAL_SECONDS, statuses_text


def ran_seconds(bar: Bar | None) -> float | None:
    """How long a node ran (its execution_time), or None when it did not run."""
    return bar.execution_time if bar is not None and bar.ran else None


def node_span(timeline: Timeline) -> float:
    """From the first node's start to the last node's end: the time the nodes took together."""
    return max([0.0, *(bar.end or 0.0 for bar in timeline.bars if bar.ran)])


@dataclass(frozen=True)
class NodeChange:
    """One node in both runs (or in one of them: the other side is None)."""

    unique_id: str
    before: Bar | None
    after: Bar | None

    @property
    def name(self) -> str:
        bar = self.after or self.before
        return bar.name if bar is not None else self.unique_id

    @property
    def before_seconds(self) -> float | None:
        return ran_seconds(self.before)

    @property
    def after_seconds(self) -> float | None:
        return ran_seconds(self.after)

    @property
    def change(self) -> float:
        """Seconds gained (+) or saved (-); a node that ran on one side only counts whole."""
        return (self.after_seconds or 0.0) - (self.before_seconds or 0.0)

    @property
    def percent(self) -> float | None:
        if self.before_seconds is None or self.after_seconds is None or self.before_seconds <= 0:
            return None
        return self.change / self.before_seconds * 100.0

    @property
    def noticeable(self) -> bool:
        """A change larger than the noise of timings (the bounds of "as usual")."""
        if abs(self.change) < USUAL_SECONDS:
            return False
        return self.percent is None or abs(self.percent) >= USUAL_FRACTION * 100

    @property
    def status_changed(self) -> bool:
        return self.before is not None and self.after is not None and self.before.status != self.after.status

    @property
    def presence(self) -> str:
        """``both``, ``before only`` or ``after only``."""
        if self.before is None:
            return "after only"
        return "before only" if self.after is None else "both"

    @property
    def start_shift(self) -> float | None:
        """How much later (+) the node started on the after side."""
        if self.before is None or self.after is None or self.before.start is None or self.after.start is None:
            return None
        return self.after.start - self.before.start


@dataclass(frozen=True)
class Comparison:
    before: Timeline
    after: Timeline
    before_label: str
    after_label: str
    rows: tuple[NodeChange, ...]

    @property
    def elapsed_change(self) -> float | None:
        if self.before.elapsed is None or self.after.elapsed is None:
            return None
        return self.after.elapsed - self.before.elapsed

    def status_changes(self) -> list[NodeChange]:
        return [row for row in self.rows if row.status_changed]

    def only(self, side: str) -> list[NodeChange]:
        return [row for row in self.rows if row.presence == f"{side} only"]


def run_label(timeline: Timeline) -> str:
    """``run 1a2b3c4d at 2026-12-07 22:43:12 UTC`` (a prediction: ``explain's prediction``)."""
    if timeline.simulated:
        return "explain's prediction"
    ident = timeline.invocation_id[:8] or "?"
    return f"{timeline.command} {ident} at {timeline.started_at}"


def compare(before: Timeline, after: Timeline, *, by: str = "change") -> Comparison:
    """Node by node; ``by="change"`` sorts the largest change in duration first, ``by="start"``
    in the order of the after side's starts (then the nodes that did not start there)."""
    firsts = {bar.unique_id: bar for bar in before.bars}
    seconds = {bar.unique_id: bar for bar in after.bars}
    order = list(dict.fromkeys([*(b.unique_id for b in after.bars), *(b.unique_id for b in before.bars)]))
    rows = [NodeChange(uid, firsts.get(uid), seconds.get(uid)) for uid in order]
    if by == "change":
        rows.sort(key=lambda r: (-abs(r.change), not r.status_changed, r.unique_id))
    else:

        def when(row: NodeChange) -> tuple[float, float, str]:
            bar = row.after or row.before
            assert bar is not None
            start = bar.start if bar.start is not None else float("inf")
            return (start, bar.decided_at or 0.0, row.unique_id)

        rows.sort(key=when)
    return Comparison(before, after, run_label(before), run_label(after), tuple(rows))


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.2f}s"


def change_text(row: NodeChange) -> str:
    """``+1.20s (+35%)``, ``new`` / ``gone`` for a node on one side only."""
    if row.presence != "both":
        return "only after" if row.presence == "after only" else "only before"
    if row.before_seconds is None and row.after_seconds is None:
        return ""
    text = _signed(row.change)
    if row.percent is not None:
        text += f" ({row.percent:+.0f}%)"
    return text


def status_text(row: NodeChange) -> str:
    before = row.before.status if row.before is not None else "-"
    after = row.after.status if row.after is not None else "-"
    return after if before == after else f"{before} -> {after}"


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    rows = list(rows)
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [header, *rows]]


def comparison_lines(comparison: Comparison) -> list[str]:
    """``dagwright timeline --compare --terminal``: the two runs, then a row per node."""
    c = comparison
    lines = [f"before: {c.before_label}", f"after:  {c.after_label}"]
    elapsed = f"elapsed {_secs(c.before.elapsed)} -> {_secs(c.after.elapsed)}"
    if c.elapsed_change is not None:
        elapsed += f" ({_signed(c.elapsed_change)})"
    lines.append(elapsed)
    lines.append(f"outcomes {statuses_text(c.before.counts())} -> {statuses_text(c.after.counts())}")
    lines.append(
        f"{len(c.status_changes())} status change(s), {len(c.only('before'))} node(s) only before, "
        f"{len(c.only('after'))} only after"
    )
    lines.append("")
    lines.extend(
        _table(
            ("node", "before", "after", "change", "status"),
            (
                (row.name, _secs(row.before_seconds), _secs(row.after_seconds), change_text(row), status_text(row))
                for row in c.rows
            ),
        )
    )
    return lines


def _at(bar: Bar | None) -> tuple[str, str]:
    if bar is None:
        return "-", "-"
    if bar.ran:
        return f"+{bar.start or 0.0:.2f}s", f"+{bar.end or 0.0:.2f}s"
    return "-", f"({bar.decided_at or 0.0:+.2f}s)"


def explain_lines(comparison: Comparison, predicted_range: tuple[float, float] | None = None) -> list[str]:
    """``dagwright timeline --compare-explain --terminal``: per node the predicted start, end
    and outcome beside the actual ones, then the totals."""
    c = comparison
    rows = []
    for row in c.rows:
        p_start, p_end = _at(row.before)
        a_start, a_end = _at(row.after)
        p_status = row.before.status if row.before is not None else "-"
        a_status = row.after.status if row.after is not None else "-"
        mark = "" if p_status == a_status else "differs"
        rows.append((row.name, p_start, p_end, p_status, a_start, a_end, a_status, mark))
    lines = [f"predicted: {c.before_label}", f"actual:    {c.after_label}", ""]
    lines.extend(
        _table(
            ("node", "pred. start", "pred. end", "predicted", "start", "end", "actual", "outcome"),
            rows,
        )
    )
    predicted, actual = node_span(c.before), node_span(c.after)
    total = f"node time: predicted {predicted:.2f}s"
    if predicted_range is not None and predicted_range[1] - predicted_range[0] >= 0.005:
        total += f" (range {predicted_range[0]:.2f}s-{predicted_range[1]:.2f}s)"
    total += f", actual {actual:.2f}s ({actual - predicted:+.2f}s)"
    right = sum(1 for row in c.rows if row.before and row.after and row.before.status == row.after.status)
    lines += ["", total, f"outcomes predicted right: {right} of {len(c.rows)}"]
    return lines
