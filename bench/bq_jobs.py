"""BigQuery: jobs and API calls per model, dagwright beside dbt-bigquery (issue 21, item 2).

A generated project (``--tables`` table models in a chain of small DAGs, ``--views`` views over
them, one incremental model over a seed, one seed, two tests) is built with ``build`` twice
(the second run takes the incremental's merge path and re-loads the seed) by dagwright and
by dbt-bigquery (``.venv-dbtbigquery/bin/dbt``), each in a dataset of its own on one BigQuery
emulator (``.venv-bqemu``, started as tests/bigquery/conftest.py starts it). Both tools talk
to the emulator through a counting HTTP proxy started here, which sorts every request by its
REST method (``POST jobs`` = jobs.insert, ``GET datasets/{id}/tables/{id}`` = tables.get, ...)
and, with ``--latency-ms``, holds each request that long before forwarding it (a remote
warehouse's round trip).

    .venv/bin/python bench/bq_jobs.py --tables 20 --views 10 --latency-ms 0,20

prints, per tool, run and latency: the wall time, the jobs submitted (by statement kind) and
every API call by method, each also per node (models + seed + tests).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DBT_BIGQUERY = ROOT / ".venv-dbtbigquery" / "bin" / "dbt"
DAGWRIGHT = [sys.executable, "-m", "dagwright"]
PROJECT = "bq-jobs-bench"
_COLLECTIONS = {"datasets", "tables", "jobs", "queries", "models", "routines", "cancel", "data", "insertAll"}
_NOT_FORWARDED = ("host", "connection", "accept-encoding", "content-length")


def api_method(method: str, path: str) -> str:
    """``GET datasets/{id}/tables/{id}`` for ``GET /bigquery/v2/projects/p/datasets/d/tables/t?...``."""
    path = urlsplit(path).path
    upload = path.startswith("/upload/")
    tail = path.split("/projects/", 1)[-1].split("/")[1:]  # past the project id
    parts = [p if p in _COLLECTIONS else "{id}" for p in tail]
    return f"{method} {'upload ' if upload else ''}{'/'.join(parts)}"


def job_kind(body: bytes) -> str:
    """What a jobs.insert submits: ``query: create``, ``query: merge``, ``load``, ``copy``..."""
    try:
        config = json.loads(body).get("configuration", {})
    except ValueError:
        return "load (multipart upload)"
    if "query" in config:
        sql = re.sub(r"/\*.*?\*/|--[^\n]*", " ", config["query"].get("query", ""), flags=re.S)
        words = sql.split()
        return "query: " + " ".join(words[:1]).lower() if words else "query: (empty)"
    return next(iter(config), "other")


def job_sql(body: bytes) -> str:
    try:
        query = json.loads(body).get("configuration", {}).get("query", {}).get("query", "")
    except ValueError:
        return "(upload)"
    return " ".join(re.sub(r"/\*.*?\*/", " ", query, flags=re.S).split())[:110]


@dataclass
class Counts:
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    jobs: collections.Counter[str] = field(default_factory=collections.Counter)
    #: every request in order (method, and a job's first SQL words): ``--verbose`` prints them
    seen: list[str] = field(default_factory=list)


class CountingProxy:
    """Forwards every request to the emulator, counting it; ``latency`` s added to each."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.latency = 0.0
        self.counts = Counts()
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxy.handle(self, "GET")

            def do_POST(self) -> None:
                proxy.handle(self, "POST")

            def do_PUT(self) -> None:
                proxy.handle(self, "PUT")

            def do_PATCH(self) -> None:
                proxy.handle(self, "PATCH")

            def do_DELETE(self) -> None:
                proxy.handle(self, "DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def take(self) -> Counts:
        with self.lock:
            counts, self.counts = self.counts, Counts()
        return counts

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        name = api_method(method, request.path)
        with self.lock:
            self.counts.calls[name] += 1
            entry = name
            if method == "POST" and name.endswith(" jobs"):
                self.counts.jobs[job_kind(body)] += 1
                entry += " " + job_sql(body)
            elif "tables/{id}" in name:
                entry += " " + urlsplit(request.path).path.rsplit("/", 1)[-1]
            self.counts.seen.append(entry)
        if self.latency:
            time.sleep(self.latency)
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=300)
        try:
            sent = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
            conn.request(method, request.path, body=body or None, headers=sent)
            response = conn.getresponse()
            status, headers, payload = response.status, response.getheaders(), response.read()
        finally:
            conn.close()
        request.send_response(status)
        for key, value in headers:
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                request.send_header(key, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)


def make_project(root: Path, tables: int, views: int) -> int:
    """Write the project; return its node count (models + seed + tests)."""
    models = root / "models"
    models.mkdir(parents=True, exist_ok=True)
    (root / "seeds").mkdir(exist_ok=True)
    (root / "dbt_project.yml").write_text(
        "name: bq_jobs\nversion: '1.0'\nconfig-version: 2\nprofile: bq_jobs\n"
        "models:\n  bq_jobs:\n    +materialized: table\n",
        encoding="utf-8",
    )
    rows = "\n".join(f"{i},name {i},{i * 1.5}" for i in range(1, 21))
    (root / "seeds" / "people.csv").write_text(f"id,name,score\n{rows}\n", encoding="utf-8")
    for i in range(tables):
        parent = f"cross join (select count(*) as n from {{{{ ref('t{i - 1:03d}') }}}})" if i % 5 else ""
        (models / f"t{i:03d}.sql").write_text(
            f"select {i} as id, 'row {i}' as label from (select 1 as one) s {parent}\n",
            encoding="utf-8",
        )
    for i in range(views):
        (models / f"v{i:03d}.sql").write_text(
            f"{{{{ config(materialized='view') }}}}\nselect * from {{{{ ref('t{i % tables:03d}') }}}}\n",
            encoding="utf-8",
        )
    (models / "incr.sql").write_text(
        "{{ config(materialized='incremental', unique_key='id') }}\n"
        "select id, name, score from {{ ref('people') }}\n"
        "{% if is_incremental() %}where id >= (select max(id) - 5 from {{ this }}){% endif %}\n",
        encoding="utf-8",
    )
    (models / "schema.yml").write_text(
        "version: 2\nmodels:\n  - name: incr\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n",
        encoding="utf-8",
    )
    return tables + views + 1 + 1 + 2


def write_profile(directory: Path, endpoint: str, dataset: str, threads: int) -> None:
    fields = {
        "type": "bigquery",
        "method": "oauth-secrets",
        "token": "fake-oauth-token",
        "project": PROJECT,
        "dataset": dataset,
        "api_endpoint": endpoint,
        "threads": threads,
    }
    lines = ["bq_jobs:", "  target: dev", "  outputs:", "    dev:"]
    lines += [f"      {k}: {json.dumps(v)}" for k, v in fields.items()]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "profiles.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_tool(tool: str, project: Path, profiles: Path) -> tuple[int, float, float, str]:
    """(exit, wall s, CPU s of the tool's process, output tail)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGWRIGHT_", "GOOGLE_"))}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DO_NOT_TRACK"] = "1"
    command = [str(DBT_BIGQUERY)] if tool == "dbt-bigquery" else list(DAGWRIGHT)
    command += ["build", "--project-dir", str(project), "--profiles-dir", str(profiles)]
    before = os.times()
    t0 = time.monotonic()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=1800, check=False)
    wall = time.monotonic() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return done.returncode, wall, cpu, (done.stdout + done.stderr)[-1500:]


def load_emulator_tools() -> Any:
    spec = importlib.util.spec_from_file_location("bigquery_emulator", ROOT / ".ci" / "bigquery_emulator.py")
    assert spec is not None and spec.loader is not None
    tools = importlib.util.module_from_spec(spec)
    sys.modules["bigquery_emulator"] = tools
    spec.loader.exec_module(tools)
    return tools


def report(tool: str, run: str, latency_ms: int, nodes: int, wall: float, cpu: float, counts: Counts) -> str:
    calls = sum(counts.calls.values())
    jobs = sum(counts.jobs.values())
    lines = [
        f"{tool:12s} {run:6s} {latency_ms:3d} ms: {wall:6.1f} s wall, {cpu:5.1f} s CPU, "
        f"{jobs} jobs ({jobs / nodes:.2f}/node), {calls} API calls ({calls / nodes:.2f}/node)",
        "    jobs: " + ", ".join(f"{k} {v}" for k, v in counts.jobs.most_common()),
        "    calls: " + ", ".join(f"{k} {v}" for k, v in counts.calls.most_common()),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=20)
    parser.add_argument("--views", type=int, default=10)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--latency-ms", default="0", help="added per request, e.g. 0,20")
    parser.add_argument("--tools", default="dagwright,dbt-bigquery")
    parser.add_argument("--verbose", action="store_true", help="print every request")
    args = parser.parse_args()
    tools = load_emulator_tools()
    with tempfile.TemporaryDirectory(prefix="bq-jobs-") as tmp:
        root = Path(tmp)
        emulator = tools.start(root / "emulator", PROJECT)
        proxy = CountingProxy(emulator.endpoint)
        try:
            print(f"{args.tables} tables, {args.views} views, 1 incremental, 1 seed, 2 tests; {args.threads} threads")
            for latency_ms in (int(x) for x in args.latency_ms.split(",")):
                proxy.latency = latency_ms / 1000
                for tool in args.tools.split(","):
                    name = f"{tool.replace('-', '_')}_{latency_ms}"
                    project = root / name
                    nodes = make_project(project, args.tables, args.views)
                    write_profile(project, proxy.endpoint, name, args.threads)
                    for run in ("first", "second"):
                        proxy.take()
                        code, wall, cpu, tail = run_tool(tool, project, project)
                        counts = proxy.take()
                        if code != 0:
                            print(f"{tool} {run}: exit {code}\n{tail}")
                            return 1
                        print(report(tool, run, latency_ms, nodes, wall, cpu, counts), flush=True)
                        if args.verbose:
                            print("\n".join(f"      {line}" for line in counts.seen))
        finally:
            proxy.close()
            emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
