"""`dagwright source freshness` on a real DuckDB file, and tests on sources in test/build.

The loaded tables are built by a model (`dagwright run`) with timestamps relative to now(),
so the statuses do not depend on the day: `loaded_at` 10 minutes, 2 days, 3 days and 4 days
ago; warn after 1 hour, error after 1 day. What dbt-core does with the same settings was
checked with the oracle (tests/compat/test_source_freshness.py compares the two directly).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import Project
from dagwright.errors import ProjectError
from dagwright.parse.freshness import freshness_status, has_freshness, resolve_source_freshness

EVENTS_SQL = """\
{{ config(materialized='table') }}
select 1 as id, 'a' as kind, now() - interval 10 minute as loaded_at,
       (now() - interval 3 hour)::timestamp as loaded_naive, 'x' as label, current_date as day
union all select 2, 'b', now() - interval 2 day, (now() - interval 2 day)::timestamp, 'y', current_date
union all select 3, 'b', now() - interval 3 day, (now() - interval 3 day)::timestamp, 'z', current_date
"""

SOURCES_YML = """\
version: 2
sources:
  - name: raw
    schema: main
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 1, period: hour}
      error_after: {count: 1, period: day}
    tables:
      - name: fresh
        identifier: events
        freshness:
          filter: "kind = 'a'"
      - name: stale
        identifier: events
        freshness:
          filter: "kind = 'b'"
      - name: warned
        identifier: events
        loaded_at_field: loaded_naive
        freshness:
          filter: "kind = 'a'"
      - name: empty
        identifier: events
        freshness:
          filter: "1 = 0"
      - name: warn_only
        identifier: events
        config:
          freshness:
            warn_after: {count: 5, period: minute}
            error_after: null
      - name: missing
        identifier: no_such_table
      - name: not_a_timestamp
        identifier: events
        loaded_at_field: label
      - name: switched_off
        identifier: events
        freshness: null
  - name: plain
    schema: main
    tables:
      - name: no_threshold
        identifier: events
        loaded_at_field: loaded_at
      - name: no_field
        identifier: events
        freshness:
          warn_after: {count: 1, period: hour}
"""

#: source.table -> the outcome word of its terminal line
EXPECTED_LINES = {
    "raw.fresh": "PASS",
    "raw.stale": "ERROR STALE",
    "raw.warned": "WARN",
    "raw.empty": "ERROR STALE",
    "raw.warn_only": "WARN",
    "raw.missing": "ERROR",
    "raw.not_a_timestamp": "ERROR",
    "plain.no_field": "ERROR",
}
#: what sources.json holds: only the checks that measured a freshness (as dbt writes it)
EXPECTED_FILE = {
    "source.proj.raw.fresh": "pass",
    "source.proj.raw.stale": "error",
    "source.proj.raw.warned": "warn",
    "source.proj.raw.empty": "error",
    "source.proj.raw.warn_only": "warn",
}
OUTCOME = re.compile(r"(\d+) of (\d+) (PASS|WARN|ERROR STALE|ERROR|CANCELLED|SKIP) freshness of (\S+)")
RESULT_KEYS = {
    "unique_id",
    "max_loaded_at",
    "snapshotted_at",
    "max_loaded_at_time_ago_in_s",
    "status",
    "criteria",
    "adapter_response",
    "timing",
    "thread_id",
    "execution_time",
}


def outcomes(stdout: str) -> dict[str, str]:
    return {m.group(4): m.group(3) for m in OUTCOME.finditer(stdout)}


def sources_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def statuses(data: dict[str, Any]) -> dict[str, str]:
    return {r["unique_id"]: r["status"] for r in data["results"]}


@pytest.fixture
def loaded(make_project) -> Project:
    project = make_project({"models/events.sql": EVENTS_SQL, "models/sources.yml": SOURCES_YML})
    project.ok("run")
    return project


def test_statuses_terminal_and_sources_json(loaded: Project) -> None:
    run_results = (loaded.target / "run_results.json").read_bytes()
    result = loaded.run("source", "freshness", "--threads", "2")
    assert result.code == 1, str(result)  # stale sources and runtime errors fail the command
    out = result.stdout
    assert outcomes(out) == EXPECTED_LINES, out
    assert len(re.findall(r"START freshness of ", out)) == len(EXPECTED_LINES)
    assert all(m.group(2) == str(len(EXPECTED_LINES)) for m in OUTCOME.finditer(out))
    assert "Finished running 8 sources in " in out
    assert "Failure in source stale (models/sources.yml)\n" in out and "  Status: error" in out
    assert "Runtime Error in source missing (models/sources.yml)" in out
    assert "no_such_table" in out
    assert (
        "Database Error in source not_a_timestamp (models/sources.yml)\n  Expected a timestamp value when "
        "querying field 'last_modified' of table None but received value of type 'str' instead"
    ) in out
    assert (
        "Could not compute freshness for source no_field: no 'loaded_at_field' provided and duckdb "
        "adapter does not support metadata-based freshness checks."
    ) in out
    assert out.rstrip().endswith("Done.")
    assert "raw.switched_off" not in outcomes(out) and "plain.no_threshold" not in outcomes(out)

    data = sources_json(loaded.target / "sources.json")
    assert set(data) == {"metadata", "results", "elapsed_time"}
    assert data["metadata"]["dbt_schema_version"] == "https://schemas.getdbt.com/dbt/sources/v3.json"
    assert statuses(data) == EXPECTED_FILE
    by_uid = {r["unique_id"]: r for r in data["results"]}
    for uid, entry in by_uid.items():
        assert set(entry) == RESULT_KEYS, uid
        assert entry["max_loaded_at"].endswith("+00:00") and entry["snapshotted_at"].endswith("+00:00")
        assert [t["name"] for t in entry["timing"]] == ["compile", "execute"]
        assert entry["adapter_response"] == {"_message": "OK"}
        assert entry["thread_id"] in ("Thread-1 (worker)", "Thread-2 (worker)")
    fresh = by_uid["source.proj.raw.fresh"]
    assert 540 < fresh["max_loaded_at_time_ago_in_s"] < 3600
    assert fresh["criteria"] == {
        "warn_after": {"count": 1, "period": "hour"},
        "error_after": {"count": 1, "period": "day"},
        "filter": "kind = 'a'",
    }
    assert by_uid["source.proj.raw.stale"]["max_loaded_at_time_ago_in_s"] > 2 * 86400 - 60
    assert by_uid["source.proj.raw.warned"]["criteria"]["filter"] == "kind = 'a'"
    assert by_uid["source.proj.raw.empty"]["max_loaded_at"] == "0001-01-01T00:00:00+00:00"
    assert by_uid["source.proj.raw.warn_only"]["criteria"] == {
        "warn_after": {"count": 5, "period": "minute"},
        "error_after": None,
        "filter": None,
    }
    # dbt leaves run_results.json as the previous command wrote it
    assert (loaded.target / "run_results.json").read_bytes() == run_results
    sources = loaded.manifest()["sources"]
    assert sources["source.proj.raw.switched_off"]["freshness"] is None
    assert sources["source.proj.raw.warned"]["loaded_at_field"] == "loaded_naive"


def test_selection_output_and_exit_code(loaded: Project, tmp_path: Path) -> None:
    result = loaded.run("source", "freshness", "-s", "source:raw.warned source:raw.fresh", "--output", "out/f.json")
    assert result.code == 0, str(result)  # warn does not fail the command
    assert outcomes(result.stdout) == {"raw.fresh": "PASS", "raw.warned": "WARN"}
    assert "1 of 2 START freshness of raw.fresh" in result.stdout
    data = sources_json(loaded.root / "out" / "f.json")
    assert statuses(data) == {"source.proj.raw.fresh": "pass", "source.proj.raw.warned": "warn"}
    assert not (loaded.target / "sources.json").exists()

    # only a runtime error: exit 1, and a sources.json without results
    result = loaded.run("source", "freshness", "-s", "source:raw.missing")
    assert result.code == 1, str(result)
    assert outcomes(result.stdout) == {"raw.missing": "ERROR"}
    assert sources_json(loaded.target / "sources.json")["results"] == []


def test_nothing_to_do(loaded: Project) -> None:
    result = loaded.run("source", "freshness", "-s", "source:plain.no_threshold")
    assert result.code == 0, str(result)
    assert "Nothing to do." in result.stdout
    assert sources_json(loaded.target / "sources.json")["results"] == []


def test_loaded_at_query_and_project_freshness(make_project) -> None:
    project = make_project(
        {
            "dbt_project.yml": """\
                name: proj
                version: "1.0.0"
                config-version: 2
                profile: proj
                sources:
                  proj:
                    +freshness:
                      warn_after: {count: 5, period: minute}
                """,
            "models/events.sql": EVENTS_SQL,
            "models/sources.yml": """\
                version: 2
                sources:
                  - name: q
                    schema: main
                    tables:
                      - name: by_query
                        identifier: events
                        config:
                          loaded_at_query: "select max(loaded_at) from {{ this }} where kind = 'b'"
                          freshness:
                            error_after: {count: 1, period: day}
                      - name: from_project
                        identifier: events
                        loaded_at_field: loaded_at
                """,
        }
    )
    project.ok("run")
    result = project.run("source", "freshness")
    assert result.code == 1, str(result)
    assert outcomes(result.stdout) == {"q.by_query": "ERROR STALE", "q.from_project": "WARN"}
    data = {r["unique_id"]: r for r in sources_json(project.target / "sources.json")["results"]}
    assert data["source.proj.q.from_project"]["criteria"]["warn_after"] == {"count": 5, "period": "minute"}
    assert data["source.proj.q.by_query"]["criteria"]["warn_after"] == {"count": None, "period": None}


def test_invalid_period_is_a_project_error(make_project) -> None:
    project = make_project(
        {
            "models/sources.yml": """\
                version: 2
                sources:
                  - name: raw
                    freshness:
                      warn_after: {count: 1, period: week}
                    tables: [{name: t}]
                """,
        }
    )
    result = project.run("source", "freshness")
    assert result.code == 2, str(result)
    assert "period" in result.stderr and "week" in result.stderr


def test_sigint_cancels_the_running_check(make_project, tmp_path: Path) -> None:
    slow = "(select sum((i * j) % 7) from range(60000) a(i), range(60000) b(j)) >= 0"
    project = make_project(
        {
            "models/events.sql": EVENTS_SQL,
            "models/sources.yml": f"""\
                version: 2
                sources:
                  - name: raw
                    schema: main
                    loaded_at_field: loaded_at
                    freshness:
                      warn_after: {{count: 1, period: hour}}
                    tables:
                      - name: a_fast
                        identifier: events
                      - name: b_slow
                        identifier: events
                        freshness:
                          filter: "{slow}"
                      - name: c_later
                        identifier: events
                """,
        }
    )
    project.ok("run")
    cmd = [sys.executable, "-m", "dagwright.cli", "source", "freshness", "--threads", "1"]
    proc = subprocess.Popen(
        cmd, cwd=project.root, env=project.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        lines.append(line)
        if "START freshness of raw.b_slow" in line or time.monotonic() > deadline:
            break
    time.sleep(0.5)  # the slow query is running
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        rest, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("dagwright did not exit within 15 s of SIGINT:\n" + "".join(lines))
    took = time.monotonic() - sent
    out = "".join(lines) + rest
    assert proc.returncode == 130, out + err
    assert took < 5, f"exited {took:.1f}s after SIGINT"
    assert outcomes(out) == {"raw.a_fast": "PASS", "raw.b_slow": "CANCELLED", "raw.c_later": "SKIP"}, out
    assert "Run stopped: interrupted by SIGINT (Ctrl-C)" in out
    data = sources_json(project.target / "sources.json")
    assert statuses(data) == {"source.proj.raw.a_fast": "pass"}
    assert data["metadata"]["stop"]["kind"] == "SIGINT"


def test_source_tests_are_named_and_gate_as_in_dbt(make_project) -> None:
    project = make_project(
        {
            "seeds/people.csv": "id,tier\n1,gold\n2,silver\n",
            "models/uses_people.sql": "select * from {{ source('crm', 'people') }}",
            "models/sources.yml": """\
                version: 2
                sources:
                  - name: crm
                    schema: main
                    tables:
                      - name: people
                        columns:
                          - name: id
                            data_tests: [unique, not_null]
                          - name: tier
                            data_tests:
                              - accepted_values:
                                  arguments:
                                    values: ['gold']
                """,
        }
    )
    project.ok("seed")
    result = project.run("build", "--exclude", "people")
    assert result.code == 1, str(result)
    rr = {r["unique_id"]: r["status"] for r in project.run_results()["results"]}
    assert rr == {
        "test.proj.source_unique_crm_people_id.510703412c": "pass",
        "test.proj.source_not_null_crm_people_id.2f97d3da9f": "pass",
        "test.proj.source_accepted_values_crm_people_tier__gold.77fed72928": "fail",
        # (the ids and statuses of dbt-core 1.11) a failing source test skips what selects from the source
        "model.proj.uses_people": "skipped",
    }, rr
    node = project.manifest()["nodes"]["test.proj.source_unique_crm_people_id.510703412c"]
    assert node["attached_node"] is None and node["depends_on"]["nodes"] == ["source.proj.crm.people"]


# -- resolving the settings (dbt's merge of source, source config, table, table config) ----------
HOUR = {"count": 1, "period": "hour"}
DAY = {"count": 1, "period": "day"}
EMPTY = {"count": None, "period": None}


def resolve(source: dict[str, Any], table: dict[str, Any], project: dict[str, Any] | None = None) -> Any:
    return resolve_source_freshness(source, table, project or {}, where="source table 's.t'", path="x.yml")


@pytest.mark.parametrize(
    ("source", "table", "project", "expected"),
    [
        pytest.param({}, {}, {}, None, id="nothing"),
        pytest.param({"freshness": {"warn_after": HOUR}}, {}, {}, {"warn_after": HOUR, "error_after": EMPTY}, id="src"),
        pytest.param(
            {"freshness": {"warn_after": HOUR, "error_after": DAY}},
            {"freshness": {"filter": "x > 1"}},
            {},
            {"warn_after": HOUR, "error_after": DAY, "filter": "x > 1"},
            id="table-filter-inherits",
        ),
        pytest.param(
            {"freshness": {"warn_after": HOUR, "error_after": DAY}},
            {"freshness": {"error_after": None}},
            {},
            {"warn_after": HOUR, "error_after": None},
            id="table-null-threshold",
        ),
        pytest.param({"freshness": {"warn_after": HOUR}}, {"freshness": None}, {}, "off", id="table-null"),
        pytest.param({"freshness": None}, {"freshness": {"warn_after": DAY}}, {}, {"warn_after": DAY}, id="src-null"),
        pytest.param(
            {"freshness": {"warn_after": HOUR}},
            {"freshness": {"warn_after": {"count": 3}}},
            {},
            {"warn_after": HOUR},
            id="incomplete-time-ignored",
        ),
        pytest.param(
            {"config": {"freshness": {"warn_after": HOUR, "filter": "a"}}},
            {"config": {"freshness": {"filter": "b"}}},
            {},
            {"warn_after": HOUR, "filter": "b"},
            id="config-blocks",
        ),
        pytest.param(
            {},
            {"freshness": {"filter": "a"}},
            {"freshness": {"warn_after": DAY}},
            {"warn_after": DAY, "filter": None},
            id="project-fallback",
        ),
        pytest.param(
            {},
            {"freshness": {"error_after": HOUR}},
            {"freshness": {"warn_after": DAY}},
            {"warn_after": EMPTY, "error_after": HOUR},
            id="yaml-over-project",
        ),
    ],
)
def test_freshness_resolution(source: dict, table: dict, project: dict, expected: Any) -> None:
    resolved = resolve(source, table, project).freshness
    if expected is None:
        assert not has_freshness(resolved)
        return
    if expected == "off":
        assert resolved is None
        return
    for key, value in expected.items():
        assert resolved[key] == value, (key, resolved)


def test_loaded_at_field_resolution() -> None:
    assert resolve({"loaded_at_field": "a"}, {}).loaded_at_field == "a"
    assert resolve({"loaded_at_field": "a"}, {"loaded_at_field": "b"}).loaded_at_field == "b"
    assert resolve({"loaded_at_field": "a"}, {"loaded_at_field": None}).loaded_at_field is None
    assert resolve({"config": {"loaded_at_field": "a"}}, {}).loaded_at_field == "a"
    assert resolve({"loaded_at_field": "a"}, {"config": {"loaded_at_field": "c"}}).loaded_at_field == "c"
    assert resolve({"loaded_at_query": "select 1"}, {}).loaded_at_query == "select 1"
    assert resolve({"loaded_at_query": "select 1"}, {"loaded_at_field": "b"}).loaded_at_query is None
    with pytest.raises(ProjectError):
        resolve({}, {"loaded_at_field": "a", "loaded_at_query": "select 1"})
    with pytest.raises(ProjectError):
        resolve({"loaded_at_field": ""}, {})


def test_status_thresholds_are_strict() -> None:
    criteria = {"warn_after": {"count": 1, "period": "hour"}, "error_after": {"count": 1, "period": "day"}}
    assert freshness_status(criteria, 3600) == "pass"
    assert freshness_status(criteria, 3600.5) == "warn"
    assert freshness_status(criteria, 86400) == "warn"
    assert freshness_status(criteria, 86401) == "error"
    assert freshness_status({"warn_after": None, "error_after": {"count": 2, "period": "minute"}}, 121) == "error"
