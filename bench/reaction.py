"""Fail-fast reaction time on the article DAG, dagwright beside dbt-core.

model_beta_a fails after ~1 s of work while model_beta_b is running a ~3 s query
(2 threads, --fail-fast). Reported per tool, as medians over the repeats:
- cancel: from the stop to the moment no statement is in flight (dagwright records it
  in run_results.json metadata.stop.cancel_seconds);
- exit: from the failing node's end (its execute timing) to the end of the process.

    python bench/reaction.py [--repeats 5] [--dbt PATH_TO_DBT] [--engine duckdb|postgres]

With ``--engine postgres`` the same DAG runs on a throwaway PostgreSQL server that the
benchmark starts itself (tests/postgres/pgserver.py: initdb + pg_ctl on a free loopback
port), one database per repeat, with the article's PostgreSQL overlay
(tests/postgres/projects/article_overlay: pg_sleep for the durations); dbt-core runs with
dbt-postgres there.

With ``--engine spark`` (classic: ``method: session``, one JVM per command, the catalog kept
in a Derby metastore under the repeat's warehouse dir) or ``--engine spark-connect`` (one
Spark Connect server for the benchmark, started from tests/spark/connect_server.py), the DAG
runs with the Spark overlay (tests/spark/projects/article_overlay: Thread.sleep for the
durations, raise_error for the failure); dbt-core runs with dbt-spark's session method
(over Connect through SPARK_REMOTE), from ``--dbt`` or .venv-dbtspark (``make spark-oracle``).

With ``--engine bigquery`` the DAG runs on the local BigQuery emulator (``make
bigquery-emulator``), which the benchmark starts itself, one BigQuery project per repeat, with
the BigQuery overlay (tests/bigquery/projects/article_overlay: small cross joins the emulator
cancels in tens of milliseconds); dbt-core runs with dbt-bigquery from ``--dbt`` or
.venv-dbtbigquery (``make bigquery-oracle``). There the reaction is also measured as the
issue states it: from the failing job's error (model_beta_a's end) to every in-flight job
seen DONE (model_beta_b's end, which comes from its job's final state).
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "article"
VARS = "{fail_model: model_beta_a, durations: {model_beta_a: 1, model_beta_b: 3}}"


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


OVERLAY = ROOT / "tests" / "postgres" / "projects" / "article_overlay"


class Engine:
    """DuckDB: the example's own profile, one file per repeat."""

    name = "duckdb"

    def prepare(self, workdir: Path, tool: str = "dagwright") -> dict[str, str]:
        shutil.copytree(EXAMPLE, workdir, ignore=shutil.ignore_patterns("target", "*.duckdb*", "logs"))
        return dict(os.environ, DAGWRIGHT_DEMO_DB=str(workdir / "bench.duckdb"))

    def close(self) -> None:
        pass


class PostgresEngine(Engine):
    """A throwaway server for the whole benchmark, one database per repeat."""

    name = "postgres"

    def __init__(self) -> None:
        sys.path.insert(0, str(ROOT / "tests" / "postgres"))
        from pgserver import PostgresServer, find_bindir

        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("no PostgreSQL server binaries (initdb, pg_ctl); apt-get install postgresql-15")
        self.server = PostgresServer(bindir, Path(tempfile.mkdtemp(prefix="dagwright-bench-pg-"))).start()
        self.server.create_role("bench", "bench-password")
        self.count = 0

    def prepare(self, workdir: Path, tool: str = "dagwright") -> dict[str, str]:
        shutil.copytree(EXAMPLE, workdir, ignore=shutil.ignore_patterns("target", "*.duckdb*", "logs"))
        for path in OVERLAY.rglob("*"):
            if path.is_file() and path.name != "README.md":
                shutil.copy2(path, workdir / path.relative_to(OVERLAY))
        self.count += 1
        dbname = f"bench_{self.count}"
        self.server.create_database(dbname, "bench")
        (workdir / "profiles.yml").write_text(
            "article:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
            f"      host: {self.server.host}\n      port: {self.server.port}\n      user: bench\n"
            f"      password: bench-password\n      dbname: {dbname}\n      schema: main\n      threads: 2\n",
            encoding="utf-8",
        )
        return dict(os.environ)

    def close(self) -> None:
        self.server.stop()


SPARK_OVERLAY = ROOT / "tests" / "spark" / "projects" / "article_overlay"


class SparkEngine(Engine):
    """Classic Spark: each command builds its own local[2] SparkSession (a JVM start), the
    catalog kept in a Derby metastore in the repeat's directory so seed, run and the measured
    run see the same tables."""

    name = "spark"

    def prepare(self, workdir: Path, tool: str = "dagwright") -> dict[str, str]:
        shutil.copytree(EXAMPLE, workdir, ignore=shutil.ignore_patterns("target", "*.duckdb*", "logs"))
        for path in SPARK_OVERLAY.rglob("*"):
            if path.is_file() and path.name != "README.md":
                shutil.copy2(path, workdir / path.relative_to(SPARK_OVERLAY))
        (workdir / "profiles.yml").write_text(self.profile(workdir, tool), encoding="utf-8")
        return {k: v for k, v in os.environ.items() if not k.startswith("SPARK_")}

    def profile(self, workdir: Path, tool: str) -> str:
        head = (
            "article:\n  target: dev\n  outputs:\n    dev:\n      type: spark\n      schema: main\n      threads: 2\n"
        )
        if tool == "dagwright":
            return (
                head + f"      method: session\n      master: local[2]\n      warehouse_dir: {workdir / 'warehouse'}\n"
            )
        # dbt-spark: enableHiveSupport() with metastore_db/ and spark-warehouse/ in the working dir
        return head + "      method: session\n      host: NA\n"


class SparkConnectEngine(SparkEngine):
    """One Spark Connect server (local[2]) for the whole benchmark, a schema per repeat."""

    name = "spark-connect"

    def __init__(self) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.warehouse = Path(tempfile.mkdtemp(prefix="dagwright-bench-spark-"))
        self.server = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "spark" / "connect_server.py"), str(self.port), str(self.warehouse)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.server.stdout is not None
        if self.server.stdout.readline().strip() != "ready":
            raise SystemExit("the Spark Connect server did not start")
        self.count = 0

    def prepare(self, workdir: Path, tool: str = "dagwright") -> dict[str, str]:
        env = super().prepare(workdir, tool)
        if tool != "dagwright":  # PySpark's builder returns a Connect session when SPARK_REMOTE is set
            env["SPARK_REMOTE"] = f"sc://localhost:{self.port}"
        return env

    def profile(self, workdir: Path, tool: str) -> str:
        self.count += 1
        schema = f"bench_{self.count}"
        head = "article:\n  target: dev\n  outputs:\n    dev:\n      type: spark\n"
        head += f"      schema: {schema}\n      threads: 2\n"
        if tool == "dagwright":
            return head + f"      method: connect\n      host: sc://localhost:{self.port}\n"
        return head + "      method: session\n      host: NA\n"

    def close(self) -> None:
        assert self.server.stdin is not None
        self.server.stdin.close()
        try:
            self.server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.server.kill()
        shutil.rmtree(self.warehouse, ignore_errors=True)


BQ_OVERLAY = ROOT / "tests" / "bigquery" / "projects" / "article_overlay"


def load_emulator_tools() -> Any:
    """.ci/bigquery_emulator.py, the code that installs, starts and stops the emulator."""
    import importlib.util

    if "bigquery_emulator" in sys.modules:
        return sys.modules["bigquery_emulator"]
    spec = importlib.util.spec_from_file_location("bigquery_emulator", ROOT / ".ci" / "bigquery_emulator.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bigquery_emulator"] = module
    spec.loader.exec_module(module)
    return module


class BigQueryEngine(Engine):
    """One emulator for the whole benchmark, a BigQuery project per repeat (and per tool)."""

    name = "bigquery"

    def __init__(self) -> None:
        tools = load_emulator_tools()
        if not tools.installed():
            raise SystemExit("no BigQuery emulator: run `make bigquery-emulator`")
        self.state = Path(tempfile.mkdtemp(prefix="dagwright-bench-bq-"))
        self.emulator = tools.start(self.state, "bench")
        self.count = 0

    def prepare(self, workdir: Path, tool: str = "dagwright", legacy: bool = False) -> dict[str, str]:
        """``legacy``: a dbt-bigquery older than 1.9, which has no ``api_endpoint`` and reaches
        the emulator through BIGQUERY_EMULATOR_HOST."""
        shutil.copytree(EXAMPLE, workdir, ignore=shutil.ignore_patterns("target", "*.duckdb*", "logs"))
        for path in BQ_OVERLAY.rglob("*"):
            if path.is_file() and path.name != "README.md":
                target = workdir / path.relative_to(BQ_OVERLAY)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
        self.count += 1
        self.project = f"bench-{os.getpid()}-{self.count}"
        endpoint = "" if legacy else f"      api_endpoint: {self.emulator.endpoint}\n"
        (workdir / "profiles.yml").write_text(
            "article:\n  target: dev\n  outputs:\n    dev:\n      type: bigquery\n      method: oauth-secrets\n"
            f"      token: fake-token-for-the-emulator\n      project: {self.project}\n      dataset: main\n"
            f"      location: US\n{endpoint}      threads: 2\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BIGQUERY_", "GOOGLE_", "DBT_"))}
        env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        if legacy:
            env["BIGQUERY_EMULATOR_HOST"] = self.emulator.endpoint
        return env

    def close(self) -> None:
        self.emulator.stop()
        shutil.rmtree(self.state, ignore_errors=True)


def run_once(tool: list[str], workdir: Path, env: dict[str, str]) -> dict[str, float | str | None]:
    base = [*tool, "--project-dir", str(workdir), "--profiles-dir", str(workdir)]
    subprocess.run([base[0], "seed", *base[1:]], env=env, cwd=workdir, capture_output=True, check=True)
    subprocess.run([base[0], "run", *base[1:], "--threads", "2"], env=env, cwd=workdir, capture_output=True, check=True)
    start = time.time()
    proc = subprocess.run(
        [base[0], "run", *base[1:], "--threads", "2", "--fail-fast", "--vars", VARS],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    end = time.time()
    results = json.loads((workdir / "target" / "run_results.json").read_text())
    by_id = {r["unique_id"]: r for r in results["results"]}
    beta_a = by_id["model.article.model_beta_a"]
    failed_at = max(_ts(t["completed_at"]) for t in beta_a["timing"])
    stop = (results.get("args") or {}).get("dagwright", {}).get("stop") or results["metadata"].get("stop") or {}
    beta_b = by_id.get("model.article.model_beta_b", {})
    beta_b_end = [_ts(t["completed_at"]) for t in beta_b.get("timing") or [] if t["name"] == "execute"]
    return {
        "error_to_in_flight_done_s": beta_b_end[0] - failed_at if beta_b_end else None,
        "exit_code": proc.returncode,
        "exit_after_failure_s": end - failed_at,
        "cancel_s": stop.get("cancel_seconds"),
        "beta_b_status": beta_b.get("status"),
        "wall_s": end - start,
    }


def bench(name: str, tool: list[str], repeats: int, engine: Engine) -> None:
    rows = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp) / "article"
            env = engine.prepare(workdir, "dagwright" if name == "dagwright" else "dbt")
            rows.append(run_once(tool, workdir, env))
    exits = [float(r["exit_after_failure_s"]) for r in rows]
    cancels = [float(r["cancel_s"]) for r in rows if r["cancel_s"] is not None]
    print(f"{name} on {engine.name}: repeats={repeats}")
    print(f"  beta_b status: {sorted({str(r['beta_b_status']) for r in rows})}")
    print(f"  exit codes:    {sorted({int(r['exit_code']) for r in rows})}")
    print(
        f"  failure -> process exit: median {statistics.median(exits) * 1000:.0f} ms "
        f"(min {min(exits) * 1000:.0f}, max {max(exits) * 1000:.0f})"
    )
    reactions = [float(r["error_to_in_flight_done_s"]) for r in rows if r["error_to_in_flight_done_s"] is not None]
    if reactions and engine.name == "bigquery":
        print(
            f"  failing job's error -> in-flight job seen DONE: median {statistics.median(reactions) * 1000:.0f} ms "
            f"(min {min(reactions) * 1000:.0f}, max {max(reactions) * 1000:.0f})"
        )
    if cancels:
        print(
            f"  stop -> no statement in flight: median {statistics.median(cancels) * 1000:.1f} ms "
            f"(max {max(cancels) * 1000:.1f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dbt", default=shutil.which("dbt", path=str(Path(sys.executable).parent)))
    parser.add_argument(
        "--engine", choices=("duckdb", "postgres", "spark", "spark-connect", "bigquery"), default="duckdb"
    )
    args = parser.parse_args()
    if args.engine.startswith("spark"):
        # dbt-spark lives in a venv of its own (make spark-oracle), not beside dagwright
        oracle = os.environ.get("DAGWRIGHT_DBT_SPARK") or str(ROOT / ".venv-dbtspark" / "bin" / "dbt")
        if args.dbt == parser.get_default("dbt"):
            args.dbt = oracle if Path(oracle).is_file() else None
    if args.engine == "bigquery" and args.dbt == parser.get_default("dbt"):
        oracle = os.environ.get("DAGWRIGHT_DBT_BIGQUERY") or str(ROOT / ".venv-dbtbigquery" / "bin" / "dbt")
        args.dbt = oracle if Path(oracle).is_file() else None
    engines = {
        "postgres": PostgresEngine,
        "spark": SparkEngine,
        "spark-connect": SparkConnectEngine,
        "bigquery": BigQueryEngine,
    }
    engine = engines.get(args.engine, Engine)()
    try:
        dagwright = shutil.which("dagwright", path=str(Path(sys.executable).parent)) or "dagwright"
        bench("dagwright", [dagwright], args.repeats, engine)
        if args.dbt:
            bench("dbt-core", [args.dbt], args.repeats, engine)
        else:
            adapter = "spark" if args.engine.startswith("spark") else args.engine
            print(f"dbt-core: not installed (pip install 'dbt-core>=1.11,<1.12' dbt-{adapter}) — skipped")
    finally:
        engine.close()


if __name__ == "__main__":
    main()
