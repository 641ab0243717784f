"""``--defer``: dbt and dagwright each build a prod schema, then run part of the project in a
dev schema of the same DuckDB file, deferring what dev lacks to prod's manifest; the rows
they build and the SQL they compile must agree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from oracle import Twins, needs_dbt

pytestmark = needs_dbt

PROFILES = """\
proj:
  target: dev
  outputs:
    dev: {{type: duckdb, path: "{db}", schema: dev, threads: 1}}
    prod: {{type: duckdb, path: "{db}", schema: prod, threads: 1}}
"""
FILES = {
    "seeds/people.csv": "id,name\n1,a\n2,b\n",
    "models/a.sql": "select id, name, '{{ target.name }}' as env from {{ ref('people') }}\n",
    "models/eph.sql": "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('a') }}\n",
    "models/b.sql": "select id, env, 'b1' as version from {{ ref('eph') }}\n",
    "models/c.sql": "{{ config(materialized='table') }}\nselect * from {{ ref('b') }}\n",
    "models/schema.yml": "version: 2\nmodels:\n  - name: a\n    columns: [{name: id, data_tests: [not_null]}]\n",
}


@pytest.fixture
def twins(tmp_path):  # type: ignore[no-untyped-def]
    twins = Twins(tmp_path, FILES)
    for root in twins.roots.values():
        # the same file name for both tools: the database's name is in the compiled SQL
        (root / "profiles.yml").write_text(PROFILES.format(db=root / "w.duckdb"), encoding="utf-8")
    twins.both("build", "--target", "prod", "--target-path", "prod_target")
    for root in twins.roots.values():
        (root / "models" / "b.sql").write_text("select id, env, 'b2' as version from {{ ref('eph') }}\n")
    twins.db = {tool: root / "w.duckdb" for tool, root in twins.roots.items()}  # type: ignore[attr-defined]
    return twins


def _rows(twins: Twins, tool: str, sql: str) -> list[tuple[object, ...]]:
    conn = duckdb.connect(str(twins.db[tool]), read_only=True)  # type: ignore[attr-defined]
    try:
        return sorted(conn.execute(sql).fetchall())
    finally:
        conn.close()


def _tables(twins: Twins, tool: str) -> list[tuple[object, ...]]:
    return _rows(twins, tool, "select table_schema, table_name from information_schema.tables")


def _compiled(twins: Twins, tool: str, name: str) -> str:
    text = (twins.roots[tool] / "target" / "compiled" / "proj" / "models" / f"{name}.sql").read_text()
    return " ".join(text.split())  # where the tools' ephemeral CTEs break lines differs


def test_run_defers_what_dev_lacks_to_prod(twins: Twins) -> None:
    twins.both("run", "-s", "b+", "--defer", "--state", "prod_target")
    for tool in ("dbt", "dagwright"):
        assert _rows(twins, tool, "select * from dev.c") == [(1, "prod", "b2"), (2, "prod", "b2")], tool
    assert _tables(twins, "dbt") == _tables(twins, "dagwright")
    assert _compiled(twins, "dbt", "b") == _compiled(twins, "dagwright", "b")
    assert '"prod"."a"' in _compiled(twins, "dagwright", "b")


def test_existing_dev_relation_wins_unless_favor_state(twins: Twins) -> None:
    # dev gets its own a (reading prod's seed through the deferral)
    twins.both("run", "-s", "a", "--defer", "--state", "prod_target")
    twins.both("run", "-s", "b", "--defer", "--state", "prod_target")
    for tool in ("dbt", "dagwright"):
        assert _rows(twins, tool, "select env from dev.b") == [("dev",), ("dev",)], tool
    twins.both("run", "-s", "b", "--defer", "--favor-state", "--state", "prod_target")
    for tool in ("dbt", "dagwright"):
        assert _rows(twins, tool, "select env from dev.b") == [("prod",), ("prod",)], tool
    assert _tables(twins, "dbt") == _tables(twins, "dagwright")


def test_defer_state_and_environment_variables(twins: Twins) -> None:
    twins.both("compile", "-s", "c", "--defer", "--defer-state", "prod_target")
    assert _compiled(twins, "dbt", "c") == _compiled(twins, "dagwright", "c")
    assert '"prod"."b"' in _compiled(twins, "dagwright", "c")
    ours = twins.dagwright("compile", "-s", "c")  # no --defer: dev's own relation, built or not
    assert ours.returncode == 0 and '"dev"."b"' in _compiled(twins, "dagwright", "c")
    root = twins.roots["dagwright"]
    env = {**os.environ, "DBT_DEFER": "true", "DBT_STATE": "prod_target", "DBT_PROFILES_DIR": str(root)}
    subprocess.run([sys.executable, "-m", "dagwright.cli", "compile", "-s", "c"], cwd=root, env=env, check=True)
    assert '"prod"."b"' in _compiled(twins, "dagwright", "c")
    inline = ("compile", "--inline", "select * from {{ ref('a') }}", "--defer", "--state", "prod_target")
    theirs, ours = twins.both(*inline)
    assert '"prod"."a"' in theirs.stdout and '"prod"."a"' in ours.stdout


def test_test_command_defers_the_tested_model(twins: Twins) -> None:
    twins.both("test", "--defer", "--state", "prod_target")
    assert twins.results("dbt").keys() == twins.results("dagwright").keys()
    assert {r["status"] for r in twins.results("dagwright").values()} == {"pass"}


def test_defer_without_state_is_an_error(twins: Twins) -> None:
    ours = twins.both("run", "-s", "b", "--defer", code=2)[1]
    assert "--defer-state" in ours.stderr and "Traceback" not in ours.stderr


def _statuses(twins: Twins, tool: str) -> dict[str, tuple[str, str]]:
    return {uid: (r["status"], r["message"]) for uid, r in twins.results(tool).items()}


def test_clone_makes_views_of_the_state_relations(twins: Twins) -> None:
    twins.both("seed")  # dev has its own people: left as it is
    for root in twins.roots.values():  # a model prod's manifest does not have: nothing to clone
        (root / "models" / "fresh.sql").write_text("select 5 as z\n")
    for root in twins.roots.values():
        shutil.rmtree(root / "target" / "run", ignore_errors=True)
    twins.both("clone", "--state", "prod_target")
    assert _statuses(twins, "dbt") == _statuses(twins, "dagwright")
    assert _statuses(twins, "dagwright")["seed.proj.people"] == ("success", "No-op")
    # target/run: the view of each node cloned (none for a No-op), as dbt's clone writes them
    run_files = {
        tool: sorted(str(p.relative_to(root)) for p in (root / "target" / "run").rglob("*.sql"))
        for tool, root in twins.roots.items()
    }
    assert run_files["dagwright"] == run_files["dbt"] != []
    assert _tables(twins, "dbt") == _tables(twins, "dagwright")
    views = "select table_name, table_type from information_schema.tables where table_schema = 'dev'"
    assert _rows(twins, "dbt", views) == _rows(twins, "dagwright", views)
    for tool in ("dbt", "dagwright"):
        assert _rows(twins, tool, "select env, version from dev.c") == [("prod", "b1"), ("prod", "b1")], tool
    # --full-refresh replaces what exists (dev's people table) with a view of prod's
    twins.both("clone", "--state", "prod_target", "--full-refresh")
    assert _statuses(twins, "dbt") == _statuses(twins, "dagwright")
    assert _rows(twins, "dbt", views) == _rows(twins, "dagwright", views)
    assert ("people", "VIEW") in _rows(twins, "dagwright", views)


def test_clone_without_state_is_an_error(twins: Twins) -> None:
    ours = twins.both("clone", code=2)[1]
    assert "--state" in ours.stderr and "Traceback" not in ours.stderr
