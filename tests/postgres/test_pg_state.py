"""--defer and clone on PostgreSQL: a prod schema built first, then a dev schema that defers
to it or clones it (views reading prod's relations, as dbt-postgres makes them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import profiles_text, proj_workspace

pytestmark = pytest.mark.postgres

FILES = {
    "seeds/people.csv": "id,name\n1,a\n2,b\n",
    "models/a.sql": "select id, name, '{{ target.name }}' as env from {{ ref('people') }}\n",
    "models/b.sql": "{{ config(materialized='table') }}\nselect id, env from {{ ref('a') }}\n",
}


def _workspace(tmp_path: Path, pg_server, pg_db: str):  # type: ignore[no-untyped-def]
    ws = proj_workspace(tmp_path, pg_server, pg_db, FILES)
    dev = profiles_text("proj", pg_server, pg_db)
    prod = dev.split("    dev:\n", 1)[1].replace('"main"', '"prod"')
    (ws.profiles_dir / "profiles.yml").write_text(dev + "    prod:\n" + prod, encoding="utf-8")
    ws.ok("build", "--target", "prod", "--target-path", "prod_target")
    return ws


def test_defer_reads_prod_where_dev_has_nothing(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = _workspace(tmp_path, pg_server, pg_db)
    ws.ok("run", "-s", "b", "--defer", "--state", "prod_target")
    assert ws.query("select env from main.b order by id") == [("prod",), ("prod",)]


def test_clone_makes_views_of_prod(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = _workspace(tmp_path, pg_server, pg_db)
    ws.ok("seed")  # dev's own people: left as it is
    ws.ok("clone", "--state", "prod_target")
    kinds = ws.query(
        "select table_name, table_type from information_schema.tables where table_schema = 'main' order by 1"
    )
    assert kinds == [("a", "VIEW"), ("b", "VIEW"), ("people", "BASE TABLE")]
    assert ws.query("select env from main.b order by id") == [("prod",), ("prod",)]
    ws.ok("clone", "--state", "prod_target", "--full-refresh")
    assert ws.query(
        "select table_type from information_schema.tables where table_name = 'people' and table_schema = 'main'"
    ) == [("VIEW",)]
