"""clone on BigQuery, against dbt-bigquery (the oracle): a state relation that is a table (a
table model, a seed) becomes a zero-copy table clone, a view becomes a view; a relation that
exists already is left as it is unless --full-refresh. Each tool builds "prod" into a dataset
of its own, then clones it into a "dev" dataset of its own; statuses, relation kinds and rows
must be the same."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .bq_helpers import DAGWRIGHT, bq_client, new_dataset
from .conftest import run_dbt_bigquery, write_bq_profile

FILES = {
    "dbt_project.yml": "name: proj\nversion: '1.0'\nprofile: bq\n",
    "seeds/raw_people.csv": "id,name\n1,Ann\n2,Bo\n",
    "models/people.sql": "{{ config(materialized='table') }}\n"
    "select id, upper(name) as name from {{ ref('raw_people') }}",
    "models/names.sql": "select name from {{ ref('people') }}",
}


def _statuses(root: Path) -> dict[str, tuple[str, str]]:
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"]: (r["status"], "No-op" if r["message"] == "No-op" else "") for r in results}


def _run(tool: str, oracle: Path, root: Path, profiles: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if tool == "dbt":
        return run_dbt_bigquery(oracle, root, profiles, *args)
    env = {k: v for k, v in os.environ.items() if k != "BIGQUERY_EMULATOR_HOST"}
    cmd = [DAGWRIGHT, *args, "--project-dir", str(root), "--profiles-dir", str(profiles)]
    return subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300, env=env, check=False)


def test_clone_matches_dbt_bigquery(tmp_path: Path, bq_emulator: Any, bq_oracle: Path) -> None:
    client = bq_client(bq_emulator)
    seen: dict[str, Any] = {}
    for tool in ("dbt", "dagwright"):
        root = tmp_path / tool
        for rel, text in FILES.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        prod, dev = new_dataset(), new_dataset()
        prod_profiles = write_bq_profile(tmp_path / f"{tool}_prod", "bq", prod, emulator=bq_emulator, location="US")
        dev_profiles = write_bq_profile(tmp_path / f"{tool}_dev", "bq", dev, emulator=bq_emulator, location="US")

        done = _run(tool, bq_oracle, root, prod_profiles, "build")
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        shutil.copytree(root / "target", root / "prod_target")
        steps = []
        clone = ("clone", "--state", "prod_target")
        for args in (clone, clone, (*clone, "--full-refresh")):  # then all No-op, then all again
            done = _run(tool, bq_oracle, root, dev_profiles, *args)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            kinds = {t.table_id: t.table_type for t in client.list_tables(f"{bq_emulator.project}.{dev}")}
            rows = sorted(tuple(r.values()) for r in client.query(f"select * from `{dev}`.people").result())
            steps.append((_statuses(root), kinds, rows))
        seen[tool] = steps
    assert seen["dagwright"] == seen["dbt"]
    (statuses, kinds, rows), (again, _, _), _ = seen["dagwright"]
    assert kinds == {"raw_people": "TABLE", "people": "TABLE", "names": "VIEW"}
    assert rows == [(1, "ANN"), (2, "BO")]
    assert statuses["model.proj.people"] == ("success", "")
    assert set(again.values()) == {("success", "No-op")}
