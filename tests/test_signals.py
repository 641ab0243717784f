"""SIGINT and SIGTERM sent to a `dagwright run` subprocess while both beta models run.

durations {model_beta_a: 3, model_beta_b: 3}, 2 threads, on a warehouse built by an earlier
run. Once both beta START lines are on stdout (read line by line, with a timeout) and
their statements are under way, the signal arrives. Expected (issue 3, semantics 2-5):
exit 130 (SIGINT) / 143 (SIGTERM) within 2 s; run_results.json lists all 6 nodes with a
valid outcome: stg_orders and model_alpha built by this run, both betas cancelled (their
tables keep the previous invocation_id), both gammas skipped "not started: <trigger>"; no
temporary relation is left; ``retry`` then builds exactly the four stopped nodes. That body
(stop_helpers.signal_while_betas_run) runs on PostgreSQL and Spark too; the other tests here
are DuckDB's alone.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stop_helpers import (
    ARTICLE_UIDS,
    BETA_STARTS,
    SIGINT_TEXT,
    SIGNALS,
    SLOW_BETAS,
    STATUSES,
    LineReader,
    article_from,
    article_states,
    article_template,
    assert_betas_stopped_early,
    by_uid,
    expected_state,
    outcome,
    project_workspace,
    signal_while_betas_run,
    start_slow_betas,
    stop_process,
    wait_exit,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    return article_template("built", tmp_path_factory.mktemp("article-templates"))


@pytest.mark.parametrize(("sig", "code", "trigger"), SIGNALS)
def test_signal_while_betas_run(tmp_path: Path, built, sig: int, code: int, trigger: str) -> None:
    ws = article_from(tmp_path, built)
    rr = signal_while_betas_run(ws, tmp_path, built.invocation_id, sig, code, trigger)
    assert_betas_stopped_early(rr)


def test_two_sigints_in_quick_succession(tmp_path: Path, built) -> None:
    """The second Ctrl-C exits at once and still leaves a complete, valid run_results.json."""
    ws = article_from(tmp_path, built)
    proc, reader = start_slow_betas(ws, tmp_path)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    # 5 ms: the second lands while the first stop is being carried out (that takes ~20 ms on
    # DuckDB). A second Ctrl-C after the summary was printed is a different race, see the report.
    time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    exit_code, took = wait_exit(proc, sent, tmp_path, reader)
    stdout = reader.rest()
    assert exit_code == 130, f"exit {exit_code}\n{stdout}\n{(tmp_path / 'stderr.txt').read_text()}"
    assert took < 2.0, f"exited {took:.2f}s after the first signal"

    rr = ws.run_results()
    results = by_uid(rr)
    assert set(results) == set(ARTICLE_UIDS.values())
    states = article_states(ws, rr["metadata"]["invocation_id"], built.invocation_id)
    for name, uid in ARTICLE_UIDS.items():
        result = results[uid]
        assert outcome(result) in STATUSES, result
        # whatever the file says happened, the warehouse agrees
        assert states[name] == expected_state(outcome(result), built.invocation_id), (name, result, states)
    for name in ("model_beta_a", "model_beta_b"):
        result = results[ARTICLE_UIDS[name]]
        assert outcome(result) == "cancelled" and SIGINT_TEXT in result["message"], result
    for name in ("model_gamma_a", "model_gamma_b"):
        result = results[ARTICLE_UIDS[name]]
        assert outcome(result) == "skipped" and result["message"].startswith(f"not started: {SIGINT_TEXT}"), result
    assert ws.temp_relations() == []


# A harness around the CLI that makes writing run_results.json slow (as on a slow or network
# disk), so that a second Ctrl-C lands, deterministically, while the first stop's
# run_results.json is being written.
SLOW_WRITE_HARNESS = """
import sys, time
import dagwright.artifacts.run_results as run_results

_write = run_results.write_json_streamed_atomic

def slow_write(path, data):
    print("HARNESS: writing run_results.json", flush=True)
    time.sleep(1.0)
    _write(path, data)

run_results.write_json_streamed_atomic = slow_write
from dagwright.cli import main

sys.argv[0] = "dagwright"
main()
"""


def test_second_sigint_while_run_results_is_written(tmp_path: Path, built) -> None:
    ws = article_from(tmp_path, built)
    harness = tmp_path / "slow_write_harness.py"
    harness.write_text(SLOW_WRITE_HARNESS, encoding="utf-8")
    cmd = [sys.executable, str(harness), *ws.cli("run", "--threads", "2", "--vars", SLOW_BETAS)[3:]]
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as err:
        proc = subprocess.Popen(cmd, cwd=ws.root, env=ws.env, stdout=subprocess.PIPE, stderr=err, text=True)
    reader = LineReader(proc.stdout)
    try:
        if not reader.wait_for(BETA_STARTS, timeout=60):
            pytest.fail("precondition: the betas never started\n" + reader.rest(1))
        ws.wait_statements_running(2, timeout=10)
        proc.send_signal(signal.SIGINT)
        if not reader.wait_for(["HARNESS: writing run_results.json"], timeout=10):
            pytest.fail("precondition: the first SIGINT did not lead to writing run_results.json\n" + reader.rest(1))
        time.sleep(0.2)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=3.5)
        except subprocess.TimeoutExpired:
            code = None
        assert code is not None, "dagwright hung after the second SIGINT (still running 3.5 s later)"
        # the emergency write is slow too (1 s): allow for it
        assert time.monotonic() - sent < 3.0
        assert code == 130, code
        rr = ws.run_results()
        assert set(by_uid(rr)) == set(ARTICLE_UIDS.values())
        assert {outcome(r) for r in rr["results"]} <= set(STATUSES)
    finally:
        stop_process(proc)


# A project whose parse takes a while: model b renders a long Jinja loop when `slow` is
# set, after printing a marker, so a test knows the signal lands while dagwright parses.
SLOW_PARSE_FILES = {
    "dbt_project.yml": """\
        name: slowparse
        version: "1.0.0"
        config-version: 2
        profile: slowparse
        vars:
          slow: false
        """,
    "models/a.sql": "select 1 as x, '{{ invocation_id }}' as invocation_id\n",
    "models/b.sql": (
        "{% if var('slow') %}{{ print('PARSING-SLOW-MODEL') }}"
        "{% for i in 'x' * 20000 %}{% for j in 'y' * 1000 %}{% endfor %}{% endfor %}{% endif %}"
        "select x, invocation_id from {{ ref('a') }}\n"
    ),
}


@pytest.mark.parametrize(
    ("sig", "code"),
    [pytest.param(signal.SIGINT, 130, id="SIGINT"), pytest.param(signal.SIGTERM, 143, id="SIGTERM")],
)
def test_signal_during_parse(tmp_path: Path, sig: int, code: int) -> None:
    ws = project_workspace(tmp_path, "slowparse", SLOW_PARSE_FILES)
    ws.ok("run")
    previous = ws.run_results()["metadata"]["invocation_id"]

    proc = ws.popen("run", "--vars", "{slow: true}", stderr_path=tmp_path / "stderr.txt")
    reader = LineReader(proc.stdout)
    try:
        if not reader.wait_for(["PARSING-SLOW-MODEL"], timeout=30):
            pytest.fail("precondition: the slow model was never parsed\n" + reader.rest(1))
        if any("Found " in line for line in reader.lines):
            pytest.fail("precondition: the parse was already over")
        proc.send_signal(sig)
        exit_code = proc.wait(timeout=10)
    finally:
        stop_process(proc)
    stdout = reader.rest()
    if "Concurrency:" in stdout:
        pytest.fail("precondition: the signal arrived after the parse")
    # what the orchestrator reads after the process ended must not be the last run's story
    path = ws.target / "run_results.json"
    rr = ws.run_results() if path.exists() else None
    assert rr is None or rr["metadata"]["invocation_id"] != previous, (
        f"the previous run's run_results.json (all {sorted({r['status'] for r in rr['results']})}) "
        f"is left in place after exit {exit_code}"
    )
    assert exit_code == code
    if rr is not None:
        # nothing ran, so nothing succeeded: retry runs the whole command, not "nothing to retry"
        again = ws.run("retry")
        assert again.code == 0, str(again)
        assert "running it whole" in again.stdout
        statuses = {r["unique_id"]: r["status"] for r in ws.run_results()["results"]}
        assert statuses == {"model.slowparse.a": "success", "model.slowparse.b": "success"}, statuses
