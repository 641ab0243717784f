"""docs generate on Spark: dagwright (Spark Connect) and dbt-spark (the oracle, its session
method as a Connect client) build the same small project into schemas of their own on the test
session's Spark; the catalog.json each writes must be the same but for the schema's name
(types as Spark prints them, 0-based column indexes, no comments: what dbt-spark reads)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .harness import SparkServer, drop_schemas
from .test_spark_compat import BIN_DIR, oracle

pytestmark = [pytest.mark.spark, pytest.mark.compat]

FILES = {
    "dbt_project.yml": "name: proj\nversion: '1.0'\nconfig-version: 2\nprofile: proj\n",
    "seeds/raw_people.csv": "id,name\n1,Ann\n2,Bo\n",
    "models/people.sql": "select id, upper(name) as name from {{ ref('raw_people') }}",
    "models/ages.sql": "{{ config(materialized='table') }}\n"
    "select id, 30 as age, cast(1.5 as decimal(6,2)) as score from {{ ref('people') }}",
    "models/sources.yml": "version: 2\nsources:\n  - name: raw\n    schema: '{{ target.schema }}'\n"
    "    tables:\n      - name: raw_people\n",
}


def _run(executable: str, root: Path, env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [executable, *args, "--project-dir", str(root), "--profiles-dir", str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_catalog_matches_dbt_spark(tmp_path: Path, spark_server: SparkServer) -> None:
    tools = {"dbt": oracle(), "dagwright": shutil.which("dagwright", path=str(BIN_DIR))}
    schemas = {"dbt": "dbt_docs_catalog", "dagwright": "dw_docs_catalog"}
    drop_schemas(spark_server, list(schemas.values()))
    catalogs: dict[str, Any] = {}
    for tool, executable in tools.items():
        assert executable
        root = tmp_path / tool
        for rel, text in FILES.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        if tool == "dbt":  # dbt-spark's session method becomes a Connect client with SPARK_REMOTE
            where = "      method: session\n      host: NA\n"
        else:
            where = f'      method: connect\n      host: "{spark_server.connect_url}"\n'
        (root / "profiles.yml").write_text(
            f"proj:\n  target: dev\n  outputs:\n    dev:\n      type: spark\n{where}"
            f"      schema: {schemas[tool]}\n      threads: 1\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "SPARK_"))}
        env["PYTHONWARNINGS"] = "ignore"
        if tool == "dbt":
            env["SPARK_REMOTE"] = spark_server.connect_url
        _run(executable, root, env, "build")
        _run(executable, root, env, "docs", "generate")
        data = json.loads((root / "target" / "catalog.json").read_text())
        text = json.dumps({k: data[k] for k in ("nodes", "sources", "errors")})
        catalogs[tool] = json.loads(text.replace(f'"{schemas[tool]}"', '"SCHEMA"'))
    assert catalogs["dagwright"] == catalogs["dbt"]
    ages = catalogs["dagwright"]["nodes"]["model.proj.ages"]
    assert ages["columns"]["score"] == {"type": "decimal(6,2)", "index": 2, "name": "score", "comment": None}
    assert catalogs["dagwright"]["nodes"]["model.proj.people"]["metadata"]["type"] == "view"
    assert list(catalogs["dagwright"]["sources"]) == ["source.proj.raw.raw_people"]
