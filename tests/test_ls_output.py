"""``ls`` prints what dbt-core prints (issue 14, item 11), line by line, for every ``--output``
and resource type: models in folders, seeds, snapshots, sources in subfolders, generic and
singular tests, analyses, and an installed package."""

from __future__ import annotations

import json

import pytest

from oracle import Twins, needs_dbt

pytestmark = needs_dbt

FILES = {
    "dbt_project.yml": """\
        name: proj
        version: '1.0.0'
        config-version: 2
        profile: proj
        models:
          proj:
            staging: {+materialized: view, +tags: [stg]}
    """,
    "packages.yml": "packages:\n  - local: pkg\n",
    "pkg/dbt_project.yml": "name: pkg\nversion: '1.0.0'\nconfig-version: 2\n",
    "pkg/models/pkg_model.sql": "select 1 as id",
    "pkg/models/pkg_sources.yml": """\
        version: 2
        sources:
          - name: pkg_src
            schema: main
            tables: [{name: t}]
    """,
    "models/staging/stg_a.sql": "select * from {{ ref('people') }}",
    "models/staging/sub/stg_b.sql": "select * from {{ source('raw', 'people_src') }}",
    "models/final.sql": "{{ config(materialized='table') }}\nselect * from {{ ref('stg_a') }}",
    "models/staging/sub/sources.yml": """\
        version: 2
        sources:
          - name: raw
            schema: main
            tables:
              - name: people_src
                identifier: people
                columns: [{name: id, data_tests: [not_null]}]
    """,
    "models/schema.yml": """\
        version: 2
        models:
          - name: final
            columns:
              - name: id
                data_tests: [unique, {accepted_values: {values: [1, 2], config: {severity: warn}}}]
    """,
    "seeds/people.csv": "id,name\n1,a\n2,b\n",
    "seeds/more/other.csv": "id\n1\n",
    "snapshots/snap.sql": """\
        {% snapshot people_snap %}
        {{ config(target_schema='main', unique_key='id', strategy='check', check_cols='all') }}
        select * from {{ ref('people') }}
        {% endsnapshot %}
    """,
    "tests/sing/assert_small.sql": "select * from {{ ref('final') }} where id > 100",
    "analyses/an1.sql": "select count(*) from {{ ref('final') }}",
    "analyses/sub/an2.sql": "select 1 as x",
}


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Twins:
    twins = Twins(tmp_path_factory.mktemp("ls"), FILES)
    twins.both("deps")
    return twins


def ls_both(twins: Twins, *args: str) -> tuple[list[str], list[str]]:
    theirs, ours = twins.dbt("-q", "ls", *args), twins.dagwright("ls", *args)
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    assert ours.returncode == 0, ours.stdout + ours.stderr
    return theirs.stdout.splitlines(), ours.stdout.splitlines()


SELECTIONS = [
    (),
    ("--resource-type", "all"),
    ("--resource-type", "analysis"),
    ("--resource-type", "source"),
    ("--resource-type", "test", "snapshot"),
    ("-s", "pkg"),
    ("-s", "final+"),
]


@pytest.mark.parametrize(
    ("output", "selections"),
    [("selector", SELECTIONS), ("name", SELECTIONS[:2]), ("path", SELECTIONS[:2])],
    ids=["selector", "name", "path"],
)
def test_plain_outputs_are_dbts_line_by_line(twins: Twins, output: str, selections: list[tuple[str, ...]]) -> None:
    for selection in selections:
        theirs, ours = ls_both(twins, "--output", output, *selection)
        assert theirs, f"the oracle listed nothing for {selection}"
        assert ours == theirs, selection


def _without_macro_dependencies(line: str) -> dict:
    # depends_on.macros: the macros each node calls, not yet recorded by dagwright's parse
    item = json.loads(line)
    if isinstance(item.get("depends_on"), dict):
        item["depends_on"] = {**item["depends_on"], "macros": None}
        if "nodes" in item["depends_on"]:  # dbt lists a node's sources before its refs
            item["depends_on"]["nodes"] = sorted(item["depends_on"]["nodes"])
    return item


def test_json_is_dbts(twins: Twins) -> None:
    theirs, ours = ls_both(twins, "--output", "json", "--resource-type", "all")
    assert len(ours) == len(theirs)
    for mine, want in zip(ours, theirs):
        assert list(json.loads(mine)) == list(json.loads(want)), want  # the same keys, in dbt's order
        assert _without_macro_dependencies(mine) == _without_macro_dependencies(want)


@pytest.mark.parametrize(
    "keys",
    [("name", "config.materialized", "unique_id"), ("resource_type", "config.nope", "alias", "source_name")],
    ids=["some", "missing-keys"],
)
def test_output_keys_are_dbts(twins: Twins, keys: tuple[str, ...]) -> None:
    theirs, ours = ls_both(twins, "--output", "json", "--resource-type", "all", "--output-keys", *keys)
    assert ours == theirs
