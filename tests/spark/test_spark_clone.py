"""clone on Spark, against dbt-spark (the oracle): dbt-spark clones only Delta tables (a shallow
clone), so a model or seed of another file format fails, and a relation that exists already in
the target is left as it is (No-op), checked before the file format. The session's Spark has no
Delta, so both tools must give those statuses on a plain project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .harness import SparkServer, drop_schemas
from .test_spark_compat import BIN_DIR, oracle

pytestmark = [pytest.mark.spark, pytest.mark.compat]

FILES = {
    "dbt_project.yml": "name: proj\nversion: '1.0'\nconfig-version: 2\nprofile: proj\n",
    "seeds/raw_people.csv": "id,name\n1,Ann\n2,Bo\n",
    "models/people.sql": "select id, upper(name) as name from {{ ref('raw_people') }}",
    "models/ages.sql": "{{ config(materialized='table') }}\nselect id, 30 as age from {{ ref('people') }}",
}


def _run(executable: str, root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [executable, *args, "--project-dir", str(root), "--profiles-dir", str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _statuses(root: Path) -> dict[str, str]:
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"]: r["status"] + (": No-op" if r["message"] == "No-op" else "") for r in results}


def test_clone_statuses_match_dbt_spark(tmp_path: Path, spark_server: SparkServer) -> None:
    tools = {"dbt": oracle(), "dagwright": shutil.which("dagwright", path=str(BIN_DIR))}
    outcomes: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for tool, executable in tools.items():
        assert executable
        prod, dev = f"{tool[:3]}_clone_prod", f"{tool[:3]}_clone_dev"
        drop_schemas(spark_server, [prod, dev])
        root = tmp_path / tool
        for rel, text in FILES.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        if tool == "dbt":  # dbt-spark's session method becomes a Connect client with SPARK_REMOTE
            where = "      method: session\n      host: NA\n"
        else:
            where = f'      method: connect\n      host: "{spark_server.connect_url}"\n'
        outputs = "".join(
            f"    {name}:\n      type: spark\n{where}      schema: {schema}\n      threads: 1\n"
            for name, schema in (("prod", prod), ("dev", dev))
        )
        (root / "profiles.yml").write_text(f"proj:\n  target: dev\n  outputs:\n{outputs}", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "SPARK_"))}
        env["PYTHONWARNINGS"] = "ignore"
        if tool == "dbt":
            env["SPARK_REMOTE"] = spark_server.connect_url
        built = _run(executable, root, env, "build", "--target", "prod")
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        shutil.copytree(root / "target", root / "prod_target")
        steps = []
        # dev is empty: every node needs a clone, which only a Delta table allows
        cloned = _run(executable, root, env, "clone", "--state", "prod_target")
        steps.append((cloned.returncode, _statuses(root)))
        # dev has its own people: left as it is, before the file format is looked at
        assert _run(executable, root, env, "seed").returncode == 0
        assert _run(executable, root, env, "run", "-s", "people").returncode == 0
        cloned = _run(executable, root, env, "clone", "--state", "prod_target")
        steps.append((cloned.returncode, _statuses(root)))
        outcomes[tool] = steps
        drop_schemas(spark_server, [prod, dev])
    assert outcomes["dagwright"] == outcomes["dbt"]
    first, second = outcomes["dagwright"]
    assert first == (1, {"seed.proj.raw_people": "error", "model.proj.people": "error", "model.proj.ages": "error"})
    assert second[1]["model.proj.people"] == "success: No-op"
    assert second[1]["model.proj.ages"] == "error"
