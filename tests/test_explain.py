"""Issue 7: `dagwright explain` predicts a run; on the article's DAG the prediction must be
what a real run with the same flags then does (outcome per node, and start order).

The prediction is made from the run_results.json a real run would read (a calibration
run that recorded the durations: beta_a ~1 s, beta_b ~3 s), then the real run fails
model_beta_a through the example's `fail_model` var. Also: the simulator alone, on
small hand-made plans.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser import embedded_data
from dagwright.graph.plan import Plan
from dagwright.report.simulate import simulate, to_run_results
from dagwright.report.timeline import timeline_from_run_results
from dagwright.report.timeline_html import render_html
from dagwright.report.timeline_text import render_text
from stop_helpers import FAIL_VARS, article_from, article_template, by_uid, outcome, start_order

ROW = re.compile(
    r"^\s*(?P<index>\d+|-)\s+(?P<start>\+[\d.]+s|-)\s+(?P<end>\+[\d.]+s)\s+(?P<thread>Thread-\d+ \(worker\)|-)\s+"
    r"(?P<node>\S+)\s+(?P<status>success|error|cancelled|skipped|pass|fail)\s+(?P<what>.*)$"
)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("explain-templates")
    return {kind: article_template(kind, base) for kind in ("seeded", "built")}


def predicted(stdout: str) -> tuple[dict[str, str], list[str], dict[str, re.Match[str]]]:
    """(node -> status, start order, node -> row) from explain's table."""
    rows = {m["node"]: m for m in map(ROW.match, stdout.splitlines()) if m}
    started = sorted((int(m["index"]), node) for node, m in rows.items() if m["index"] != "-")
    return {node: m["status"] for node, m in rows.items()}, [node for _, node in started], rows


CASES = [
    pytest.param(threads, ff, kind, id=f"{threads}t-{'fail-fast' if ff else 'no-fail-fast'}-{kind}")
    for kind in ("built", "seeded")
    for threads in (1, 2)
    for ff in (False, True)
    if kind == "built" or ff
]


@pytest.mark.parametrize(("threads", "fail_fast", "kind"), CASES)
def test_prediction_matches_a_real_run(tmp_path: Path, templates, threads: int, fail_fast: bool, kind: str) -> None:
    ws = article_from(tmp_path, templates[kind])
    flags = ["--threads", str(threads)] + (["--fail-fast"] if fail_fast else [])
    explained = ws.run("explain", *flags, "--fail", "model_beta_a")
    assert explained.code == 0, str(explained)
    statuses, order, rows = predicted(explained.stdout)
    assert len(statuses) == 6, explained.stdout

    real = ws.run("run", *flags, "--vars", FAIL_VARS)
    assert real.code == 1, str(real)
    actual = {uid.split(".")[-1]: outcome(r) for uid, r in by_uid(ws.run_results()).items()}
    assert statuses == actual, f"predicted {statuses}\nreal {actual}\n{explained.stdout}\n{real.stdout}"
    assert order == start_order(real.stdout), f"{order} vs {start_order(real.stdout)}\n{explained.stdout}"
    # and the real threads, where the worker that just finished takes the next node
    real_threads = {uid.split(".")[-1]: r["thread_id"] for uid, r in by_uid(ws.run_results()).items()}
    for node, row in rows.items():
        if row["thread"] != "-":
            assert real_threads[node] is not None, node
        if threads == 1 and row["thread"] != "-":
            assert row["thread"] == real_threads[node] == "Thread-1 (worker)"
    if fail_fast:
        assert "the run stops at" in explained.stdout
    if kind == "built":
        assert "durations recorded in" in explained.stdout


def test_explain_prints_the_predicted_timeline_and_checks_its_arguments(tmp_path: Path, templates) -> None:
    ws = article_from(tmp_path, templates["built"])
    result = ws.run("explain", "--threads", "2", "--fail-fast", "--fail", "model.article.model_beta_a")
    assert result.code == 0, str(result)
    assert "Thread-2" in result.stdout and "┃" in result.stdout  # lanes and the stop, in text
    assert "starts, is cancelled" in result.stdout
    assert "Predicted: PASS=2 ERROR=1 SKIP=2 CANCELLED=1 TOTAL=6" in result.stdout
    bad = ws.run("explain", "--fail", "model_beta")
    assert bad.code == 2 and "no such node" in bad.stderr and "model_beta_a" in bad.stderr
    # explain changes nothing: the run_results.json it read is still there, untouched
    assert by_uid(ws.run_results()) == by_uid(templates["built"].run_results)


# -- the simulator alone ---------------------------------------------------------------------
def plan_of(edges: dict[str, list[str]], estimates: dict[str, float]) -> Plan:
    """A Plan by hand: ``edges`` maps a node to its parents."""
    order = list(edges)
    children: dict[str, set[str]] = {uid: set() for uid in order}
    for uid, parents in edges.items():
        for p in parents:
            children[p].add(uid)
    priority: dict[str, float] = {}
    for uid in reversed(order):
        priority[uid] = round(estimates[uid] + max((priority[c] for c in children[uid]), default=0.0), 1)
    return Plan(
        order=tuple(order),
        parents={k: frozenset(v) for k, v in edges.items()},
        children={k: frozenset(v) for k, v in children.items()},
        priority=priority,
        estimates=estimates,
    )


DIAMOND = {
    "model.p.root": [],
    "model.p.a": ["model.p.root"],
    "model.p.b": ["model.p.root"],
    "model.p.a2": ["model.p.a"],
    "model.p.a3": ["model.p.a2"],
    "model.p.b2": ["model.p.b"],
}
TIMES = {
    "model.p.root": 1.0,
    "model.p.a": 1.0,
    "model.p.b": 5.0,
    "model.p.a2": 1.0,
    "model.p.a3": 1.0,
    "model.p.b2": 1.0,
}


def test_simulation_follows_the_critical_path_and_never_exceeds_the_threads() -> None:
    sim = simulate(plan_of(DIAMOND, TIMES), 1)
    assert sim.start_order == ["model.p.root", "model.p.b", "model.p.a", "model.p.a2", "model.p.a3", "model.p.b2"]
    assert {p.status for p in sim.predictions.values()} == {"success"}
    assert sim.elapsed == pytest.approx(10.0)
    two = simulate(plan_of(DIAMOND, TIMES), 2)
    assert two.elapsed == pytest.approx(7.0)  # root, then b (5 s) beside a -> a2 -> a3, then b2
    events = sorted((p.start, 1) for p in two.predictions.values()) + sorted(
        (p.end, -1) for p in two.predictions.values()
    )
    running = peak = 0
    for _, delta in sorted(events, key=lambda e: (e[0], e[1])):
        running += delta
        peak = max(peak, running)
    assert peak <= 2


def test_a_failure_skips_its_descendants_and_fail_fast_cancels_the_rest() -> None:
    plan = plan_of(DIAMOND, TIMES)
    sim = simulate(plan, 2, failing=["model.p.a"])
    status = {u.split(".")[-1]: p.status for u, p in sim.predictions.items()}
    assert status == {
        "root": "success",
        "a": "error",
        "b": "success",
        "a2": "skipped",
        "a3": "skipped",
        "b2": "success",
    }
    assert sim.predictions["model.p.a3"].message == "skipped because upstream model.p.a failed"

    stopped = simulate(plan, 2, failing=["model.p.a"], fail_fast=True)
    status = {u.split(".")[-1]: p.status for u, p in stopped.predictions.items()}
    assert status == {
        "root": "success",
        "a": "error",
        "b": "cancelled",
        "a2": "skipped",
        "a3": "skipped",
        "b2": "skipped",
    }
    assert stopped.stop_at == pytest.approx(2.0)
    assert stopped.predictions["model.p.b2"].message == "not started: fail-fast after model.p.a failed"
    assert stopped.predictions["model.p.a2"].message == "skipped because upstream model.p.a failed"

    # drawn like a real run: a lane per worker, the stop, never-started nodes
    drawing = timeline_from_run_results(to_run_results(stopped), {u: list(p) for u, p in plan.parents.items()})
    assert drawing.simulated and drawing.stop is not None and drawing.stop.at == pytest.approx(2.0)
    assert drawing.lanes == ["Thread-1 (worker)", "Thread-2 (worker)", "not run"]
    page = render_html(drawing)
    assert len(embedded_data(page)["nodes"]) == 6 and "simulated" in page
    text = "\n".join(line.plain for line in render_text(drawing, 90))
    assert "cancelled" in text and "◆" in text


def test_tests_fail_rather_than_error() -> None:
    edges = {"model.p.m": [], "test.p.not_null_m_id.abc": ["model.p.m"], "model.p.after": ["model.p.m"]}
    sim = simulate(plan_of(edges, dict.fromkeys(edges, 1.0)), 1, failing=["test.p.not_null_m_id.abc"])
    assert sim.predictions["test.p.not_null_m_id.abc"].status == "fail"
    assert sim.predictions["model.p.after"].status == "success"  # no edge from the test in this plan


# -- the timeline of any run_results.json ----------------------------------------------------
def test_timeline_of_a_foreign_or_empty_run_results() -> None:
    """dbt-core's thread names and a run stopped before any node both draw."""

    def result(uid: str, status: str, thread: str | None, start: str, end: str) -> dict:
        timing = []
        if thread:
            timing = [
                {
                    "name": "compile",
                    "started_at": f"2024-05-01T10:00:{start}Z",
                    "completed_at": f"2024-05-01T10:00:{start}Z",
                },
                {
                    "name": "execute",
                    "started_at": f"2024-05-01T10:00:{start}Z",
                    "completed_at": f"2024-05-01T10:00:{end}Z",
                },
            ]
        message = "skipped due to fail_fast" if status == "skipped" else "OK"
        return {"unique_id": uid, "status": status, "thread_id": thread, "timing": timing, "message": message}

    data = {
        "metadata": {"invocation_id": "x"},
        "results": [
            result("model.p.a", "success", "Thread-1 (worker)", "00.000000", "01.500000"),
            result("model.p.b", "success", "Thread-10 (worker)", "00.100000", "02.000000"),
            result("model.p.c", "skipped", None, "", ""),
        ],
        "elapsed_time": 2.0,
        "args": {},
    }
    drawing = timeline_from_run_results(data, {"model.p.b": ["model.p.a"]})
    assert drawing.lanes == ["Thread-1 (worker)", "Thread-10 (worker)", "not run"]
    assert drawing.critical_path == ["model.p.a", "model.p.b"]
    assert drawing.span == pytest.approx(2.0)
    page = render_html(drawing)
    assert len(embedded_data(page)["nodes"]) == 3
    assert render_text(drawing, 80)

    empty = timeline_from_run_results({"metadata": {"stop": {"kind": "SIGINT", "trigger": "x", "at": None}}})
    assert empty.bars == [] and empty.lanes == []
    assert embedded_data(render_html(empty))["nodes"] == []
    assert render_text(empty, 80)
