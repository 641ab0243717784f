"""selectors.yml (issue 18): ``--selector NAME`` and the ``default: true`` selector select what
dbt-core selects, for every form of definition dbt accepts; bad files fail before anything
runs, naming the file, the line and what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oracle import Twins, log_lines, needs_dbt

FILES = {
    "models/a.sql": "select 1 as id",
    "models/b.sql": "{{ config(tags=['nightly']) }}\nselect * from {{ ref('a') }}",
    "models/c.sql": "select * from {{ ref('b') }}",
    "models/staging/d.sql": "{{ config(tags=['nightly']) }}\nselect * from {{ ref('a') }}",
    "models/staging/e.sql": "select * from {{ ref('d') }} join {{ ref('c') }} using (id)",
    "models/schema.yml": """\
        version: 2
        models:
          - name: b
            columns:
              - name: id
                data_tests: [not_null, {relationships: {to: ref('a'), field: id}}]
        exposures:
          - name: dash
            type: dashboard
            owner: {name: me}
            depends_on: [ref('c')]
    """,
    "selectors.yml": """\
        selectors:
          - name: nightly
            description: the nightly models
            definition: "tag:nightly"
          - name: one_key
            definition: {tag: nightly}
          - name: up
            definition: {method: fqn, value: c, parents: true, parents_depth: 1}
          - name: down
            definition: {method: fqn, value: a, children: true, children_depth: 1}
          - name: at
            definition: {method: fqn, value: b, childrens_parents: true}
          - name: with_union
            definition:
              union:
                - "tag:nightly"
                - method: path
                  value: models/staging
                - exclude: [d]
          - name: with_intersection
            definition:
              intersection: ["+c", "tag:nightly"]
          - name: method_exclude
            definition:
              method: fqn
              value: e
              parents: true
              exclude: [a, {method: tag, value: nightly}]
          - name: cautious
            definition: {method: fqn, value: b, indirect_selection: cautious}
          - name: no_tests
            definition: {method: fqn, value: b, indirect_selection: empty}
          - name: reuse
            definition: {method: selector, value: with_union}
          - name: nested
            default: true
            definition:
              union:
                - {method: selector, value: with_intersection}
                - intersection: [{method: exposure, value: dash, parents: true}, {resource_type: model}]
                - exclude: [{method: fqn, value: a}]
    """,
}

SELECTORS = [
    "nightly",
    "one_key",
    "up",
    "down",
    "at",
    "with_union",
    "with_intersection",
    "method_exclude",
    "cautious",
    "no_tests",
    "reuse",
    "nested",
]


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Twins:
    return Twins(tmp_path_factory.mktemp("selectors"), FILES)


def _ls(twins: Twins, *args: str) -> tuple[list[str], list[str]]:
    theirs, ours = twins.dbt("-q", "ls", *args), twins.dagwright("ls", *args)
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    assert ours.returncode == 0, ours.stdout + ours.stderr
    return sorted(theirs.stdout.splitlines()), sorted(ours.stdout.splitlines())


@needs_dbt
@pytest.mark.parametrize("name", SELECTORS)
def test_selector_selects_what_dbt_selects(twins: Twins, name: str) -> None:
    theirs, ours = _ls(twins, "--resource-type", "all", "--selector", name)
    assert theirs, f"the oracle listed nothing for {name}"
    assert ours == theirs


@needs_dbt
def test_default_selector_applies_without_a_selection_only(twins: Twins) -> None:
    theirs, ours = _ls(twins)
    assert ours == theirs
    assert "proj.a" not in ours  # the default selector excludes it
    theirs, ours = _ls(twins, "-s", "a")
    assert ours == theirs
    assert "proj.a" in ours


@needs_dbt
def test_selector_wins_over_select_as_in_dbt(twins: Twins) -> None:
    theirs, ours = _ls(twins, "--selector", "nightly", "-s", "c")
    assert ours == theirs
    warned = twins.dagwright("ls", "--selector", "nightly", "-s", "c")
    assert "--select/--exclude are ignored" in warned.stderr


@needs_dbt
def test_build_with_a_selector_runs_the_same_nodes(twins: Twins) -> None:
    twins.both("run", "-s", "a b c d")
    twins.both("build", "--selector", "with_union")
    assert {u: r["status"] for u, r in twins.results("dagwright").items()} == {
        u: r["status"] for u, r in twins.results("dbt").items()
    }
    run = twins.dagwright("run")
    assert "Using default selector nested" in log_lines(run.stdout)


@needs_dbt
def test_ls_json_with_a_selector(twins: Twins) -> None:
    theirs, ours = _ls(twins, "--output", "json", "--output-keys", "unique_id resource_type", "--selector", "up")
    assert [json.loads(x) for x in ours] == [json.loads(x) for x in theirs]


BAD = [
    ("selectors:\n  - name: x\n    definition: [a, b]\n", "must be a string, a mapping", 3),
    ("selectors:\n  - name: x\n    definition: {method: tag}\n", "'method' and 'value' keys", 3),
    ("selectors:\n  - name: x\n    definition: {tagg: a}\n", "unknown selection method 'tagg'", 3),
    (
        "selectors:\n  - name: x\n    definition: {method: selector, value: y}\n  - name: y\n    definition: a\n",
        "refers to selector 'y', which is not defined above it",
        3,
    ),
    (
        "selectors:\n  - name: x\n    definition: {method: selector, value: x}\n",
        "refers to selector 'x', which is not defined above it",
        3,
    ),
    (
        "selectors:\n  - name: x\n    default: true\n    definition: a\n"
        "  - name: y\n    default: true\n    definition: a\n",
        "several selectors have 'default: true': x and y",
        6,
    ),
    ("selectors:\n  - name: x\n    foo: 1\n    definition: a\n", "unknown key 'foo'", 3),
    (
        "selectors:\n  - name: x\n    definition:\n      union: [a, {exclude: [b]}, {exclude: [c]}]\n",
        "more than one 'exclude'",
        4,
    ),
    ("selectors:\n  - name: x\n    definition: {method: fqn, value: a, children_depth: two}\n", "whole number", 3),
    ("selectors:\n  - name: x\n    definition: {method: fqn, value: a, indirect_selection: eagre}\n", "eager", 3),
]


@pytest.mark.parametrize(("text", "message", "line"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_selectors_file_is_a_clear_error(tmp_path: Path, text: str, message: str, line: int) -> None:
    twins = Twins(tmp_path, {"models/a.sql": "select 1 as id", "selectors.yml": text})
    done = twins.dagwright("ls")
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert f"selectors.yml:{line}:" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_selector_names_the_known_ones(tmp_path: Path) -> None:
    selectors = "selectors:\n  - {name: nightly, definition: a}"
    twins = Twins(tmp_path, {"models/a.sql": "select 1", "selectors.yml": selectors})
    done = twins.dagwright("run", "--selector", "nigthly")
    assert done.returncode == 2
    assert "there is no selector named 'nigthly'; selectors.yml defines: nightly" in done.stderr
    assert "did you mean" in done.stderr.lower()
    without = Twins(tmp_path / "none", {"models/a.sql": "select 1"}).dagwright("ls", "--selector", "x")
    assert without.returncode == 2
    assert "has no selectors.yml" in without.stderr


@needs_dbt
def test_manifest_selectors_are_dbts(twins: Twins) -> None:
    twins.both("parse")
    theirs = twins.artifact("dbt", "manifest.json")["selectors"]
    ours = twins.artifact("dagwright", "manifest.json")["selectors"]
    assert set(theirs) == set(SELECTORS)
    assert ours == theirs
