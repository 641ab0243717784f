"""timeline: draw any run_results.json, as an HTML page or in the terminal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dagwright.artifacts.files import write_text_atomic
from dagwright.errors import DagwrightError
from dagwright.report.timeline_facts import load_page_timeline
from dagwright.report.timeline_html import render_html
from dagwright.report.timeline_text import print_terminal
from dagwright.session import Flags, target_dir_of


def _run_results_path(flags: Flags) -> Path:
    given = flags.extra.get("run_results")
    if given:
        return Path(given)
    return target_dir_of(flags) / "run_results.json"


def timeline(flags: Flags, echo: Callable[[str], None]) -> int:
    path = _run_results_path(flags)
    if not path.exists():
        raise DagwrightError(
            f"no run to draw: {path} does not exist", hint="run a command first, or pass --run-results"
        )
    try:
        drawing = load_page_timeline(path)
    except (OSError, ValueError) as exc:
        raise DagwrightError(f"cannot read {path}: {exc}") from None
    output = flags.extra.get("output_file")
    if flags.extra.get("terminal"):
        print_terminal(drawing)
        if not output:
            return 0
    target = Path(output) if output else path.with_name("timeline.html")
    write_text_atomic(target, render_html(drawing))
    echo(f"Wrote {target} ({len(drawing.bars)} nodes on {len(drawing.lanes)} lanes)")
    return 0
