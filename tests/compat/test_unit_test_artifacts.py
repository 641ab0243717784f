"""What dbt-core 1.11 writes for unit tests, compared with dagwright on
tests/compat/projects/unit_tests (test_compat.py compares tables, exits and statuses):
run_results.json's ``message``, ``failures`` and ``status`` of each unit test after a
``test`` (the difference dbt renders with daff for a failing one, the error's text for an
erroring one), its terminal lines, manifest.json's ``unit_tests`` entries and their parent
and child maps, and ``ls --output json`` of unit tests.
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

CASE = PROJECTS_DIR / "unit_tests"
PACKAGE = "unit_tests"
#: manifest fields compared as they are (created_at and checksum are dbt's own values)
FIELDS = (
    "model",
    "given",
    "expect",
    "name",
    "resource_type",
    "package_name",
    "path",
    "original_file_path",
    "unique_id",
    "fqn",
    "description",
    "overrides",
    "depends_on",
    "config",
    "schema",
    "versions",
    "version",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOG_TIME = re.compile(r"^\S*\d\d:\d\d:\d\d\s+")


def _run_tool(tools: Tools, tool: str, root: Path) -> dict[str, Any]:
    case = load_case(CASE)
    ws = prepare_workspace(case, tool, root)
    env = tool_env(case, ws.home)
    exe = tools.executable(tool)
    where = ["--project-dir", str(ws.project), "--profiles-dir", str(ws.profiles_dir)]

    def call(*args: str, code: int = 0) -> str:
        done = subprocess.run(
            [exe, *args], cwd=ws.project, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
        assert done.returncode == code, f"{tool} {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    call("seed", *where)
    call("run", *where)
    test_output = call("test", *where, code=1)
    results = json.loads((ws.project / "target" / "run_results.json").read_text(encoding="utf-8"))
    manifest = json.loads((ws.project / "target" / "manifest.json").read_text(encoding="utf-8"))
    quiet = ["--quiet"] if tool == "dbt" else []
    listed = call(*quiet, "ls", *where, "--resource-type", "unit_test", "--output", "json")
    return {
        "results": {r["unique_id"]: r for r in results["results"]},
        "manifest": manifest,
        "lines": [_LOG_TIME.sub("", _ANSI.sub("", line)) for line in test_output.splitlines()],
        "listed": sorted(json.loads(line)["unique_id"] for line in listed.splitlines() if line.strip()),
    }


@pytest.fixture(scope="module")
def both(compat_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    root = tmp_path_factory.mktemp("unit_test_artifacts")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {tool: pool.submit(_run_tool, compat_tools, tool, root / tool) for tool in ("dbt", "dagwright")}
        return futures["dbt"].result(), futures["dagwright"].result()


@pytest.mark.compat
def test_run_results_of_unit_tests_as_dbt(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    dbt, ours = both
    units = sorted(uid for uid in dbt["results"] if uid.startswith("unit_test."))
    assert units == sorted(uid for uid in ours["results"] if uid.startswith("unit_test."))
    for uid in units:
        theirs, mine = dbt["results"][uid], ours["results"][uid]
        assert (mine["status"], mine["failures"]) == (theirs["status"], theirs["failures"]), uid
        if theirs["status"] == "fail":  # the difference, byte for byte (colors included)
            assert mine["message"] == theirs["message"], uid
        elif theirs["status"] == "error":  # the same cause in its first lines
            assert mine["message"].splitlines()[1:3] == theirs["message"].splitlines()[1:3], uid
        else:
            assert mine["message"] is None and theirs["message"] is None, uid
        assert mine["compiled_code"] is not None or theirs["compiled_code"] is None, uid


@pytest.mark.compat
def test_terminal_lines_of_unit_tests_as_dbt(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    dbt, ours = both

    def ends(lines: list[str]) -> list[str]:
        """The end line of each unit test, without its index and timing (threads reorder them)."""
        out = []
        for line in lines:
            match = re.match(r"\d+ of \d+ (PASS|FAIL \d+|ERROR) (\S+::\S+) \.", line)
            if match:
                out.append(f"{match.group(1)} {match.group(2)}")
        return sorted(out)

    assert ends(ours["lines"]) == ends(dbt["lines"])
    assert ends(dbt["lines"])  # the pattern still matches dbt's lines


@pytest.mark.compat
def test_manifest_unit_tests_as_dbt(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    dbt, ours = both
    theirs, mine = dbt["manifest"]["unit_tests"], ours["manifest"]["unit_tests"]
    assert sorted(mine) == sorted(theirs)
    for uid, entry in theirs.items():
        assert {k: mine[uid].get(k) for k in FIELDS} == {k: entry.get(k) for k in FIELDS}, uid
        assert dbt["manifest"]["parent_map"][uid] == ours["manifest"]["parent_map"][uid]
        model = entry["depends_on"]["nodes"][0]
        assert sorted(ours["manifest"]["child_map"][model]) == sorted(dbt["manifest"]["child_map"][model])
    assert ours["listed"] == dbt["listed"]
