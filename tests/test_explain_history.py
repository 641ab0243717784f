"""Issue 20, explain from the history: each node's median over the recorded runs (not the
last run alone) with its range, the total's range, several ``--fail`` nodes, the run's own
priorities from the same medians, target/explain.json, and ``dagwright timeline
--compare-explain`` (prediction against the run that followed: terminal and page)."""

from __future__ import annotations

import html.parser
import json
import os
import re
from pathlib import Path

import pytest

from conftest import Project, write_project
from dagwright.artifacts.run_history import record_run
from test_observe import CHROMIUM, chromium
from test_timeline_history import result, run_results, timeline, timeline_ok

FILES = {
    "seeds/people.csv": "id,name\n1,ann\n2,bob\n",
    "models/a.sql": "select 1 as x\n",
    "models/b.sql": "select * from {{ ref('a') }}\n",
    "models/c.sql": "select 2 as y\n",
}

#: recorded seconds, oldest run first: the newest run alone would put a's chain (5.5 s) before
#: c (4 s); the medians (a 1.5 s, b 0.5 s, c 4 s) put c first
HISTORY = [
    {"a": 1.0, "b": 0.5, "c": 4.0},
    {"a": 1.5, "b": 0.5, "c": 4.0},
    {"a": 5.0, "b": 0.5, "c": 4.0},
]

ROW = re.compile(r"^\s*(?P<index>\d+|-)\s+\S+\s+\S+\s+(?:Thread-\d+ \(worker\)|-)\s+(?P<node>\w+)\s+(?P<status>\w+)\s")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = write_project(tmp_path_factory.mktemp("explain-history"), FILES)
    for minute, seconds in enumerate(HISTORY):
        nodes = [result(f"model.proj.{name}", took) for name, took in seconds.items()]
        record_run(project.target, run_results(f"recorded-{minute}", minute, nodes))
    return project


def started(stdout: str) -> list[str]:
    rows = [m for m in map(ROW.match, stdout.splitlines()) if m and m["index"] != "-"]
    return [m["node"] for m in sorted(rows, key=lambda m: int(m["index"]))]


def test_explain_predicts_from_medians_then_the_run_follows_them(project: Project) -> None:
    several = project.ok("explain", "--fail", "a c")
    assert "would do if a, c failed" in several.stdout
    assert "Predicted: PASS=0 ERROR=2 SKIP=1 CANCELLED=0 TOTAL=3" in several.stdout, several.stdout
    repeated = project.ok("explain", "--fail", "a", "--fail", "model.proj.c")
    assert "Predicted: PASS=0 ERROR=2 SKIP=1" in repeated.stdout

    explained = project.ok("explain")
    out = explained.stdout
    assert f"Prediction written to {project.target / 'explain.json'}" in out
    assert "durations recorded in target/history (up to 3 runs per node) for 3 of 3 nodes" in out
    assert started(out) == ["c", "a", "b"], out
    assert "runs (~1.50s [1.00s-5.00s over 3 runs])" in out
    assert "about 6.00s of node time (5.50s-9.50s from the fastest to the slowest runs)" in out
    prediction = json.loads((project.target / "explain.json").read_text(encoding="utf-8"))
    assert prediction["metadata"]["simulated"] is True and prediction["predicted_range"] == [5.5, 9.5]
    assert prediction["recorded"]["model.proj.a"] == [5.0, 1.5, 1.0]  # newest first
    assert prediction["parents"]["model.proj.b"] == ["model.proj.a"]

    early = timeline(project, "--compare-explain")
    assert early.code == 2 and "no `run` recorded since the prediction" in early.stderr, str(early)

    # the run that follows is scheduled from the same medians: c first on the one thread
    project.ok("run")
    actual = json.loads((project.target / "run_results.json").read_text(encoding="utf-8"))
    starts = {r["unique_id"].split(".")[-1]: r["timing"][0]["started_at"] for r in actual["results"]}
    assert sorted(starts, key=starts.__getitem__) == ["c", "a", "b"], starts

    shown = timeline_ok(project, "--compare-explain", "--terminal").stdout
    assert "`dagwright explain --command run --threads 1` at" in shown and "if no node failed" in shown
    assert re.search(r"^c\s+\+0\.00s\s+\+4\.00s\s+success\s+\+\S+\s+\+\S+\s+success\s*$", shown, re.M), shown
    assert re.search(r"^b\s+\+5\.50s\s+\+6\.00s\s+success", shown, re.M), shown
    assert "node time: predicted 6.00s (range 5.50s-9.50s), actual" in shown
    assert "outcomes predicted right: 3 of 3" in shown
    assert timeline_ok(project, "--compare-explain", "--run", "-1", "--terminal").stdout == shown  # named
    older = timeline_ok(project, "--compare-explain", "--run", "recorded-2", "--terminal").stdout
    assert "actual:    run recorded at 2026-01-01 00:00:00 UTC" in older and "outcomes predicted right" in older
    ambiguous = timeline(project, "--run", "recorded", "--terminal")
    assert ambiguous.code == 2 and "several recorded runs' ids start with 'recorded'" in ambiguous.stderr

    timeline_ok(project, "--compare-explain")
    page = project.target / "compare-explain.html"
    if CHROMIUM is None and not os.environ.get("CI"):
        pytest.skip("chromium is not installed (apt-get install chromium)")
    dom = chromium("--dump-dom", page.as_uri(), profile=project.root.parent / "profile")
    assert dom.returncode == 0, dom.stderr

    class Rows(html.parser.HTMLParser):
        rows: list[dict[str, str]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "tr" and any(k == "data-uid" for k, _ in attrs):
                self.rows.append({k: v or "" for k, v in attrs})

    parsed = Rows()
    parsed.feed(dom.stdout)
    assert [r["data-uid"] for r in parsed.rows] == ["model.proj.c", "model.proj.a", "model.proj.b"]
    assert all(r["data-predicted"] == r["data-actual"] == "success" for r in parsed.rows)
    assert "3 of 3" in dom.stdout


def test_compare_explain_without_a_prediction(tmp_path: Path) -> None:
    bare = write_project(tmp_path, FILES)
    first = bare.ok("explain")  # nothing recorded yet: the neutral estimate, said so
    assert "no durations recorded for these nodes in target/history: each is estimated at" in first.stdout
    named = bare.run("explain", "--run-results", str(tmp_path / "nope.json"))
    assert named.code == 2 and "not a readable run_results.json" in named.stderr, str(named)
    (bare.target / "explain.json").unlink()
    missing = timeline(bare, "--compare-explain")
    assert missing.code == 2 and "run `dagwright explain` first" in missing.stderr, str(missing)
