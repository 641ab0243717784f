"""Issue 20, the history's pictures: each node against its earlier runs (``Bar.previous``),
``dagwright timeline --list`` / ``--run`` (one command no longer erases the picture of the one
before), and the run-over-run comparison (``--compare``: target/compare.html, in headless
Chromium, and in the terminal)."""

from __future__ import annotations

import html.parser
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from browser import embedded_data
from conftest import Project, Result, write_project
from dagwright.artifacts.run_history import list_history, record_run, recorded_durations
from dagwright.cli import main
from dagwright.report.compare_html import render_compare_html
from dagwright.report.run_compare import compare, comparison_lines
from dagwright.report.timeline import timeline_from_run_results
from dagwright.report.timeline_history import trend, trend_text, versus_usual, with_earlier_runs
from test_observe import CHROMIUM, chromium

FILES = {
    "seeds/people.csv": "id,name\n1,ann\n2,bob\n",
    "models/a.sql": "select * from {{ ref('people') }}\n",
    "models/b.sql": "select count(*) as n from {{ ref('a') }}\n",
}


def result(uid: str, seconds: float, status: str = "success", start: float = 0.0, thread: str = "Thread-1") -> dict:
    """One node of a hand-made run_results.json (times from 2026-01-01 00:00:00)."""

    def at(offset: float) -> str:
        whole, frac = divmod(offset, 1)
        return f"2026-01-01T00:00:{int(whole):02d}.{round(frac * 1e6):06d}Z"

    timing = [
        {"name": "compile", "started_at": at(start), "completed_at": at(start)},
        {"name": "execute", "started_at": at(start), "completed_at": at(start + seconds)},
    ]
    return {
        "status": status,
        "timing": timing if status != "skipped" else [],
        "thread_id": thread if status != "skipped" else None,
        "execution_time": seconds if status != "skipped" else 0.0,
        "adapter_response": {},
        "message": "OK" if status == "success" else "skipped because upstream model.p.x failed",
        "failures": None,
        "unique_id": uid,
    }


def run_results(invocation: str, minute: int, results: list[dict], command: str = "run", elapsed: float = 1.0) -> dict:
    return {
        "metadata": {
            "invocation_id": invocation,
            "generated_at": f"2026-01-01T00:{minute:02d}:00.000000Z",
            "invocation_started_at": f"2026-01-01T00:{minute:02d}:00.000000Z",
        },
        "results": results,
        "elapsed_time": elapsed,
        "args": {"which": command, "threads": 1},
    }


def timeline(project: Project, *args: str) -> Result:
    """``dagwright timeline ARGS`` in this process (it reads target/ only: no engine, no parse)."""
    done = CliRunner().invoke(main, ["timeline", "--project-dir", str(project.root), *args])
    return Result(done.exit_code, done.stdout, done.stderr, args)


def timeline_ok(project: Project, *args: str) -> Result:
    done = timeline(project, *args)
    assert done.code == 0, str(done)
    return done


# -- each node against its earlier runs: the data -----------------------------------------------
def test_a_node_slower_than_its_median_is_reported_slower(tmp_path: Path) -> None:
    target = tmp_path / "target"
    for minute, (x, y, z_status) in enumerate([(1.0, 1.0, "success"), (1.2, 1.1, "success"), (1.1, 0.9, "error")]):
        record_run(
            target,
            run_results(
                f"run{minute}",
                minute,
                [result("model.p.x", x), result("model.p.y", y), result("model.p.z", 9.0, status=z_status)],
            ),
        )
    latest = run_results(
        "latest", 10, [result("model.p.x", 3.0), result("model.p.y", 1.02), result("model.p.new", 1.0)]
    )
    record_run(target, latest)
    drawing = with_earlier_runs(timeline_from_run_results(latest), target)
    bars = {bar.unique_id: bar for bar in drawing.bars}
    # newest first; the latest run itself is not its own history; a failed run's time is not counted
    assert bars["model.p.x"].previous == (1.1, 1.2, 1.0)
    assert bars["model.p.y"].previous == (0.9, 1.1, 1.0)
    assert bars["model.p.new"].previous == ()
    assert versus_usual(bars["model.p.x"]) == pytest.approx(3.0 / 1.1 - 1)
    assert trend(bars["model.p.x"]) == "slower" and trend_text(bars["model.p.x"]) == "+173% vs 1.10s usual (slower)"
    assert trend(bars["model.p.y"]) == "as usual"
    assert trend(bars["model.p.new"]) == "" and versus_usual(bars["model.p.new"]) is None

    faster = run_results("faster", 11, [result("model.p.x", 0.3)])
    assert trend(with_earlier_runs(timeline_from_run_results(faster), target).bars[0]) == "faster"

    # the durations a run is planned with: the history, and a run_results.json it does not hold first
    assert recorded_durations(target, latest)["model.p.x"] == [3.0, 1.1, 1.2, 1.0]
    foreign = run_results("written-by-dbt", 12, [result("model.p.x", 7.0)])
    assert recorded_durations(target, foreign)["model.p.x"] == [7.0, 3.0, 1.1, 1.2, 1.0]


# -- the comparison: the data and the page --------------------------------------------------------
BEFORE = run_results(
    "before-run",
    1,
    [
        result("model.p.same", 1.0),
        result("model.p.slower", 1.0, start=1.0),
        result("model.p.broke", 0.5, start=2.0),
        result("model.p.gone", 0.2, start=2.5),
    ],
    elapsed=3.0,
)
AFTER = run_results(
    "after-run",
    2,
    [
        result("model.p.same", 1.05),
        result("model.p.slower", 4.0, start=1.05),
        result("model.p.broke", 0.1, status="error", start=5.05),
        result("model.p.added", 0.6, start=5.2),
    ],
    elapsed=6.0,
)


class _Rows(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "tr" and "data-uid" in a:
            self.rows.append(a)
        for key in ("src", "href"):
            if a.get(key):
                self.external.append(a[key])


def test_comparison_sorts_by_change_and_shows_statuses_and_one_sided_nodes(tmp_path: Path) -> None:
    comparison = compare(timeline_from_run_results(BEFORE), timeline_from_run_results(AFTER))
    order = [row.unique_id.split(".")[-1] for row in comparison.rows]
    assert order == ["slower", "added", "broke", "gone", "same"]
    rows = {row.unique_id.split(".")[-1]: row for row in comparison.rows}
    assert rows["slower"].change == pytest.approx(3.0) and rows["slower"].percent == pytest.approx(300.0)
    assert rows["broke"].status_changed and not rows["same"].status_changed
    assert rows["gone"].presence == "before only" and rows["added"].presence == "after only"
    assert comparison.elapsed_change == pytest.approx(3.0)
    text = "\n".join(comparison_lines(comparison))
    assert "elapsed 3.00s -> 6.00s (+3.00s)" in text
    assert "1 status change(s), 1 node(s) only before, 1 only after" in text
    assert "outcomes success=4 -> error=1 success=3" in text
    assert re.search(r"slower\s+1\.00s\s+4\.00s\s+\+3\.00s \(\+300%\)\s+success", text), text
    assert re.search(r"broke\s+0\.50s\s+0\.10s\s+-0\.40s \(-80%\)\s+success -> error", text), text

    # the page, as a browser builds it: the same rows in the same order, nothing fetched
    page = tmp_path / "compare.html"
    page.write_text(render_compare_html(comparison), encoding="utf-8")
    if CHROMIUM is None and not os.environ.get("CI"):
        pytest.skip("chromium is not installed (apt-get install chromium)")
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr
    parsed = _Rows()
    parsed.feed(dom.stdout)
    assert [r["data-uid"].split(".")[-1] for r in parsed.rows] == order
    assert parsed.external == []
    by_name = {r["data-uid"].split(".")[-1]: r for r in parsed.rows}
    assert "status-changed" in by_name["broke"]["class"] and "only" in by_name["added"]["class"]
    assert "6.00s (+3.00s)" in dom.stdout and "success -&gt; error" in dom.stdout


# -- the commands, on a project's real runs -------------------------------------------------------
@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """seed, run, run: three recorded runs."""
    project = write_project(tmp_path_factory.mktemp("history"), FILES)
    project.ok("seed")
    project.ok("run")
    project.ok("run")
    return project


def test_list_and_draw_any_recorded_run(recorded: Project) -> None:
    entries = list_history(recorded.target)
    listed = timeline_ok(recorded, "--list").stdout.splitlines()
    assert listed[0].split()[:3] == ["run", "started", "command"]
    assert [line.split()[0] for line in listed[1:]] == ["-1", "-2", "-3"]
    assert [line.split()[4] for line in listed[1:]] == ["run", "run", "seed"]
    assert "success=2" in listed[1] and "success=1" in listed[3]  # statuses: two models, one seed
    assert all(e.invocation_id in line for e, line in zip(entries, listed[1:]))

    # the seed's picture is still there after the runs
    drawn = timeline_ok(recorded, "--run", "-3")
    page = recorded.target / f"timeline-seed-{entries[2].invocation_id[:8]}.html"
    assert f"Wrote {page} (1 nodes" in drawn.stdout
    assert [node["id"] for node in embedded_data(page.read_text(encoding="utf-8"))["nodes"]] == ["seed.proj.people"]
    by_id = timeline_ok(recorded, "--run", entries[0].invocation_id[:8], "--terminal")
    assert "a" in by_id.stdout and "success" in by_id.stdout and "Wrote" not in by_id.stdout
    # the newest run against the one before: each model's duration against its usual one
    assert "usual" in by_id.stdout
    assert "usual" in timeline_ok(recorded, "--terminal").stdout  # target/run_results.json: the newest run

    for args, wanted in (
        (("--run", "-9"), "the history holds 3 runs"),
        (("--run", "nope"), "no recorded run has the invocation id 'nope'"),
        (("--run", "2"), "did you mean -2?"),
        (("--list", "--compare"), "cannot be combined"),
        (("-1",), "unexpected argument"),
        (("--run", "-1", "--run-results", "x.json"), "two different runs"),
    ):
        bad = timeline(recorded, *args)
        assert bad.code == 2 and wanted in bad.stderr, str(bad)


def test_compare_the_newest_run_with_the_previous_one(recorded: Project) -> None:
    entries = list_history(recorded.target)
    shown = timeline_ok(recorded, "--compare", "--terminal")
    assert f"before: run {entries[1].invocation_id[:8]}" in shown.stdout
    assert f"after:  run {entries[0].invocation_id[:8]}" in shown.stdout
    assert not (recorded.target / "compare.html").exists()  # --terminal alone prints only
    written = timeline_ok(recorded, "--compare", "-3", "-1")
    page = (recorded.target / "compare.html").read_text(encoding="utf-8")
    assert f"Wrote {recorded.target / 'compare.html'}" in written.stdout
    # the seed's node only before, the models only after
    assert 'data-uid="seed.proj.people" data-presence="before only"' in page
    assert 'data-uid="model.proj.a" data-presence="after only"' in page
    for args, wanted in (
        (("--compare", "-1", "-1"), "both runs are the same run"),
        (("--compare", "-1", "-2", "-3"), "two runs at most"),
    ):
        bad = timeline(recorded, *args)
        assert bad.code == 2 and wanted in bad.stderr, str(bad)


def test_compare_needs_an_earlier_run_of_the_same_command(tmp_path: Path) -> None:
    project = write_project(tmp_path, FILES)
    record_run(project.target, run_results("a-seed", 1, [result("seed.proj.people", 0.1)], command="seed"))
    bad = timeline(project, "--compare")
    assert bad.code == 2 and "no earlier `seed`" in bad.stderr and "--compare -2 -1" in bad.stderr, str(bad)
    assert "No recorded runs" in timeline_ok(write_project(tmp_path / "empty", FILES), "--list").stdout


def test_the_new_flags_are_in_the_help() -> None:
    shown = CliRunner().invoke(main, ["timeline", "--help"]).stdout
    for flag in ("--list", "--run RUN", "--compare ", "--compare-explain", "[RUNS]..."):
        assert flag in shown, shown
    explain = CliRunner().invoke(main, ["explain", "--help"]).stdout
    assert "median" in explain and "target/explain.json" in explain and "several" in explain
