"""The live view's ETA (report/eta.py): pure computation over usual durations and parents."""

from __future__ import annotations

import time

import pytest

from dagwright.report.eta import EtaModel, far_past_usual, seconds_text

#: a -> b -> c (a chain) and a -> d, e, f (three leaves beside it)
PARENTS = {"a": [], "b": ["a"], "c": ["b"], "d": ["a"], "e": ["a"], "f": ["a"]}
NODES = ("a", "b", "c", "d", "e", "f")


def test_the_longest_chain_bounds_the_eta_however_many_threads() -> None:
    usual = {"a": 1.0, "b": 5.0, "c": 5.0, "d": 1.0, "e": 1.0, "f": 1.0}
    eta = EtaModel(NODES, PARENTS, usual, threads=8).remaining(set(), {})
    assert eta.chain == 11.0 and eta.seconds == 11.0  # a, b, c one after the other
    assert eta.spread == pytest.approx(14.0 / 8)
    assert not eta.rough


def test_the_work_over_the_threads_bounds_it_when_the_dag_is_wide() -> None:
    usual = {"a": 1.0, "b": 1.0, "c": 1.0, "d": 6.0, "e": 6.0, "f": 6.0}
    model = EtaModel(NODES, PARENTS, usual, threads=2)
    eta = model.remaining(set(), {})
    assert eta.chain == 7.0 and eta.spread == 10.5 and eta.seconds == 10.5


def test_updated_as_nodes_run_and_finish() -> None:
    usual = {"a": 2.0, "b": 5.0, "c": 5.0, "d": 1.0, "e": 1.0, "f": 1.0}
    model = EtaModel(NODES, PARENTS, usual, threads=4)
    assert model.remaining(set(), {}).seconds == 12.0
    assert model.remaining(set(), {"a": 1.5}).seconds == 10.5  # a has 0.5 s left
    assert model.remaining({"a"}, {"b": 1.0}).seconds == 9.0
    # past its usual, a running node has nothing left (not a negative time)
    overdue = model.remaining({"a", "b"}, {"c": 9.0})
    assert overdue.seconds == 1.0 and overdue.overdue == 1  # d, e, f: 1 s each, on threads of their own
    assert model.remaining({"a"}, {"b": 4.0}).overdue == 0
    assert model.remaining(set(NODES), {}).seconds == 0.0
    # a finished node's outcome does not matter; names not in the plan are ignored
    assert model.remaining({"a", "b", "zzz"}, {"yyy": 1.0}).seconds == 5.0


def test_a_node_never_seen_gets_the_median_and_the_eta_says_it_is_rough() -> None:
    usual = {"a": 1.0, "b": 3.0, "d": 2.0}  # c, e, f never ran
    model = EtaModel(NODES, PARENTS, usual, threads=1)
    assert model.fallback == 2.0
    assert model.estimate("c") == 2.0 and model.estimate("b") == 3.0
    eta = model.remaining(set(), {})
    assert eta.rough and eta.guessed == 3
    assert eta.seconds == 1 + 3 + 2 + 2 + 2 + 2  # one thread: all the work
    assert not model.remaining({"a", "b", "c", "e", "f"}, {}).rough  # only d left, known


def test_no_history_no_eta() -> None:
    for usual in ({}, {"not.in.this.plan": 3.0}):
        model = EtaModel(NODES, PARENTS, usual, threads=4)
        assert not model.known
        assert model.remaining(set(), {}).seconds is None
        assert model.estimate("a") is None


def test_parents_outside_the_plan_and_any_listed_order() -> None:
    parents = {"c": ["b", "source.x"], "b": ["a"], "a": ["seed.not_selected"]}
    model = EtaModel(("c", "a", "b"), parents, {"a": 1.0, "b": 2.0, "c": 3.0}, threads=3)
    assert model.remaining(set(), {}).seconds == 6.0


def test_cheap_on_a_thousand_nodes() -> None:
    """The live view computes it as nodes end: a 1,000-node plan must take well under 10 ms."""
    nodes = [f"n{i}" for i in range(1000)]
    parents = {uid: [nodes[j] for j in (i // 2, i // 3, i - 1) if 0 <= j < i] for i, uid in enumerate(nodes)}
    model = EtaModel(nodes, parents, {uid: 0.01 * (i % 7) for i, uid in enumerate(nodes)}, threads=4)
    finished = set(nodes[:300])
    t0 = time.perf_counter()
    for _ in range(20):
        eta = model.remaining(finished, {"n300": 0.01})
    assert (time.perf_counter() - t0) / 20 < 0.010
    assert eta.seconds and eta.seconds > 0


def test_far_past_usual_and_the_text_of_seconds() -> None:
    assert far_past_usual(12.3, 4.1) and not far_past_usual(6.0, 4.1)
    assert not far_past_usual(0.5, 0.1)  # twice, but not a second past: noise
    assert far_past_usual(1.2, 0.1)
    assert [seconds_text(s) for s in (0, 0.4, 1.4, 59.4, 125, 3725)] == ["<1s", "<1s", "1s", "59s", "2m05s", "1h02m"]
