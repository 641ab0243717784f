"""Statements per node and wall time of ``run`` on PostgreSQL, on a generated project.

Starts a throwaway PostgreSQL server (tests/postgres/pgserver.py: initdb + pg_ctl on a free
loopback port), writes a generated project (bench/gen_project.py) with a postgres profile,
seeds it and builds it once, then times ``run`` (every relation exists: the rebuild path,
rename swap and all) and counts what reaches the server during one more run, from the
server's own statement log (``log_min_duration_statement = 0`` for the bench role): round trips, and
the catalog look-ups among them (statements reading pg_class / information_schema), and
the time the server spent executing them. Beside them, the one-round-trip ideal: the DAG's
makespan on the same threads when every model costs one round trip plus the server time
its own statements took (the query comment names the node), as a runner sending each
model as one script would take; and round trips per model counted per node.

    python bench/pg_statements.py [--models 200] [--repeats 3] [--threads 4] [--latency-ms 1 5 20] [--dbt PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "postgres"))
sys.path.insert(0, str(ROOT / "bench"))

from gen_project import generate  # noqa: E402
from pgserver import PostgresServer, find_bindir  # noqa: E402

ROLE, PASSWORD = "bench", "bench-password"
#: a catalog look-up: what a run asks about relations and columns rather than doing work
CATALOG = re.compile(r"pg_catalog\.pg_class|information_schema\.|pg_catalog\.pg_depend|from pg_tables|pg_views")


class LatencyProxy:
    """A loopback TCP proxy in front of the server that holds every answer back for ``delay``
    seconds (in order): a network round trip of that length, without touching the machine's
    network settings."""

    def __init__(self, server: PostgresServer, delay: float) -> None:
        self.server, self.delay = server, delay
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.port = 0

        async def serve() -> None:
            listener = await asyncio.start_server(self._client, "127.0.0.1", 0)
            self.port = listener.sockets[0].getsockname()[1]
            started.set()
            async with listener:
                await listener.serve_forever()

        threading.Thread(target=lambda: self.loop.run_until_complete(serve()), daemon=True).start()
        started.wait(10)

    async def _client(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(self.server.host, self.server.port)
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def upstream() -> None:
            while data := await client_r.read(65536):
                server_w.write(data)
                await server_w.drain()
            server_w.close()

        async def downstream() -> None:
            while data := await server_r.read(65536):
                queue.put_nowait((self.loop.time() + self.delay, data))
            queue.put_nowait((0.0, b""))

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - self.loop.time()))
                client_w.write(data)
                await client_w.drain()
            client_w.close()

        await asyncio.gather(upstream(), downstream(), deliver(), return_exceptions=True)


def profile(server: PostgresServer, dbname: str, threads: int, port: int | None = None) -> str:
    return (
        "bench:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
        f"      host: {server.host}\n      port: {port or server.port}\n      user: {ROLE}\n"
        f"      password: {PASSWORD}\n      dbname: {dbname}\n      schema: main\n      threads: {threads}\n"
    )


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed


def logged_statements(log: Path, start: int) -> list[tuple[str, float]]:
    """(statement, server milliseconds) of what the server logged after byte ``start``: one
    entry per query sent; a parameterised one's parse and bind time is added to it."""
    text = log.read_bytes()[start:].decode(errors="replace")
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text)
    out: list[tuple[str, float]] = []
    pending = 0.0
    for entry in entries:
        found = re.search(r" LOG:  duration: ([\d.]+) ms  (statement|execute|parse|bind)[^:]*: (.*)", entry, re.DOTALL)
        if not found:
            continue
        ms, phase, sql = float(found.group(1)), found.group(2), found.group(3)
        if phase in ("parse", "bind"):
            pending += ms
            continue
        out.append((sql, ms + pending))
        pending = 0.0
    return out


NODE_ID = re.compile(r'"node_id": "(model\.[^"]+)"')


def per_model(statements: list[tuple[str, float]]) -> tuple[dict[str, int], dict[str, float]]:
    """Round trips and server milliseconds of each model, from the query comments."""
    trips: dict[str, int] = {}
    ms_of: dict[str, float] = {}
    for sql, ms in statements:
        found = NODE_ID.search(sql)
        if found:
            node = found.group(1)
            trips[node] = trips.get(node, 0) + 1
            ms_of[node] = ms_of.get(node, 0.0) + ms
    return trips, ms_of


def ideal_makespan(manifest: dict, cost: dict[str, float], threads: int) -> float:
    """The DAG of the models on ``threads`` workers, each taking ``cost`` seconds, scheduled
    by longest path to the end first (as dagwright's scheduler is): the finish time."""
    models = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    parents = {uid: [p for p in manifest["nodes"][uid]["depends_on"]["nodes"] if p in models] for uid in models}
    children: dict[str, list[str]] = {uid: [] for uid in models}
    for uid, ps in parents.items():
        for p in ps:
            children[p].append(uid)
    tail: dict[str, float] = {}

    def path(uid: str) -> float:
        if uid not in tail:
            tail[uid] = cost.get(uid, 0.0) + max((path(c) for c in children[uid]), default=0.0)
        return tail[uid]

    waiting = {uid: len(ps) for uid, ps in parents.items()}
    ready = [(-path(uid), uid) for uid, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    running: list[tuple[float, str]] = []
    now = 0.0
    while ready or running:
        while ready and len(running) < threads:
            _, uid = heapq.heappop(ready)
            heapq.heappush(running, (now + cost.get(uid, 0.0), uid))
        now, done = heapq.heappop(running)
        for c in children[done]:
            waiting[c] -= 1
            if waiting[c] == 0:
                heapq.heappush(ready, (-path(c), c))
    return now


def measure(
    tool: str, cmd: list[str], server: PostgresServer, args: argparse.Namespace, tmp: Path, port: int | None
) -> dict:
    project = generate(tmp / f"{tool}-{args.latency_ms}", args.models, threads=args.threads)
    dbname = f"bench_{tool.replace('-', '_')}_{round(args.latency_ms * 1000)}"
    server.create_database(dbname, ROLE)
    (project / "profiles.yml").write_text(profile(server, dbname, args.threads, port), encoding="utf-8")
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_PROFILES_DIR=str(project))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    run([*cmd, "seed", "--profiles-dir", str(project)], project, env)
    first = run([*cmd, "run", "--profiles-dir", str(project)], project, env)
    times, elapsed, cpu = [], [], []
    for _ in range(args.repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(run([*cmd, "run", "--profiles-dir", str(project)], project, env))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        # the run's own time (run_results.json): no interpreter start, no parse
        elapsed.append(json.loads((project / "target" / "run_results.json").read_text())["elapsed_time"])
    server.admin(f'alter role "{ROLE}" set log_min_duration_statement = 0')
    try:
        offset = server.logfile.stat().st_size
        run([*cmd, "run", "--profiles-dir", str(project)], project, env)
        time.sleep(0.5)  # the logging collector is asynchronous
        statements = logged_statements(server.logfile, offset)
    finally:
        server.admin(f'alter role "{ROLE}" reset log_min_duration_statement')
    if args.dump is not None and tool == "dagwright":
        args.dump.write_text("".join(f"\n-- ---- {ms:.2f} ms\n{sql}" for sql, ms in statements), encoding="utf-8")
    catalog = [ms for sql, ms in statements if CATALOG.search(sql)]
    trips, ms_of = per_model(statements)
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    latency = args.latency_ms / 1000
    ideal = ideal_makespan(manifest, {uid: latency + ms / 1000 for uid, ms in ms_of.items()}, args.threads)
    return {
        "latency ms": args.latency_ms,
        "first run s": round(first, 2),
        "rebuild run s (median)": round(statistics.median(times), 2),
        "rebuild runs s": [round(t, 2) for t in times],
        "rebuild cpu s (median)": round(statistics.median(cpu), 2),
        "rebuild elapsed_time s (median)": round(statistics.median(elapsed), 3),
        "round trips": len(statements),
        "round trips per model": round(len(statements) / args.models, 2),
        "catalog look-ups": len(catalog),
        "catalog look-ups per model": round(len(catalog) / args.models, 2),
        "server ms in all statements": round(sum(ms for _sql, ms in statements), 1),
        "server ms in catalog look-ups": round(sum(catalog), 1),
        "models' round trips per model": round(sum(trips.values()) / max(1, len(trips)), 2),
        "most round trips of a model": max(trips.values(), default=0),
        "one-round-trip ideal s": round(ideal, 3),
        "rebuild elapsed_time / ideal": round(statistics.median(elapsed) / ideal, 2) if ideal else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--dbt", help="also measure this dbt executable (dbt-postgres installed)")
    parser.add_argument(
        "--latency-ms", type=float, nargs="+", default=[0.0], help="answers held back this long; each, if several"
    )
    parser.add_argument("--dump", type=Path, help="write dagwright's logged statements of the counted run here")
    args = parser.parse_args()
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries (initdb, pg_ctl); apt-get install postgresql-15")
    latencies = list(args.latency_ms)
    tmp = Path(tempfile.mkdtemp(prefix="dagwright-bench-pgstmt-"))
    server = PostgresServer(bindir, Path(tempfile.mkdtemp(prefix="dagwright-bench-pg-"))).start()
    try:
        server.create_role(ROLE, PASSWORD)
        dagwright = shutil.which("dagwright", path=str(Path(sys.executable).parent)) or "dagwright"
        tools = {"dagwright": [dagwright]}
        if args.dbt:
            tools["dbt-core"] = [str(Path(args.dbt).resolve()) if Path(args.dbt).exists() else args.dbt]
        for latency in latencies:
            args.latency_ms = latency
            proxy = LatencyProxy(server, latency / 1000) if latency else None
            results = {}
            for name, cmd in tools.items():
                results[name] = measure(name, cmd, server, args, tmp, proxy.port if proxy else None)
                print(name, json.dumps(results[name]), flush=True)
            if "dbt-core" in results:
                ratio = results["dbt-core"]["rebuild run s (median)"] / results["dagwright"]["rebuild run s (median)"]
                print(f"latency {latency} ms: dbt-core / dagwright (rebuild wall, median) = {ratio:.2f}x", flush=True)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
