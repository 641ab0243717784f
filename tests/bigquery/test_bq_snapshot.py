"""Snapshots on the BigQuery emulator (timestamp and check strategies over two runs), compared
with what the same snapshot gives on DuckDB through dagwright (equal up to types and hashes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from .bq_helpers import BQProject, new_project
from .test_bq_incremental import assert_no_ddl_in_transactions

SOURCE = """
{{ config(materialized='table') }}
{% for r in var('rows') %}
select {{ r[0] }} as id, '{{ r[1] }}' as name, timestamp '{{ r[2] }}' as updated_at
{% if not loop.last %}union all{% endif %}
{% endfor %}
"""

SNAPSHOTS = {
    "timestamp": "{% snapshot snap %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at', "
    "target_schema=target.schema) }}\nselect * from {{ ref('src') }}\n{% endsnapshot %}\n",
    "check": "{% snapshot snap %}\n{{ config(unique_key='id', strategy='check', check_cols=['name'], "
    "target_schema=target.schema, hard_deletes='invalidate') }}\n"
    "select id, name from {{ ref('src') }}\n{% endsnapshot %}\n",
}

FIRST = [(1, "a", "2024-01-01 00:00:00"), (2, "b", "2024-01-01 00:00:00"), (3, "c", "2024-01-01 00:00:00")]
SECOND = [(1, "a", "2024-01-01 00:00:00"), (2, "B", "2024-01-02 00:00:00"), (4, "d", "2024-01-02 00:00:00")]


def _vars(rows: list[tuple[Any, ...]]) -> str:
    return "{rows: [" + ", ".join(f"[{i}, {n}, '{t}']" for i, n, t in rows) + "]}"


def _normal(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    return value


def _rows_of(rows: list[tuple[Any, ...]], timed: bool) -> list[tuple[Any, ...]]:
    """(id, name, valid_from, valid_to) with times as text; for the check strategy, whose times
    are the run's clock, only whether dbt_valid_to is set."""
    out = []
    for row in rows:
        row = tuple(_normal(v) for v in row)
        out.append(row if timed else (row[0], row[1], row[3] is None))
    return sorted(out, key=lambda r: tuple(str(v) for v in r))


def _write(project: BQProject, strategy: str) -> None:
    project.write({"models/src.sql": SOURCE, "snapshots/snap.sql": SNAPSHOTS[strategy]})


def _duckdb_rows(tmp_path: Path, strategy: str) -> list[tuple[Any, ...]]:
    import duckdb

    project = BQProject(tmp_path, None, "")
    db = tmp_path / "db.duckdb"
    project.write(
        {
            "dbt_project.yml": "name: p\nversion: '1.0'\nprofile: p\n",
            "profiles.yml": f"p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: {db}\n",
        }
    )
    _write(project, strategy)
    for rows in (FIRST, SECOND):
        result = project.run("build", "--vars", _vars(rows))
        assert result.returncode == 0, result.stdout + result.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select id, name, dbt_valid_from, dbt_valid_to from main.snap").fetchall()


@pytest.mark.parametrize("strategy", ["timestamp", "check"])
def test_snapshot_two_runs_as_on_duckdb(tmp_path: Path, bq_emulator: Any, strategy: str) -> None:
    project = new_project(tmp_path / "bq", bq_emulator)
    _write(project, strategy)
    dataset = f"`{bq_emulator.project}`.`{project.dataset}`"
    first = project.run("build", "--vars", _vars(FIRST))
    assert first.returncode == 0, first.stdout + first.stderr
    assert project.results_by_name()["snap"]["adapter_response"]["code"] == "CREATE TABLE"
    second = project.run("build", "--vars", _vars(SECOND))
    assert second.returncode == 0, second.stdout + second.stderr
    result = project.results_by_name()["snap"]
    assert result["adapter_response"]["code"] == "MERGE", result
    assert project.table_names() == {"src", "snap"}, "the staging table is dropped"

    rows = project.rows(f"select id, name, dbt_valid_from, dbt_valid_to from {dataset}.snap")
    timed = strategy == "timestamp"
    expected = _rows_of(_duckdb_rows(tmp_path / "duck", strategy), timed)
    assert _rows_of(rows, timed) == expected
    if timed:
        assert ("2", "b", "2024-01-01T00:00:00", "2024-01-02T00:00:00") in [
            (str(r[0]), *r[1:]) for r in _rows_of(rows, True)
        ]
    else:  # id 3 is gone from the source: invalidated (hard_deletes='invalidate')
        assert (3, "c", False) in _rows_of(rows, False)

    # dbt-bigquery's hash, and one MERGE changing the table (no DDL in a transaction)
    scd = project.rows(f"select count(*) from {dataset}.snap where length(dbt_scd_id) = 32")
    assert scd == [(len(rows),)]
    statements = project.statements()
    assert any("to_hex(md5(concat(" in s for s in statements)
    merges = [s for s in statements if s.lstrip().lower().startswith("merge into")]
    assert len(merges) == 1 and "dbt_change_type in ('update', 'delete')" in merges[0]
    assert_no_ddl_in_transactions(statements)


def test_snapshot_failure_leaves_table(tmp_path: Path, bq_emulator: Any) -> None:
    """Two source rows with one key make the MERGE fail: the snapshot table is unchanged."""
    project = new_project(tmp_path, bq_emulator)
    _write(project, "timestamp")
    dataset = f"`{bq_emulator.project}`.`{project.dataset}`"
    assert project.run("build", "--vars", _vars(FIRST)).returncode == 0
    before = sorted(project.rows(f"select id, name, dbt_valid_to from {dataset}.snap"))
    bad = [(1, "x", "2024-02-01 00:00:00"), (1, "y", "2024-02-01 00:00:00")]
    result = project.run("build", "--vars", _vars(bad))
    assert result.returncode == 1
    assert project.results_by_name()["snap"]["status"] == "error"
    assert sorted(project.rows(f"select id, name, dbt_valid_to from {dataset}.snap")) == before
    assert project.table_names() == {"src", "snap"}
