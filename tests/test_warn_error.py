"""--warn-error / --warn-error-options: the policy (project/warn_error.py) and, end to end, the
warnings dagwright emits under it — what the compat cases warn_error and warn_error_flags do
not compare (messages, bad options, environment variables, exceptions.warn)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DEFAULT_PROJECT_YML, write_project
from dagwright.project.warn_error import (
    WarnErrorOptionsError,
    WarnErrorPolicy,
    parse_options,
    resolve_policy,
)

# -- the policy ---------------------------------------------------------------------------------


def test_names_win_over_deprecations_which_win_over_all() -> None:
    policy = parse_options("{error: all, warn: [LogTestResult], silence: [NothingToDo]}", "x")
    assert policy.errors("NoNodesForSelectionCriteria")
    assert not policy.errors("LogTestResult") and not policy.silenced("LogTestResult")
    assert not policy.errors("NothingToDo") and policy.silenced("NothingToDo")
    deprecations = parse_options({"error": ["Deprecations"], "warn": ["SomeDeprecation"]}, "x")
    assert deprecations.errors("OtherDeprecation", deprecation=True)
    assert not deprecations.errors("SomeDeprecation", deprecation=True)
    assert not deprecations.errors("LogTestResult")
    assert parse_options({"silence": ["Deprecations"]}, "x").silenced("AnyDeprecation", deprecation=True)


def test_include_and_exclude_are_the_older_names() -> None:
    assert parse_options("{include: all, exclude: [LogTestResult]}", "x") == parse_options(
        "{error: all, warn: [LogTestResult]}", "x"
    )
    assert parse_options("{include: '*'}", "x").error_all


@pytest.mark.parametrize(
    "options, message",
    [
        ("{error: some}", "'error' must be 'all', '*' or a list"),
        ("{error: [A], include: [B]}", "give 'error' or 'include'"),
        ("{warn: [LogTestResult]}", "needs error: all"),
        ("{errors: all}", "unknown key 'errors'"),
        ("[LogTestResult]", "must be a mapping"),
        ("{error: [LogTestResult", "not valid YAML"),
        ("{silence: LogTestResult}", "must be a list of event names"),
    ],
)
def test_bad_options_are_refused(options: str, message: str) -> None:
    with pytest.raises(WarnErrorOptionsError, match=message.replace("[", r"\[").replace("*", r"\*")):
        parse_options(options, "--warn-error-options")


def test_the_command_line_over_the_project_flags_and_never_both() -> None:
    flags = {"warn_error_options": {"error": ["LogTestResult"]}}
    assert resolve_policy(None, None, flags).errors("LogTestResult")
    assert not resolve_policy(None, "{error: [NothingToDo]}", flags).errors("LogTestResult")
    assert resolve_policy(None, None, {"warn_error": True}) == WarnErrorPolicy(warn_error=True)
    assert resolve_policy(False, None, {}) == WarnErrorPolicy()
    for warn_error, options, project in (
        (True, "{error: all}", {}),
        (False, None, flags),
        (None, "{}", {"warn_error": 1}),
    ):
        with pytest.raises(WarnErrorOptionsError, match="both set"):
            resolve_policy(warn_error, options, project)


def test_what_dagwright_cannot_apply_is_said() -> None:
    assert "deprecations" in (WarnErrorPolicy(warn_error=True).undetected() or "")
    assert parse_options("{error: [LogTestResult, NothingToDo]}", "x").undetected() is None
    said = parse_options("{error: [Deprecations, UnusedResourceConfigPath]}", "x").undetected() or ""
    assert "Deprecations, UnusedResourceConfigPath" in said


# -- end to end ---------------------------------------------------------------------------------

FILES = {
    "models/orders.sql": "select * from (values (1, 'a'), (3, 'x')) t(id, status)\n",
    "models/after.sql": "select * from {{ ref('orders') }}\n",
    "models/schema.yml": """\
        version: 2
        models:
          - name: orders
            columns:
              - name: status
                data_tests:
                  - accepted_values:
                      arguments:
                        values: ['a']
                      config:
                        severity: warn
                        warn_if: ">= 1"
        """,
}
TEST_ID = "test.proj.accepted_values_orders_status__a.6b7a8a6d59"


def _test_result(project) -> dict:
    return next(r for r in project.run_results()["results"] if r["unique_id"].startswith("test."))


def test_a_warning_test_fails_under_the_environment_variable(tmp_path: Path) -> None:
    project = write_project(tmp_path, FILES)
    project.env["DBT_WARN_ERROR"] = "true"
    result = project.run("build")
    assert result.code == 1, str(result)
    test = _test_result(project)
    assert (test["status"], test["failures"]) == ("fail", 1)
    assert test["message"] == "Got 1 result, configured to fail if >= 1"
    assert project.statuses()["after"] == "skipped"
    assert "--warn-error for dbt's warnings dagwright does not emit" in result.stdout
    assert project.run_results()["args"]["warn_error"] is True


def test_options_from_the_environment_and_warn_keeps_the_warning(tmp_path: Path) -> None:
    project = write_project(tmp_path, FILES)
    project.env["DBT_WARN_ERROR_OPTIONS"] = "{error: all, warn: [LogTestResult]}"
    result = project.run("build")
    assert result.code == 0, str(result)
    test = _test_result(project)
    assert (test["status"], test["message"]) == ("warn", "Got 1 result, configured to warn if >= 1")


def test_the_project_flag_and_a_bad_option(tmp_path: Path) -> None:
    project = write_project(
        tmp_path, {**FILES, "dbt_project.yml": DEFAULT_PROJECT_YML + "flags:\n  warn_error: true\n"}
    )
    assert project.run("build").code == 1
    assert _test_result(project)["status"] == "fail"
    bad = write_project(tmp_path / "bad", FILES)
    result = bad.run("build", "--warn-error-options", "{error: [LogTestResult], include: [NothingToDo]}")
    assert result.code == 2, str(result)
    assert "give 'error' or 'include'" in result.stderr and "Traceback" not in result.output
    assert not bad.db.exists(), "nothing may run"


def test_selection_warnings(tmp_path: Path) -> None:
    project = write_project(tmp_path, FILES)
    result = project.run("run", "-s", "nothing", "orders")
    assert result.code == 0, str(result)
    assert "The selection criterion 'nothing' does not match any enabled nodes" in result.stdout
    result = project.run(
        "ls", "--exclude", "tag:none", "--warn-error-options", "{error: [NoNodesForSelectionCriteria]}"
    )
    assert result.code == 2, str(result)
    assert "The selection criterion 'tag:none' does not match any enabled nodes" in result.stderr
    result = project.run("run", "-s", "nothing", "--warn-error-options", "{silence: [NoNodesForSelectionCriteria]}")
    assert result.code == 0 and "criterion" not in result.output, str(result)
    assert "Nothing to do" in result.stdout
    result = project.run("run", "-s", "nothing", "--warn-error-options", "{error: [NothingToDo]}")
    assert result.code == 2 and "Nothing to do" in result.stderr, str(result)
    result = project.run("ls", "-s", "nothing")
    assert result.code == 0 and "No nodes selected!" in result.stderr, str(result)
    result = project.run("ls", "-s", "nothing", "--warn-error-options", "{error: [NoNodesSelected]}")
    assert result.code == 2 and "No nodes selected!" in result.stderr, str(result)


def test_exceptions_warn_fails_the_node_under_warn_error(tmp_path: Path) -> None:
    files = {"models/warner.sql": "{% do exceptions.warn('odd data') %}\nselect 1 as x\n"}
    project = write_project(tmp_path, files)
    project.ok("run")
    result = project.run("run", "--warn-error-options", "{error: [JinjaLogWarning]}")
    assert result.code == 1, str(result)
    (status,) = project.statuses().values()
    assert status == "error"
    assert "odd data" in project.run_results()["results"][0]["message"]


def test_source_freshness_warnings_stay_warnings(tmp_path: Path) -> None:
    # as dbt: a source past warn_after is 'warn' and the command exits 0, --warn-error or not
    files = {
        "models/raw_events.sql": "{{ config(materialized='table') }}select timestamp '2020-01-01' as loaded_at\n",
        "models/sources.yml": """\
            version: 2
            sources:
              - name: raw
                schema: main
                tables:
                  - name: raw_events
                    loaded_at_field: loaded_at
                    freshness:
                      warn_after: {count: 1, period: day}
            """,
    }
    project = write_project(tmp_path, files)
    project.ok("run")
    result = project.run("source", "freshness", "--warn-error")
    assert result.code == 0, str(result)
    (source,) = json.loads((project.target / "sources.json").read_text())["results"]
    assert source["status"] == "warn"


def test_retry_with_warn_error_repeats_what_warned(tmp_path: Path) -> None:
    project = write_project(tmp_path, FILES)
    assert project.run("build").code == 0
    assert _test_result(project)["status"] == "warn"
    result = project.run("retry", "--warn-error")
    assert result.code == 1, str(result)
    (only,) = project.run_results()["results"]
    assert (only["status"], only["message"]) == ("fail", "Got 1 result, configured to fail if >= 1")
