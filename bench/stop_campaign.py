"""The stop campaign (issue 22): signals at random moments, checked against the warehouse.

A generated project of ``--models`` table models in a random DAG (each holding the run's
``invocation_id`` and a short query over ``range()``) is built once; then each try starts
``dagwright run --threads N``, sends SIGINT, SIGTERM or SIGKILL after a random delay, and
checks that the three stories agree:

- SIGINT/SIGTERM: the exit code is the signal's (130/143) unless the run ended first;
  run_results.json is this run's (its invocation_id is in every table it calls built); a
  node is ``success`` exactly when its table holds this run's invocation_id, and every
  other node's table holds what it held before the try; the terminal's OK lines name
  exactly the ``success`` nodes.
- SIGKILL: every table exists and holds either its previous version or this run's (no
  half-built, no lost relation).

    .venv/bin/python bench/stop_campaign.py --tries 60 --threads 8 --models 200

prints one line per failed try and a summary (tries, failures by kind).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

SIGNALS = {"SIGINT": (signal.SIGINT, 130), "SIGTERM": (signal.SIGTERM, 143), "SIGKILL": (signal.SIGKILL, None)}


def make_project(root: Path, models: int, rng: random.Random) -> None:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: campaign\nversion: '1.0'\nconfig-version: 2\nprofile: campaign\n"
        "models:\n  campaign:\n    +materialized: table\n",
        encoding="utf-8",
    )
    (root / "profiles.yml").write_text(
        f"campaign:\n  target: dev\n  outputs:\n    dev: {{type: duckdb, path: '{root / 'wh.duckdb'}', threads: 1}}\n",
        encoding="utf-8",
    )
    for i in range(models):
        parents = rng.sample(range(i), k=min(i, rng.choice((0, 1, 1, 2, 3))))
        work = rng.choice((1_000, 50_000, 300_000))
        reads = " ".join(f"cross join (select count(*) from {{{{ ref('m{p:04d}') }}}})" for p in parents)
        (root / "models" / f"m{i:04d}.sql").write_text(
            f"select '{{{{ invocation_id }}}}' as inv, (select sum(r) from range({work}) t(r)) as work "
            f"from (select 1) {reads}\n",
            encoding="utf-8",
        )


def tables(db: Path) -> dict[str, str]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in conn.execute("select table_name from information_schema.tables").fetchall()]
        return {n: conn.execute(f'select inv from "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


def run(root: Path, threads: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "dagwright", "run", "--threads", str(threads), "--project-dir", str(root)]
    return subprocess.Popen(
        [*args, "--profiles-dir", str(root)], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def check(root: Path, kind: str, code: int, out: str, before: dict[str, str], started: float) -> list[str]:
    after = tables(root / "wh.duckdb")
    problems = []
    lost = sorted(set(before) - set(after))
    if lost:
        problems.append(f"tables lost: {lost[:5]}")
    stray = sorted(n for n in after if n.endswith(("__dbt_tmp", "__dbt_backup")))
    if stray and kind != "SIGKILL":
        problems.append(f"temporary relations left: {stray[:5]}")
    if kind == "SIGKILL":
        return problems
    path = root / "target" / "run_results.json"
    rr = json.loads(path.read_text()) if path.exists() else None
    if rr is None or path.stat().st_mtime < started:
        return [*problems, f"exit {code}: no run_results.json of this run"]
    expected = SIGNALS[kind][1]
    # killed by the signal itself (while the interpreter shut down, when Python's own
    # handlers are back) is what a shell reports as 128 + the signal's number too
    code = 128 - code if code < 0 else code
    if code != expected and not (code in (0, 1) and rr["args"].get("dagwright", {}).get("stop") is None):
        problems.append(f"exit {code}, expected {expected}")
    invocation = rr["metadata"]["invocation_id"]
    succeeded = {r["unique_id"].split(".")[-1] for r in rr["results"] if r["status"] == "success"}
    for name, inv in after.items():
        if name.endswith(("__dbt_tmp", "__dbt_backup")):
            continue
        if name in succeeded and inv != invocation:
            problems.append(f"{name}: success, but its table is not this run's")
        if name not in succeeded and inv == invocation:
            problems.append(f"{name}: not success, but its table is this run's")
        if name not in succeeded and inv != before.get(name):
            problems.append(f"{name}: not success, and its table changed")
    printed = set(re.findall(r"OK created sql table model main\.(m\d{4})", out))
    if printed != succeeded:
        problems.append(f"terminal OK lines {len(printed)} != run_results success {len(succeeded)}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tries", type=int, default=30)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--signals", default="SIGINT,SIGTERM,SIGKILL")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    kinds = args.signals.split(",")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    failures: dict[str, int] = {}
    early = 0
    with tempfile.TemporaryDirectory(prefix="stop-campaign-") as tmp:
        root = Path(tmp) / "project"
        make_project(root, args.models, rng)
        t0 = time.monotonic()
        first = run(root, args.threads, env)
        first.communicate()
        full = time.monotonic() - t0
        if first.returncode != 0:
            print("the first build failed", file=sys.stderr)
            return 2
        print(f"{args.models} models, full run {full:.1f} s; {args.tries} tries with {args.threads} threads")
        for i in range(args.tries):
            kind = kinds[i % len(kinds)]
            before = tables(root / "wh.duckdb")
            delay = rng.uniform(0, full * 1.1)
            started = time.time()
            proc = run(root, args.threads, env)
            time.sleep(delay)
            proc.send_signal(SIGNALS[kind][0])
            out, err = proc.communicate(timeout=120)
            text = err.decode(errors="replace")
            if not out and ("KeyboardInterrupt" in text or (proc.returncode == -signal.SIGTERM and not text)):
                # the signal came while the interpreter started, before dagwright's first line
                # (early_signals) could run: Python's own default; counted apart
                early += 1
                continue
            problems = check(root, kind, proc.returncode, out.decode(), before, started - 1)
            if problems:
                failures[kind] = failures.get(kind, 0) + 1
                print(f"try {i + 1} {kind} after {delay:.2f} s: " + "; ".join(problems[:4]))
                for line in err.decode(errors="replace").strip().splitlines()[-3:]:
                    print(f"    stderr: {line}")
            if kind == "SIGKILL":  # a fresh build, so the next try starts from every table in place
                run(root, args.threads, env).communicate()
    total = sum(failures.values())
    print(f"{args.tries} tries, {total} failed " + (json.dumps(failures) if failures else ""))
    if early:
        print(f"{early} signals came while the interpreter started, before dagwright's first line")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
