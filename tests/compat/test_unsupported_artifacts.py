"""What dbt-core 1.11 lists and writes for what dagwright parses but does not run, on
tests/compat/projects/unsupported_present: a Python model (its manifest entry and ``ls
--output json``), a unit test (``ls`` with dbt's resource-type and selection options), a
``{% materialization %}`` block (its manifest macro), singular test properties from a YAML
file under tests/, and tests/fixtures/ (not a node). test_compat.py compares what the two
tools build from the same project; this test runs both itself and compares these fields.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .conftest import COMMAND_TIMEOUT, PROJECTS_DIR, Tools, load_case, prepare_workspace, tool_env

CASE = PROJECTS_DIR / "unsupported_present"
PACKAGE = "unsupported_present"
PY_MODEL = f"model.{PACKAGE}.py_model"
MATERIALIZATION = f"macro.{PACKAGE}.materialization_copy_of_table_default"
SINGULAR = f"test.{PACKAGE}.assert_one_id_above_one"
#: ls invocations compared line for line (exposures are left out: dagwright does not list them yet)
LISTINGS = {
    "all": ["--exclude-resource-type", "exposure"],
    "unit_tests": ["--resource-type", "unit_test"],
    "test_type_unit": ["-s", "test_type:unit"],
    "with_model": ["-s", "downstream"],
    "without_unit_tests": ["--exclude-resource-type", "unit_test", "exposure"],
}


def _run_tool(tools: Tools, tool: str, root: Path) -> dict[str, Any]:
    case = load_case(CASE)
    ws = prepare_workspace(case, tool, root)
    env = tool_env(case, ws.home)
    exe = tools.executable(tool)
    where = ["--project-dir", str(ws.project), "--profiles-dir", str(ws.profiles_dir)]
    quiet = ["--quiet"] if tool == "dbt" else []  # dbt's ls prints its log lines on stdout too

    def call(*args: str) -> str:
        done = subprocess.run(
            [exe, *args], cwd=ws.project, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
        assert done.returncode == 0, f"{tool} {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    parse = call("parse", *where)
    manifest = json.loads((ws.project / "target" / "manifest.json").read_text(encoding="utf-8"))
    listings = {name: sorted(call(*quiet, "ls", *where, *args).split()) for name, args in LISTINGS.items()}
    py_json = json.loads(call(*quiet, "ls", *where, "-s", "py_model", "--output", "json").strip())
    return {"parse": parse, "manifest": manifest, "listings": listings, "py_json": py_json}


@pytest.fixture(scope="module")
def both(compat_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    root = tmp_path_factory.mktemp("unsupported_artifacts")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {tool: pool.submit(_run_tool, compat_tools, tool, root / tool) for tool in ("dbt", "dagwright")}
        return futures["dbt"].result(), futures["dagwright"].result()


@pytest.mark.compat
def test_ls_lists_python_models_and_unit_tests_as_dbt(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    dbt, ours = both
    assert f"{PACKAGE}.py_model" in dbt["listings"]["all"]
    assert f"unit_test:{PACKAGE}.tenfold_is_ten_times" in dbt["listings"]["unit_tests"]
    for name in LISTINGS:
        assert ours["listings"][name] == dbt["listings"][name], name


@pytest.mark.compat
def test_python_model_as_dbt_lists_it(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    dbt, ours = both
    keys = ("name", "resource_type", "package_name", "original_file_path", "unique_id", "alias", "tags")
    assert {k: ours["py_json"][k] for k in keys} == {k: dbt["py_json"][k] for k in keys}
    assert ours["py_json"]["depends_on"]["nodes"] == dbt["py_json"]["depends_on"]["nodes"]
    for key in ("materialized", "tags", "a_config_dbt_does_not_know"):
        assert ours["py_json"]["config"][key] == dbt["py_json"]["config"][key], key

    theirs, mine = dbt["manifest"]["nodes"][PY_MODEL], ours["manifest"]["nodes"][PY_MODEL]
    for key in ("language", "resource_type", "path", "original_file_path", "fqn", "raw_code", "alias"):
        assert mine[key] == theirs[key], key
    assert mine["depends_on"]["nodes"] == theirs["depends_on"]["nodes"]
    assert [r["name"] for r in mine["refs"]] == [r["name"] for r in theirs["refs"]]
    assert mine["config"]["materialized"] == theirs["config"]["materialized"] == "table"


@pytest.mark.compat
def test_nodes_and_materialization_macro_as_dbt(both: tuple[dict[str, Any], dict[str, Any]]) -> None:
    dbt, ours = both
    # tests/fixtures/ holds no singular test; the Python model and the analysis are nodes
    assert set(ours["manifest"]["nodes"]) == set(dbt["manifest"]["nodes"])
    assert not any("fixtures" in n["original_file_path"] for n in ours["manifest"]["nodes"].values())

    theirs, mine = dbt["manifest"]["macros"][MATERIALIZATION], ours["manifest"]["macros"][MATERIALIZATION]
    for key in ("unique_id", "name", "package_name", "original_file_path", "macro_sql"):
        assert mine[key] == theirs[key], key

    # a singular test's properties, from a YAML file under tests/
    theirs, mine = dbt["manifest"]["nodes"][SINGULAR], ours["manifest"]["nodes"][SINGULAR]
    assert mine["config"]["severity"] == theirs["config"]["severity"] == "warn"
    assert mine["description"] == theirs["description"]
    assert mine["patch_path"] == theirs["patch_path"]
