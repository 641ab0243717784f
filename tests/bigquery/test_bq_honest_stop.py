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

from pathlib import Path
from typing import Any

import pytest

from stop_helpers import MATRIX, SIGNALS, assert_betas_stopped_early, run_matrix_cell, signal_while_betas_run

from .bq_stop import BQTemplate, article_bq_from, build_templates


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
    assert_betas_stopped_early(rr)
