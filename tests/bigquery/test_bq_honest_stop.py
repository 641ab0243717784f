"""The honest stop on BigQuery: the article's DAG under {--fail-fast, none} x {1, 2 threads}
x {empty, built warehouse}, then SIGINT and SIGTERM while both betas run, then ``retry``.

The bodies of tests/test_honest_stop.py and tests/test_signals.py (stop_helpers), on the
local BigQuery emulator: durations are small cross joins (the overlay's burn(), which the
emulator cancels in tens of milliseconds), model_beta_a fails at run time with a cast error,
a running job is stopped with ``jobs.cancel`` and each node's outcome comes from its job's
final state; for every node the terminal, run_results.json and the warehouse (the
invocation_id in each table) agree, and once dagwright has exited the emulator runs no job of
the workspace's project.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from stop_helpers import (
    ARTICLE_UIDS,
    FAIL_FAST_BETA_A,
    FAIL_VARS,
    MATRIX,
    SIGNALS,
    by_uid,
    check_article_run,
    not_started,
    ok,
    run_matrix_cell,
    signal_while_betas_run,
    skipped_upstream,
    stop_record,
    stop_time,
    timing,
)

from .bq_stop import BQ_CAST_ERROR, BQStopWorkspace, BQTemplate, article_bq_from, build_templates

#: runs dagwright's CLI with every jobs.cancel held back until its job is DONE (test-only)
LATE_CANCEL_CLI = Path(__file__).resolve().parent / "late_cancel_cli.py"
FINISHED_FIRST = "published: the job finished before the cancel took effect"


@pytest.fixture(scope="module")
def bq_article_templates(bq_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, BQTemplate]:
    return build_templates(bq_emulator, tmp_path_factory.mktemp("bq-article-templates"))


@pytest.mark.parametrize(("fail_fast", "threads", "built"), MATRIX)
def test_article_matrix_on_bigquery(
    tmp_path: Path, bq_emulator: Any, bq_article_templates, fail_fast: bool, threads: int, built: bool
) -> None:
    template = bq_article_templates["built" if built else "seeded"]
    ws = article_bq_from(tmp_path, bq_emulator, template)
    try:
        run_matrix_cell(ws, template.invocation_id, fail_fast, threads)
    finally:
        ws.close()


@pytest.mark.parametrize(("sig", "code", "trigger"), SIGNALS)
def test_signal_while_betas_run_on_bigquery(
    tmp_path: Path, bq_emulator: Any, bq_article_templates, sig: int, code: int, trigger: str
) -> None:
    built = bq_article_templates["built"]
    ws = article_bq_from(tmp_path, bq_emulator, built)
    try:
        rr = signal_while_betas_run(ws, tmp_path, built.invocation_id, sig, code, trigger)
    finally:
        ws.close()
    # both betas' jobs were seen DONE soon after the stop, not after their seconds of work
    stopped_at = stop_time(rr)
    assert stopped_at is not None, stop_record(rr)
    results = by_uid(rr)
    for name in ("model_beta_a", "model_beta_b"):
        end = timing(results[ARTICLE_UIDS[name]], "execute")[1]
        assert (end - stopped_at).total_seconds() < BQStopWorkspace.exit_after_signal, results[ARTICLE_UIDS[name]]


class LateCancelWorkspace(BQStopWorkspace):
    """The CLI through late_cancel_cli.py: a cancel reaches its job only once the job is DONE."""

    def cli(self, *args: str) -> list[str]:
        return [sys.executable, str(LATE_CANCEL_CLI), *super().cli(*args)[3:]]


def test_job_finished_before_its_cancel_is_success(tmp_path: Path, bq_emulator: Any, bq_article_templates) -> None:
    """The seed story's race, end to end: 2 threads, --fail-fast, model_beta_a fails while
    model_beta_b's job runs, and the cancel reaches that job only after it completed. The job
    built the table, so model_beta_b is ``success`` (saying it finished before the cancel took
    effect), never skipped or cancelled; the terminal, run_results.json and the warehouse agree."""
    built = bq_article_templates["built"]
    base = article_bq_from(tmp_path, bq_emulator, built)
    ws = LateCancelWorkspace(base.root, base.profiles_dir, bq_emulator, base.project)
    try:
        result = ws.run("run", "--threads", "2", "--fail-fast", "--vars", FAIL_VARS)
        assert result.code == 1, str(result)
        late = re.findall(r"late cancel: (\S+)", result.stderr)
        assert late, f"no cancel was sent while a job ran: the race did not happen\n{result}"
        expected = {
            "stg_orders": ok(),
            "model_alpha": ok(),
            "model_beta_a": BQ_CAST_ERROR,
            "model_beta_b": ("success", f"~{FINISHED_FIRST}"),
            "model_gamma_a": skipped_upstream(ARTICLE_UIDS["model_beta_a"]),
            "model_gamma_b": not_started(FAIL_FAST_BETA_A),
        }
        rr = check_article_run(ws, result.stdout, expected, built.invocation_id)
        beta_b = by_uid(rr)[ARTICLE_UIDS["model_beta_b"]]
        assert beta_b["adapter_response"]["job_id"] in late, (beta_b, late)  # the job the cancel reached
        assert "dagwright_outcome" not in beta_b["adapter_response"], beta_b
        assert "OK created sql table model main.model_beta_b" in result.stdout, result.stdout
        stop = stop_record(rr)
        assert stop and stop["kind"] == "fail-fast" and stop["trigger"] == FAIL_FAST_BETA_A, stop
        assert ws.running_statements() == []
    finally:
        ws.close()
        base.close()
