"""query-comment (dbt_project.yml) against dbt-duckdb: the comment each tool puts on the
statement that builds a table, read back from the table itself (a model selecting DuckDB's
``current_query()``, the text of the statement running it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from oracle import PROJECT_YML, Twins, needs_dbt

MODEL = {"models/b.sql": "{{ config(materialized='table') }}\nselect current_query() as q\n"}
COMMENT = re.compile(r"/\* (.*?) \*/", re.S)


def statement_text(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("select q from b").fetchone()
    assert row is not None
    return str(row[0])


def twins_with(tmp: Path, setting: str) -> Twins:
    return Twins(tmp, {"dbt_project.yml": PROJECT_YML + setting, **MODEL})


@needs_dbt
@pytest.mark.parametrize(
    "setting",
    [
        'query-comment: "run {{ node.unique_id if node else connection_name }} '
        '({{ node.config.materialized if node }}) on {{ target.name }}"\n',
        "query-comment:\n  comment: \"{{ var('who', 'me') }} ran {{ node.name if node }}\"\n  append: true\n",
    ],
    ids=["string", "appended"],
)
def test_the_comment_is_dbts(tmp_path: Path, setting: str) -> None:
    twins = twins_with(tmp_path, setting)
    twins.both("run")
    theirs, ours = statement_text(tmp_path / "dbt.duckdb"), statement_text(tmp_path / "dagwright.duckdb")
    assert COMMENT.findall(ours) == COMMENT.findall(theirs) != []
    if "append" in setting:
        assert ours.rstrip().rstrip(";").endswith("*/") and theirs.rstrip().rstrip(";").endswith("*/")
        assert COMMENT.findall(ours) == ["me ran b"]
    else:
        assert ours.lstrip().startswith("/*") and theirs.lstrip().startswith("/*")
        assert COMMENT.findall(ours) == ["run model.proj.b (table) on dev"]


@needs_dbt
def test_the_default_comment_has_dbts_keys(tmp_path: Path) -> None:
    twins = twins_with(tmp_path, "")
    twins.both("run")
    theirs = json.loads(COMMENT.findall(statement_text(tmp_path / "dbt.duckdb"))[0])
    ours = json.loads(COMMENT.findall(statement_text(tmp_path / "dagwright.duckdb"))[0])
    assert list(ours) == list(theirs) == ["app", "dbt_version", "profile_name", "target_name", "node_id"]
    assert ours["app"] == "dagwright" and theirs["app"] == "dbt"
    assert {k: ours[k] for k in ("profile_name", "target_name", "node_id")} == {
        "profile_name": "proj",
        "target_name": "dev",
        "node_id": "model.proj.b",
    }
    assert {k: theirs[k] for k in ("profile_name", "target_name", "node_id")} == {
        k: ours[k] for k in ("profile_name", "target_name", "node_id")
    }


@needs_dbt
@pytest.mark.parametrize("setting", ["query-comment:\n", "query-comment: ''\n", "query-comment:\n  comment: ''\n"])
def test_no_comment(tmp_path: Path, setting: str) -> None:
    twins = twins_with(tmp_path, setting)
    twins.both("run")
    assert "/*" not in statement_text(tmp_path / "dbt.duckdb")
    assert "/*" not in statement_text(tmp_path / "dagwright.duckdb")


@needs_dbt
def test_a_comment_that_would_end_itself_is_an_error(tmp_path: Path) -> None:
    twins = twins_with(tmp_path, 'query-comment: "bad */ {{ 1 }}"\n')
    theirs, ours = twins.both("run", code=2)
    assert 'query comment contains illegal value "*/": bad */ 1' in theirs.stdout
    assert 'query comment contains illegal value "*/": bad */ 1' in ours.stdout + ours.stderr
    assert not (tmp_path / "dagwright.duckdb").exists() or "b" not in str(
        duckdb.connect(str(tmp_path / "dagwright.duckdb"), read_only=True).execute("show tables").fetchall()
    )
