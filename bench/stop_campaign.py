"""The stop campaign (issue 22): signals at random moments, checked against the warehouse.

A generated project of ``--models`` table models in a random DAG (each holding the run's
``invocation_id`` and a short query over a series of numbers) is built once; then each try
starts ``dagwright run --threads N`` (N drawn from ``--threads``, e.g. ``1,2,4,8``), sends
SIGINT, SIGTERM or SIGKILL after a random delay, and checks that the three stories agree:

- SIGINT/SIGTERM: the exit code is the signal's (130/143) unless the run ended first;
  run_results.json is this run's (its invocation_id is in every table it calls built); a
  node is ``success`` exactly when its table holds this run's invocation_id, and every
  other node's table holds what it held before the try; the terminal's OK lines name
  exactly the ``success`` nodes; no temporary relation is left.
- SIGKILL: every table exists and holds either its previous version or this run's (no
  half-built, no lost relation).

``--engine duckdb`` (a DuckDB file), ``postgres`` (a throwaway server started here, as the
tests start one: tests/postgres/pgserver.py) or ``bigquery`` (the BigQuery emulator of
``.venv-bqemu``, started here as tests/bigquery/conftest.py starts it).

    .venv/bin/python bench/stop_campaign.py --engine postgres --tries 300 --threads 1,2,4,8 --models 200

prints one line per failed try and a summary (tries, failures by kind). ``tests/postgres/
test_pg_stop_campaign.py`` runs a few tries of it in the suite.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[1]
SIGNALS = {"SIGINT": (signal.SIGINT, 130), "SIGTERM": (signal.SIGTERM, 143), "SIGKILL": (signal.SIGKILL, None)}
TEMPORARY = ("__dbt_tmp", "__dbt_backup")


class Warehouse(Protocol):
    name: str

    def profile(self) -> str:
        """The ``dev`` output of profiles.yml (a YAML flow mapping)."""
        ...

    def work(self, rows: int) -> str:
        """A scalar subquery that takes a moment: the sum of ``rows`` numbers."""
        ...

    def tables(self) -> dict[str, str]:
        """Every relation of the schema, with the invocation id its rows hold."""
        ...


class DuckDBWarehouse:
    name = "duckdb"

    def __init__(self, root: Path) -> None:
        self.path = root / "wh.duckdb"

    def profile(self) -> str:
        return f"{{type: duckdb, path: '{self.path}', threads: 1}}"

    def work(self, rows: int) -> str:
        return f"(select sum(r) from range({rows}) t(r))"

    def tables(self) -> dict[str, str]:
        import duckdb

        conn = duckdb.connect(str(self.path), read_only=True)
        try:
            names = [r[0] for r in conn.execute("select table_name from information_schema.tables").fetchall()]
            return {n: conn.execute(f'select inv from "{n}"').fetchone()[0] for n in names}
        finally:
            conn.close()


@dataclass
class PostgresWarehouse:
    host: str
    port: int
    dbname: str
    user: str = "campaign"
    password: str = "campaign-password"
    name: str = "postgres"

    def profile(self) -> str:
        return (
            f"{{type: postgres, host: '{self.host}', port: {self.port}, user: {self.user}, "
            f"password: '{self.password}', dbname: {self.dbname}, schema: main, threads: 1}}"
        )

    def work(self, rows: int) -> str:
        return f"(select sum(r) from generate_series(1, {rows}) r)"

    def tables(self) -> dict[str, str]:
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=self.dbname, autocommit=True
        ) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "select table_name from information_schema.tables where table_schema = 'main'"
                ).fetchall()
            ]
            found: dict[str, str] = {}
            for name in names:
                row = conn.execute(f'select inv from main."{name}"').fetchone()
                found[name] = row[0] if row else ""
            return found


@dataclass
class BigQueryWarehouse:
    """A dataset ``main`` on the BigQuery emulator (``.venv-bqemu``), read back with the client."""

    endpoint: str
    project: str
    dataset: str = "main"
    name: str = "bigquery"

    def profile(self) -> str:
        return (
            f"{{type: bigquery, method: oauth-secrets, token: fake-token, project: '{self.project}', "
            f"dataset: {self.dataset}, api_endpoint: '{self.endpoint}', threads: 1}}"
        )

    def work(self, rows: int) -> str:
        return f"(select sum(r) from unnest(generate_array(1, {rows})) r)"

    def tables(self) -> dict[str, str]:
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        client = bigquery.Client(
            project=self.project,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=self.endpoint),
        )
        try:
            names = [t.table_id for t in client.list_tables(f"{self.project}.{self.dataset}")]
            found = {n: "" for n in names}
            readable = [n for n in names if not n.endswith(TEMPORARY)]
            # one job reads every table's invocation id (the emulator is slow per job)
            for start in range(0, len(readable), 100):
                union = " union all ".join(
                    f"select '{n}' as name, max(inv) as inv from `{self.project}.{self.dataset}.{n}`"
                    for n in readable[start : start + 100]
                )
                for row in client.query(union).result():
                    found[row["name"]] = row["inv"] or ""
            return found
        finally:
            client.close()


@contextmanager
def bigquery_warehouse(root: Path) -> Iterator[BigQueryWarehouse]:
    """The emulator, started as tests/bigquery/conftest.py starts it (.ci/bigquery_emulator.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bigquery_emulator", ROOT / ".ci" / "bigquery_emulator.py")
    assert spec is not None and spec.loader is not None
    tools = importlib.util.module_from_spec(spec)
    sys.modules["bigquery_emulator"] = tools
    spec.loader.exec_module(tools)
    emulator = tools.start(root.parent / "bqemu", "campaign-project")
    try:
        yield BigQueryWarehouse(emulator.endpoint, emulator.project)
    finally:
        emulator.stop()


@contextmanager
def postgres_warehouse(dbname: str = "campaign") -> Iterator[PostgresWarehouse]:
    """A throwaway server (tests/postgres/pgserver.py) with one database for the campaign."""
    sys.path.insert(0, str(ROOT / "tests" / "postgres"))
    from pgserver import running_server

    with running_server() as server:
        warehouse = PostgresWarehouse(server.host, server.port, dbname)
        server.create_role(warehouse.user, warehouse.password)
        server.create_database(dbname, warehouse.user)
        yield warehouse


def make_project(root: Path, warehouse: Warehouse, models: int, rng: random.Random) -> None:
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text(
        "name: campaign\nversion: '1.0'\nconfig-version: 2\nprofile: campaign\n"
        "models:\n  campaign:\n    +materialized: table\n",
        encoding="utf-8",
    )
    (root / "profiles.yml").write_text(
        f"campaign:\n  target: dev\n  outputs:\n    dev: {warehouse.profile()}\n", encoding="utf-8"
    )
    for i in range(models):
        parents = rng.sample(range(i), k=min(i, rng.choice((0, 1, 1, 2, 3))))
        work = warehouse.work(rng.choice((1_000, 50_000, 300_000)))
        reads = " ".join(f"cross join (select count(*) from {{{{ ref('m{p:04d}') }}}}) p{p}" for p in parents)
        (root / "models" / f"m{i:04d}.sql").write_text(
            f"select '{{{{ invocation_id }}}}' as inv, {work} as work from (select 1 as one) s {reads}\n",
            encoding="utf-8",
        )


def start_run(root: Path, threads: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "dagwright", "run", "--threads", str(threads), "--project-dir", str(root)]
    return subprocess.Popen(
        [*args, "--profiles-dir", str(root)], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def check(
    root: Path, warehouse: Warehouse, kind: str, code: int, out: str, before: dict[str, str], started: float
) -> list[str]:
    after = warehouse.tables()
    problems = []
    lost = sorted(set(before) - set(after))
    if lost:
        problems.append(f"tables lost: {lost[:5]}")
    stray = sorted(n for n in after if n.endswith(TEMPORARY))
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
        if name.endswith(TEMPORARY):
            continue
        if name in succeeded and inv != invocation:
            problems.append(f"{name}: success, but its table is not this run's")
        if name not in succeeded and inv == invocation:
            problems.append(f"{name}: not success, but its table is this run's")
        if name not in succeeded and inv != before.get(name):
            problems.append(f"{name}: not success, and its table changed")
    printed = set(re.findall(r"OK created sql table model \S*?main\.(m\d{4})", out))
    if printed != succeeded:
        problems.append(f"terminal OK lines {len(printed)} != run_results success {len(succeeded)}")
    return problems


@dataclass
class Outcome:
    tries: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    early: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(self.failures.values())


def campaign(
    root: Path,
    warehouse: Warehouse,
    *,
    tries: int,
    threads: list[int],
    models: int,
    seed: int,
    kinds: list[str],
    say: Callable[[str], object] = print,
    progress: int = 0,
    max_seconds: float | None = None,
) -> Outcome:
    """Build the project once, then ``tries`` signalled runs, each checked; no try starts
    ``max_seconds`` after the first one did (a slow engine's campaign in a time budget)."""
    rng = random.Random(seed)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    outcome = Outcome()
    make_project(root, warehouse, models, rng)
    full: dict[int, float] = {}  # a whole run's time per thread count: the signal comes within it
    for n in sorted(set(threads), reverse=True):
        t0 = time.monotonic()
        first = start_run(root, n, env)
        _, err = first.communicate()
        full[n] = time.monotonic() - t0
        if first.returncode != 0:
            raise RuntimeError(f"the first build failed: {err.decode(errors='replace')[-2000:]}")
    timings = ", ".join(f"{n} threads {s:.1f} s" for n, s in sorted(full.items()))
    say(f"{warehouse.name}: {models} models, full run {timings}; {tries} tries")
    began = time.monotonic()
    for i in range(tries):
        if max_seconds is not None and time.monotonic() - began > max_seconds:
            say(f"time budget spent after {i} tries")
            break
        kind = kinds[i % len(kinds)]
        n = rng.choice(threads)
        before = warehouse.tables()
        delay = rng.uniform(0, full[n] * 1.1)
        started = time.time()
        proc = start_run(root, n, env)
        time.sleep(delay)
        proc.send_signal(SIGNALS[kind][0])
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            problems = ["hung: no exit within 120 s of the signal"]
        else:
            problems = []
        outcome.tries += 1
        text = err.decode(errors="replace")
        if (
            not problems
            and not out
            and ("KeyboardInterrupt" in text or (proc.returncode == -signal.SIGTERM and not text))
        ):
            # the signal came while the interpreter started, before dagwright's first line
            # (early_signals) could run: Python's own default; counted apart
            outcome.early += 1
            continue
        problems += check(root, warehouse, kind, proc.returncode, out.decode(errors="replace"), before, started - 1)
        if problems:
            outcome.failures[kind] = outcome.failures.get(kind, 0) + 1
            line = f"try {i + 1} {kind} threads {n} after {delay:.2f} s: " + "; ".join(problems[:4])
            outcome.lines.append(line)
            say(line)
            for tail in text.strip().splitlines()[-3:]:
                say(f"    stderr: {tail}")
        if progress and (i + 1) % progress == 0:
            say(f"{i + 1} tries, {outcome.failed} failed, {outcome.early} before dagwright's first line so far")
        if (kind == "SIGKILL" or problems) and i + 1 < tries:
            # a fresh build, so the next try starts from every table in place
            rebuild = start_run(root, max(threads), env)
            rebuild.communicate()
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("duckdb", "postgres", "bigquery"), default="duckdb")
    parser.add_argument("--tries", type=int, default=30)
    parser.add_argument("--threads", default="8", help="thread counts to draw from, e.g. 1,2,4,8")
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--signals", default="SIGINT,SIGTERM,SIGKILL")
    parser.add_argument("--max-minutes", type=float, default=None, help="start no try after this many minutes")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    with tempfile.TemporaryDirectory(prefix="stop-campaign-") as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        with warehouse_for(args.engine, root) as warehouse:
            outcome = campaign(
                root,
                warehouse,
                tries=args.tries,
                threads=threads,
                models=args.models,
                seed=args.seed,
                kinds=args.signals.split(","),
                progress=25,
                max_seconds=args.max_minutes * 60 if args.max_minutes else None,
            )
    print(
        f"{outcome.tries} tries, {outcome.failed} failed " + (json.dumps(outcome.failures) if outcome.failures else "")
    )
    if outcome.early:
        print(f"{outcome.early} signals came while the interpreter started, before dagwright's first line")
    return 1 if outcome.failed else 0


@contextmanager
def warehouse_for(engine: str, root: Path) -> Iterator[Warehouse]:
    if engine == "duckdb":
        yield DuckDBWarehouse(root)
    elif engine == "postgres":
        with postgres_warehouse() as warehouse:
            yield warehouse
    else:
        with bigquery_warehouse(root) as warehouse:
            yield warehouse


if __name__ == "__main__":
    sys.exit(main())
