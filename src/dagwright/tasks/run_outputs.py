"""What a run leaves in target/ beside run_results.json once its results are known: its entry
in the history of runs, and the timeline page (with what the page says of the nodes and the
command)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dagwright.artifacts.run_history import record_run
from dagwright.report.timeline_facts import NodeFacts, PageContext, facts_from_manifest
from dagwright.report.timeline_html import write_timeline_quietly
from dagwright.session import Session


def write_history_and_timeline(
    session: Session,
    data: dict[str, Any],
    *,
    parents: Mapping[str, Iterable[str]],
    order: Sequence[str],
    threads: int | None,
    write_json: bool,
) -> None:
    """Each write goes to its own temporary file and is renamed into place, so an emergency
    write from a signal handler needs no lock. ``data``: run_results.json's content, whole."""
    target_dir = session.target_dir
    if write_json:
        try:
            record_run(target_dir, data, parents)
        except OSError:
            pass  # the history is for pictures and predictions; the run's own artifacts are written

    def about() -> tuple[dict[str, NodeFacts], PageContext]:
        context = PageContext(
            project=session.project.name,
            target=session.target.target_name,
            engine=session.target.type,
            selector=session.flags.extra.get("selector") or session.default_selector,
        )
        return facts_from_manifest(session.manifest, order), context

    write_timeline_quietly(target_dir / "timeline.html", data, parents, threads, about, history=target_dir)
