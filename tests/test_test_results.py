"""A data test's ``status``, ``failures`` and ``message`` in run_results.json, as dbt-core
writes them (issue 14, item 10): a passing test has 0 failures even when its query counted
rows that stayed under ``warn_if``/``error_if``; a warn or fail has the count; an error none."""

from __future__ import annotations

from pathlib import Path

from oracle import Twins, needs_dbt

pytestmark = needs_dbt

# ids 1..3; each test's failing-row count is in its comment
FILES = {
    "seeds/s.csv": "id\n1\n2\n3\n",
    "models/m.sql": "select * from {{ ref('s') }}",
    "models/schema.yml": """\
        version: 2
        models:
          - name: m
            columns:
              - name: id
                data_tests:
                  - unique                                   # 0: pass
                  - accepted_values:                         # 2 rows, under both thresholds: pass
                      name: under_thresholds
                      values: [1]
                      config: {warn_if: '>5', error_if: '>5'}
                  - accepted_values:                         # 2 rows: warn, not error
                      name: warn_not_error
                      values: [1]
                      config: {warn_if: '>1', error_if: '>2'}
                  - accepted_values:                         # 2 rows: fail
                      name: plain_fail
                      values: [1]
                  - accepted_values:                         # limit 1: 1 row, fails
                      name: limited_fail
                      values: [1]
                      config: {limit: 1}
                  - accepted_values:                         # severity warn: warn
                      name: severity_warn
                      values: [1]
                      config: {severity: warn}
                  - accepted_values:                         # severity warn, only error_if hit: pass
                      name: warn_severity_error_only
                      values: [1]
                      config: {severity: warn, warn_if: '>5', error_if: '>0'}
                  - not_null:                                # 0 rows, warn_if >= 0: warn with 0
                      name: warn_on_zero
                      config: {warn_if: '>=0'}
    """,
    "tests/singular_pass.sql": "select * from {{ ref('m') }} where id > 100",
    "tests/singular_fail.sql": "select * from {{ ref('m') }} where id > 1",
    "tests/singular_error.sql": "select nope from {{ ref('m') }}",
}


def test_status_failures_and_message_are_dbts(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    twins.both("seed")
    twins.both("run")
    twins.both("test", code=1)
    theirs, ours = twins.results("dbt"), twins.results("dagwright")
    assert set(theirs) == set(ours)
    for uid, want in theirs.items():
        got = ours[uid]
        assert (got["status"], got["failures"]) == (want["status"], want["failures"]), uid
        if want["status"] == "error":
            assert got["message"] and "nope" in got["message"], (uid, got["message"])
        else:
            assert got["message"] == want["message"], uid
    # the cases the test is about
    by_name = {uid.split(".")[2]: r for uid, r in ours.items()}
    assert (by_name["under_thresholds"]["status"], by_name["under_thresholds"]["failures"]) == ("pass", 0)
    assert (by_name["warn_on_zero"]["status"], by_name["warn_on_zero"]["failures"]) == ("warn", 0)
    assert (by_name["singular_error"]["status"], by_name["singular_error"]["failures"]) == ("error", None)
