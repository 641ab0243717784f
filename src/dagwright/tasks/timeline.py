"""timeline: draw any run, as an HTML page or in the terminal; list the recorded runs
(target/history), draw one of them, compare two of them, or compare explain's prediction
with the run that followed it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dagwright.artifacts.files import read_json, write_text_atomic
from dagwright.artifacts.run_history import (
    HistoryEntry,
    find_run,
    list_history,
    previous_of_same_command,
    runs_after,
)
from dagwright.errors import DagwrightError
from dagwright.report.compare_html import render_compare_html, render_explain_html
from dagwright.report.run_compare import compare, comparison_lines, explain_lines
from dagwright.report.timeline import Timeline, short_name, timeline_from_run_results
from dagwright.report.timeline_facts import load_page_timeline, page_timeline
from dagwright.report.timeline_history import run_list_lines, with_earlier_runs
from dagwright.report.timeline_html import render_html
from dagwright.report.timeline_text import print_terminal
from dagwright.session import Flags, target_dir_of

#: what explain writes and --compare-explain reads
PREDICTION_FILE = "explain.json"


def _run_results_path(flags: Flags) -> Path:
    given = flags.extra.get("run_results")
    if given:
        return Path(given)
    return target_dir_of(flags) / "run_results.json"


def timeline(flags: Flags, echo: Callable[[str], None]) -> int:
    extra = flags.extra
    modes = [f"--{name.replace('_', '-')}" for name in ("list_runs", "compare", "compare_explain") if extra.get(name)]
    if len(modes) > 1:
        raise DagwrightError(f"{' and '.join(modes)} cannot be combined", hint="use one of them at a time")
    runs = list(extra.get("runs") or ())
    if runs and not extra.get("compare"):
        raise DagwrightError(
            f"unexpected argument(s) {' '.join(runs)}",
            hint="runs to compare go after --compare; one run to draw goes after --run",
        )
    if extra.get("history_run") and extra.get("run_results"):
        raise DagwrightError("--run and --run-results name two different runs", hint="pass one of them")
    if extra.get("list_runs"):
        return _list(flags, echo)
    if extra.get("compare"):
        return _compare(flags, runs, echo)
    if extra.get("compare_explain"):
        return _compare_explain(flags, echo)
    return _draw(flags, echo)


def _output(
    flags: Flags,
    drawing: Callable[[], Any],
    page: Callable[[], str],
    default: Path,
    echo: Callable[[str], None],
    note: str = "",
) -> None:
    """Print (``--terminal``) and/or write the page (``-o``, else ``default``)."""
    output = flags.extra.get("output_file")
    if flags.extra.get("terminal"):
        drawing()
        if not output:
            return
    target = Path(output) if output else default
    write_text_atomic(target, page())
    echo(f"Wrote {target}{note}")


def _draw(flags: Flags, echo: Callable[[str], None]) -> int:
    ref = flags.extra.get("history_run")
    if ref:
        target_dir = target_dir_of(flags)
        entry = find_run(target_dir, str(ref))
        drawing = with_earlier_runs(_entry_timeline(entry), target_dir)
        default = target_dir / f"timeline-{drawing.command}-{entry.invocation_id[:8] or entry.written_at}.html"
    else:
        path = _run_results_path(flags)
        if not path.exists():
            raise DagwrightError(
                f"no run to draw: {path} does not exist", hint="run a command first, or pass --run-results"
            )
        try:
            drawing = load_page_timeline(path)
        except (OSError, ValueError) as exc:
            raise DagwrightError(f"cannot read {path}: {exc}") from None
        if not flags.extra.get("run_results"):  # the target's own last run: its history is beside it
            drawing = with_earlier_runs(drawing, path.parent)
        default = path.with_name("timeline.html")
    note = f" ({len(drawing.bars)} nodes on {len(drawing.lanes)} lanes)"
    _output(flags, lambda: print_terminal(drawing), lambda: render_html(drawing), default, echo, note)
    return 0


def _entry_timeline(entry: HistoryEntry) -> Timeline:
    data = entry.load()
    if data is None:
        raise DagwrightError(f"cannot read the recorded run {entry.path}", hint="it may have been removed meanwhile")
    parents = data.get("parents") if isinstance(data.get("parents"), dict) else None
    # the nodes' names and kinds from the project's present manifest: a recorded run keeps none
    manifest = None
    try:
        loaded = read_json(entry.path.parent.parent / "manifest.json")
        manifest = loaded if isinstance(loaded, dict) else None
    except (OSError, ValueError):
        pass
    return page_timeline(data, parents, manifest=manifest)


def _list(flags: Flags, echo: Callable[[str], None]) -> int:
    target_dir = target_dir_of(flags)
    lines = run_list_lines(list_history(target_dir))
    if not lines:
        echo(f"No recorded runs in {target_dir / 'history'} (DAGWRIGHT_HISTORY_RUNS keeps the last runs' results).")
        return 0
    for line in lines:
        echo(line)
    return 0


def _compare(flags: Flags, runs: list[str], echo: Callable[[str], None]) -> int:
    target_dir = target_dir_of(flags)
    if len(runs) > 2:
        raise DagwrightError(f"--compare takes two runs at most, got {len(runs)}: {' '.join(runs)}")
    if len(runs) == 2:
        before, after = find_run(target_dir, runs[0]), find_run(target_dir, runs[1])
    else:
        after = find_run(target_dir, "-1")
        if runs:
            before = find_run(target_dir, runs[0])
        else:
            found = previous_of_same_command(target_dir, after)
            if found is None:
                command = (after.summary() or {}).get("command") or "command"
                raise DagwrightError(
                    f"the history holds no earlier `{command}` to compare the newest one with",
                    hint="name the runs: dagwright timeline --compare -2 -1 (see --list)",
                )
            before = found
    if before.path == after.path:
        raise DagwrightError("--compare: both runs are the same run", hint="name two runs (see --list)")
    comparison = compare(_entry_timeline(before), _entry_timeline(after))
    _output(
        flags,
        lambda: [echo(line) for line in comparison_lines(comparison)],
        lambda: render_compare_html(comparison),
        target_dir / "compare.html",
        echo,
    )
    return 0


def _compare_explain(flags: Flags, echo: Callable[[str], None]) -> int:
    target_dir = target_dir_of(flags)
    path = target_dir / PREDICTION_FILE
    try:
        prediction = read_json(path)
    except (OSError, ValueError):
        raise DagwrightError(
            f"no prediction to compare: cannot read {path}", hint="run `dagwright explain` first, then the run"
        ) from None
    metadata = prediction.get("metadata") or {}
    command = str((prediction.get("args") or {}).get("which") or "run")
    ref = flags.extra.get("history_run")
    if ref:
        actual = find_run(target_dir, str(ref))
    else:
        made = str(metadata.get("generated_at") or "")
        following = [e for e in runs_after(target_dir, made) if (e.summary() or {}).get("command") == command]
        if not following:
            raise DagwrightError(
                f"no `{command}` recorded since the prediction in {path} (made at {made or 'an unknown time'})",
                hint=f"run `dagwright {command}` with the same flags, or name a run with --run (see --list)",
            )
        actual = following[0]
    parents = prediction.get("parents") if isinstance(prediction.get("parents"), dict) else None
    predicted = timeline_from_run_results(prediction, parents, simulated=True)
    comparison = compare(predicted, _entry_timeline(actual), by="start")
    flags_text = f"--threads {predicted.threads}" + (" --fail-fast" if predicted.fail_fast else "")
    failing = ", ".join(short_name(str(uid)) for uid in prediction.get("failing") or []) or "no node"
    made_at = str(metadata.get("generated_at") or "?")[:19].replace("T", " ")
    label = f"`dagwright explain --command {command} {flags_text}` at {made_at} UTC, if {failing} failed"
    comparison = dataclasses.replace(comparison, before_label=label)
    spread = prediction.get("predicted_range")
    span = (float(spread[0]), float(spread[1])) if isinstance(spread, list) and len(spread) == 2 else None
    _output(
        flags,
        lambda: [echo(line) for line in explain_lines(comparison, span)],
        lambda: render_explain_html(comparison, span),
        target_dir / "compare-explain.html",
        echo,
    )
    return 0
