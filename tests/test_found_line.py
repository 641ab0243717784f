"""The "Found ..." line after parsing: the kinds a project has, in dbt's order, with dbt's
plurals, and none it lacks (dbt-core 1.11 is the oracle). The macro count is left out: dbt
counts its adapter's macros too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oracle import PROJECT_YML, Twins, needs_dbt

PROPERTIES = """
version: 2
sources:
  - name: src
    tables: [{name: t1}]
groups:
  - {name: g1, owner: {email: a@b.c}}
models:
  - name: a
    columns: [{name: id, data_tests: [unique, not_null]}]
exposures:
  - {name: e1, type: dashboard, owner: {email: a@b.c}, depends_on: ["ref('b')"]}
unit_tests:
  - name: ut1
    model: b
    given: [{input: ref('a'), rows: [{id: 1}]}]
    expect: {rows: [{id: 1}]}
"""

SNAPSHOT = """
{% snapshot snap %}{{ config(unique_key='id', strategy='check', check_cols='all', target_schema='main') }}
select * from {{ ref('a') }}{% endsnapshot %}
"""

pytestmark = needs_dbt

FILES = {
    "dbt_project.yml": PROJECT_YML + 'on-run-start: ["select 1"]\n',
    "models/a.sql": "select 1 as id",
    "models/b.sql": "select * from {{ ref('a') }}",
    "models/p.yml": PROPERTIES,
    "seeds/s.csv": "id\n1\n",
    "analyses/an.sql": "select * from {{ ref('a') }}",
    "snapshots/snap.sql": SNAPSHOT,
}


def _lines(twins: Twins) -> tuple[str, str]:
    """dbt's line (``dbt parse`` does not print it: ``ls`` does) and dagwright's after parse."""
    theirs, ours = twins.dbt("ls"), twins.dagwright("parse")
    assert theirs.returncode == ours.returncode == 0, theirs.stdout + ours.stdout + ours.stderr
    return _found(theirs.stdout), _found(ours.stdout)


def _found(text: str) -> str:
    line = next(line for line in text.splitlines() if "Found " in line)
    return re.sub(r"(, )?\d+ macros", "", line[line.index("Found ") :])


@pytest.mark.parametrize("singular", [False, True], ids=["generic tests", "a singular test"])
def test_found_line_is_dbts(tmp_path: Path, singular: bool) -> None:
    files = {**FILES, **({"tests/t1.sql": "select 1 as id where false"} if singular else {})}
    theirs, ours = _lines(Twins(tmp_path, files))
    assert ours == theirs


def test_found_line_of_a_bare_project(tmp_path: Path) -> None:
    theirs, ours = _lines(Twins(tmp_path, {"models/a.sql": "select 1 as id"}))
    assert ours == theirs == "Found 1 model"
