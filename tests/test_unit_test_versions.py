"""Unit tests of versioned models and the ``unit_tests:`` config of dbt_project.yml, against
dbt-core itself: the manifest's unit tests (one per tested version, its unique_id, version,
versions, fqn, config; a disabled one left out), what ``build`` prints, and the definitions
both tools refuse. tests/compat/projects/unit_tests_versions compares tables and statuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from oracle import PROJECT_YML, Twins, log_lines, needs_dbt

pytestmark = needs_dbt

ROWS = """\
    given:
      - input: ref('raw')
        rows: [{id: 1, name: a}]
    expect:
      rows: [{id: 1, name: a}]
"""

FILES = {
    "dbt_project.yml": PROJECT_YML
    + "unit_tests:\n  proj:\n    +tags: [everywhere]\n    +meta: {owner: data}\n"
    + "    switched:\n      +enabled: false\n    dim:\n      all_versions:\n        +tags: one\n",
    "seeds/raw.csv": "id,name\n1,a\n",
    "models/dim_v1.sql": "select id, name from {{ ref('raw') }}",
    "models/dim_v2.sql": "select id, name, 1 as extra from {{ ref('raw') }}",
    "models/plain.sql": "select id, name from {{ ref('dim', v=1) }}",
    "models/schema.yml": "version: 2\n"
    + "models:\n  - name: dim\n    latest_version: 1\n    versions: [{v: 1}, {v: 2}]\n"
    + "unit_tests:\n  - name: all_versions\n    model: dim\n"
    + ROWS
    + "  - name: first_only\n    model: dim\n    versions: {include: [1]}\n    config: {meta: {level: unit}}\n"
    + ROWS
    + "  - name: of_plain\n    model: plain\n    config: {tags: own}\n"
    + ROWS.replace("ref('raw')", "ref('dim', v=1)"),
    "models/switched/off.yml": "version: 2\nunit_tests:\n  - name: switched_off\n    model: plain\n" + ROWS,
}

KEYS = ("name", "model", "fqn", "config", "depends_on", "version", "versions", "path", "original_file_path")


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Twins:
    twins = Twins(tmp_path_factory.mktemp("unit_versions"), FILES)
    twins.both("parse")
    return twins


def _unit_tests(twins: Twins, tool: str) -> dict[str, dict[str, object]]:
    tests = twins.artifact(tool, "manifest.json")["unit_tests"]
    return {uid: {k: test.get(k) for k in KEYS} for uid, test in tests.items()}


def test_manifest_unit_tests_are_dbts(twins: Twins) -> None:
    ours, theirs = _unit_tests(twins, "dagwright"), _unit_tests(twins, "dbt")
    assert (
        sorted(ours)
        == sorted(theirs)
        == [
            "unit_test.proj.dim.all_versions_v1",
            "unit_test.proj.dim.all_versions_v2",
            "unit_test.proj.dim.first_only_v1",
            "unit_test.proj.plain.of_plain",
        ]
    )
    for uid in theirs:
        for key in KEYS:
            want, got = theirs[uid][key], ours[uid][key]
            if key == "config":
                assert isinstance(want, dict) and isinstance(got, dict)
                want = {k: want[k] for k in ("enabled", "tags", "meta")}
                got = {k: got.get(k) for k in ("enabled", "tags", "meta")}
            assert got == want, f"{uid} {key}: dagwright {got!r}, dbt {want!r}"


def test_build_lines_name_each_version(twins: Twins) -> None:
    theirs, ours = twins.both("build")
    for name in ("dim::all_versions_v1", "dim::all_versions_v2", "dim::first_only_v1"):
        assert any(f"PASS {name} " in line for line in log_lines(theirs.stdout)), theirs.stdout
        assert any(f"PASS {name} " in line for line in log_lines(ours.stdout)), ours.stdout
    compiled = Path("target/compiled/proj/models/schema.yml/models/all_versions_v2.sql")
    for tool in ("dbt", "dagwright"):
        assert (twins.roots[tool] / compiled).is_file(), tool
    assert twins.results("dagwright").keys() == twins.results("dbt").keys()


@pytest.mark.parametrize(
    ("versions", "model", "message"),
    [
        ("{include: [1]}", "plain", "should not have a versions include or exclude"),
        ("{include: [7]}", "dim", "referenced a version of 'dim' which was not found"),
        ("{exclude: [1, 2]}", "dim", "referenced a version of 'dim' which was not found"),
    ],
)
def test_versions_that_select_nothing_are_errors_in_both(
    tmp_path: Path, versions: str, model: str, message: str
) -> None:
    files = dict(FILES)
    files["models/schema.yml"] = (
        "version: 2\nmodels:\n  - name: dim\n    latest_version: 1\n    versions: [{v: 1}, {v: 2}]\n"
        f"unit_tests:\n  - name: bad\n    model: {model}\n    versions: {versions}\n" + ROWS
    )
    twins = Twins(tmp_path, files)
    theirs, ours = twins.both("parse", code=None)
    assert theirs.returncode == 2 and ours.returncode == 2
    assert message in theirs.stdout, theirs.stdout
    assert message in ours.stderr, ours.stderr
    assert "models/schema.yml" in ours.stderr


def test_ls_lists_each_version_as_dbt(twins: Twins) -> None:
    for output in ("selector", "name"):
        theirs, ours = twins.both("ls", "--resource-type", "unit_test", "--output", output)
        # dbt's log lines (Running with, Found ...) have spaces; listed names have none
        listed = [sorted(x for x in log_lines(out.stdout) if x and " " not in x) for out in (theirs, ours)]
        assert listed[0] == listed[1] and len(listed[0]) == 4, (theirs.stdout, ours.stdout)


def test_a_disabled_unit_test_of_no_model_is_left_alone_in_both(tmp_path: Path) -> None:
    files = dict(FILES)
    files["models/switched/off.yml"] = files["models/switched/off.yml"].replace("model: plain", "model: nowhere")
    twins = Twins(tmp_path, files)
    twins.both("parse")
    assert not any("switched_off" in uid for uid in twins.artifact("dagwright", "manifest.json")["unit_tests"])
