"""Grants and persist_docs on PostgreSQL: dagwright and dbt-postgres (the oracle) build the
same project into two databases; the privileges (``role_table_grants``) and comments
(``pg_description``) they leave must be the same, after a first run and after a second one
that changes the grants (revokes on a table changed in place, none needed on a replaced one).
A failing grant rolls the node back: the old relation and its privileges stay."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import PROJ_YML, new_db_name, proj_workspace

pytestmark = pytest.mark.postgres

BIN_DIR = Path(__file__).resolve().parents[2] / ".venv" / "bin"
ROLES = ("dw_reporter", "dw_analyst")

FILES = {
    "dbt_project.yml": PROJ_YML
    + """
models:
  proj:
    +grants:
      select: ["{{ var('base_role', 'dw_reporter') }}"]
    +persist_docs:
      relation: true
      columns: true
seeds:
  proj:
    +grants:
      select: [dw_analyst]
""",
    "models/t.sql": "{{ config(materialized='table', grants={'+select': [var('extra', 'dw_analyst')]}) }}\n"
    "select 1 as id, 'a' as \"Name\"\n",
    "models/v.sql": "{{ config(materialized='view') }}\nselect id from {{ ref('t') }}\n",
    "models/i.sql": "{{ config(materialized='incremental') }}\nselect 1 as id\n",
    "models/plain.sql": "{{ config(materialized='table', grants={}, persist_docs={}) }}\nselect 1 as id\n",
    "models/schema.yml": """
version: 2
models:
  - name: t
    description: "The 't' table; it's documented"
    columns:
      - name: id
        description: the id
      - name: Name
        description: a quoted column
        quote: true
      - name: missing
        description: not in the table
  - name: v
    description: a view
    columns:
      - name: id
        description: the view's id
  - name: i
    description: ""
    columns:
      - name: id
        description: incremental id
""",
    "seeds/s.csv": "x\n1\n",
}


def _catalog(ws: Any) -> dict[str, Any]:
    grants = ws.query(
        "select table_name, privilege_type, grantee from information_schema.role_table_grants "
        "where table_schema = 'main' and grantee like 'dw\\_%' order by 1, 2, 3"
    )
    comments = ws.query(
        "select c.relname, coalesce(a.attname, ''), d.description from pg_description d "
        "join pg_class c on c.oid = d.objoid join pg_namespace n on n.oid = c.relnamespace "
        "left join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid "
        "where n.nspname = 'main' order by 1, 2"
    )
    return {"grants": grants, "comments": comments}


@pytest.fixture
def pair(tmp_path: Path, pg_server):
    dbt = shutil.which("dbt", path=str(BIN_DIR))
    if not dbt:
        pytest.skip(f"no dbt executable in {BIN_DIR}")
    for role in ROLES:
        if not pg_server.admin(f"select 1 from pg_roles where rolname = '{role}'"):
            pg_server.admin(f'create role "{role}"')
    dbs = [new_db_name("ce"), new_db_name("ce")]
    for name in dbs:
        pg_server.create_database(name, "dagwright")
    ours = proj_workspace(tmp_path / "dagwright", pg_server, dbs[0], FILES)
    theirs = proj_workspace(tmp_path / "dbt", pg_server, dbs[1], FILES)
    yield ours, theirs, dbt
    for name in dbs:
        pg_server.drop_database(name)


def _dbt(ws: Any, dbt: str, *args: str) -> None:
    proc = subprocess.run(
        [dbt, *args, "--project-dir", str(ws.root), "--profiles-dir", str(ws.profiles_dir)],
        cwd=ws.root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_grants_and_comments_match_dbt_postgres(pair) -> None:
    ours, theirs, dbt = pair
    ours.ok("build")
    _dbt(theirs, dbt, "build")
    first = _catalog(ours)
    assert first == _catalog(theirs)
    assert ("t", "SELECT", "dw_analyst") in first["grants"] and ("t", "SELECT", "dw_reporter") in first["grants"]
    assert ("s", "SELECT", "dw_analyst") in first["grants"]
    assert ("t", "", "The 't' table; it's documented") in first["comments"]
    assert ("t", "Name", "a quoted column") in first["comments"]
    # an empty grants={} in config() clears nothing: the inherited grants stay (as in dbt)
    assert ("plain", "SELECT", "dw_reporter") in first["grants"]

    # the grants change: the incremental model (changed in place) has the old grantee revoked
    again = ("--vars", "{base_role: dw_analyst, extra: dw_analyst}")
    ours.ok("build", *again)
    _dbt(theirs, dbt, "build", *again)
    second = _catalog(ours)
    assert second == _catalog(theirs)
    assert ("i", "SELECT", "dw_reporter") not in second["grants"]
    assert ("i", "SELECT", "dw_analyst") in second["grants"]


def test_a_failing_grant_keeps_the_old_relation(pair) -> None:
    ours, _, _ = pair
    ours.ok("run", "-s", "t")
    result = ours.run("run", "-s", "t", "--vars", "{extra: no_such_role}")
    assert result.code == 1, str(result)
    assert "no_such_role" in str(result)
    # the old table and its grants are still there, nothing left under temporary names
    assert ours.query("select id from main.t") == [(1,)]
    grants = _catalog(ours)["grants"]
    assert ("t", "SELECT", "dw_analyst") in grants and ("t", "SELECT", "dw_reporter") in grants
    assert ours.temp_relations() == []


def _docs_catalog(ws: Any) -> dict[str, Any]:
    data = json.loads((ws.root / "target" / "catalog.json").read_text())
    text = json.dumps({k: data[k] for k in ("nodes", "sources", "errors")})
    return json.loads(text.replace(f'"{ws.dbname}"', '"DB"'))


def test_docs_generate_catalog_matches_dbt_postgres(pair) -> None:
    """docs generate on PostgreSQL: catalog.json as dbt-postgres writes it (types as
    format_type gives them, owners, the comments persist_docs left)."""
    ours, theirs, dbt = pair
    ours.ok("build")
    _dbt(theirs, dbt, "build")
    ours.ok("docs", "generate")
    _dbt(theirs, dbt, "docs", "generate")
    catalog = _docs_catalog(ours)
    assert catalog == _docs_catalog(theirs)
    table = catalog["nodes"]["model.proj.t"]
    assert table["metadata"]["comment"] == "The 't' table; it's documented"
    assert table["columns"]["Name"]["comment"] == "a quoted column"
    assert catalog["nodes"]["model.proj.v"]["metadata"]["type"] == "VIEW"
