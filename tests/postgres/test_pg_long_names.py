"""Models whose names are near PostgreSQL's identifier limit (63 bytes): the names dagwright
builds and parks relations under (``__dbt_tmp``, ``__dbt_backup``) must not be cut by the
server into the model's own name or into each other, as dbt-postgres cuts the model's name
to make room for the suffix."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagwright.adapters.base import Relation, suffixed

from .conftest import proj_workspace as project

pytestmark = pytest.mark.postgres

LONG = "m" * 63
NEAR = "n" * 58
READ_N = "{{ var('n', 1) }}"


@pytest.mark.parametrize("materialized", ["table", "view", "incremental"])
def test_long_names_rebuild_in_place(tmp_path: Path, pg_server, pg_db: str, materialized: str) -> None:
    config = f"{{{{ config(materialized='{materialized}') }}}}\n"
    ws = project(
        tmp_path,
        pg_server,
        pg_db,
        {
            f"models/{LONG}.sql": config + "select {{ var('n', 1) }} as n\n",
            f"models/{NEAR}.sql": config + f"select n + 1 as n from {{{{ ref('{LONG}') }}}} where n = {READ_N}\n",
        },
    )
    ws.ok("run")
    ws.ok("run", "--vars", "{n: 2}")
    expected = [(1,), (2,)] if materialized == "incremental" else [(2,)]
    assert sorted(ws.query(f"select n from main.{LONG}")) == expected
    assert sorted(ws.query(f"select n from main.{NEAR}")) == [(n + 1,) for (n,) in expected]
    ws.ok("run", "--vars", "{n: 3}", "--full-refresh")
    assert ws.query(f"select n from main.{LONG}") == [(3,)]
    assert ws.query(f"select n from main.{NEAR}") == [(4,)]
    assert set(ws.relations()) == {("main", LONG), ("main", NEAR)}


def test_suffixed_names_fit_in_bytes() -> None:
    base = Relation(None, "main", "é" * 40)  # 80 bytes
    cut = suffixed(base, "__dbt_backup", 63)
    assert len(cut.identifier.encode()) <= 63 and cut.identifier.endswith("__dbt_backup")
    assert cut.identifier == "é" * 25 + "__dbt_backup"  # 51 bytes is no whole character: 50
    assert suffixed(Relation(None, "main", "short"), "__dbt_tmp", 63).identifier == "short__dbt_tmp"
    assert suffixed(base, "__dbt_tmp", None).identifier == "é" * 40 + "__dbt_tmp"
