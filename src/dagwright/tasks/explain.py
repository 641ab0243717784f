"""explain: what would a run do? The scheduler simulated with the recorded durations.

    dagwright explain --threads 2 --fail-fast --fail model_beta_a

builds the plan exactly as ``dagwright run`` would (same selection, same priorities from
each node's median duration over the recorded runs: target/history, and the last
run_results.json when the history does not hold it), replays the scheduler on a clock
(report/simulate.py), and prints per node what would happen and when, with the range of its
recorded durations, then the predicted timeline. The prediction is written to
target/explain.json for ``dagwright timeline --compare-explain``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dagwright.artifacts.files import write_json_atomic
from dagwright.artifacts.run_history import recorded_durations, spread, typical_durations
from dagwright.artifacts.run_results import durations_from, read_run_results
from dagwright.errors import DagwrightError, did_you_mean
from dagwright.graph.plan import build_plan
from dagwright.parse.nodes import Manifest
from dagwright.report.simulate import Simulation, simulate, to_run_results
from dagwright.report.timeline import parse_ts, short_name, shorten_ids, timeline_from_run_results
from dagwright.report.timeline_text import print_terminal
from dagwright.session import Flags, Session
from dagwright.tasks.run import RESOURCE_TYPES_BY_COMMAND
from dagwright.tasks.timeline import PREDICTION_FILE

#: what the table calls each predicted status
WHAT = {
    "success": "runs",
    "pass": "runs",
    "error": "runs and fails",
    "fail": "runs and fails",
    "cancelled": "starts, is cancelled",
    "skipped": "never starts",
    "no-op": "listed, nothing to run",
}


def _compile_seconds(previous: Mapping[str, Any] | None) -> dict[str, float]:
    """Compile time per node of the last run (to split the predicted bars)."""
    out: dict[str, float] = {}
    for result in (previous or {}).get("results") or []:
        for entry in result.get("timing") or []:
            if entry.get("name") == "compile":
                start, end = parse_ts(entry.get("started_at")), parse_ts(entry.get("completed_at"))
                if start and end:
                    out[str(result.get("unique_id"))] = max(0.0, (end - start).total_seconds())
    return out


def _resolve(names: list[str], plan_order: tuple[str, ...], manifest: Manifest) -> list[str]:
    """--fail arguments (names or unique_ids) -> unique_ids of planned nodes."""
    by_name: dict[str, list[str]] = {}
    for uid in plan_order:  # a node, a unit test, or a build's exposure or saved query
        node = (
            manifest.nodes.get(uid)
            or manifest.unit_tests.get(uid)
            or manifest.exposures.get(uid)
            or manifest.semantic_nodes.get(uid)
        )
        by_name.setdefault(node.name if node is not None else uid, []).append(uid)
    out = []
    for name in names:
        if name in plan_order:
            out.append(name)
        elif name in by_name:
            out.extend(by_name[name])
        else:
            raise DagwrightError(
                f"--fail {name}: no such node among the nodes this command would run",
                hint=did_you_mean(name, list(by_name)),
            )
    return out


def explain(flags: Flags, echo: Callable[[str], None]) -> int:
    extra = flags.extra
    command = str(extra.get("simulate_command") or "run")
    session = Session(flags)
    types = RESOURCE_TYPES_BY_COMMAND[command]
    selected = session.select(types)
    ignored = session.check_unsupported(selected)  # --selector, selectors.yml, --warn-error...
    last_run_path = session.target_dir / "run_results.json"
    if extra.get("run_results"):  # that run's durations only, as before the history
        path = Path(extra["run_results"])
        previous = read_run_results(path)
        if previous is None:
            raise DagwrightError(
                f"--run-results {path}: not a readable run_results.json",
                hint="leave it out to predict from the recorded runs (target/history)",
            )
        recorded = {uid: [seconds] for uid, seconds in durations_from(previous).items()}
        source = str(path)
    else:
        previous = read_run_results(last_run_path)
        recorded = recorded_durations(session.target_dir, previous)
        runs = max((len(recorded[uid]) for uid in selected if uid in recorded), default=0)
        source = f"target/history (up to {runs} run{'s' if runs != 1 else ''} per node)" if runs else "target/history"
    plan = build_plan(session.manifest, selected, typical_durations(recorded))
    threads = session.target.threads
    if not plan.order:
        echo("Nothing to do: the selection is empty.")
        return 0
    failing = _resolve(list(extra.get("fail") or ()), plan.order, session.manifest)
    compile_seconds = _compile_seconds(previous)

    def run_with(durations: Mapping[str, float] | None) -> Simulation:
        return simulate(
            plan,
            threads,
            fail_fast=flags.fail_fast,
            failing=failing,
            durations=durations,
            compile_seconds=compile_seconds,
        )

    sim = run_with(None)  # the medians: the plan's estimates
    ranges = {uid: spread(values) for uid, values in recorded.items() if uid in plan.estimates}
    fastest = run_with({uid: ranges[uid][0] if uid in ranges else plan.estimates[uid] for uid in plan.order})
    slowest = run_with({uid: ranges[uid][1] if uid in ranges else plan.estimates[uid] for uid in plan.order})
    elapsed = (sim.elapsed, fastest.elapsed, slowest.elapsed)
    predicted_range = (min(elapsed), max(elapsed))
    if ignored:
        echo(ignored)
    for line in report_lines(sim, command, recorded, source, predicted_range):
        echo(line)
    echo("")
    print_terminal(timeline_from_run_results(to_run_results(sim, command), _parents(plan)))
    _write_prediction(session.target_dir / PREDICTION_FILE, sim, command, plan, recorded, predicted_range, echo)
    return 0


def _write_prediction(
    path: Path,
    sim: Simulation,
    command: str,
    plan: Any,
    recorded: Mapping[str, Sequence[float]],
    predicted_range: tuple[float, float],
    echo: Callable[[str], None],
) -> None:
    """target/explain.json: the prediction as a run_results.json, with when it was made, the
    edges (for its critical path) and the ranges, for ``timeline --compare-explain``."""
    data = to_run_results(sim, command)
    data["metadata"]["generated_at"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    data["parents"] = _parents(plan)
    data["predicted_range"] = list(predicted_range)
    data["failing"] = sorted(sim.failing)
    data["recorded"] = {uid: list(recorded[uid]) for uid in plan.order if uid in recorded}
    try:
        write_json_atomic(path, data)
    except OSError as exc:
        echo(f"Warning: the prediction could not be written to {path}: {exc}")
        return
    echo(f"Prediction written to {path}: `dagwright timeline --compare-explain` compares it with the run that follows")


def _parents(plan: Any) -> dict[str, list[str]]:
    return {uid: sorted(ps) for uid, ps in plan.parents.items()}


def report_lines(
    sim: Simulation,
    command: str,
    recorded: Mapping[str, Sequence[float]],
    source: str,
    predicted_range: tuple[float, float] | None = None,
) -> list[str]:
    plan = sim.plan
    flags = f"--threads {sim.threads}" + (" --fail-fast" if sim.fail_fast else "")
    failing = ", ".join(short_name(u) for u in plan.order if u in sim.failing) or "nothing"
    known = sum(1 for uid in plan.order if uid in recorded)
    lines = [f"What `dagwright {command} {flags}` would do if {failing} failed:"]
    if known:
        lines.append(
            f"durations recorded in {source} for {known} of {len(plan)} nodes: each node's median, "
            "its range in brackets" + (" (the others: the median of those)" if known < len(plan) else "")
        )
    else:
        where = f"in {source}"
        same = plan.estimates[plan.order[0]]
        lines.append(f"no durations recorded for these nodes {where}: each is estimated at {same:.2f}s")
    lines.append("a failing node is assumed to fail at the end of its usual duration")
    lines.append("")
    name_w = max(12, *(len(short_name(u)) for u in plan.order))
    header = f"{'#':>3}  {'start':>8}  {'end':>8}  {'thread':<17} {'node':<{name_w}}  {'outcome':<10} what happens"
    lines.append(header)
    for i, p in enumerate(sim.in_time_order(), start=1):
        start = f"+{p.start:.2f}s" if p.start is not None else "-"
        end = f"+{p.end:.2f}s" if p.end is not None else f"+{p.decided_at:.2f}s"
        thread = p.thread_id or "-"
        what = WHAT.get(p.status, p.status)
        if p.status in ("success", "pass"):
            what += f" (~{p.estimate:.2f}s{_range_text(recorded.get(p.unique_id))})"
        elif p.status in ("error", "fail"):
            what += f" after ~{p.estimate:.2f}s"
        elif p.status == "cancelled":
            ran = (p.end or 0.0) - (p.start or 0.0)
            what += f" after {ran:.2f}s of ~{p.estimate:.2f}s: {shorten_ids(p.cause or '')}"
        elif p.status == "skipped" and p.message.startswith("not started: "):
            what += f": the run has stopped ({shorten_ids(p.message[len('not started: ') :])})"
        elif p.status == "skipped":
            what += ": " + shorten_ids(p.message.replace("skipped because ", ""))
        index = str(i) if p.started else "-"
        lines.append(
            f"{index:>3}  {start:>8}  {end:>8}  {thread:<17} {short_name(p.unique_id):<{name_w}}  {p.status:<10} {what}"
        )
    counts = sim.counts()
    passed = counts.get("success", 0) + counts.get("pass", 0)
    errors = counts.get("error", 0) + counts.get("fail", 0)
    lines.append("")
    summary = (
        f"Predicted: PASS={passed} ERROR={errors} SKIP={counts.get('skipped', 0)} "
        f"CANCELLED={counts.get('cancelled', 0)} "
        + (f"NO-OP={counts['no-op']} " if counts.get("no-op") else "")
        + f"TOTAL={len(plan)}, about {sim.elapsed:.2f}s of node time"
    )
    if predicted_range is not None and predicted_range[1] - predicted_range[0] >= 0.005:
        summary += f" ({predicted_range[0]:.2f}s-{predicted_range[1]:.2f}s from the fastest to the slowest runs)"
    if sim.stop_at is not None:
        summary += f"; the run stops at +{sim.stop_at:.2f}s ({shorten_ids(sim.stop_trigger or '')})"
    lines.append(summary)
    return lines


def _range_text(values: Sequence[float] | None) -> str:
    """`` [0.95s-1.40s over 5 runs]`` (nothing for a node recorded once or never)."""
    if not values or len(values) < 2:
        return ""
    low, high = spread(values)
    return f" [{low:.2f}s-{high:.2f}s over {len(values)} runs]"
