"""Scheduling (issue 3, semantics 8): ready nodes start in order of their remaining critical
path (the longest chain of estimated durations from the node to a leaf), with durations
from the last run_results.json where there are any and a neutral estimate otherwise; never
more nodes handed out than free workers.

The project: three roots that sort a_short < b_head < z_slow.

    a_short                  (instant)
    b_head -> b_mid -> b_tail  (instant, instant, ~0.1 s)
    z_slow                   (~0.35 s)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stop_helpers import (
    assert_never_more_running_than,
    by_uid,
    check_summary,
    check_terminal,
    project_workspace,
    start_order,
)


def burn(seconds: float) -> str:
    n = max(1, int((seconds * 250_000_000) ** 0.5))
    return f"(select cast(sum((a.i * b.j) % 7) * 0 as integer) as burned from range({n}) a(i), range({n}) b(j))"


def model(parent: str | None = None, seconds: float = 0.0) -> str:
    source = f"cross join (select count(*) as n from {{{{ ref('{parent}') }}}}) as p" if parent else ""
    return (
        f"select work.burned as v, '{{{{ invocation_id }}}}' as invocation_id from {burn(seconds)} as work {source}\n"
    )


FILES = {
    "dbt_project.yml": """\
        name: sched
        version: "1.0.0"
        config-version: 2
        profile: sched
        models:
          sched:
            +materialized: table
        """,
    "models/a_short.sql": model(),
    "models/b_head.sql": model(),
    "models/b_mid.sql": model("b_head"),
    "models/b_tail.sql": model("b_mid", 0.1),
    "models/z_slow.sql": model(None, 0.35),
}
NAMES = ("a_short", "b_head", "b_mid", "b_tail", "z_slow")
RELATIONS = {f"model.sched.{n}": ("main", n) for n in NAMES}


@pytest.fixture
def ws(tmp_path: Path):
    return project_workspace(tmp_path, "sched", FILES)


def run_ok(ws, threads: int) -> tuple[list[str], dict]:
    result = ws.run("run", "--threads", str(threads))
    assert result.code == 0, str(result)
    rr = ws.run_results()
    assert {r["status"] for r in rr["results"]} == {"success"}
    check_terminal(result.stdout, rr, RELATIONS)
    check_summary(result.stdout, rr)
    return start_order(result.stdout), rr


def write_history(ws, durations: dict[str, float]) -> None:
    """A previous run_results.json with these execution times (nothing else read from it)."""
    results = [
        {
            "status": "success",
            "timing": [
                {
                    "name": "compile",
                    "started_at": "2024-01-01T00:00:00.000000Z",
                    "completed_at": "2024-01-01T00:00:00.000000Z",
                },
                {
                    "name": "execute",
                    "started_at": "2024-01-01T00:00:00.000000Z",
                    "completed_at": "2024-01-01T00:00:01.000000Z",
                },
            ],
            "thread_id": "Thread-1",
            "execution_time": seconds,
            "adapter_response": {},
            "message": "OK",
            "failures": None,
            "unique_id": f"model.sched.{name}",
        }
        for name, seconds in durations.items()
    ]
    ws.target.mkdir(parents=True, exist_ok=True)
    data = {"metadata": {"invocation_id": "history"}, "results": results, "elapsed_time": 1.0, "args": {}}
    (ws.target / "run_results.json").write_text(json.dumps(data), encoding="utf-8")


def test_without_history_the_longest_chain_of_neutral_estimates_goes_first(ws) -> None:
    order, _ = run_ok(ws, threads=1)
    # every node is worth the same neutral estimate: b_head's chain of 3 beats single nodes,
    # although a_short sorts first; then b_mid (chain of 2) before the remaining single nodes
    assert order[:2] == ["b_head", "b_mid"], order
    assert sorted(order) == sorted(NAMES)


def test_durations_of_the_previous_run_decide(ws) -> None:
    run_ok(ws, threads=1)  # the history: z_slow ~0.35 s, b chain ~0.1 s, a_short ~0
    history = {uid.split(".")[-1]: r["execution_time"] for uid, r in by_uid(ws.run_results()).items()}
    assert history["z_slow"] > history["b_head"] + history["b_mid"] + history["b_tail"] > history["a_short"], history

    order, _ = run_ok(ws, threads=1)
    # z_slow sorts last but has the longest remaining path
    assert order == ["z_slow", "b_head", "b_mid", "b_tail", "a_short"], (order, history)


def test_recorded_durations_not_names_or_real_speed(ws) -> None:
    write_history(ws, {"a_short": 5.0, "b_head": 1.0, "b_mid": 1.0, "b_tail": 1.0, "z_slow": 0.1})
    order, _ = run_ok(ws, threads=1)
    assert order == ["a_short", "b_head", "b_mid", "b_tail", "z_slow"], order


def test_partial_history_uses_a_neutral_estimate_for_unknown_nodes(ws) -> None:
    # b_head and b_mid unknown: with any neutral estimate between 0.3 and 1.3 s (the median
    # of the known durations, 0.4, or one second) the b chain ranks between z_slow and a_short
    write_history(ws, {"a_short": 0.2, "b_tail": 0.4, "z_slow": 3.0})
    order, _ = run_ok(ws, threads=1)
    assert order == ["z_slow", "b_head", "b_mid", "b_tail", "a_short"], order


def test_two_threads_start_the_two_longest_paths_and_never_more(ws) -> None:
    write_history(ws, {"a_short": 5.0, "b_head": 1.0, "b_mid": 1.0, "b_tail": 1.0, "z_slow": 0.1})
    result = ws.run("run", "--threads", "2")
    assert result.code == 0, str(result)
    order = start_order(result.stdout)
    assert set(order[:2]) == {"a_short", "b_head"}, order
    assert_never_more_running_than(result.stdout, ws.run_results(), 2)
