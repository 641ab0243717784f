"""The article's question on BigQuery, dagwright beside dbt-bigquery: what do the terminal,
run_results.json and the warehouse say about model_beta_b?

For each tool, on the local BigQuery emulator (started here, as bench/reaction.py does), in a
BigQuery project of its own: the article with the BigQuery overlay is seeded, built once (a
smooth run with the issue's durations), then run with ``--fail-fast`` and model_beta_a failing,
with 1 and with 2 threads (each from a fresh build). Printed per run: model_beta_b's terminal
lines, its status and message in run_results.json, and whose rows its table holds (this run's
invocation id, the earlier build's, or none).

    python bench/bq_article_compare.py [--dbt .venv-dbtbigquery/bin/dbt] [--dbt-legacy /tmp/dbt18/bin/dbt]

``--dbt-legacy``: a dbt-bigquery older than 1.9 (no ``api_endpoint``: it reaches the emulator
through BIGQUERY_EMULATOR_HOST); 1.8 cannot cancel a query at all.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from reaction import ROOT, VARS, BigQueryEngine

SMOOTH = "{durations: {model_beta_a: 1, model_beta_b: 3}}"
BETA_B = "model.article.model_beta_b"


def client(engine: BigQueryEngine) -> Any:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(
        project=engine.project,
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=engine.emulator.endpoint),
    )


def invocation_ids(engine: BigQueryEngine) -> set[str] | None:
    from google.api_core.exceptions import NotFound

    bq = client(engine)
    try:
        rows = bq.query(f"select distinct invocation_id from `{engine.project}`.main.model_beta_b", job_retry=None)
        return {str(r[0]) for r in rows.result()}
    except NotFound:
        return None
    finally:
        bq.close()


def one(tool: str, command: list[str], engine: BigQueryEngine, threads: int, legacy: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp) / "article"
        env = engine.prepare(workdir, tool, legacy=legacy)
        base = ["--project-dir", str(workdir), "--profiles-dir", str(workdir)]
        for args in (["seed"], ["run", "--threads", "1", "--vars", SMOOTH]):
            done = subprocess.run([*command, *args, *base], env=env, cwd=workdir, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{tool}: {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        built_by = json.loads((workdir / "target" / "run_results.json").read_text())["metadata"]["invocation_id"]
        args = ["run", "--threads", str(threads), "--fail-fast", "--vars", VARS]
        proc = subprocess.run([*command, *args, *base], env=env, cwd=workdir, capture_output=True, text=True)
        rr = json.loads((workdir / "target" / "run_results.json").read_text())
        this_run = rr["metadata"]["invocation_id"]
        result = next((r for r in rr["results"] if r["unique_id"] == BETA_B), None)
        ids = invocation_ids(engine)
        if ids is None:
            table = "absent"
        elif ids == {this_run}:
            table = "**built by this run**"
        elif ids == {built_by}:
            table = "unchanged (earlier build)"
        else:
            table = f"rows of {sorted(ids)}"
        lines = [
            re.sub(r" \.{3,} ", " ... ", re.sub(r"^\d\d:\d\d:\d\d\s+", "", line)).strip()
            for line in proc.stdout.splitlines()
            if "model_beta_b" in line or "Done. PASS" in line or "cancel" in line.lower()
        ]
        return {
            "tool": tool,
            "threads": threads,
            "exit": proc.returncode,
            "terminal": lines,
            "status": None if result is None else result["status"],
            "outcome": None if result is None else (result.get("adapter_response") or {}).get("dagwright_outcome"),
            "message": None if result is None else (result.get("message") or "").splitlines()[0][:160],
            "table": table,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    default_dbt = ROOT / ".venv-dbtbigquery" / "bin" / "dbt"
    parser.add_argument("--dbt", default=str(default_dbt) if default_dbt.is_file() else None)
    parser.add_argument("--dbt-legacy", default=None, help="the dbt of a dbt-bigquery < 1.9")
    args = parser.parse_args()
    dagwright = shutil.which("dagwright", path=str(Path(sys.executable).parent)) or "dagwright"
    tools = [("dagwright", [dagwright], False)]
    for path, legacy in ((args.dbt, False), (args.dbt_legacy, True)):
        if path:
            version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
            found = re.findall(r"(?:installed:|- bigquery:)\s+(\S+)", version)
            tools.append((f"dbt-core {found[0]} + dbt-bigquery {found[-1]}", [path, "--no-use-colors"], legacy))
    engine = BigQueryEngine()
    rows = []
    try:
        for name, command, legacy in tools:
            for threads in (1, 2):
                rows.append(one(name, command, engine, threads, legacy))
                print(json.dumps(rows[-1], indent=1), flush=True)
    finally:
        engine.close()
    print("\n| tool | threads | exit | model_beta_b: terminal | run_results.json | table |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        wanted = [line for line in row["terminal"] if "model_beta_b" in line or "not support" in line]
        terminal = "<br>".join(f"`{line}`" for line in wanted) or "(no line)"
        status = row["status"] if not row["outcome"] else f"{row['status']} ({row['outcome']})"
        print(
            f"| {row['tool']} | {row['threads']} | {row['exit']} | {terminal} | "
            f"`{status}`: {row['message']} | {row['table']} |"
        )


if __name__ == "__main__":
    main()
