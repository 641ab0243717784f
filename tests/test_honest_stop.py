"""The article's DAG under {--fail-fast, none} x {1, 2 threads} x {empty, built warehouse}.

model_beta_a fails at run time after ~1 s of real DuckDB work, model_beta_b takes ~3 s
(the issue's numbers). For every node the terminal line, run_results.json (status and
message) and the warehouse (built by this run / previous version / absent) must agree.

The expected outcomes follow from the semantics of issue 3 and the scheduling rule
(ready nodes start in order of remaining critical path; durations from the last
run_results.json, a neutral estimate otherwise):

* empty warehouse: only the seed run is on record, so every model has the same neutral
  estimate; the tie is broken by name and model_beta_a starts before model_beta_b.
* built warehouse: the earlier smooth run recorded beta_a ~1 s and beta_b ~3 s, so with
  one thread beta_b (3 s + gamma_b) starts before beta_a (1 s + gamma_a), and after it
  beta_a (1 s chain) before gamma_b.

  fail-fast, 1 thread, empty:  alpha OK, beta_a ERROR, gamma_a SKIP (upstream beta_a),
                               beta_b and gamma_b SKIP "not started: fail-fast ..."
  fail-fast, 1 thread, built:  alpha OK, beta_b OK, beta_a ERROR, gamma_a SKIP (upstream),
                               gamma_b SKIP "not started" and keeps the previous version
  fail-fast, 2 threads:        beta_a ERROR; beta_b (running) CANCELLED within ~100 ms,
                               its table unchanged; gamma_a SKIP (upstream); gamma_b not started
  no fail-fast (any):          beta_a ERROR, gamma_a SKIP (upstream), beta_b and gamma_b OK
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stop_helpers import (
    ARTICLE_UIDS,
    FAIL_FAST_BETA_A,
    FAIL_VARS,
    PREVIOUS,
    article_from,
    article_states,
    article_template,
    by_uid,
    cancelled,
    check_article_run,
    error_cast,
    not_started,
    ok,
    skipped_upstream,
    start_lines,
    start_order,
    timing,
)

BETA_A = ARTICLE_UIDS["model_beta_a"]


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("article-templates")
    return {kind: article_template(kind, base) for kind in ("seeded", "built")}


def expected_outcomes(fail_fast: bool, threads: int, built: bool) -> dict[str, tuple[str, str]]:
    out = {
        "stg_orders": ok(),
        "model_alpha": ok(),
        "model_beta_a": error_cast(),
        "model_gamma_a": skipped_upstream(BETA_A),
    }
    if not fail_fast:
        out["model_beta_b"] = ok()
        out["model_gamma_b"] = ok()
    elif threads == 1 and not built:
        out["model_beta_b"] = not_started(FAIL_FAST_BETA_A)
        out["model_gamma_b"] = not_started(FAIL_FAST_BETA_A)
    elif threads == 1 and built:
        out["model_beta_b"] = ok()  # the longer critical path ran first, before the failure
        out["model_gamma_b"] = not_started(FAIL_FAST_BETA_A)
    else:
        out["model_beta_b"] = cancelled(FAIL_FAST_BETA_A)
        out["model_gamma_b"] = not_started(FAIL_FAST_BETA_A)
    return out


def expected_start_order(fail_fast: bool, built: bool) -> list[str]:
    """With one thread: the order of the START lines."""
    head = ["stg_orders", "model_alpha"]
    if built:  # beta_b's chain (3 s) first, then beta_a's (1 s), then gamma_b
        return [*head, "model_beta_b", "model_beta_a"] + ([] if fail_fast else ["model_gamma_b"])
    return [*head, "model_beta_a"] + ([] if fail_fast else ["model_beta_b", "model_gamma_b"])


MATRIX = [
    pytest.param(
        ff, threads, built, id=f"{'fail-fast' if ff else 'no-fail-fast'}-{threads}t-{'built' if built else 'empty'}"
    )
    for ff in (True, False)
    for threads in (1, 2)
    for built in (False, True)
]


@pytest.mark.parametrize(("fail_fast", "threads", "built"), MATRIX)
def test_article_matrix(tmp_path: Path, templates, fail_fast: bool, threads: int, built: bool) -> None:
    template = templates["built" if built else "seeded"]
    ws = article_from(tmp_path, template)
    previous = template.invocation_id
    if built:  # precondition: every model carries the earlier run's invocation_id
        assert set(article_states(ws, "-", previous).values()) == {PREVIOUS}

    args = ["run", "--threads", str(threads), "--vars", FAIL_VARS]
    if fail_fast:
        args.append("--fail-fast")
    result = ws.run(*args)
    assert result.code == 1, str(result)

    expected = expected_outcomes(fail_fast, threads, built)
    rr = check_article_run(ws, result.stdout, expected, previous)
    results = by_uid(rr)

    # the stop is recorded with its trigger, and only when there was one
    stop = rr["metadata"].get("stop")
    if fail_fast:
        assert stop and stop["kind"] == "fail-fast" and stop["trigger"] == FAIL_FAST_BETA_A, stop
    else:
        assert not stop, stop

    # nodes that never started: no START line, no execute timing
    for name, (_status, check) in expected.items():
        if check.startswith("^not started"):
            assert start_lines(result.stdout, "main", name) == [], f"{name} printed START\n{result.stdout}"
            assert timing(results[ARTICLE_UIDS[name]], "execute") is None, results[ARTICLE_UIDS[name]]

    if threads == 1:
        assert start_order(result.stdout) == expected_start_order(fail_fast, built), result.stdout

    if fail_fast and threads == 2:
        # the reaction: beta_b's statement is cancelled right after beta_a's error
        a_end = timing(results[BETA_A], "execute")[1]
        b_timing = timing(results[ARTICLE_UIDS["model_beta_b"]], "execute")
        assert b_timing is not None, results[ARTICLE_UIDS["model_beta_b"]]
        lag = (b_timing[1] - a_end).total_seconds()
        assert lag < 0.3, f"beta_b ended {lag:.3f}s after beta_a's error"
        assert "CANCELLED=1" in result.stdout
