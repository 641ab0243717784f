"""The article example through an installed dagwright, as a new user runs it (stdlib only).

Usage: python3 .ci/article_check.py /path/to/bin/dagwright

Copies examples/article to a temporary folder, seeds it, then runs it with 2 threads and
--fail-fast while model_beta_a fails after ~1 s and model_beta_b needs ~3 s. The run must
exit 1 and target/run_results.json must say what docs/execution.md says of that run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ARTICLE = Path(__file__).resolve().parent.parent / "examples" / "article"
FAILING_RUN = ("run", "--threads", "2", "--fail-fast", "--vars")
FAILING_VARS = "{fail_model: model_beta_a, durations: {model_beta_a: 1, model_beta_b: 3}}"
#: docs/execution.md, "The article's question, answered": 2 threads, --fail-fast
EXPECTED = {
    "model.article.stg_orders": "success",
    "model.article.model_alpha": "success",
    "model.article.model_beta_a": "error",
    "model.article.model_gamma_a": "skipped",
    "model.article.model_beta_b": "cancelled",
    "model.article.model_gamma_b": "skipped",
}


def outcome(result: dict) -> str:
    """A node's outcome as docs/execution.md names it: a cancelled node is written
    ``status: error`` (dbt's v6 schema has no cancelled) with ``adapter_response.dagwright_outcome``."""
    response = result.get("adapter_response") or {}
    if result.get("status") == "error" and response.get("dagwright_outcome") == "cancelled":
        return "cancelled"
    return str(result.get("status"))


def run(dagwright: str, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DAGWRIGHT_DEMO_DB": str(project / "article.duckdb")}
    cmd = [dagwright, *args, "--project-dir", str(project), "--profiles-dir", str(project)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    print(f"$ dagwright {' '.join(args)}  -> exit {done.returncode}")
    return done


def main(dagwright: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "article"
        shutil.copytree(ARTICLE, project, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*"))
        seeded = run(dagwright, project, "seed")
        if seeded.returncode != 0:
            print(seeded.stdout, seeded.stderr, sep="\n")
            return 1
        failed = run(dagwright, project, *FAILING_RUN, FAILING_VARS)
        problems = []
        if failed.returncode != 1:
            problems.append(f"exit code {failed.returncode}, expected 1")
        path = project / "target" / "run_results.json"
        if not path.is_file():
            problems.append("no target/run_results.json")
        else:
            results = {r["unique_id"]: outcome(r) for r in json.loads(path.read_text())["results"]}
            if results != EXPECTED:
                problems.append(f"run_results.json says {results}, expected {EXPECTED}")
        # the page inlines package data (report/timeline.css and the four scripts): a wheel
        # without them draws none, and the run does not fail for a picture it cannot draw
        page = project / "target" / "timeline.html"
        markers = ("chart-only", "var DW = (function", "DW.chart = (function", "DW.table = (function", "DW.readHash()")
        text = page.read_text() if page.is_file() else ""
        missing = [marker for marker in markers if marker not in text]
        if missing:
            problems.append(f"no target/timeline.html with its style and scripts (missing: {', '.join(missing)})")
        if problems:
            print(failed.stdout, failed.stderr, sep="\n")
            for problem in problems:
                print(f"FAILED: {problem}")
            return 1
        print("the article example ran as documented")
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
