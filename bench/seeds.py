"""Seeds at bulk-load speed (issue 21): ``seed`` of one generated CSV, dagwright against
dbt-core, and against the engine's own bulk load of the same file (the floor).

The seed has mixed columns (integers, a float column with nulls, dates, timestamps,
booleans with blanks, text with quotes, commas, empty strings and non-ASCII). For each
engine and row count it runs, each in its own process, timed by the kernel (wall, CPU of
the process: user + system, and its peak resident memory):

- ``floor``: the engine's native load of the file into a table of the seed's types: DuckDB
  ``COPY t FROM 'file'``; PostgreSQL ``COPY t FROM STDIN (FORMAT csv, HEADER)`` with the
  file's bytes streamed by psycopg; BigQuery (the local emulator, tests/bigquery) one load
  job of the file (CSV, header skipped, the seed's schema);
- ``dagwright seed`` (``--dagwright``: the command, so an older checkout can be measured
  as ``python -m dagwright`` with its ``src`` on PYTHONPATH);
- ``dbt seed`` (``--dbt``, ``--dbt-bigquery`` on BigQuery; none: skipped).

On PostgreSQL a throwaway server is started (tests/postgres/pgserver.py), on BigQuery the
emulator (.ci/bigquery_emulator.py, ``make bigquery-emulator``); the CPU columns are the
client's (the server's work is the same load for all three).

    python bench/seeds.py [--rows 100000 1000000] [--engines duckdb postgres bigquery]
        [--repeats 1] [--dbt .venv/bin/dbt] [--dbt-bigquery .venv-dbtbigquery/bin/dbt]
        [--dagwright .venv/bin/dagwright]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "postgres"))

COLUMNS = "id integer, amount integer, price double, day date, ts timestamp, flag boolean, name varchar, code varchar"
PG_COLUMNS = "id integer, amount integer, price float8, day date, ts timestamp, flag boolean, name text, code text"
BQ_COLUMNS = "id:INT64 amount:INT64 price:FLOAT64 day:DATE ts:DATETIME flag:BOOLEAN name:STRING code:STRING"
WORDS = ["alpha", "beta", 'say "hi"', "Zürich", "naïve, café", "", "line", "日本語", "x'y", "null"]


def write_seed(path: Path, rows: int) -> None:
    rng = random.Random(21)
    base = dt.datetime(2020, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,amount,price,day,ts,flag,name,code\n")
        for i in range(rows):
            word = rng.choice(WORDS)
            name = '"' + word.replace('"', '""') + '"' if any(c in word for c in ',"') else word
            price = "" if i % 97 == 0 else f"{rng.uniform(-1000, 1000):.2f}"
            day = (base + dt.timedelta(days=rng.randint(0, 2000))).date().isoformat()
            ts = (base + dt.timedelta(seconds=rng.randint(0, 10**8))).isoformat(sep=" ")
            flag = rng.choice(["true", "false", ""])
            amount = rng.randint(-(10**6), 10**6)
            out.write(f"{i},{amount},{price},{day},{ts},{flag},{name},C{rng.randint(0, 999):03d}\n")


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall s, CPU s, peak RSS MiB, output) of one process, from the kernel."""
    import time

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{shlex.join(cmd)} failed ({proc.returncode}):\n{output.decode(errors='replace')[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, output.decode(errors="replace")


DUCKDB_FLOOR = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("set enable_progress_bar = false")
con.execute("create or replace table floor ({columns})")
cpu, wall = time.process_time(), time.perf_counter()
con.execute("copy floor from '" + sys.argv[2].replace("'", "''") + "' (format csv, header true)")
print(f"load {{time.process_time() - cpu:.2f}} {{time.perf_counter() - wall:.2f}}")
"""

PG_FLOOR = """
import psycopg, sys, time
with psycopg.connect(sys.argv[1]) as con, con.cursor() as cur:
    cur.execute("drop table if exists floor")
    cur.execute("create table floor ({columns})")
    cpu, wall = time.process_time(), time.perf_counter()
    with open(sys.argv[2], "rb") as f, cur.copy("copy floor from stdin (format csv, header)") as copy:
        while block := f.read(1 << 20):
            copy.write(block)
    print(f"load {{time.process_time() - cpu:.2f}} {{time.perf_counter() - wall:.2f}}")
"""


BQ_FLOOR = """
import sys, time
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
endpoint, project, dataset, path = sys.argv[1:5]
options = ClientOptions(api_endpoint=endpoint)
client = bigquery.Client(project=project, credentials=AnonymousCredentials(), client_options=options)
client.create_dataset(dataset, exists_ok=True)
schema = [bigquery.SchemaField(*field.split(":")) for field in "{columns}".split()]
config = bigquery.LoadJobConfig(
    source_format="CSV", skip_leading_rows=1, schema=schema, write_disposition="WRITE_TRUNCATE"
)
cpu, wall = time.process_time(), time.perf_counter()
with open(path, "rb") as f:
    client.load_table_from_file(f, f"{{project}}.{{dataset}}.floor", job_config=config).result()
print(f"load {{time.process_time() - cpu:.2f}} {{time.perf_counter() - wall:.2f}}")
"""


def project(root: Path, seed: Path, profile: str) -> Path:
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    shutil.copy(seed, root / "seeds" / "big.csv")
    (root / "dbt_project.yml").write_text("name: seedbench\nprofile: seedbench\nconfig-version: 2\n")
    (root / "profiles.yml").write_text(profile)
    return root


def measure(args: argparse.Namespace, engine: str, rows: int, tmp: Path, env: dict[str, str], server: Any) -> None:
    pg = server
    seed = tmp / f"seed_{rows}.csv"
    if not seed.exists():
        write_seed(seed, rows)
    runs: dict[str, list[tuple[float, float, int, str]]] = {}
    for repeat in range(args.repeats):
        base = tmp / f"{engine}_{rows}_{repeat}"
        if engine == "duckdb":
            floor = [sys.executable, "-c", DUCKDB_FLOOR.format(columns=COLUMNS), str(base) + "_floor.duckdb", str(seed)]

            def profile(tool: str, base: Path = base) -> str:
                path = f"{base}_{tool}.duckdb"
                return f"seedbench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: {path}\n"
        elif engine == "bigquery":
            dataset = f"seeds_{rows}_{repeat}"
            floor = [sys.executable, "-c", BQ_FLOOR.format(columns=BQ_COLUMNS), server.endpoint, server.project]
            floor += [dataset + "_floor", str(seed)]

            def profile(tool: str, dataset: str = dataset) -> str:
                return (
                    "seedbench:\n  target: dev\n  outputs:\n    dev:\n      type: bigquery\n"
                    f"      method: oauth-secrets\n      token: fake-token\n      project: {server.project}\n"  # type: ignore[attr-defined]
                    f"      dataset: {dataset}_{tool}\n      api_endpoint: {server.endpoint}\n"  # type: ignore[attr-defined]
                    "      location: US\n      threads: 1\n"
                )
        else:
            dbname = f"seeds_{rows}_{repeat}"
            pg.create_database(dbname, "bench")  # type: ignore[attr-defined]
            dsn = f"host={pg.host} port={pg.port} user=bench password=bench-password dbname={dbname}"  # type: ignore[attr-defined]
            floor = [sys.executable, "-c", PG_FLOOR.format(columns=PG_COLUMNS), dsn, str(seed)]

            def profile(tool: str, dbname: str = dbname) -> str:
                return (
                    "seedbench:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
                    f"      host: {pg.host}\n      port: {pg.port}\n      user: bench\n"  # type: ignore[attr-defined]
                    f"      password: bench-password\n      dbname: {dbname}\n      schema: {tool}\n      threads: 1\n"
                )

        runs.setdefault("floor", []).append(timed(floor, tmp, env))
        tools = {"dagwright": shlex.split(args.dagwright)}
        dbt = args.dbt_bigquery if engine == "bigquery" else args.dbt
        if dbt:
            tools["dbt-core"] = [dbt]
        for tool, cmd in tools.items():
            root = project(base / tool, seed, profile(tool.replace("-", "_")))
            runs.setdefault(tool, []).append(timed([*cmd, "seed", "--profiles-dir", str(root)], root, env))
    floor_cpu = min(r[1] for r in runs["floor"])
    for tool, results in runs.items():
        wall, cpu, rss, output = min(results, key=lambda r: r[1])
        note = ""
        if tool == "floor":  # the load statement alone, inside the process (client CPU, wall)
            _, load_cpu, load_wall = output.splitlines()[-1].split()[:3]
            note = f"the load alone: {load_cpu} s CPU, {load_wall} s wall"
        print(
            f"| {engine} | {rows:,} | {tool} | {wall:.2f} | {cpu:.2f} | {cpu / floor_cpu:.1f}x | {rss} | {note} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--engines", nargs="+", default=["duckdb", "postgres"], choices=["duckdb", "postgres", "bigquery"]
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--dbt", default=str(ROOT / ".venv" / "bin" / "dbt"), help="dbt executable ('' to skip)")
    parser.add_argument(
        "--dbt-bigquery", default=str(ROOT / ".venv-dbtbigquery" / "bin" / "dbt"), help="dbt with dbt-bigquery"
    )
    parser.add_argument("--dagwright", default=str(ROOT / ".venv" / "bin" / "dagwright"))
    args = parser.parse_args()
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    print("| engine | rows | tool | wall s | CPU s | CPU / floor | peak RSS MiB | |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="dagwright-seeds-") as name:
        tmp = Path(name)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        with contextlib.ExitStack() as stack:
            server = emulator = None
            if "postgres" in args.engines:
                from pgserver import running_server

                server = stack.enter_context(running_server())
                server.create_role("bench", "bench-password")
            if "bigquery" in args.engines:
                sys.path.insert(0, str(ROOT / ".ci"))
                import bigquery_emulator

                emulator = stack.enter_context(bigquery_emulator.start(tmp / "bqemu", "bench-project"))
            for engine in args.engines:
                for rows in args.rows:
                    measure(args, engine, rows, tmp, env, emulator if engine == "bigquery" else server)


if __name__ == "__main__":
    main()
