"""Model versions: what dagwright does with bad ``versions:`` input, and what it says.

What a valid versioned project builds, lists and writes is compared against dbt-core itself
(tests/compat: the ``model_versions*`` cases and tests/compat/test_model_versions.py); these
tests cover the errors and warnings, with dbt's exit codes where dbt has one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Project, write_project

SCHEMA = """\
version: 2
models:
  - name: dim
    latest_version: 2
    versions:
      - v: 1
      - v: 2
      - v: 3
"""
FILES = {
    "models/dim_v1.sql": "select 1 as id",
    "models/dim_v2.sql": "select 2 as id",
    "models/dim_v3.sql": "select 3 as id",
    "models/schema.yml": SCHEMA,
}


def _project(tmp_path: Path, files: dict[str, str]) -> Project:
    return write_project(tmp_path, {**FILES, **files})


def test_a_ref_to_a_missing_version_stops_before_anything_runs(tmp_path: Path) -> None:
    project = _project(tmp_path, {"models/uses.sql": "select * from {{ ref('dim', v=7) }}"})
    result = project.run("run")
    assert result.code == 2, result.output
    assert "models/uses.sql" in result.output
    assert "model.proj.uses" in result.output
    assert "there is no version '7' of 'dim'" in result.output
    assert "its versions are: 1, 2, 3" in result.output
    assert not project.db.exists() or not project.tables()


def test_a_ref_to_a_disabled_version_says_so(tmp_path: Path) -> None:
    schema = SCHEMA.replace("      - v: 1\n", "      - v: 1\n        config: {enabled: false}\n")
    project = _project(
        tmp_path, {"models/schema.yml": schema, "models/uses.sql": "select * from {{ ref('dim', v=1) }}"}
    )
    result = project.run("parse")
    assert result.code == 2, result.output
    assert "ref('dim', v=1) names a disabled version (models/dim_v1.sql)" in result.output
    (project.root / "models" / "uses.sql").unlink()
    assert project.ok("ls", "--resource-type", "model").stdout.split() == [
        "proj.dim.v2",
        "proj.dim.v3",
    ]


def test_a_version_of_an_unversioned_model_is_an_error(tmp_path: Path) -> None:
    project = _project(
        tmp_path, {"models/plain.sql": "select 1", "models/uses.sql": "select * from {{ ref('plain', v=1) }}"}
    )
    result = project.run("parse")
    assert result.code == 2, result.output
    assert "'plain' is not a versioned model" in result.output


def test_a_defined_in_naming_no_file_leaves_the_version_out_with_a_warning(tmp_path: Path) -> None:
    schema = SCHEMA.replace("      - v: 1\n", "      - v: 1\n        defined_in: dim_old\n")
    project = _project(tmp_path, {"models/schema.yml": schema})
    result = project.ok("ls", "--resource-type", "model")
    # as dbt: a warning naming the file and what was looked for; the other versions are there
    assert "models/schema.yml" in result.stderr and "'dim_old'" in result.stderr, result.output
    assert "version 1 of model 'dim' is left out" in result.stderr
    # dim_v1.sql is then a model of its own, as in dbt
    assert sorted(result.stdout.split()) == ["proj.dim.v2", "proj.dim.v3", "proj.dim_v1"]
    # dim_v1.sql, claimed by no version, is a model named like the versioned one: dbt refuses it
    (project.root / "models" / "dim_v1.sql").rename(project.root / "models" / "dim.sql")
    result = project.run("parse")
    assert result.code == 2, result.output
    assert "versioned and unversioned models are both named 'dim'" in result.output
    assert "models/dim.sql" in result.output


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (SCHEMA.replace("latest_version: 2", "latest_version: 5"), "latest_version: 5 is not one of model 'dim'"),
        (SCHEMA.replace("      - v: 3\n", "      - v: 2\n"), "duplicate version: '2'"),
        (
            SCHEMA.replace(
                "      - v: 3\n",
                "      - v: 3\n        columns:\n          - include: [id]\n            exclude: [x]\n",
            ),
            "exclude of version 3 of model 'dim' can only be given when include is 'all' or '*'",
        ),
        (
            SCHEMA.replace("      - v: 3\n", "      - v: 3\n        columns:\n          - include: some\n"),
            "include of version 3 of model 'dim' must be one of 'all', '*'",
        ),
        (
            SCHEMA.replace("      - v: 3\n", "      - v: 3\n        deprecation_date: soon\n"),
            "deprecation_date of version 3 of model 'dim' is not a date",
        ),
        (
            SCHEMA.replace("      - v: 3\n", "      - defined_in: dim_v3\n"),
            "each entry of 'versions' of model 'dim' needs a 'v'",
        ),
    ],
    ids=["latest-not-a-version", "duplicate", "exclude-without-all", "bad-include", "bad-date", "no-v"],
)
def test_bad_versions_yaml_is_a_clear_error(tmp_path: Path, schema: str, message: str) -> None:
    project = _project(tmp_path, {"models/schema.yml": schema})
    result = project.run("parse")
    assert result.code == 2, result.output
    assert message in result.output
    assert "models/schema.yml" in result.output
    assert "Traceback" not in result.output


def test_a_bad_version_selector_is_a_clear_error(tmp_path: Path) -> None:
    project = write_project(tmp_path, FILES)
    result = project.run("ls", "--select", "version:latests")
    assert result.code == 2, result.output
    assert "invalid version selector 'latests'" in result.output
    assert "latest" in result.output


def test_deprecation_warnings_on_every_parse(tmp_path: Path) -> None:
    date = '"2020-01-01T00:00:00+00:00"'  # with its time zone: the machine's is not known
    schema = SCHEMA.replace("      - v: 1\n", f"      - v: 1\n        deprecation_date: {date}\n")
    project = _project(
        tmp_path, {"models/schema.yml": schema, "models/uses.sql": "select * from {{ ref('dim', v=1) }}"}
    )
    for _ in range(2):  # a fresh parse, then one from the parse cache
        result = project.ok("parse")
        assert "Model dim.v1 has passed its deprecation date of 2020-01-01T00:00:00+00:00" in result.stderr
        assert "Found a reference to dim.v1, which was deprecated on '2020-01-01T00:00:00+00:00'" in result.stderr
        assert result.stderr.count("has passed its deprecation date") == 1  # once per parse
    assert (project.target / "dagwright_parse.msgpack").exists()
    node = project.manifest()["nodes"]["model.proj.dim.v1"]
    assert (node["version"], node["latest_version"], node["deprecation_date"]) == (1, 2, "2020-01-01T00:00:00+00:00")
