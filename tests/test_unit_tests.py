"""Unit tests (``unit_tests:``, dbt 1.8+) beyond what tests/compat compares with dbt: bad
definitions are errors before anything runs, the parse cache keeps them, a fail-fast stop
after a failing one, compiled SQL, a build where one fails, and a project without unit
tests does not load what runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import Project, write_project

MODELS = {
    "seeds/raw.csv": "id,amount\n1,10\n2,20\n",
    "models/doubled.sql": "select id, amount * 2 as doubled from {{ ref('raw') }}",
    "models/after.sql": "select * from {{ ref('doubled') }}",
}


def _unit_yml(expect_doubled: int = 20, extra: str = "") -> str:
    return f"""\
version: 2
unit_tests:
  - name: doubles
    model: doubled
    given:
      - input: ref('raw')
        rows: [{{id: 1, amount: 10}}]
    expect:
      rows: [{{id: 1, doubled: {expect_doubled}}}]
{extra}"""


def _project(tmp_path: Path, yml: str, files: dict[str, str] | None = None) -> Project:
    return write_project(tmp_path, {**MODELS, "models/unit.yml": yml, **(files or {})})


def test_passing_unit_test_runs_before_its_model_in_build(tmp_path: Path) -> None:
    project = _project(tmp_path, _unit_yml())
    result = project.ok("build")
    assert "PASS doubled::doubles" in result.stdout, str(result)
    results = {r["unique_id"]: r for r in project.run_results()["results"]}
    unit = results["unit_test.proj.doubled.doubles"]
    assert (unit["status"], unit["failures"], unit["message"]) == ("pass", 0, None)
    assert "__dbt__cte__raw" in unit["compiled_code"]
    compiled = project.target / "compiled/proj/models/unit.yml/models/doubles.sql"
    assert compiled.read_text(encoding="utf-8") == unit["compiled_code"]
    order = [r["unique_id"] for r in project.run_results()["results"]]
    assert order.index("unit_test.proj.doubled.doubles") < order.index("model.proj.doubled")
    assert project.tables()[("main", "doubled")] == "VIEW"


def test_failing_unit_test_skips_its_model_and_descendants(tmp_path: Path) -> None:
    project = _project(tmp_path, _unit_yml(expect_doubled=21))
    result = project.run("build")
    assert result.code == 1, str(result)
    statuses = project.statuses()
    assert (statuses["doubles"], statuses["doubled"], statuses["after"]) == ("fail", "skipped", "skipped")
    assert ("main", "doubled") not in project.tables()
    message = {r["unique_id"]: r for r in project.run_results()["results"]}["unit_test.proj.doubled.doubles"]
    assert "differs from" in message["message"] and "21" in message["message"]
    # run builds models only: unit tests are not its business
    assert project.ok("run").code == 0
    assert "doubles" not in project.statuses()


def test_fail_fast_stops_after_a_failing_unit_test(tmp_path: Path) -> None:
    project = _project(tmp_path, _unit_yml(expect_doubled=21))
    project.ok("seed")
    result = project.run("build", "--fail-fast", "--threads", "1", "--exclude", "resource_type:seed")
    assert result.code == 1, str(result)
    statuses = project.statuses()
    assert statuses["doubles"] == "fail"
    assert statuses["doubled"] == "skipped" and statuses["after"] == "skipped"


def test_parse_cache_keeps_unit_tests(tmp_path: Path) -> None:
    project = _project(tmp_path, _unit_yml())
    project.ok("parse")
    first = project.manifest()["unit_tests"]
    project.ok("parse")  # from the cache
    assert project.manifest()["unit_tests"].keys() == first.keys() == {"unit_test.proj.doubled.doubles"}
    project.ok("seed")
    assert project.ok("test").stdout.count("PASS doubled::doubles") == 1


def test_bad_definitions_are_errors_before_anything_runs(tmp_path: Path) -> None:
    cases = {
        "unknown model": (_unit_yml().replace("model: doubled", "model: doubeld"), "did you mean 'doubled'"),
        "bad format": (_unit_yml().replace("rows: [{id: 1, doubled: 20}]", "format: xml\n      rows: []"), "xml"),
        "missing fixture": (
            _unit_yml().replace("rows: [{id: 1, doubled: 20}]", "format: csv\n      fixture: nowhere"),
            "File not found for fixture 'nowhere'",
        ),
        "bad input": (_unit_yml().replace("input: ref('raw')", "input: raw"), "must be ref("),
    }
    for name, (yml, expected) in cases.items():
        project = _project(tmp_path / name.replace(" ", "_"), yml)
        result = project.run("test")
        assert result.code == 2, f"{name}: {result}"
        assert expected in result.output and "models/unit.yml" in result.output, f"{name}: {result}"
        assert not project.db.exists() or ("main", "raw") not in project.tables(), name


def test_disabled_unit_test_is_not_run_or_listed(tmp_path: Path) -> None:
    yml = _unit_yml().replace("    model: doubled\n", "    model: doubled\n    config: {enabled: false}\n")
    project = _project(tmp_path, yml)
    assert project.ok("ls", "--resource-type", "unit_test").stdout.strip() == ""
    project.ok("parse")
    assert project.manifest()["unit_tests"] == {}


def test_project_without_unit_tests_does_not_load_them(tmp_path: Path) -> None:
    project = write_project(tmp_path, MODELS)
    code = (
        "import sys\nfrom dagwright.cli import entry\nsys.argv = ['dagwright', 'build']\n"
        "try:\n    entry()\nexcept SystemExit:\n    pass\nprint('daff loaded:', 'daff' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project.root, env=project.env, capture_output=True, text=True, check=False
    )
    assert "daff loaded: False" in done.stdout, done.stdout + done.stderr
    assert project.statuses() == {"raw": "success", "doubled": "success", "after": "success"}
