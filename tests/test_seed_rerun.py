"""Seeds as dbt-duckdb loads them on later runs: into the existing table (truncated, the file
copied in by position) unless --full-refresh; a value that does not load is that seed's
runtime error, and its table is left as it was. tests/compat/rerun/seeds_changed checks the
same against dbt itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from conftest import Project


def _result(project: Project, name: str) -> dict[str, Any]:
    return next(r for r in project.run_results()["results"] if r["unique_id"].endswith("." + name))


def _table(project: Project, name: str) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
    columns = [(r[0], r[1]) for r in project.query(f'describe "main"."{name}"')]
    rows = sorted(project.query(f'select * from "main"."{name}"'), key=repr)
    return columns, rows


def _write(project: Project, rel: str, text: str) -> None:
    Path(project.root / rel).write_text(text, encoding="utf-8")


def test_a_value_that_does_not_load_is_the_seeds_runtime_error(make_project: Any) -> None:
    project = make_project({"seeds/big.csv": "id,big\n1,9007199254740993\n", "seeds/fine.csv": "id\n1\n"})
    result = project.run("seed")
    assert result.code == 1, str(result)
    assert project.statuses() == {"big": "error", "fine": "success"}
    message = _result(project, "big")["message"]
    assert message.startswith("Runtime Error in seed big (seeds/big.csv)\n  ")
    assert 'Could not convert string "9007199254740993"' in message
    assert ("main", "big") not in project.tables()
    assert "Runtime Error in seed big (seeds/big.csv)" in result.stdout


def test_rerun_loads_into_the_existing_columns_by_position(make_project: Any) -> None:
    project = make_project({"seeds/people.csv": "id,name,amount\n1,a,10\n2,b,20\n"})
    project.ok("seed")
    assert _result(project, "people")["adapter_response"] == {
        "_message": "INSERT 2",
        "code": "INSERT",
        "rows_affected": 2,
    }
    # new header names and a decimal value: the table keeps its names and INTEGER type
    _write(project, "seeds/people.csv", "id,title,total\n1,a,1.5\n3,c,\n")
    project.ok("seed")
    assert _table(project, "people") == (
        [("id", "INTEGER"), ("name", "VARCHAR"), ("amount", "INTEGER")],
        [(1, "a", 2), (3, "c", None)],
    )
    # a full refresh rebuilds the table from the file, and says CREATE
    project.ok("seed", "--full-refresh")
    assert _table(project, "people") == (
        [("id", "INTEGER"), ("title", "VARCHAR"), ("total", "DOUBLE")],
        [(1, "a", 1.5), (3, "c", None)],
    )
    assert _result(project, "people")["message"] == "CREATE 2"


def test_failing_rerun_leaves_the_previous_rows(make_project: Any) -> None:
    project = make_project({"seeds/people.csv": "id,name\n1,a\n2,b\n"})
    project.ok("seed")
    before = _table(project, "people")
    for changed in ("id,name,extra\n1,a,x\n", "id,name\nx,a\n"):  # another column count; a bad value
        _write(project, "seeds/people.csv", changed)
        assert project.run("seed").code == 1
        assert _result(project, "people")["status"] == "error"
        assert _result(project, "people")["message"].startswith("Runtime Error in seed people")
        assert _table(project, "people") == before
        assert not [n for (_s, n) in project.tables() if "__dbt" in n]
    # a file with a header only empties the table, whatever its columns
    _write(project, "seeds/people.csv", "a,b,c\n")
    project.ok("seed")
    assert _table(project, "people") == (before[0], [])


def test_seed_in_place_of_a_view_is_an_error(make_project: Any) -> None:
    project = make_project({"seeds/people.csv": "id\n1\n", "models/other.sql": "select 1 as id"})
    project.ok("run")
    conn = duckdb.connect(str(project.db))
    try:
        conn.execute('create view "main"."people" as select 1 as id')
    finally:
        conn.close()
    assert project.run("seed").code == 1
    assert _result(project, "people")["message"].endswith(
        f'Cannot seed to \'"{project.db.stem}"."main"."people"\', it is a view'
    )
    assert project.tables()[("main", "people")] == "VIEW"
