"""A run's CPU beside its floor: the same SQL statements run by a bare script through duckdb.

Each round starts every tool from a copy of the same seeded warehouse file and measures
the whole process (interpreter, imports, the run, the close) under GNU time: wall
seconds, CPU seconds (user + system) and peak RSS. The floor is a script of a few lines
(``FLOOR``) that runs the statements dagwright compiled, one ``create or replace`` per
model in DAG order on one connection, then closes the file (its checkpoint counts for
every tool). Rounds interleave the tools, so a change in the machine's load hits each.

    python bench/fixed_cost.py --models 1000 [--rounds 5] [--threads 4] [--dbt PATH]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import timed, tool_env, warm_up
from gen_project import generate

#: the floor: nothing but the interpreter, the duckdb module and the statements
FLOOR = """
import json, sys
import duckdb
statements = json.load(open(sys.argv[1]))
con = duckdb.connect(sys.argv[2])
for sql in statements:
    con.execute(sql)
con.close()
"""


def floor_statements(project: Path) -> list[str]:
    """One ``create or replace`` per model of the compiled project, parents first."""
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] in ("model", "seed")}
    order: list[str] = []
    seen: set[str] = set()

    def visit(uid: str) -> None:
        if uid in seen or uid not in nodes:
            return
        seen.add(uid)
        for parent in nodes[uid].get("depends_on", {}).get("nodes", []):
            visit(parent)
        order.append(uid)

    for uid in sorted(nodes):
        visit(uid)
    out = []
    for uid in order:
        node = nodes[uid]
        if node["resource_type"] != "model":
            continue
        sql = (project / "target" / "compiled" / "bench" / node["original_file_path"]).read_text()
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        out.append(f'create or replace {kind} "{node["schema"]}"."{node["alias"]}" as (\n{sql}\n)')
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--dbt", default=None, help="dbt-core's executable, to run it beside (slow)")
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    dagwright = shutil.which("dagwright", path=str(bindir)) or "dagwright"
    with tempfile.TemporaryDirectory(prefix="dagwright-fixed-") as tmp:
        root = Path(tmp)
        project = generate(root / "project", args.models, threads=args.threads)
        pycache = root / "pycache"
        # the compiled SQL names the database by its file's stem: every copy is bench.duckdb
        (root / "seeded").mkdir()
        seeded = root / "seeded" / "bench.duckdb"
        env = tool_env(project, pycache) | {"BENCH_DB": str(seeded)}
        warm_up([dagwright], project, pycache)
        timed([dagwright, "compile", "--profiles-dir", "."], project, env)
        timed([dagwright, "seed", "--profiles-dir", "."], project, env)
        statements = root / "statements.json"
        statements.write_text(json.dumps(floor_statements(project)))
        floor_script = root / "floor.py"
        floor_script.write_text(FLOOR)
        db = root / "bench.duckdb"
        env["BENCH_DB"] = str(db)
        tools: dict[str, list[str]] = {
            "floor (duckdb script)": [sys.executable, str(floor_script), str(statements), str(db)],
            "dagwright run": [dagwright, "run", "--profiles-dir", ".", "--threads", str(args.threads)],
        }
        if args.dbt:
            dbt = str(Path(args.dbt).absolute()) if "/" in args.dbt else args.dbt
            warm_up([dbt], project, pycache)
            tools["dbt-core run"] = [dbt, "run", "--profiles-dir", ".", "--threads", str(args.threads)]
        measures: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in tools}
        for _ in range(args.rounds):
            for name, cmd in tools.items():
                db.unlink(missing_ok=True)
                shutil.copyfile(seeded, db)
                measures[name].append(timed(cmd, project, env))
    print(f"{args.models} models, --threads {args.threads}; medians of {args.rounds} interleaved rounds")
    print(f"{'':24}{'wall s':>8}{'CPU s':>8}{'MB':>6}{'CPU / floor':>13}")
    floor_cpu = statistics.median(m[2] for m in measures["floor (duckdb script)"])
    for name, values in measures.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[2] for v in values)
        peak = statistics.median(v[1] for v in values)
        codes = {v[3] for v in values}
        note = "" if codes == {0} else f"  exit {sorted(codes)}"
        print(f"{name:24}{wall:8.2f}{cpu:8.2f}{peak:6.0f}{cpu / floor_cpu:12.2f}x{note}")
    print("CPU of each round:", {name: [round(v[2], 2) for v in values] for name, values in measures.items()})


if __name__ == "__main__":
    main()
