"""One Spark for the stop and compat tests on Spark: a classic ``local[2]`` SparkSession in the
test process that also serves Spark Connect on a free loopback port.

Classic runs go through ``dagwright.api`` in this process (``method: session`` reuses the
active session); CLI subprocesses and the dbt-spark oracle reach the same JVM and the same
catalog over Spark Connect, so no test starts a second JVM (10-15 s each on 2 cores).

``SparkWorkspace`` is ``stop_helpers.Workspace`` with its warehouse in that catalog: the same
CLI helpers, and the warehouse questions (invocation ids, temporary relations) answered by
Spark, so ``check_article_run`` applies unchanged. The article's relations are named
``main.*`` and ``main_staging.*`` as on the other engines; each test gets them afresh
(``reset_article_schemas``), so the article tests run one after the other.

The session comes from conftest's ``spark`` fixture (which skips without PySpark or Java).
"""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from stop_helpers import ARTICLE, SMOOTH_VARS, Workspace

HERE = Path(__file__).resolve().parent
ARTICLE_OVERLAY = HERE / "projects" / "article_overlay"
CONNECT_PLUGIN = "org.apache.spark.sql.connect.SparkConnectPlugin"

#: the article's schemas (ARTICLE_MODELS), dropped before each article test
ARTICLE_SCHEMAS = ("main", "main_staging")
#: beta_a's failure on Spark: the overlay's fail_point raises this through raise_error()
SPARK_FAIL_ERROR = ("error", "~fail_point: model_beta_a failed at")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SparkServer:
    """The test session's SparkSession (classic) and the Spark Connect endpoint it serves."""

    spark: Any
    connect_port: int

    @property
    def connect_url(self) -> str:
        # "localhost", not 127.0.0.1: PySpark only sends a token over a local channel to localhost
        return f"sc://localhost:{self.connect_port}"

    def sql(self, text: str) -> list[tuple[Any, ...]]:
        # a new session (same JVM and catalog) per query: a session caches the file listing of
        # each table it read, and does not see another session (a Connect client's) replace
        # the table, so a reused one fails with FILE_NOT_EXIST or reads stale rows
        return [tuple(row) for row in self.spark.newSession().sql(text).collect()]

    def active_jobs(self) -> list[int]:
        return [int(j) for j in self.spark.sparkContext._jsc.statusTracker().getActiveJobIds()]

    def wait_no_active_jobs(self, timeout: float = 2.0) -> list[int]:
        """The ids of jobs still running after ``timeout`` (a job's end event trails its result a little)."""
        deadline = time.monotonic() + timeout
        while (jobs := self.active_jobs()) and time.monotonic() < deadline:
            time.sleep(0.02)
        return jobs

    def wait_active_jobs(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.active_jobs()) < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


def serve_connect(spark: Any) -> int:
    """Serve Spark Connect from the running classic session (its JVM, its catalog): the port.

    A classic session and a Connect client cannot live in one Python process, but one JVM can
    run both services: the in-process session reads what Connect clients (dagwright and dbt
    subprocesses) wrote, with no second JVM and no client subprocess per query."""
    conf = spark.sparkContext.getConf()
    if CONNECT_PLUGIN in (conf.get("spark.plugins") or ""):
        return int(conf.get("spark.connect.grpc.binding.port") or 15002)
    port = free_port()
    context = spark.sparkContext._jsc.sc()
    # the service reads its address and port from the context's live configuration on start
    context.conf().set("spark.connect.grpc.binding.address", "127.0.0.1")
    context.conf().set("spark.connect.grpc.binding.port", str(port))
    spark._jvm.org.apache.spark.sql.connect.service.SparkConnectService.start(context)
    return port


@pytest.fixture(scope="session")
def spark_server(spark: Any) -> SparkServer:
    """conftest's shared ``spark`` session, also serving Spark Connect (stopped with it)."""
    return SparkServer(spark, serve_connect(spark))


# -- workspaces --------------------------------------------------------------------------------
def profiles_text(profile: str, server: SparkServer, method: str, schema: str = "main", threads: int = 2) -> str:
    if method == "connect":
        where = f"      method: connect\n      host: {json.dumps(server.connect_url)}\n"
    elif method == "session":
        where = "      method: session\n      master: local[2]\n"
    else:
        raise ValueError(method)
    return (
        f"{profile}:\n  target: dev\n  outputs:\n    dev:\n      type: spark\n{where}"
        f"      schema: {schema}\n      threads: {threads}\n"
    )


class SparkWorkspace(Workspace):
    """A project dir and profiles dir under one tmp dir; the warehouse is the shared Spark catalog."""

    def __init__(self, root: Path, profiles_dir: Path, server: SparkServer, method: str) -> None:
        super().__init__(root, profiles_dir, root.parent / "unused.duckdb")
        self.server = server
        self.method = method

    def api(self, command: str, **options: Any) -> str:
        """``command`` through ``dagwright.api`` in this process (``method: session`` reuses the
        shared session); its terminal output. Fails the test unless every node succeeded."""
        import dagwright.api

        handle = dagwright.api.start(
            command, project_dir=str(self.root), profiles_dir=str(self.profiles_dir), **options
        )
        summary = handle.wait(300)
        assert not summary.failed and summary.stop_kind is None, handle.output
        return handle.output

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        assert not params, "Spark queries here take no parameters"
        return self.server.sql(sql)

    def relations(self, schemas: Iterable[str]) -> dict[tuple[str, str], str]:
        """(schema, name) -> 'table' / 'view' for the persistent relations of ``schemas``."""
        existing = {str(r[0]).lower() for r in self.server.sql("show schemas")}
        out: dict[tuple[str, str], str] = {}
        for schema in schemas:
            if schema.lower() not in existing:
                continue
            views = {str(r[1]).lower() for r in self.server.sql(f"show views in `{schema}`") if not r[2]}
            for _ns, name, temporary in self.server.sql(f"show tables in `{schema}`"):
                if not temporary:
                    out[(schema, str(name))] = "view" if str(name).lower() in views else "table"
        return out

    def invocation_ids(self, relations: Iterable[tuple[str, str]]) -> dict[tuple[str, str], frozenset[str] | None]:
        wanted = list(relations)
        existing = self.relations({schema for schema, _ in wanted})
        out: dict[tuple[str, str], frozenset[str] | None] = {}
        for schema, name in wanted:
            if (schema, name) not in existing:
                out[(schema, name)] = None
                continue
            rows = self.server.sql(f"select distinct invocation_id from `{schema}`.`{name}`")
            out[(schema, name)] = frozenset(str(r[0]) for r in rows)
        return out

    def temp_relations(self) -> list[tuple[str, str]]:
        found = self.relations(ARTICLE_SCHEMAS)
        return sorted(k for k in found if "__dbt_tmp" in k[1] or "__dbt_backup" in k[1])


def copy_article_spark(dest: Path) -> None:
    """examples/article with the Spark overlay (projects/article_overlay) laid over it."""
    shutil.copytree(ARTICLE, dest, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb", "*.wal"))
    for path in ARTICLE_OVERLAY.rglob("*"):
        if path.is_file() and path.name != "README.md":
            target = dest / path.relative_to(ARTICLE_OVERLAY)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def article_spark_workspace(
    tmp: Path, server: SparkServer, method: str = "connect", threads: int = 2
) -> SparkWorkspace:
    base = tmp / "article"
    root = base / "project"
    copy_article_spark(root)
    profiles = base / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    (profiles / "profiles.yml").write_text(profiles_text("article", server, method, threads=threads), encoding="utf-8")
    return SparkWorkspace(root, profiles, server, method)


def drop_schemas(server: SparkServer, schemas: Iterable[str]) -> None:
    for schema in schemas:
        server.sql(f"drop schema if exists `{schema}` cascade")


def reset_article_schemas(server: SparkServer) -> None:
    """Nothing of an earlier test's article left, and no job of it still running."""
    leftover = server.wait_no_active_jobs(timeout=5)
    assert not leftover, f"Spark jobs of an earlier test still running: {leftover}"
    drop_schemas(server, ARTICLE_SCHEMAS)


# -- templates: the article seeded / built once, copied into main.* for each test ---------------
@dataclass(frozen=True)
class SparkTemplate:
    """A saved copy of the article warehouse (tables under ``<prefix>_<schema>``, views as their
    SQL text), its target/ folder, and the invocation that built its models (None: seeds only)."""

    prefix: str
    tables: tuple[tuple[str, str], ...]
    views: tuple[tuple[str, str, str], ...]  # (schema, name, create statement)
    target: Path
    invocation_id: str | None
    run_results: dict[str, Any]


def save_template(ws: SparkWorkspace, prefix: str, invocation_id: str | None) -> SparkTemplate:
    server = ws.server
    found = ws.relations(ARTICLE_SCHEMAS)
    tables, views = [], []
    for (schema, name), kind in sorted(found.items()):
        if kind == "table":
            server.sql(f"create schema if not exists `{prefix}_{schema}`")
            server.sql(f"create table `{prefix}_{schema}`.`{name}` as select * from `{schema}`.`{name}`")
            tables.append((schema, name))
        else:
            text = str(server.sql(f"show create table `{schema}`.`{name}`")[0][0])
            views.append((schema, name, text))
    saved = Path(tempfile.mkdtemp(prefix=f"spark-{prefix}-")) / "target"
    shutil.copytree(ws.target, saved)
    return SparkTemplate(prefix, tuple(tables), tuple(views), saved, invocation_id, ws.run_results())


def restore_template(ws: SparkWorkspace, template: SparkTemplate) -> None:
    server = ws.server
    reset_article_schemas(server)
    for schema in ARTICLE_SCHEMAS:
        server.sql(f"create schema if not exists `{schema}`")
    for schema, name in template.tables:
        server.sql(f"create table `{schema}`.`{name}` as select * from `{template.prefix}_{schema}`.`{name}`")
    for _schema, _name, text in template.views:
        server.sql(text)
    # the shared session (dagwright's own in the classic tests) may still hold the file listing
    # of an earlier test's table of the same name, written since by a Connect session: forget it
    for schema, name, *_ in (*template.tables, *template.views):
        server.spark.catalog.refreshTable(f"`{schema}`.`{name}`")
    shutil.copytree(template.target, ws.target, dirs_exist_ok=True)


def build_templates(server: SparkServer, base: Path) -> dict[str, SparkTemplate]:
    """``seeded``: the article's seeds loaded; ``built``: then a smooth run with the issue's
    durations (1 thread, so the recorded durations are clean: beta_a ~1 s, beta_b ~3 s)."""
    out: dict[str, SparkTemplate] = {}
    reset_article_schemas(server)
    # in this process, on the shared session: no Python + PySpark start-up per command
    ws = article_spark_workspace(base / "templates", server, "session")
    ws.api("seed")
    out["seeded"] = save_template(ws, "tmpl_seeded", None)
    ws.api("run", threads=1, vars=yaml.safe_load(SMOOTH_VARS))
    rr = ws.run_results()
    assert {r["status"] for r in rr["results"]} == {"success"}, rr
    took = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in rr["results"]}
    # burn() works: beta_b's 3 s outlast beta_a's 1 s (the other models' times vary with the load)
    assert took["model_beta_b"] > took["model_beta_a"] >= 1.0, took
    out["built"] = save_template(ws, "tmpl_built", rr["metadata"]["invocation_id"])
    return out


def article_spark_from(
    tmp: Path, server: SparkServer, template: SparkTemplate, method: str = "connect"
) -> SparkWorkspace:
    ws = article_spark_workspace(tmp, server, method)
    restore_template(ws, template)
    return ws


def write_twin_project(
    tool: str, root: Path, server: SparkServer, schema: str, files: dict[str, str]
) -> dict[str, str]:
    """One side of a dagwright/dbt-spark comparison: ``files`` and a profile at ``root``, and
    the environment to run the tool in (dbt-spark's session method becomes a Connect client
    with SPARK_REMOTE; dagwright connects to the same server)."""
    import os

    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    if tool == "dbt":
        where = "      method: session\n      host: NA\n"
    else:
        where = f'      method: connect\n      host: "{server.connect_url}"\n'
    profile = f"proj:\n  target: dev\n  outputs:\n    dev:\n      type: spark\n{where}      schema: {schema}\n"
    (root / "profiles.yml").write_text(profile + "      threads: 1\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "SPARK_"))}
    env["PYTHONWARNINGS"] = "ignore"
    if tool == "dbt":
        env["SPARK_REMOTE"] = server.connect_url
    return env


def run_tool(executable: str, root: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    """``executable ARGS`` on the project at ``root``: (exit code, stdout + stderr)."""
    import subprocess

    done = subprocess.run(
        [executable, *args, "--project-dir", str(root), "--profiles-dir", str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr
