"""A small slice of the stop campaign (bench/stop_campaign.py, issue 22) on PostgreSQL: a
generated DAG, a SIGINT, a SIGTERM and a SIGKILL at random moments of a run, each checked
(terminal == run_results.json == warehouse). The campaign itself, 300 tries, is in
bench/RESULTS.md."""

from __future__ import annotations

import sys
from pathlib import Path

from .conftest import PASSWORD, ROLE
from .pgserver import PostgresServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from stop_campaign import PostgresWarehouse, campaign


def test_signals_at_random_moments_leave_one_truth(tmp_path: Path, pg_server: PostgresServer, pg_db: str) -> None:
    warehouse = PostgresWarehouse(pg_server.host, pg_server.port, pg_db, user=ROLE, password=PASSWORD)
    lines: list[str] = []
    outcome = campaign(
        tmp_path / "project",
        warehouse,
        tries=3,
        threads=[4],
        models=24,
        seed=22,
        kinds=["SIGINT", "SIGTERM", "SIGKILL"],
        say=lines.append,
    )
    assert outcome.tries == 3
    assert outcome.failed == 0, "\n".join(lines)
