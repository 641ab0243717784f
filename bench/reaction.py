"""Fail-fast reaction time on the article DAG, dagwright beside dbt-core.

model_beta_a fails after ~1 s of work while model_beta_b is running a ~3 s query
(2 threads, --fail-fast). Reported per tool, as medians over the repeats:
- cancel: from the stop to the moment no statement is in flight (dagwright records it
  in run_results.json metadata.stop.cancel_seconds);
- exit: from the failing node's end (its execute timing) to the end of the process.

    python bench/reaction.py [--repeats 5] [--dbt PATH_TO_DBT]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "article"
VARS = "{fail_model: model_beta_a, durations: {model_beta_a: 1, model_beta_b: 3}}"


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run_once(tool: list[str], workdir: Path) -> dict[str, float | str | None]:
    env = dict(os.environ, DAGWRIGHT_DEMO_DB=str(workdir / "bench.duckdb"))
    base = [*tool, "--project-dir", str(workdir), "--profiles-dir", str(workdir)]
    subprocess.run([base[0], "seed", *base[1:]], env=env, capture_output=True, check=True)
    subprocess.run([base[0], "run", *base[1:], "--threads", "2"], env=env, capture_output=True, check=True)
    start = time.time()
    proc = subprocess.run(
        [base[0], "run", *base[1:], "--threads", "2", "--fail-fast", "--vars", VARS],
        env=env,
        capture_output=True,
        text=True,
    )
    end = time.time()
    results = json.loads((workdir / "target" / "run_results.json").read_text())
    by_id = {r["unique_id"]: r for r in results["results"]}
    beta_a = by_id["model.article.model_beta_a"]
    failed_at = max(_ts(t["completed_at"]) for t in beta_a["timing"])
    stop = results["metadata"].get("stop") or {}
    beta_b = by_id.get("model.article.model_beta_b", {})
    return {
        "exit_code": proc.returncode,
        "exit_after_failure_s": end - failed_at,
        "cancel_s": stop.get("cancel_seconds"),
        "beta_b_status": beta_b.get("status"),
        "wall_s": end - start,
    }


def bench(name: str, tool: list[str], repeats: int) -> None:
    rows = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp) / "article"
            shutil.copytree(EXAMPLE, workdir, ignore=shutil.ignore_patterns("target", "*.duckdb*", "logs"))
            rows.append(run_once(tool, workdir))
    exits = [float(r["exit_after_failure_s"]) for r in rows]
    cancels = [float(r["cancel_s"]) for r in rows if r["cancel_s"] is not None]
    print(f"{name}: repeats={repeats}")
    print(f"  beta_b status: {sorted({str(r['beta_b_status']) for r in rows})}")
    print(f"  exit codes:    {sorted({int(r['exit_code']) for r in rows})}")
    print(f"  failure -> process exit: median {statistics.median(exits) * 1000:.0f} ms "
          f"(min {min(exits) * 1000:.0f}, max {max(exits) * 1000:.0f})")
    if cancels:
        print(f"  stop -> no statement in flight: median {statistics.median(cancels) * 1000:.1f} ms "
              f"(max {max(cancels) * 1000:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dbt", default=shutil.which("dbt", path=str(Path(sys.executable).parent)))
    args = parser.parse_args()
    dagwright = shutil.which("dagwright", path=str(Path(sys.executable).parent)) or "dagwright"
    bench("dagwright", [dagwright], args.repeats)
    if args.dbt:
        bench("dbt-core", [args.dbt], args.repeats)
    else:
        print("dbt-core: not installed (pip install 'dbt-core>=1.11,<1.12' dbt-duckdb) — skipped")


if __name__ == "__main__":
    main()
