"""Astronomer Cosmos runs dagwright as it runs dbt: a project rendered as an Airflow DAG with
``LoadMode.DBT_LS`` and ``ExecutionConfig(dbt_executable_path=dagwright)`` has the same tasks
(models, seeds, snapshots, tests) and dependencies as with dbt-core, and local execution
(``dag.test()``, no Airflow services: a SQLite metadata database in a temporary AIRFLOW_HOME)
builds the tables, fails the task of a failing model and does not run what depends on it,
task for task as with dbt-core.

Cosmos and Airflow are not dependencies of dagwright: the test runs
tests/orchestrators/cosmos_dag.py with ``$DAGWRIGHT_COSMOS_PYTHON`` (a Python with
astronomer-cosmos and apache-airflow: ``make cosmos`` makes .venv-cosmos; ``make test`` sets
the variable), or with this Python if it has Cosmos; it is skipped otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import write_project
from oracle import DBT, needs_dbt
from test_dbt_log import FILES

SCRIPT = Path(__file__).parent / "orchestrators" / "cosmos_dag.py"
DAGWRIGHT = Path(sys.executable).parent / "dagwright"


def cosmos_python() -> str | None:
    given = os.environ.get("DAGWRIGHT_COSMOS_PYTHON")
    if given:
        return str(Path(given).absolute())  # the test runs it from the project's folder
    return sys.executable if importlib.util.find_spec("cosmos") else None


needs_cosmos = pytest.mark.skipif(cosmos_python() is None, reason="astronomer-cosmos is not installed")


def through_cosmos(project: Any, executable: Path, action: str) -> dict[str, Any]:
    home = project.root.parent / "airflow_home"  # one per tool: its own metadata database
    home.mkdir(exist_ok=True)
    env = {
        **project.env,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        # no Airflow Variable for dbt ls's cache, no network
        "AIRFLOW__COSMOS__ENABLE_CACHE": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # Airflow 2.10's dag.test() fails to record DatasetAlias outlets (not about dbt)
        "AIRFLOW__COSMOS__ENABLE_DATASET_ALIAS": "False",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    proc = subprocess.run(
        [str(cosmos_python()), str(SCRIPT), str(project.root), str(executable), action],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT ") :])


@pytest.fixture(scope="module")
def cosmos_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Each tool's project rendered and run by Cosmos once (a run renders the DAG first)."""
    tmp = tmp_path_factory.mktemp("cosmos")
    out = {}
    for tool, executable in (("dbt", DBT), ("dagwright", DAGWRIGHT)):
        project = write_project(tmp / tool, FILES)
        out[tool] = (project, through_cosmos(project, executable, "run"))
    return out


@needs_cosmos
@needs_dbt
def test_cosmos_renders_the_same_task_graph_from_dagwright_ls(cosmos_runs: dict[str, Any]) -> None:
    seen = {tool: result["tasks"] for tool, (_, result) in cosmos_runs.items()}
    assert seen["dagwright"] == seen["dbt"]
    tasks = seen["dagwright"]
    assert {t["node"] for t in tasks.values()} == {
        "model.proj.a",
        "model.proj.b",
        "model.proj.bad",
        "model.proj.after_bad",
        "seed.proj.s",
        "snapshot.proj.snap",
    }
    assert tasks["a.test"]["upstream"] == ["a.run"]  # a's tests, after a
    assert tasks["b_run"]["upstream"] == ["a.test"] and tasks["after_bad_run"]["upstream"] == ["bad_run"]
    assert tasks["snap_snapshot"]["upstream"] == ["s_seed"]


@needs_cosmos
@needs_dbt
def test_cosmos_local_execution_with_dagwright(cosmos_runs: dict[str, Any]) -> None:
    seen = {tool: result["states"] for tool, (_, result) in cosmos_runs.items()}
    assert seen["dagwright"] == seen["dbt"]
    assert seen["dagwright"] == {
        "s_seed": "success",
        "snap_snapshot": "success",
        "a.run": "success",
        "a.test": "failed",  # accepted_values [2] fails on a's id 1
        "b_run": "upstream_failed",
        "bad_run": "failed",  # cast('x' as int)
        "after_bad_run": "upstream_failed",
    }
    project = cosmos_runs["dagwright"][0]
    tables = project.query("select table_name from information_schema.tables order by 1")
    assert tables == [("a",), ("s",), ("snap",)]
    assert project.query("select id from a") == [(1,)]


def test_the_parser_flags_cosmos_passes_are_accepted(tmp_path: Path) -> None:
    """``dbt --no-partial-parse run`` (Cosmos with ``partial_parse=False``), ``--no-static-parser``
    (its dbtRunner mode): accepted before or after the command, of no effect."""
    project = write_project(tmp_path, {"models/a.sql": "select 1 as id\n"})
    project.ok("--no-partial-parse", "run", "--no-static-parser")
    assert project.query("select id from a") == [(1,)]
    assert project.ok("ls", "--no-partial-parse", "--static-parser").stdout.split() == ["proj.a"]
