"""Data tests: count the rows a test's query returns and judge them by its config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dagwright.guard import GuardedConnection
from dagwright.parse.nodes import Node


@dataclass(frozen=True)
class TestOutcome:
    status: str
    failures: int
    message: str | None
    adapter_response: dict[str, Any]


def limited(node: Node, sql: str) -> str:
    """A test's query under its ``limit`` config, if any."""
    limit = node.config.get("limit")
    return f"{sql}\n    limit {int(limit)}" if limit is not None else sql


def wrap_test_sql(node: Node, sql: str, limit: bool = True) -> str:
    """The query that turns a test's failing rows into (failures, should_warn, should_error);
    ``limit``: apply the test's ``limit`` (not to rows stored under it already)."""
    config = node.config
    fail_calc = config.get("fail_calc") or "count(*)"
    return (
        "select\n"
        f"    {fail_calc} as failures,\n"
        f"    {fail_calc} {config.get('warn_if') or '!= 0'} as should_warn,\n"
        f"    {fail_calc} {config.get('error_if') or '!= 0'} as should_error\n"
        "from (\n"
        f"{limited(node, sql) if limit else sql}\n"
        ") dbt_internal_test"
    )


def run_test(
    conn: GuardedConnection, node: Node, sql: str, limit: bool = True, warn_fails: bool = False
) -> TestOutcome:
    """``warn_fails``: a warning is a failure (--warn-error, or dbt's event LogTestResult in
    --warn-error-options' errors), reported against ``warn_if``, as dbt does."""
    with conn.main_statements():
        result = conn.execute(wrap_test_sql(node, sql, limit))
    row = result.rows[0] if result.rows else (0, False, False)
    failures = int(row[0] or 0)
    should_warn, should_error = bool(row[1]), bool(row[2])
    severity = str(node.config.get("severity") or "ERROR").upper()
    response = result.adapter_response()
    config = node.config
    if severity == "ERROR" and should_error:
        return TestOutcome(
            "fail", failures, f"Got {_results(failures)}, configured to fail if {config.get('error_if')}", response
        )
    if should_warn and warn_fails:
        return TestOutcome(
            "fail", failures, f"Got {_results(failures)}, configured to fail if {config.get('warn_if')}", response
        )
    if should_warn:
        return TestOutcome(
            "warn", failures, f"Got {_results(failures)}, configured to warn if {config.get('warn_if')}", response
        )
    # dbt records the failing rows only for a warn or a fail: a passing test has 0 failures,
    # whatever its query counted (a ``warn_if``/``error_if`` threshold it stayed under)
    return TestOutcome("pass", 0, None, response)


def _results(n: int) -> str:
    return f"{n} result" if n == 1 else f"{n} results"
