"""`source freshness` against dbt-core + dbt-duckdb, on tests/compat/projects/sources.

The harness of test_compat.py compares run_results.json; `source freshness` writes
target/sources.json instead (and leaves run_results.json alone), so this test runs both
tools itself, each on its own copy of the project and database, and compares: the exit
code, sources.json (top-level keys, metadata keys, the unique_ids, each result's keys,
status and criteria), the outcome line of each check on the terminal (runtime errors are
only there: dbt leaves them out of sources.json), that run_results.json is untouched, and
a selected run written to --output.
"""

from __future__ import annotations

import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .conftest import COMMAND_TIMEOUT, PROJECTS_DIR, Tools, load_case, prepare_workspace, tool_env

CASE = PROJECTS_DIR / "sources"
#: a line "N of M <OUTCOME> freshness of <source>.<table> ..."
OUTCOME = re.compile(r"\d+ of \d+ (PASS|WARN|ERROR STALE|ERROR) freshness of (\S+)")


def _run_tool(tools: Tools, tool: str, root: Path) -> dict[str, Any]:
    case = load_case(CASE)
    ws = prepare_workspace(case, tool, root)
    env = tool_env(case, ws.home)
    exe = tools.executable(tool)
    where = ["--project-dir", str(ws.project), "--profiles-dir", str(ws.profiles_dir)]

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [exe, *args], cwd=ws.project, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )

    for command in ("seed", "run"):
        done = call(command, *where)
        assert done.returncode == 0, f"{tool} {command}:\n{done.stdout}\n{done.stderr}"
    run_results = (ws.project / "target" / "run_results.json").read_bytes()
    full = call("source", "freshness", *where)
    selected_path = ws.root / "selected.json"
    selected = call("source", "freshness", *where, "-s", "source:raw.events_stale", "--output", str(selected_path))
    return {
        "exit": full.returncode,
        "output": full.stdout + full.stderr,
        "sources": json.loads((ws.project / "target" / "sources.json").read_text(encoding="utf-8")),
        "run_results_untouched": (ws.project / "target" / "run_results.json").read_bytes() == run_results,
        "selected_exit": selected.returncode,
        "selected": json.loads(selected_path.read_text(encoding="utf-8")) if selected_path.exists() else None,
    }


def _results(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["unique_id"]: r for r in data["results"]}


def _outcomes(output: str) -> dict[str, str]:
    return {m.group(2): m.group(1) for m in OUTCOME.finditer(output)}


@pytest.mark.compat
def test_source_freshness_as_dbt(compat_tools: Tools, tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {tool: pool.submit(_run_tool, compat_tools, tool, tmp_path / tool) for tool in ("dbt", "dagwright")}
        dbt, ours = futures["dbt"].result(), futures["dagwright"].result()

    # the case's expectations hold for dbt (else the project is broken, not dagwright)
    expected = {
        "raw.events": "PASS",
        "raw.events_stale": "ERROR STALE",
        "raw.events_warn": "WARN",
        "raw.events_cfg": "WARN",
        "raw.events_empty": "ERROR STALE",
        "raw.missing": "ERROR",
    }
    assert _outcomes(dbt["output"]) == expected, dbt["output"]
    assert dbt["exit"] == 1

    assert _outcomes(ours["output"]) == expected, ours["output"]
    assert ours["exit"] == dbt["exit"], ours["output"]
    assert ours["run_results_untouched"] and dbt["run_results_untouched"]

    theirs_file, ours_file = dbt["sources"], ours["sources"]
    assert set(ours_file) == set(theirs_file)
    assert set(theirs_file["metadata"]) <= set(ours_file["metadata"])
    assert ours_file["metadata"]["dbt_schema_version"] == theirs_file["metadata"]["dbt_schema_version"]
    theirs, mine = _results(theirs_file), _results(ours_file)
    assert sorted(mine) == sorted(theirs)
    for uid, result in theirs.items():
        assert set(mine[uid]) == set(result), uid
        assert mine[uid]["status"] == result["status"], uid
        assert mine[uid]["criteria"] == result["criteria"], uid
        assert mine[uid]["adapter_response"] == result["adapter_response"], uid
        assert [t["name"] for t in mine[uid]["timing"]] == [t["name"] for t in result["timing"]], uid
        # each tool built its own table a few seconds apart: the same shape, nearly the same age
        for key in ("max_loaded_at", "snapshotted_at"):
            assert mine[uid][key].endswith("+00:00") and result[key].endswith("+00:00"), uid
        age, their_age = mine[uid]["max_loaded_at_time_ago_in_s"], result["max_loaded_at_time_ago_in_s"]
        assert abs(age - their_age) < 120 or min(age, their_age) > 1e10, uid
    empty = "source.src.raw.events_empty"
    assert mine[empty]["max_loaded_at"] == theirs[empty]["max_loaded_at"] == "0001-01-01T00:00:00+00:00"

    assert ours["selected_exit"] == dbt["selected_exit"] == 1
    assert ours["selected"] is not None and dbt["selected"] is not None
    assert {u: r["status"] for u, r in _results(ours["selected"]).items()} == {
        u: r["status"] for u, r in _results(dbt["selected"]).items()
    }
