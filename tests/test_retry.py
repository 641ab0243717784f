"""`dagwright retry` re-runs exactly the nodes of the last run that did not succeed (error,
skipped, cancelled), with that run's command and flags read from run_results.json, and
never a node that was built (issue 3, semantics 7).

What tasks/retry.py does with flags given on the retry's own command line: ``--vars``
replaces the recorded vars as a whole (no merge), ``--threads`` replaces the recorded
threads, ``--fail-fast`` can only be added.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stop_helpers import (
    ARTICLE_MODELS,
    ARTICLE_UIDS,
    BUILT,
    FAIL_FAST_BETA_A,
    FAIL_VARS,
    article_from,
    article_states,
    article_template,
    by_uid,
    check_summary,
    check_terminal,
    outcome,
    start_lines,
)

BETA_A = ARTICLE_UIDS["model_beta_a"]
BUILT_FIRST = ("stg_orders", "model_alpha")
NOT_BUILT = ("model_beta_a", "model_beta_b", "model_gamma_a", "model_gamma_b")


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory):
    return article_template("seeded", tmp_path_factory.mktemp("article-templates"))


def ids_of(ws) -> dict[str, frozenset[str] | None]:
    got = ws.invocation_ids((schema, name) for name, schema in ARTICLE_MODELS.items())
    return {name: got[(schema, name)] for name, schema in ARTICLE_MODELS.items()}


def first_run(ws, vars_: str) -> dict:
    result = ws.run("run", "--threads", "2", "--fail-fast", "--vars", vars_)
    assert result.code == 1, str(result)
    rr = ws.run_results()
    statuses = {uid.split(".")[-1]: outcome(r) for uid, r in by_uid(rr).items()}
    assert statuses == {
        "stg_orders": "success",
        "model_alpha": "success",
        "model_beta_a": "error",
        "model_beta_b": "cancelled",
        "model_gamma_a": "skipped",
        "model_gamma_b": "skipped",
    }, str(result)
    return rr


def retried_relations() -> dict[str, tuple[str, str]]:
    return {ARTICLE_UIDS[name]: (ARTICLE_MODELS[name], name) for name in NOT_BUILT}


def test_retry_replays_the_last_run_and_its_failure(tmp_path: Path, seeded_template) -> None:
    ws = article_from(tmp_path, seeded_template)
    first = first_run(ws, FAIL_VARS)
    first_id = first["metadata"]["invocation_id"]

    result = ws.run("retry")
    assert result.code == 1, str(result)  # beta_a fails again: the vars were replayed
    rr = ws.run_results()
    results = by_uid(rr)
    assert set(results) == {ARTICLE_UIDS[n] for n in NOT_BUILT}, sorted(results)
    # the replayed command and flags
    assert rr["args"]["which"] == "run"
    assert rr["args"]["fail_fast"] is True
    assert rr["args"]["threads"] == 2
    assert rr["args"]["vars"] == first["args"]["vars"]

    assert results[BETA_A]["status"] == "error"
    assert results[ARTICLE_UIDS["model_gamma_a"]]["message"] == f"skipped because upstream {BETA_A} failed"
    assert outcome(results[ARTICLE_UIDS["model_beta_b"]]) == "cancelled"
    assert FAIL_FAST_BETA_A in results[ARTICLE_UIDS["model_beta_b"]]["message"]
    assert results[ARTICLE_UIDS["model_gamma_b"]]["message"].startswith(f"not started: {FAIL_FAST_BETA_A}")

    # the nodes built by the first run were not touched, not even started
    ids = ids_of(ws)
    for name in BUILT_FIRST:
        assert ids[name] == {first_id}, (name, ids[name])
        assert start_lines(result.stdout, ARTICLE_MODELS[name], name) == [], result.stdout
    for name in NOT_BUILT:
        assert ids[name] is None, (name, ids[name])
    check_terminal(result.stdout, rr, retried_relations())
    check_summary(result.stdout, rr)
    assert ws.temp_relations() == []


def test_retry_after_a_transient_failure(tmp_path: Path, seeded_template) -> None:
    """The failure is gone on the retry (--vars overrides the recorded vars): the four
    nodes that did not succeed are built, and only they."""
    ws = article_from(tmp_path, seeded_template)
    # beta_a works 0.3 s before it fails, so beta_b has surely started (and is cancelled)
    first = first_run(ws, "{fail_model: model_beta_a, durations: {model_beta_a: 0.3, model_beta_b: 3}}")
    first_id = first["metadata"]["invocation_id"]

    result = ws.run("retry", "--vars", '{fail_model: ""}')
    assert result.code == 0, str(result)
    rr = ws.run_results()
    retry_id = rr["metadata"]["invocation_id"]
    assert retry_id != first_id
    results = by_uid(rr)
    assert set(results) == {ARTICLE_UIDS[n] for n in NOT_BUILT}, sorted(results)
    assert {r["status"] for r in results.values()} == {"success"}, rr["results"]

    states = article_states(ws, retry_id, first_id)
    assert {name: states[name] for name in NOT_BUILT} == dict.fromkeys(NOT_BUILT, BUILT)
    assert {name: states[name] for name in BUILT_FIRST} == dict.fromkeys(BUILT_FIRST, "previous version")
    check_terminal(result.stdout, rr, retried_relations())
    check_summary(result.stdout, rr)

    # and now every node of the last run (the retry) succeeded: nothing more to do
    again = ws.run("retry")
    assert again.code == 0, str(again)
    assert "Nothing to retry" in again.stdout + again.stderr
    assert article_states(ws, retry_id, first_id) == states
    assert ws.run_results()["metadata"]["invocation_id"] == retry_id
