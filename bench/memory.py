"""Peak memory of dagwright on a generated DuckDB project: parse, compile, seed + run.

Each command runs in its own process under GNU time (peak RSS, wall and CPU seconds);
the run starts from a fresh warehouse file each repeat, so every model creates its relation.

    python bench/memory.py --models 10000 [--threads 1 4] [--repeats 1] [--dagwright PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import timed
from gen_project import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=10000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--dagwright", default=str(Path(sys.executable).parent / "dagwright"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dagwright-memory-") as tmp:
        project = generate(Path(tmp) / "project", args.models)
        db = Path(tmp) / "bench.duckdb"
        env = {**os.environ, "BENCH_DB": str(db)}
        base = [args.dagwright]
        rows: list[tuple[str, list[tuple[float, float, float, int]]]] = []
        for name, cmd in (("parse (cold)", ["parse"]), ("parse (warm)", ["parse"]), ("compile", ["compile"])):
            rows.append((name, [timed([*base, *cmd, "--profiles-dir", "."], project, env)]))
        for threads in args.threads:
            measures = []
            for _ in range(args.repeats):
                for leftover in (db, Path(f"{db}.wal")):
                    leftover.unlink(missing_ok=True)
                timed([*base, "seed", "--profiles-dir", "."], project, env)
                measures.append(timed([*base, "run", "--profiles-dir", ".", "--threads", str(threads)], project, env))
            rows.append((f"run --threads {threads}", measures))
    print(f"{args.models} models; medians of {args.repeats} (peak RSS MB, wall s, CPU s, exit)")
    for name, measures in rows:
        wall = statistics.median(m[0] for m in measures)
        peak = statistics.median(m[1] for m in measures)
        cpu = statistics.median(m[2] for m in measures)
        print(f"{name:20} peak {peak:7.0f} MB  wall {wall:6.1f} s  CPU {cpu:6.1f} s  exit {measures[-1][3]}")


if __name__ == "__main__":
    main()
