"""dagster-dbt runs dagwright as it runs dbt: ``DbtCliResource(dbt_executable=dagwright)``
streams dagwright's structured log (``--log-format json``) and turns it into the same
materializations per model and seed and the same check results per test as with dbt-core.

dagster-dbt is not a dependency of dagwright: the test runs tests/orchestrators/dagster_build.py
with ``$DAGWRIGHT_DAGSTER_PYTHON`` (a Python with dagster-dbt: ``make dagster-dbt`` makes
.venv-dagster, with ``dagster-dbt 'dbt-core>=1.11,<1.12' 'dbt-duckdb>=1.11,<1.12'``; ``make test``
sets the variable), or with this Python if it has dagster-dbt; it is skipped otherwise.
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

SCRIPT = Path(__file__).parent / "orchestrators" / "dagster_build.py"
DAGWRIGHT = Path(sys.executable).parent / "dagwright"


def dagster_python() -> str | None:
    given = os.environ.get("DAGWRIGHT_DAGSTER_PYTHON")
    if given:
        return str(Path(given).absolute())  # the test runs it from the project's folder
    return sys.executable if importlib.util.find_spec("dagster_dbt") else None


needs_dagster = pytest.mark.skipif(dagster_python() is None, reason="dagster-dbt is not installed")


def through_dagster(project: Any, executable: Path, *args: str) -> dict[str, Any]:
    env = {**project.env, "DAGSTER_HOME": str(project.root / "dagster_home")}
    (project.root / "dagster_home").mkdir(exist_ok=True)
    proc = subprocess.run(
        [str(dagster_python()), str(SCRIPT), str(project.root), str(executable), *args],
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


@needs_dagster
@needs_dbt
def test_dagster_sees_the_same_materializations_and_checks(tmp_path: Path) -> None:
    seen = {}
    for tool, executable in (("dbt", DBT), ("dagwright", DAGWRIGHT)):
        project = write_project(tmp_path / tool, FILES)
        project.ok("parse")  # dagster-dbt reads the manifest before it runs
        seen[tool] = through_dagster(project, executable, "build")
    assert seen["dagwright"] == seen["dbt"]
    assert seen["dagwright"]["materialized"] == ["a", "s", "snap"]  # bad failed, after_bad and b skipped
    assert seen["dagwright"]["checks"] == {"unique_a_id": True, "accepted_values_a_id__2": False}
    assert seen["dagwright"]["success"] is False


@needs_dagster
def test_a_cancelled_model_is_not_materialized(tmp_path: Path) -> None:
    slow = "{{ config(materialized='table') }} select count(*) as n from range(100000) a, range(100000) b"
    slow += " where a.range * b.range = 7\n"
    files = {"models/slow.sql": slow, "models/bad.sql": "{{ config(materialized='table') }} select cast('x' as int)\n"}
    project = write_project(tmp_path, files)
    (project.root / "profiles.yml").write_text(
        (project.root / "profiles.yml").read_text().replace("threads: 1", "threads: 2")
    )
    project.ok("parse")
    seen = through_dagster(project, DAGWRIGHT, "run", "--fail-fast")
    # bad failed; slow was cancelled by the stop: dagster materializes neither
    assert seen["materialized"] == [] and seen["checks"] == {}
