"""The honest stop on Spark: the article's DAG with --fail-fast and 2 threads, and a signal
while both betas run, classic (job groups) and over Spark Connect (tags).

The same expectations as tests/test_honest_stop.py and tests/test_signals.py (imported from
there), on a real Spark: durations are Thread.sleep in one task (the overlay's burn()),
model_beta_a fails at run time through raise_error(), a running statement is stopped through
Spark's own API (``cancelJobGroup`` classic, ``interruptTag`` over Connect), and for every
node the terminal, run_results.json and the warehouse (the invocation_id in each table)
agree. Spark has no transactions, so "nothing published after the stop" is checked as: the
cancelled and never-started nodes' tables keep the earlier run's rows (or stay absent), no
``__dbt_tmp`` / ``__dbt_backup`` table is left, and no Spark job is still running.

Classic runs go through ``dagwright.api`` in this process, on the shared session; CLI runs
are subprocesses on Spark Connect, served by the same JVM (see harness.py).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import dagwright.api
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
    stop_time,
    timing,
)
from test_honest_stop import expected_outcomes

from .harness import (
    SPARK_FAIL_ERROR,
    SparkServer,
    SparkTemplate,
    SparkWorkspace,
    article_spark_from,
    build_templates,
)

pytestmark = pytest.mark.spark

BETA_A = ARTICLE_UIDS["model_beta_a"]
BETA_B = ARTICLE_UIDS["model_beta_b"]
SLOW_BETAS = "{durations: {model_beta_a: 3, model_beta_b: 3}}"
BETA_STARTS = ("START sql table model main.model_beta_a", "START sql table model main.model_beta_b")
#: beta_a's error -> beta_b's end. Measured 20-70 ms (cancel) + the client's error round trip;
#: the bound leaves room for a loaded 2-core machine, and is far below beta_b's 2 s left of work.
MAX_LAG = 0.6


@pytest.fixture(scope="module")
def templates(spark_server: SparkServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, SparkTemplate]:
    return build_templates(spark_server, tmp_path_factory.mktemp("spark-article"))


def spark_expected(built: bool) -> dict[str, tuple[str, str]]:
    """fail-fast, 2 threads: beta_a's error on Spark, beta_b cancelled, the gammas skipped."""
    out = expected_outcomes(True, 2, built)
    assert out["model_beta_a"][0] == "error" and out["model_beta_b"] == cancelled(FAIL_FAST_BETA_A)
    out["model_beta_a"] = SPARK_FAIL_ERROR
    return out


def check_fail_fast(
    ws: SparkWorkspace, stdout: str, template: SparkTemplate, *, summary: bool = True
) -> dict[str, Any]:
    expected = spark_expected(template.invocation_id is not None)
    rr = check_article_run(ws, stdout, expected, template.invocation_id, summary=summary)
    results = by_uid(rr)
    stop = rr["metadata"].get("stop")
    assert stop and stop["kind"] == "fail-fast" and stop["trigger"] == FAIL_FAST_BETA_A, stop
    assert start_lines(stdout, "main", "model_gamma_b") == [], stdout
    assert timing(results[ARTICLE_UIDS["model_gamma_b"]], "execute") is None

    # beta_b's job was stopped right after beta_a's error, well before its 3 s of work were done
    a_end = timing(results[BETA_A], "execute")[1]
    b_end = timing(results[BETA_B], "execute")[1]
    lag = (b_end - a_end).total_seconds()
    assert lag < MAX_LAG, f"beta_b ended {lag:.3f}s after beta_a's error"
    if summary:  # the CLI's Done line (dagwright.api prints no summary)
        assert "CANCELLED=1" in stdout
    assert stop["cancel_seconds"] is not None and stop["cancel_seconds"] < MAX_LAG, stop
    # and Spark runs nothing of it any more: the job was cancelled, not abandoned
    assert ws.server.wait_no_active_jobs() == [], "a Spark job is still running after the run ended"
    return rr


@pytest.mark.parametrize("kind", ["seeded", "built"], ids=["empty", "built"])
def test_fail_fast_two_threads_over_connect(tmp_path: Path, spark_server: SparkServer, templates, kind: str) -> None:
    """CLI subprocess, method connect: beta_b is stopped with interruptTag."""
    template = templates[kind]
    ws = article_spark_from(tmp_path, spark_server, template, method="connect")
    if template.invocation_id:  # precondition: every model carries the earlier run's invocation_id
        assert set(article_states(ws, "-", template.invocation_id).values()) == {PREVIOUS}
    result = ws.run("run", "--threads", "2", "--vars", FAIL_VARS, "--fail-fast")
    assert result.code == 1, str(result)
    check_fail_fast(ws, result.stdout, template)


def test_fail_fast_two_threads_classic(tmp_path: Path, spark_server: SparkServer, templates) -> None:
    """In-process, method session on the shared SparkSession: beta_b is stopped with
    cancelJobGroup; the warehouse built by the earlier run keeps beta_b's and gamma_b's tables."""
    template = templates["built"]
    ws = article_spark_from(tmp_path, spark_server, template, method="session")
    handle = dagwright.api.start(
        "run",
        project_dir=str(ws.root),
        profiles_dir=str(ws.profiles_dir),
        vars=yaml.safe_load(FAIL_VARS),
        threads=2,
        fail_fast=True,
    )
    summary = handle.wait(120)
    assert summary.failed and summary.stop_kind == "fail-fast", handle.output
    rr = check_fail_fast(ws, handle.output, template, summary=False)
    assert rr["metadata"]["stop"]["trigger"] == FAIL_FAST_BETA_A


@pytest.mark.parametrize(
    ("sig", "code", "trigger"),
    [
        pytest.param(signal.SIGINT, 130, SIGINT_TEXT, id="SIGINT"),
        pytest.param(signal.SIGTERM, 143, SIGTERM_TEXT, id="SIGTERM"),
    ],
)
def test_signal_while_betas_run_over_connect(
    tmp_path: Path, spark_server: SparkServer, templates, sig: int, code: int, trigger: str
) -> None:
    built = templates["built"]
    ws = article_spark_from(tmp_path, spark_server, built, method="connect")
    proc = ws.popen("run", "--threads", "2", "--vars", SLOW_BETAS, stderr_path=tmp_path / "stderr.txt")
    reader = LineReader(proc.stdout)
    try:
        if not reader.wait_for(BETA_STARTS, timeout=60):
            pytest.fail("both betas never started:\n" + reader.rest(1) + (tmp_path / "stderr.txt").read_text())
        # both statements under way: Spark runs both betas' jobs
        if not spark_server.wait_active_jobs(2, timeout=10):
            pytest.fail(f"precondition: the two betas' jobs never ran at once ({spark_server.active_jobs()})")
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
    # the betas were stopped at the signal, well before their 3 s of work were done
    results = by_uid(rr)
    stopped_at = stop_time(rr)
    assert stopped_at is not None, stop
    for name in ("model_beta_a", "model_beta_b"):
        end = timing(results[ARTICLE_UIDS[name]], "execute")[1]
        assert (end - stopped_at).total_seconds() < MAX_LAG, (stop, results[ARTICLE_UIDS[name]])
    assert spark_server.wait_no_active_jobs() == [], "Spark jobs still running after the process exited"

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
