"""The honest stop on PostgreSQL: the article's DAG under {--fail-fast, none} x {1, 2
threads} x {empty, built warehouse}, then SIGINT and SIGTERM while both betas run.

The bodies of tests/test_honest_stop.py and tests/test_signals.py (stop_helpers), on a
real server: durations are exact (``pg_sleep``), model_beta_a fails at run time with
PostgreSQL's cast error, a cancelled statement is cancelled through ``cancel_safe()``
(stop.cancel_seconds < 0.2 s), and for every node the terminal, run_results.json and the
warehouse (the invocation_id in each table) agree; once dagwright has exited the server
runs no statement of it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

import pytest

from stop_helpers import MATRIX, SIGNALS, assert_betas_stopped_early, run_matrix_cell, signal_while_betas_run

from .conftest import PgTemplate, PgWorkspace, article_pg_from
from .pgserver import PostgresServer

pytestmark = pytest.mark.postgres

#: the statements of other sessions on the workspace's database that are under way
ACTIVE = (
    "select query from pg_stat_activity where datname = current_database() "
    "and pid <> pg_backend_pid() and state = 'active'"
)


class PgStopWorkspace(PgWorkspace):
    """``PgWorkspace`` as a ``StopWorkspace``: the server says what runs."""

    beta_a_error: ClassVar[tuple[str, str]] = ("error", '~invalid input syntax for type integer: "x')
    cancel_lag: ClassVar[float] = 0.3
    cancel_seconds: ClassVar[float] = 0.2

    def wait_statements_running(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.query(ACTIVE + " and query like '%pg_sleep%'")) >= count:
                return True
            time.sleep(0.02)
        return False

    def running_statements(self) -> list[str]:
        return [str(query) for (query,) in self.query(ACTIVE)]


def pg_stop_workspace(tmp: Path, server: PostgresServer, template: PgTemplate) -> PgStopWorkspace:
    ws = article_pg_from(tmp, server, template)
    return PgStopWorkspace(ws.root, ws.profiles_dir, server, ws.dbname)


@pytest.mark.parametrize(("fail_fast", "threads", "built"), MATRIX)
def test_article_matrix_on_postgres(
    tmp_path: Path, pg_server, pg_article_templates, fail_fast: bool, threads: int, built: bool
) -> None:
    template = pg_article_templates["built" if built else "seeded"]
    run_matrix_cell(pg_stop_workspace(tmp_path, pg_server, template), template.invocation_id, fail_fast, threads)


@pytest.mark.parametrize(("sig", "code", "trigger"), SIGNALS)
def test_signal_while_betas_run_on_postgres(
    tmp_path: Path, pg_server, pg_article_templates, sig: int, code: int, trigger: str
) -> None:
    built = pg_article_templates["built"]
    ws = pg_stop_workspace(tmp_path, pg_server, built)
    rr = signal_while_betas_run(ws, tmp_path, built.invocation_id, sig, code, trigger)
    assert_betas_stopped_early(rr)
