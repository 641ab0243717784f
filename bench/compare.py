"""dagwright beside dbt-core on the same generated project: wall time and peak memory.

Phases: cold parse, warm parse (nothing changed), parse after one model file changed,
compile, seed + run (--threads T), and the floor: the same compiled SQL run straight
through the duckdb module in topological order.

    python bench/compare.py --models 1000 [--threads 4] [--repeats 3] [--dbt PATH] [--no-run]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_project import generate

Measure = tuple[float, float, float]  # wall seconds, peak RSS in MB, CPU seconds (user + system)


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float, int]:
    """(wall seconds, peak RSS in MB, CPU seconds, exit code) of one command. CPU time is
    reported too: on a shared machine it moves less than wall time.

    Peak RSS comes from GNU time when it is installed: the kernel counts the memory of a
    forked child before its exec, so wait4's figure would include this (large) process."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [gnu_time, "-f", "%M", "-o", rss.name, *cmd] if gnu_time else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        peak_kb = usage.ru_maxrss
        if gnu_time:
            text = rss.read().strip().splitlines()
            peak_kb = int(text[-1]) if text and text[-1].isdigit() else peak_kb
    return elapsed, peak_kb / 1024, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def floor_seconds(project: Path, db: Path) -> float:
    """Run dagwright's compiled SQL for every model straight through duckdb, in DAG order."""
    import duckdb

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
    con = duckdb.connect(str(db))
    start = time.perf_counter()
    for uid in order:
        node = nodes[uid]
        if node["resource_type"] != "model":
            continue
        sql = (project / "target" / "compiled" / "bench" / node["original_file_path"]).read_text()
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        con.execute(f'create or replace {kind} "{node["schema"]}"."{node["alias"]}" as (\n{sql}\n)')
    con.close()  # the checkpoint at close is part of the work, for both tools
    return time.perf_counter() - start


def tool_env(project: Path, pycache: Path) -> dict[str, str]:
    """The environment both tools run in. Installed packages run from bytecode (pip compiles
    it at install time), but a machine may set PYTHONDONTWRITEBYTECODE: then dagwright, an
    editable install with no .pyc, would compile its source on every command while dbt-core
    runs from its .pyc files. Both tools get a bytecode cache in the bench's temp folder
    instead, filled by one untimed parse each (``warm_up``)."""
    env = dict(os.environ, BENCH_DB=str(project / "bench.duckdb"), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def warm_up(tool: list[str], project: Path, pycache: Path) -> None:
    """One untimed parse: fills the bytecode cache (see ``tool_env``)."""
    timed([*tool, "parse", "--profiles-dir", str(project)], project, tool_env(project, pycache))


def phases(
    tool: list[str], project: Path, threads: int, is_dbt: bool, pycache: Path, with_run: bool = True
) -> dict[str, Measure]:
    """Cold parse (no target/: no parse cache, dbt without partial parsing), warm parse
    (nothing changed: dagwright's parse cache, dbt's partial parsing), parse after one
    model file changed, compile, then seed + run unless ``with_run`` is False."""
    env = tool_env(project, pycache)
    common = ["--profiles-dir", str(project)]
    out: dict[str, Measure] = {}
    shutil.rmtree(project / "target", ignore_errors=True)
    cold = [*tool, "parse", *common] + (["--no-partial-parse"] if is_dbt else [])
    t, m, c, _ = timed(cold, project, env)
    out["parse (cold)"] = (t, m, c)
    t, m, c, _ = timed([*tool, "parse", *common], project, env)
    out["parse (warm)"] = (t, m, c)
    edited = next(iter(sorted((project / "models").rglob("*.sql"))))
    edited.write_text(edited.read_text() + "-- edited\n")
    t, m, c, _ = timed([*tool, "parse", *common], project, env)
    out["parse (1 file edited)"] = (t, m, c)
    t, m, c, _ = timed([*tool, "compile", *common], project, env)
    out["compile"] = (t, m, c)
    if not with_run:
        return out
    (project / "bench.duckdb").unlink(missing_ok=True)
    timed([*tool, "seed", *common], project, env)
    t, m, c, code = timed([*tool, "run", *common, "--threads", str(threads)], project, env)
    out[f"run --threads {threads}"] = (t, m, c)
    if code != 0:
        out["run exit code"] = (float(code), 0.0, 0.0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dbt", default=shutil.which("dbt", path=str(Path(sys.executable).parent)))
    parser.add_argument("--skip-dbt", action="store_true")
    parser.add_argument("--no-run", action="store_true", help="parse and compile only (no seed, run or floor)")
    args = parser.parse_args()
    dagwright = shutil.which("dagwright", path=str(Path(sys.executable).parent)) or "dagwright"
    tools = {"dagwright": [dagwright]}
    if args.dbt and not args.skip_dbt:
        # the tools run in the generated project's folder: a relative path must not depend on it
        tools["dbt-core"] = [str(Path(args.dbt).absolute()) if os.sep in args.dbt else args.dbt]
    results: dict[str, dict[str, list[Measure]]] = {name: {} for name in tools}
    floors: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, tool in tools.items():
            for repeat in range(args.repeats):
                # a fresh folder per repeat, and nothing deleted until the end: on ext4, files
                # created soon after many were deleted wait for a free inode (the allocator skips
                # inodes freed in the last minutes), which slowed whichever tool came next
                project = generate(Path(tmp) / f"{name}-{repeat}", args.models, threads=args.threads)
                pycache = Path(tmp) / "pycache"
                if repeat == 0:
                    warm_up(tool, project, pycache)
                measured = phases(tool, project, args.threads, name == "dbt-core", pycache, with_run=not args.no_run)
                for phase, value in measured.items():
                    results[name].setdefault(phase, []).append(value)
                if name == "dagwright" and not args.no_run:
                    # same file name, so the compiled "bench"."main"."x" names resolve
                    floor_db = Path(tmp) / "floor" / "bench.duckdb"
                    floor_db.parent.mkdir(exist_ok=True)
                    floor_db.unlink(missing_ok=True)
                    import duckdb

                    con = duckdb.connect(str(floor_db))
                    for seed in sorted((project / "seeds").glob("*.csv")):
                        con.execute(f'create table "main"."{seed.stem}" as select * from read_csv(?)', [str(seed)])
                    con.close()
                    floors.append(floor_seconds(project, floor_db))
    print(f"models={args.models} threads={args.threads} repeats={args.repeats} (medians; wall s, CPU s, peak RSS MB)")
    columns = "".join(f"{n + ' s':>14}{'cpu s':>8}{'MB':>6}" for n in tools)
    ratio = f"{'dbt/dagwright':>15}{'(cpu)':>8}" if "dbt-core" in tools else ""
    print(f"{'phase':<24}{columns}{ratio}")
    for phase in results["dagwright"]:
        row = f"{phase:<24}"
        medians: dict[str, tuple[float, float]] = {}
        for name in tools:
            values = results[name].get(phase, [])
            if not values:
                row += f"{'-':>14}{'-':>8}{'-':>6}"
                continue
            t = statistics.median(v[0] for v in values)
            m = statistics.median(v[1] for v in values)
            c = statistics.median(v[2] for v in values)
            medians[name] = (t, c)
            row += f"{t:>14.2f}{c:>8.2f}{m:>6.0f}"
        if "dbt-core" in medians and medians.get("dagwright"):
            (dbt_t, dbt_c), (dw_t, dw_c) = medians["dbt-core"], medians["dagwright"]
            row += f"{dbt_t / dw_t:>14.1f}x{dbt_c / dw_c:>7.1f}x"
        print(row)
    if floors:
        floor = statistics.median(floors)
        run = statistics.median(v[0] for v in results["dagwright"][f"run --threads {args.threads}"])
        print(f"raw SQL floor (duckdb module, DAG order): {floor:.2f} s; dagwright run / floor = {run / floor:.2f}")


if __name__ == "__main__":
    main()
