"""Exposures and saved queries in ``build`` (issue 18): listed as dbt-core 1.11 lists them, as
``no-op`` nodes after what they read. Their run_results.json entries, terminal lines and
structured log events are compared with dbt's own; a failed parent skips them, a stop leaves
them not started; ``run`` and ``test`` leave them out."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dagwright.execute.no_op import run_no_op
from dagwright.execute.results import Status
from dagwright.guard import Stop
from oracle import Twins, log_lines, needs_dbt
from stop_helpers import check_run_results_schema
from test_semantic_nodes import FILES

pytestmark = needs_dbt

EXPORTED = """\
      - name: exported
        query_params:
          metrics: [order_count]
        exports:
          - name: exp_tbl
            config: {export_as: table}
"""

PROJECT = {
    **FILES,
    "models/orders.sql": (
        "select 1 as order_id, 10.0 as amount, current_date as ordered_at"
        "{% if var('fail', false) %} from a_table_that_is_not_there{% endif %}"
    ),
    "models/marts/semantic.yml": FILES["models/marts/semantic.yml"] + EXPORTED,
    "models/marts/exposures.yml": """\
        version: 2
        exposures:
          - {name: dash, type: dashboard, owner: {name: me}, depends_on: ["ref('orders')"]}
          - {name: nb, type: notebook, owner: {name: me}, depends_on: ["ref('other')"]}
        models:
          - name: orders
            columns: [{name: order_id, data_tests: [not_null]}]
    """,
}

LISTED = (
    "exposure.proj.dash",
    "exposure.proj.nb",
    "saved_query.proj.daily_revenue",
    "saved_query.proj.exported",
)

#: the fields of a result that say the same thing in both tools (times and ids aside)
SAME = ("status", "message", "failures", "adapter_response", "compiled", "compiled_code", "relation_name")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Twins, Any, Any]:
    twins = Twins(tmp_path_factory.mktemp("no_op"), PROJECT)
    theirs, ours = twins.both("build")
    return twins, theirs, ours


def _entry(result: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {key: result[key] for key in fields} | {"timing": [t["name"] for t in result["timing"]]}


def test_run_results_entries_are_dbts(built: tuple[Twins, Any, Any]) -> None:
    twins = built[0]
    theirs, ours = twins.results("dbt"), twins.results("dagwright")
    for uid in LISTED:
        assert ours[uid]["status"] == "no-op", uid
        assert _entry(ours[uid], (*SAME, "thread_id", "batch_results")) == _entry(
            theirs[uid], (*SAME, "thread_id", "batch_results")
        ), uid
    assert set(ours) == set(theirs)
    check_run_results_schema(twins.artifact("dagwright", "run_results.json"))  # dbt's v6 schema has no-op


def test_terminal_lines_are_dbts(built: tuple[Twins, Any, Any]) -> None:
    _, theirs, ours = built
    for proc in (theirs, ours):
        lines = log_lines(proc.stdout)
        for description in ("exposure dash", "exposure nb", "saved query daily_revenue", "saved query exported"):
            line = next(x for x in lines if re.search(rf"\d+ of 9 NO-OP {description} \.", x))
            assert line.endswith("[NO-OP in 0.00s]"), line
            assert not any(f"START {description}" in x for x in lines)  # no START line, as in dbt
        assert "Done. PASS=5 WARN=0 ERROR=0 SKIP=0 NO-OP=4 TOTAL=9" in lines
        finished = next(x for x in lines if x.startswith("Finished running "))
        assert "2 exposures, " in finished and "2 saved queries, " in finished, finished


def test_structured_log_event_is_dbts(built: tuple[Twins, Any, Any]) -> None:
    twins = built[0]

    def events(proc: Any) -> dict[str, dict[str, Any]]:
        found = {}
        for line in proc.stdout.splitlines():
            event = json.loads(line)
            if event["info"]["name"] == "LogNodeNoOpResult":
                found[event["data"]["node_info"]["unique_id"]] = event
        return found

    theirs = events(twins.dbt("--log-format", "json", "build"))
    ours = events(twins.dagwright("--log-format", "json", "build"))
    assert sorted(ours) == sorted(theirs) == sorted(LISTED)
    times = ("node_started_at", "node_finished_at")
    for uid, dbts in theirs.items():
        mine = ours[uid]
        assert (mine["info"]["code"], mine["info"]["level"]) == (dbts["info"]["code"], dbts["info"]["level"])
        assert sorted(mine["data"]) == sorted(dbts["data"])
        for key in ("description", "status", "total"):
            assert mine["data"][key] == dbts["data"][key], key
        drop = lambda info: {k: v for k, v in info.items() if k not in times}  # noqa: E731
        assert drop(mine["data"]["node_info"]) == drop(dbts["data"]["node_info"])


def test_a_failed_parent_skips_them_as_in_dbt(tmp_path: Path) -> None:
    twins = Twins(tmp_path, PROJECT)
    theirs_proc, ours_proc = twins.both("build", "--vars", "{fail: true}", code=1)
    theirs, ours = twins.results("dbt"), twins.results("dagwright")
    assert {u: r["status"] for u, r in ours.items()} == {u: r["status"] for u, r in theirs.items()}
    for uid in ("exposure.proj.dash", "saved_query.proj.daily_revenue", "saved_query.proj.exported"):
        assert ours[uid]["status"] == "skipped"
        assert _entry(ours[uid], ("compiled", "compiled_code", "relation_name", "failures")) == _entry(
            theirs[uid], ("compiled", "compiled_code", "relation_name", "failures")
        )
    assert ours["exposure.proj.nb"]["status"] == "no-op"
    # dbt's skip line names a saved query by its resource type
    assert any(re.search(r"SKIP saved_query daily_revenue\b", x) for x in log_lines(ours_proc.stdout))
    assert any(re.search(r"SKIP saved_query daily_revenue\b", x) for x in log_lines(theirs_proc.stdout))
    # with --fail-fast the ones not started are skipped, never reported no-op after the stop
    twins.dagwright("build", "--fail-fast", "--vars", "{fail: true}")
    for uid in LISTED:
        result = twins.results("dagwright")[uid]
        assert result["status"] in ("skipped", "no-op"), uid
        if result["status"] == "skipped":
            assert result["timing"] == [], uid


@pytest.mark.parametrize("command", ["run", "test"])
def test_run_and_test_leave_them_out(built: tuple[Twins, Any, Any], command: str) -> None:
    twins = built[0]
    twins.both(command)
    assert not set(LISTED) & set(twins.results("dagwright"))
    assert not set(LISTED) & set(twins.results("dbt"))


def test_a_stopped_run_does_not_start_them() -> None:
    stop = Stop()
    assert run_no_op("exposure.proj.dash", "Thread-1 (worker)", stop).status == Status.NO_OP
    stop.trigger("fail-fast", "fail-fast after model.proj.orders failed")
    result = run_no_op("exposure.proj.dash", "Thread-1 (worker)", stop)
    assert (result.status, result.message) == (Status.SKIPPED, "not started: fail-fast after model.proj.orders failed")
    assert result.timing == ()
