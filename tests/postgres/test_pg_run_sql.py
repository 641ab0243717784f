"""target/run on PostgreSQL (issue 19): its publishing strategy (``transactional swap``) builds a
new relation under ``<name>__dbt_tmp`` and changes a table in place, where DuckDB's builds straight
into the name; the file holds that build, or the change, and not the swap's renames nor the
hooks (tests/test_run_sql.py compares the paths with dbt-core's on DuckDB)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import proj_workspace

pytestmark = pytest.mark.postgres

FILES = {
    "seeds/s1.csv": "id,name\n1,a\n2,b\n",
    "models/t1.sql": "{{ config(materialized='table', post_hook='select 202') }}\nselect * from {{ ref('s1') }}\n",
    "models/v1.sql": "{{ config(materialized='view') }}\nselect id from {{ ref('t1') }}\n",
    "models/inc1.sql": "{{ config(materialized='incremental', unique_key='id') }}\n"
    "select id, name from {{ ref('s1') }}\n",
    "models/bad.sql": "{{ config(materialized='table') }}\nselect * from no_such_table_here\n",
    "models/after_bad.sql": "select * from {{ ref('bad') }}\n",
    "models/schema.yml": "version: 2\nmodels:\n  - name: t1\n    columns:\n      - name: id\n"
    "        data_tests: [not_null]\n",
}


def run_files(root: Path) -> dict[str, str]:
    base = root / "target" / "run" / "proj"
    return {
        str(p.relative_to(base)): " ".join(p.read_text(encoding="utf-8").lower().replace('"', "").split())
        for p in sorted(base.rglob("*"))
        if p.is_file()
    }


def test_the_files_hold_the_build_and_the_change(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = proj_workspace(tmp_path, pg_server, pg_db, FILES)
    assert ws.run("build").code == 1  # bad fails, after_bad is skipped
    files = run_files(ws.root)
    assert sorted(files) == [
        "models/bad.sql",
        "models/inc1.sql",
        "models/schema.yml/not_null_t1_id.sql",
        "models/t1.sql",
        "models/v1.sql",
        "seeds/s1.csv",
    ]
    t1 = files["models/t1.sql"]
    assert "create" in t1 and "main.t1__dbt_tmp" in t1 and "select * from" in t1 and "main.s1" in t1
    assert "rename" not in t1 and "select 202" not in t1
    assert "create view" in files["models/v1.sql"] and "main.v1__dbt_tmp" in files["models/v1.sql"]
    assert "create table" in files["models/inc1.sql"]
    assert "no_such_table_here" in files["models/bad.sql"]
    assert "create table" in files["seeds/s1.csv"] and "main.s1" in files["seeds/s1.csv"]

    ws.ok("run", "-s", "inc1")
    inc1 = run_files(ws.root)["models/inc1.sql"]
    assert "insert into" in inc1 and "main.inc1" in inc1 and "create" not in inc1
