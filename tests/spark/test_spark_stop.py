"""The honest stop on Spark: the article's DAG with --fail-fast and 2 threads, and a signal
while both betas run, classic (job groups) and over Spark Connect (tags).

The bodies of tests/test_honest_stop.py and tests/test_signals.py (stop_helpers), on a real
Spark: durations are Thread.sleep in one task (the overlay's burn()), model_beta_a fails at
run time through raise_error(), a running statement is stopped through Spark's own API
(``cancelJobGroup`` classic, ``interruptTag`` over Connect), and for every node the terminal,
run_results.json and the warehouse (the invocation_id in each table) agree. Spark has no
transactions, so "nothing published after the stop" is checked as: the cancelled and
never-started nodes' tables keep the earlier run's rows (or stay absent), no ``__dbt_tmp`` /
``__dbt_backup`` table is left, and no Spark job is still running.

Classic runs go through ``dagwright.api`` in this process, on the shared session; CLI runs
are subprocesses on Spark Connect, served by the same JVM (see harness.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
import yaml

import dagwright.api
from stop_helpers import (
    ARTICLE_UIDS,
    FAIL_FAST_BETA_A,
    FAIL_VARS,
    SIGNALS,
    by_uid,
    check_matrix_outcome,
    run_matrix_cell,
    signal_while_betas_run,
    stop_record,
    stop_time,
    timing,
)

from .harness import SPARK_FAIL_ERROR, SparkServer, SparkTemplate, SparkWorkspace, article_spark_from, build_templates

pytestmark = pytest.mark.spark

#: beta_a's error -> beta_b's end. Measured 20-70 ms (cancel) + the client's error round trip;
#: the bound leaves room for a loaded 2-core machine, and is far below beta_b's 2 s left of work.
MAX_LAG = 0.6


class SparkStopWorkspace(SparkWorkspace):
    """``SparkWorkspace`` as a ``StopWorkspace``: the shared session's status tracker says what runs."""

    beta_a_error: ClassVar[tuple[str, str]] = SPARK_FAIL_ERROR
    cancel_lag: ClassVar[float] = MAX_LAG
    cancel_seconds: ClassVar[float] = MAX_LAG

    def wait_statements_running(self, count: int, timeout: float) -> bool:
        return self.server.wait_active_jobs(count, timeout=timeout)

    def running_statements(self) -> list[str]:
        # a job's end event trails its result a little: wait_no_active_jobs allows for that
        return [f"Spark job {job}" for job in self.server.wait_no_active_jobs()]


def spark_stop_workspace(tmp: Path, server: SparkServer, template: SparkTemplate, method: str) -> SparkStopWorkspace:
    ws = article_spark_from(tmp, server, template, method=method)
    return SparkStopWorkspace(ws.root, ws.profiles_dir, server, method)


@pytest.fixture(scope="module")
def templates(spark_server: SparkServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, SparkTemplate]:
    return build_templates(spark_server, tmp_path_factory.mktemp("spark-article"))


@pytest.mark.parametrize("kind", ["seeded", "built"], ids=["empty", "built"])
def test_fail_fast_two_threads_over_connect(tmp_path: Path, spark_server: SparkServer, templates, kind: str) -> None:
    """CLI subprocess, method connect: beta_b is stopped with interruptTag."""
    template = templates[kind]
    ws = spark_stop_workspace(tmp_path, spark_server, template, "connect")
    run_matrix_cell(ws, template.invocation_id, fail_fast=True, threads=2)


def test_fail_fast_two_threads_classic(tmp_path: Path, spark_server: SparkServer, templates) -> None:
    """In-process, method session on the shared SparkSession: beta_b is stopped with
    cancelJobGroup; the warehouse built by the earlier run keeps beta_b's and gamma_b's tables."""
    template = templates["built"]
    ws = spark_stop_workspace(tmp_path, spark_server, template, "session")
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
    # dagwright.api prints no Done line
    rr = check_matrix_outcome(ws, handle.output, template.invocation_id, fail_fast=True, threads=2, summary=False)
    assert stop_record(rr)["trigger"] == FAIL_FAST_BETA_A


@pytest.mark.parametrize(("sig", "code", "trigger"), SIGNALS)
def test_signal_while_betas_run_over_connect(
    tmp_path: Path, spark_server: SparkServer, templates, sig: int, code: int, trigger: str
) -> None:
    built = templates["built"]
    ws = spark_stop_workspace(tmp_path, spark_server, built, "connect")
    rr = signal_while_betas_run(ws, tmp_path, built.invocation_id, sig, code, trigger)
    # the betas were stopped at the signal, well before their 3 s of work were done
    results = by_uid(rr)
    stopped_at = stop_time(rr)
    assert stopped_at is not None, stop_record(rr)
    for name in ("model_beta_a", "model_beta_b"):
        end = timing(results[ARTICLE_UIDS[name]], "execute")[1]
        assert (end - stopped_at).total_seconds() < MAX_LAG, (stop_record(rr), results[ARTICLE_UIDS[name]])
