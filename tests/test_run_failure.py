"""A model that fails at run time: statuses, what the warehouse keeps, what the terminal says."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import EXAMPLE_MODELS, Project, copy_example

FAIL_BETA_A = ("run", "--threads", "2", "--vars", "{fail_model: model_beta_a}")


@pytest.fixture(scope="module")
def failed_on_empty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Any]:
    """Seeds only, then a run in which model_beta_a fails."""
    project = copy_example(tmp_path_factory.mktemp("empty"))
    project.ok("seed")
    return project, project.run(*FAIL_BETA_A)


@pytest.fixture(scope="module")
def failed_on_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Any, str]:
    """A successful run, then a run in which model_beta_a fails; also the first run's id."""
    project = copy_example(tmp_path_factory.mktemp("built"))
    project.ok("seed")
    project.ok("run", "--threads", "2")
    first_id = project.run_results()["metadata"]["invocation_id"]
    return project, project.run(*FAIL_BETA_A), first_id


EXPECTED = {
    "stg_orders": "success",
    "model_alpha": "success",
    "model_beta_a": "error",
    "model_beta_b": "success",
    "model_gamma_a": "skipped",
    "model_gamma_b": "success",
}


@pytest.mark.parametrize("which", ["failed_on_empty", "failed_on_built"])
def test_exit_code_and_statuses(which: str, request: pytest.FixtureRequest) -> None:
    project, result, *_ = request.getfixturevalue(which)
    assert result.code == 1, str(result)
    assert "Traceback" not in result.output
    assert project.statuses() == EXPECTED
    by_name = {r["unique_id"].split(".")[-1]: r for r in project.run_results()["results"]}
    assert "model_beta_a" in by_name["model_gamma_a"]["message"]
    assert "Could not convert string" in by_name["model_beta_a"]["message"]


def test_failed_and_skipped_tables_absent_on_empty_warehouse(failed_on_empty: tuple[Project, Any]) -> None:
    project, _ = failed_on_empty
    tables = project.tables()
    assert ("main", "model_beta_a") not in tables
    assert ("main", "model_gamma_a") not in tables
    for name in ("stg_orders", "model_alpha", "model_beta_b", "model_gamma_b"):
        schema, kind = EXAMPLE_MODELS[name]
        assert tables.get((schema, name)) == kind, name
    _assert_no_leftovers(project)


def test_previous_tables_survive_a_failure(failed_on_built: tuple[Project, Any, str]) -> None:
    project, _, first_id = failed_on_built
    second_id = project.run_results()["metadata"]["invocation_id"]
    assert second_id != first_id

    def ids(name: str) -> list[tuple[str]]:
        schema = EXAMPLE_MODELS[name][0]
        return project.query(f'select distinct invocation_id from "{schema}"."{name}"')

    # the failed model and its skipped child keep the previous run's rows
    assert ids("model_beta_a") == [(first_id,)]
    assert ids("model_gamma_a") == [(first_id,)]
    (count,) = project.query('select count(*) from "main"."model_beta_a"')[0]
    assert count == 12
    # the others were rebuilt by the failing run
    for name in ("stg_orders", "model_alpha", "model_beta_b", "model_gamma_b"):
        assert ids(name) == [(second_id,)], name
    _assert_no_leftovers(project)


def _assert_no_leftovers(project: Project) -> None:
    leftovers = project.query(
        "select table_catalog, table_schema, table_name from information_schema.tables "
        "where table_name like '%__dbt_tmp%' or table_name like '%__dbt_backup%'"
    )
    assert leftovers == []


@pytest.mark.parametrize("which", ["failed_on_empty", "failed_on_built"])
def test_terminal_output(which: str, request: pytest.FixtureRequest) -> None:
    project, result, *_ = request.getfixturevalue(which)
    out = result.stdout
    assert re.search(r"ERROR creating .*model_beta_a", out), out
    assert re.search(r"SKIP .*model_gamma_a", out), out
    assert "Done. PASS=4 WARN=0 ERROR=1 SKIP=1" in out
    # the error is repeated at the end, after the per-node lines
    summary = out[out.index("Completed with 1 error") :]
    assert "model_beta_a" in summary
    assert "models/dag/model_beta_a.sql" in summary
    assert "Could not convert string" in summary
    compiled = "target/compiled/article/models/dag/model_beta_a.sql"
    assert f"compiled code at {compiled}" in summary
    assert summary.index("Could not convert string") < summary.index("Done. PASS=4")
    # and the compiled file is there, with the failing expression in it
    assert "cast(concat('x'" in (project.root / compiled).read_text(encoding="utf-8")
