"""dbt's log, as orchestrators read it: ``--log-format json`` in dbt's structured-log schema,
the logging flags (-q, --log-level, --no-write-json, --print...), logs/dbt.log, global options
before the command, and their variables and dbt_project.yml ``flags:`` (report/dbt_log.py,
report/log_output.py, report/log_settings.py). Each is compared with dbt-core 1.11 where it
prints something."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import write_project
from oracle import Twins, log_lines, needs_dbt

FILES = {
    "models/a.sql": "select 1 as id\n",
    "models/b.sql": "select id from {{ ref('a') }}\n",
    "models/bad.sql": "{{ config(materialized='table') }} select cast('x' as int) as id\n",
    "models/after_bad.sql": "select * from {{ ref('bad') }}\n",
    "seeds/s.csv": "id,name\n1,x\n",
    "snapshots/snap.sql": """\
        {% snapshot snap %}
        {{ config(target_schema='main', unique_key='id', strategy='check', check_cols='all') }}
        select * from {{ ref('s') }}
        {% endsnapshot %}
        """,
    "models/schema.yml": """\
        version: 2
        models:
          - name: a
            columns:
              - name: id
                data_tests: [unique, {accepted_values: {arguments: {values: [2]}}}]
        """,
}

INFO_KEYS = {"category", "code", "extra", "invocation_id", "level", "msg", "name", "pid", "thread", "ts"}
RESULT_EVENTS = {"LogModelResult", "LogSeedResult", "LogTestResult", "SkippingDetails", "LogSnapshotResult"}


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]  # every line is one JSON object


def by_node(evs: list[dict[str, Any]], name: str) -> dict[str, dict[str, Any]]:
    return {e["data"]["node_info"]["unique_id"]: e for e in evs if e["info"]["name"] == name}


def comparable(info: dict[str, Any]) -> dict[str, Any]:
    """node_info without the times of the run, its database (the DuckDB file) named by the tool."""
    out = {k: v for k, v in info.items() if k not in ("node_started_at", "node_finished_at")}
    return json.loads(json.dumps(out).replace("dagwright", "dbt"))


@needs_dbt
def test_json_log_is_dbts_structured_log(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES, threads=2)
    theirs, ours = twins.both("build", "--log-format", "json", "--log-level", "debug", code=1)
    dbt_events, our_events = events(theirs.stdout), events(ours.stdout)
    for event in our_events:
        assert set(event) == {"data", "info"} and set(event["info"]) == INFO_KEYS, event
        assert event["info"]["invocation_id"] == our_events[0]["info"]["invocation_id"]
    codes = {e["info"]["name"]: e["info"]["code"] for e in dbt_events}
    for event in our_events:  # every event dbt also emits has dbt's code
        name = event["info"]["name"]
        if name in codes:
            assert event["info"]["code"] == codes[name], name

    # each node: the same result event, level, status and node_info as dbt's
    for name in ("NodeFinished", *RESULT_EVENTS):
        mine, dbts = by_node(our_events, name), by_node(dbt_events, name)
        assert set(mine) == set(dbts), name
        for uid, want in dbts.items():
            got = mine[uid]
            assert got["info"]["level"] == want["info"]["level"], (name, uid)
            assert comparable(got["data"]["node_info"]) == comparable(want["data"]["node_info"]), (name, uid)
            assert set(got["data"]) == set(want["data"]), (name, uid)
            for key in ("status", "total", "num_failures", "attached_node", "node_name", "resource_type"):
                assert got["data"].get(key) == want["data"].get(key), (name, uid, key)
            # a finished node has a finish time, a skipped one none, as in dbt
            assert bool(got["data"]["node_info"]["node_finished_at"]) == bool(
                want["data"]["node_info"]["node_finished_at"]
            )
            if name == "NodeFinished":
                run_result, theirs_rr = got["data"]["run_result"], want["data"]["run_result"]
                assert set(run_result) == set(theirs_rr)
                assert run_result["status"] == theirs_rr["status"]
                assert run_result["num_failures"] == theirs_rr["num_failures"]
    started = by_node(our_events, "NodeStart")
    ran = {u for u, e in by_node(dbt_events, "NodeFinished").items() if e["data"]["run_result"]["timing_info"]}
    assert set(started) == ran
    for event in by_node(our_events, "LogStartLine").values():
        assert event["data"]["node_info"]["node_status"] == "started" and event["info"]["thread"].startswith("Thread-")

    # the summary: the same events and counts
    def one(evs: list[dict[str, Any]], name: str) -> dict[str, Any]:
        found = [e for e in evs if e["info"]["name"] == name]
        assert len(found) == 1, (name, found)
        return found[0]

    assert one(our_events, "StatsLine")["data"] == one(dbt_events, "StatsLine")["data"]
    assert one(our_events, "EndOfRunSummary")["data"] == one(dbt_events, "EndOfRunSummary")["data"]
    for name in ("RunResultFailure", "RunResultError"):
        assert sum(e["info"]["name"] == name for e in our_events) == sum(e["info"]["name"] == name for e in dbt_events)
    assert one(our_events, "FinishedRunningStats")["info"]["msg"].startswith("Finished running ")
    assert one(our_events, "ConcurrencyLine")["data"]["num_threads"] == 2
    completed = one(our_events, "CommandCompleted")
    assert completed["data"]["success"] is False and our_events[-1] is completed
    assert one(our_events, "MainReportVersion") is our_events[0]

    # at the default level, dbt's debug events are left out
    theirs, ours = twins.both("build", "--log-format", "json", code=1)
    assert {e["info"]["level"] for e in events(ours.stdout)} == {"info", "error"}
    assert {e["info"]["name"] for e in events(ours.stdout)} >= RESULT_EVENTS


BAD_AFTER_A_MOMENT = (
    "{{ config(materialized='table') }} select cast(count(*)::varchar || 'x' as int) "
    "from range(10000) a, range(10000) b\n"
)


def test_cancelled_node_is_an_error_with_dagwrights_status(tmp_path: Path) -> None:
    slow = "{{ config(materialized='table') }} select count(*) as n from range(100000) a, range(100000) b"
    slow += " where a.range * b.range = 7\n"
    project = write_project(
        tmp_path,
        # bad fails after a moment of work, so that slow has sent its query by then (a node
        # the stop reaches before its query is "not started", a skip, not a cancel)
        {"models/slow.sql": slow, "models/bad.sql": BAD_AFTER_A_MOMENT},
    )
    result = project.run("run", "--threads", "2", "--fail-fast", "--log-format", "json")
    assert result.code == 1, str(result)
    evs = events(result.stdout)
    slow_end = by_node(evs, "LogModelResult")["model.proj.slow"]
    assert slow_end["info"]["level"] == "error" and slow_end["data"]["status"] == "error"
    assert slow_end["data"]["node_info"]["node_status"] == "error"
    assert slow_end["info"]["extra"]["dagwright_status"] == "cancelled"
    assert slow_end["info"]["extra"]["dagwright_cause"]
    assert project.statuses()["slow"] == "error"  # as run_results.json has it


@needs_dbt
def test_quiet_shows_only_errors_as_dbt(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    theirs, ours = twins.both("-q", "build", code=1)

    def shown(stdout: str) -> list[str]:
        """The lines, without their times, node numbers and durations."""
        lines = [re.sub(r"^\d+ of \d+ ", "", x).split(" ....")[0] for x in log_lines(stdout) if x.strip()]
        return sorted(x for x in lines if not x.startswith(" "))  # detail lines differ (dbt's SQL)

    mine = shown(ours.stdout)
    assert mine == shown(theirs.stdout)
    assert not any("START" in line or "Done." in line or "Found " in line for line in mine), ours.stdout
    # and --log-level error is the same; none prints nothing
    assert shown(twins.dagwright("build", "--log-level", "error").stdout) == mine
    assert twins.dagwright("build", "--log-level", "none").stdout == ""


def test_log_file_appended_per_run(tmp_path: Path) -> None:
    project = write_project(tmp_path, FILES)
    project.run("build")
    first = (project.root / "logs" / "dbt.log").read_text(encoding="utf-8")
    stamp = r"^\x1b\[0m\d\d:\d\d:\d\d\.\d{6} "
    assert re.search(stamp + r"\[debug\] \[Thread-1 \(\]: Began running node model\.proj\.a$", first, re.M)
    assert re.search(stamp + r"\[error\] \[Thread-1 \(\]: \d of 8 ERROR creating", first, re.M)
    assert re.search(r"\[debug\] \[MainThread\]: Command `dagwright build` failed at", first)
    project.run("run", "-s", "a")
    both = (project.root / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert both.startswith(first)
    headers = re.findall(r"^={30} \d\d:\d\d:\d\d\.\d{6} \| ([0-9a-f-]{36}) ={30}$", both, re.M)
    assert len(set(headers)) == 2
    assert project.run_results()["metadata"]["invocation_id"] == headers[1]

    # elsewhere, as JSON, at a level, or none
    elsewhere = tmp_path / "elsewhere"
    project.run("run", "-s", "a", "--log-path", str(elsewhere), "--log-format-file", "json", "--log-level-file", "info")
    logged = [json.loads(line) for line in (elsewhere / "dbt.log").read_text(encoding="utf-8").splitlines()]
    assert {e["info"]["level"] for e in logged} == {"info"}
    project.env["DBT_LOG_PATH"] = str(tmp_path / "from_env")
    project.run("run", "-s", "a", "--log-level-file", "none")
    assert not (tmp_path / "from_env").exists()
    project.run("run", "-s", "a")
    assert (tmp_path / "from_env" / "dbt.log").exists()
    # dbt_project.yml's log-path (deprecated in dbt 1.11, still followed) when neither is given
    del project.env["DBT_LOG_PATH"]
    yml = project.root / "dbt_project.yml"
    yml.write_text(yml.read_text() + "log-path: project_logs\n")
    project.run("run", "-s", "a")
    assert (project.root / "project_logs" / "dbt.log").exists()

    # --log-format debug: every event on stdout as the file has it, under the run's banner
    shown = project.run("run", "-s", "a", "--log-format", "debug").stdout
    assert re.search(r"^={30} \d\d:\d\d:\d\d\.\d{6} \| [0-9a-f-]{36} ={30}$", shown, re.M)
    assert re.search(r"^\x1b\[0m\d\d:\d\d:\d\d\.\d{6} \[info \] \[Thread-1 \(\]: 1 of 1 OK created", shown, re.M)


def test_options_before_the_command_variables_and_project_flags(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"models/a.sql": "select 1 as id\n"})

    def is_json(result: Any) -> bool:
        return result.stdout.startswith("{") and all(line.startswith("{") for line in result.stdout.splitlines())

    assert is_json(project.ok("--log-format", "json", "run"))
    assert is_json(project.ok("--log-format", "text", "run", "--log-format", "json"))  # the command's wins
    project.env["DBT_LOG_FORMAT"] = "json"
    assert is_json(project.ok("run"))
    assert not is_json(project.ok("run", "--log-format", "text"))  # the command line over the variable
    del project.env["DBT_LOG_FORMAT"]
    (project.root / "dbt_project.yml").write_text(
        (project.root / "dbt_project.yml").read_text() + "flags:\n  log_format: json\n  write_json: false\n"
    )
    assert is_json(project.ok("run"))
    project.env["DBT_LOG_FORMAT"] = "text"
    assert not is_json(project.ok("run"))  # the variable over the project's flags
    # options dagwright does not apply to a command are refused, not dropped
    refused = project.run("--quiet", "timeline")
    assert refused.code == 2 and "--quiet before the command" in refused.stderr
    assert project.ok("--quiet", "ls").stdout.split() == ["proj.a"]  # ls follows them (test_dbt_log_commands.py)


@needs_dbt
def test_no_write_json_as_dbt(tmp_path: Path) -> None:
    twins = Twins(tmp_path, {"models/a.sql": "select 1 as id\n"})
    twins.both("run", "--no-write-json")
    for tool in ("dbt", "dagwright"):
        target = twins.roots[tool] / "target"
        assert not (target / "run_results.json").exists(), tool
        assert not (target / "manifest.json").exists(), tool
    project = write_project(tmp_path / "env", {"models/a.sql": "select 1 as id\n"})
    project.env["DBT_WRITE_JSON"] = "false"
    project.ok("run")
    assert not (project.target / "run_results.json").exists()
    project.env["DBT_WRITE_JSON"] = "true"
    project.ok("run")
    assert (project.target / "run_results.json").exists()


@needs_dbt
@pytest.mark.parametrize("args", [("-q",), ("--no-print",), ()])
def test_print_output_as_dbt(tmp_path: Path, args: tuple[str, ...]) -> None:
    twins = Twins(tmp_path, {"models/a.sql": "{{ print('hello from print') }}select 1 as id\n"})
    theirs, ours = twins.both(*args, "run")
    shown = "hello from print" in theirs.stdout
    assert shown == ("hello from print" in ours.stdout), (args, ours.stdout)
    assert shown == (args != ("--no-print",))


def test_printer_width(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"models/a.sql": "select 1 as id\n"})
    line = next(x for x in log_lines(project.ok("run", "--printer-width", "100").stdout) if " START " in x)
    assert len(line) == 100 + len(" [RUN]")


def test_an_error_before_the_run_is_a_json_event(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"models/a.sql": "select * from {{ ref('nope') }}\n"})
    result = project.run("run", "--log-format", "json")
    assert result.code == 2 and "ref('nope')" in result.stderr
    last = events(result.stdout)[-1]
    assert last["info"]["name"] == "MainEncounteredError" and last["info"]["code"] == "Z002"
    assert last["info"]["level"] == "error" and "ref('nope')" in last["data"]["exc"]
