"""``show`` and ``compile --inline`` against dbt-core: the same project through both tools
prints the same previews (table and JSON), runs the same nodes, and fails the same way."""

from __future__ import annotations

import json
from typing import Any

import pytest

from oracle import Twins, needs_dbt

pytestmark = needs_dbt

FILES = {
    "models/base.sql": """
        select 1 as id, 'x' as name, 1.5 as f, null as n, true as flag, date '2024-01-02' as d
        union all select 2, 'a text longer than twenty characters', 2.25, null, false, date '2024-12-31'
        union all select 3, 'zz', -1234567.891234, null, null, null
    """,
    "models/eph.sql": "{{ config(materialized='ephemeral') }}\nselect id * 10 as id10 from {{ ref('base') }}",
    "models/wide.sql": "select 1 as c1, 2 as c2, 3 as c3, 4 as c4, 5 as c5, 6 as c6, 7 as c7, 8 as c8",
    "models/uses_eph.sql": "select * from {{ ref('eph') }} order by id10",
}


def _preview(stdout: str) -> str:
    """The preview part of ``show``'s output: dbt prints its log lines first."""
    lines = stdout.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(("Previewing", "{", "|", "Compiled inline")):
            return "\n".join(lines[index:]).strip()
    return ""


@pytest.fixture(scope="module")
def twins(tmp_path_factory: Any) -> Twins:
    twins = Twins(tmp_path_factory.mktemp("show"), FILES)
    twins.both("run")
    return twins


@pytest.mark.parametrize(
    "args",
    [
        ("-s", "base"),
        ("-s", "base", "--limit", "2"),
        ("-s", "base", "--limit", "-1"),
        ("-s", "wide"),
        ("-s", "uses_eph"),
        ("-s", "+uses_eph"),
        ("-s", "base", "--output", "json"),
        ("--inline", "select name, f from {{ ref('base') }} order by id desc"),
        ("--inline", "select * from {{ ref('eph') }} order by id10", "--output", "json"),
    ],
    ids=lambda a: " ".join(a),
)
def test_show_prints_what_dbt_prints(twins: Twins, args: tuple[str, ...]) -> None:
    theirs, ours = twins.both("show", *args)
    assert _preview(ours.stdout) == _preview(theirs.stdout)
    assert _preview(ours.stdout)
    if "--output" in args:
        json.loads(_preview(ours.stdout))  # one JSON document


def test_show_runs_the_selected_nodes_and_records_them(twins: Twins) -> None:
    twins.both("show", "-s", "+uses_eph")
    ours, theirs = twins.results("dagwright"), twins.results("dbt")
    assert set(ours) == set(theirs) == {"model.proj.base", "model.proj.eph", "model.proj.uses_eph"}
    assert {r["status"] for r in ours.values()} == {"success"}
    assert twins.artifact("dagwright", "run_results.json")["args"]["which"] == "show"


def test_show_of_a_failing_query_fails_as_dbt(twins: Twins) -> None:
    _theirs, ours = twins.both("show", "--inline", "select * from no_such_table", code=2)
    assert "no_such_table" in ours.stdout + ours.stderr


def test_show_needs_a_selection(twins: Twins) -> None:
    ours = twins.dagwright("show")
    assert ours.returncode == 2 and "--select" in ours.stderr and "Traceback" not in ours.stderr


def test_compile_inline_prints_the_compiled_query(twins: Twins) -> None:
    theirs, ours = twins.both("compile", "--inline", "select * from {{ ref('base') }} where id = {{ 1 + 1 }}")
    assert _preview(ours.stdout) == _preview(theirs.stdout).replace('"dbt"', '"dagwright"')
    assert twins.results("dagwright").keys() == {"sql_operation.proj.inline_query"}
