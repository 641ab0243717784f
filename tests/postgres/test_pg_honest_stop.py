"""The honest stop on PostgreSQL: the article's DAG under {--fail-fast, none} x {1, 2
threads} x {empty, built warehouse}, then SIGINT and SIGTERM while both betas run.

The same expectations as tests/test_honest_stop.py and tests/test_signals.py (imported
from there), on a real server: durations are exact (``pg_sleep``), model_beta_a fails at
run time with PostgreSQL's cast error, a cancelled statement is cancelled through
``cancel_safe()``, and for every node the terminal, run_results.json and the warehouse
(the invocation_id in each table) agree.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from stop_helpers import (
    ARTICLE_UIDS,
    FAIL_FAST_BETA_A,
    FAIL_VARS,
    PREVIOUS,
    SIGINT_TEXT,
    SIGTERM_TEXT,
    LineReader,
    article_states,
    by_uid,
    cancelled,
    check_article_run,
    not_started,
    ok,
    start_lines,
    start_order,
    timing,
)
from test_honest_stop import MATRIX, expected_outcomes, expected_start_order

from .conftest import article_pg_from

pytestmark = pytest.mark.postgres

BETA_A = ARTICLE_UIDS["model_beta_a"]
PG_CAST_ERROR = ("error", '~invalid input syntax for type integer: "x')
SLOW_BETAS = "{durations: {model_beta_a: 3, model_beta_b: 3}}"
BETA_STARTS = ("START sql table model main.model_beta_a", "START sql table model main.model_beta_b")


def pg_expected(fail_fast: bool, threads: int, built: bool) -> dict[str, tuple[str, str]]:
    out = expected_outcomes(fail_fast, threads, built)
    assert out["model_beta_a"][0] == "error"
    out["model_beta_a"] = PG_CAST_ERROR
    return out


@pytest.mark.parametrize(("fail_fast", "threads", "built"), MATRIX)
def test_article_matrix_on_postgres(
    tmp_path: Path, pg_server, pg_article_templates, fail_fast: bool, threads: int, built: bool
) -> None:
    template = pg_article_templates["built" if built else "seeded"]
    ws = article_pg_from(tmp_path, pg_server, template)
    previous = template.invocation_id
    if built:
        assert set(article_states(ws, "-", previous).values()) == {PREVIOUS}

    args = ["run", "--threads", str(threads), "--vars", FAIL_VARS]
    if fail_fast:
        args.append("--fail-fast")
    result = ws.run(*args)
    assert result.code == 1, str(result)

    expected = pg_expected(fail_fast, threads, built)
    rr = check_article_run(ws, result.stdout, expected, previous)
    results = by_uid(rr)

    stop = rr["metadata"].get("stop")
    if fail_fast:
        assert stop and stop["kind"] == "fail-fast" and stop["trigger"] == FAIL_FAST_BETA_A, stop
    else:
        assert not stop, stop

    for name, (_status, check) in expected.items():
        if check.startswith("^not started"):
            assert start_lines(result.stdout, "main", name) == [], f"{name} printed START\n{result.stdout}"
            assert timing(results[ARTICLE_UIDS[name]], "execute") is None, results[ARTICLE_UIDS[name]]

    if threads == 1:
        assert start_order(result.stdout) == expected_start_order(fail_fast, built), result.stdout

    if fail_fast and threads == 2:
        # beta_b's pg_sleep is cancelled right after beta_a's error, through cancel_safe()
        a_end = timing(results[BETA_A], "execute")[1]
        b_timing = timing(results[ARTICLE_UIDS["model_beta_b"]], "execute")
        assert b_timing is not None, results[ARTICLE_UIDS["model_beta_b"]]
        lag = (b_timing[1] - a_end).total_seconds()
        assert lag < 0.3, f"beta_b ended {lag:.3f}s after beta_a's error"
        assert "CANCELLED=1" in result.stdout
        assert stop["cancel_seconds"] is not None and stop["cancel_seconds"] < 0.2, stop
        # and the server has no statement of this run left
        left = ws.query(
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and pid <> pg_backend_pid() and state = 'active'"
        )
        assert left == [(0,)], left


@pytest.mark.parametrize(
    ("sig", "code", "trigger"),
    [
        pytest.param(signal.SIGINT, 130, SIGINT_TEXT, id="SIGINT"),
        pytest.param(signal.SIGTERM, 143, SIGTERM_TEXT, id="SIGTERM"),
    ],
)
def test_signal_while_betas_run_on_postgres(
    tmp_path: Path, pg_server, pg_article_templates, sig: int, code: int, trigger: str
) -> None:
    built = pg_article_templates["built"]
    ws = article_pg_from(tmp_path, pg_server, built)
    proc = ws.popen("run", "--threads", "2", "--vars", SLOW_BETAS, stderr_path=tmp_path / "stderr.txt")
    reader = LineReader(proc.stdout)
    try:
        if not reader.wait_for(BETA_STARTS, timeout=60):
            pytest.fail("both betas never started:\n" + reader.rest(1) + (tmp_path / "stderr.txt").read_text())
        # both statements under way: wait until the server runs both pg_sleep calls
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            sleeping = ws.query(
                "select count(*) from pg_stat_activity where datname = current_database() "
                "and state = 'active' and query like '%pg_sleep%' and pid <> pg_backend_pid()"
            )
            if sleeping == [(2,)]:
                break
            time.sleep(0.02)
        else:
            pytest.fail("precondition: the two pg_sleep statements never ran at once")
        sent = time.monotonic()
        proc.send_signal(sig)
        exit_code = proc.wait(timeout=15)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stdout = reader.rest()
    assert exit_code == code, f"exit {exit_code}\n{stdout}\n{(tmp_path / 'stderr.txt').read_text()}"
    assert took < 2.0, f"exited {took:.2f}s after the signal"

    expected = {
        "stg_orders": ok(),
        "model_alpha": ok(),
        "model_beta_a": cancelled(trigger),
        "model_beta_b": cancelled(trigger),
        "model_gamma_a": not_started(trigger),
        "model_gamma_b": not_started(trigger),
    }
    rr = check_article_run(ws, stdout, expected, built.invocation_id)
    stop = rr["metadata"].get("stop")
    assert stop and stop["trigger"] == trigger, stop
    results = by_uid(rr)
    for name in ("model_beta_a", "model_beta_b"):
        start, end = timing(results[ARTICLE_UIDS[name]], "execute")
        assert (end - start).total_seconds() < 2.5, results[ARTICLE_UIDS[name]]
    active = ws.query(
        "select count(*) from pg_stat_activity where datname = current_database() "
        "and pid <> pg_backend_pid() and query like '%pg_sleep%' and state = 'active'"
    )
    assert active == [(0,)], f"statements still running on the server after exit: {active}"

    # retry picks up exactly the four nodes the signal stopped
    interrupted = rr["metadata"]["invocation_id"]
    again = ws.run("retry", "--vars", "{}")
    assert again.code == 0, str(again)
    retry_rr = ws.run_results()
    rest = ("model_beta_a", "model_beta_b", "model_gamma_a", "model_gamma_b")
    assert set(by_uid(retry_rr)) == {ARTICLE_UIDS[n] for n in rest}
    states = article_states(ws, retry_rr["metadata"]["invocation_id"], interrupted)
    assert states == {
        "stg_orders": "previous version",
        "model_alpha": "previous version",
        **dict.fromkeys(rest, "built by this run"),
    }, states
