"""Fixtures for the PostgreSQL tests: one real server per test session, one database per test.

The server is started by ``pg_server`` (initdb + pg_ctl on a free loopback port, as the
``postgres`` user when running as root; see pgserver.py) and stopped at the end of the
session. Without the server binaries the PostgreSQL tests are skipped, with the reason;
in CI (``CI=true``) or with ``DAGWRIGHT_PG_REQUIRED=1`` that is an error instead.

``PgWorkspace`` is ``stop_helpers.Workspace`` with its warehouse on the server: the same
CLI helpers, and the warehouse queries (invocation ids, temporary relations) answered by
PostgreSQL, so the stop helpers' checks (``check_article_run``) apply unchanged.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stop_helpers import ARTICLE, SMOOTH_VARS, Workspace

from .pgserver import PostgresServer, ServerUnavailable, find_bindir, running_server

HERE = Path(__file__).resolve().parent
ARTICLE_OVERLAY = HERE / "projects" / "article_overlay"

ROLE = "dagwright"
#: the role's password: tests assert it never shows up in output or artifacts
PASSWORD = "Pg-s3cret-Pa55word"
REQUIRED_ENV = "DAGWRIGHT_PG_REQUIRED"


def _required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get(REQUIRED_ENV, "") not in ("", "0")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        why = "psycopg is not installed: pip install -e '.[postgres]'"
        if _required():
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    if find_bindir() is None:
        why = "PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql-15"
        if _required():
            pytest.fail(f"{why} (required: CI=true or {REQUIRED_ENV}=1)", pytrace=False)
        pytest.skip(why)
    try:
        with running_server() as server:
            server.create_role(ROLE, PASSWORD)
            yield server
    except ServerUnavailable as exc:
        if _required():
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))


_counter = itertools.count(1)
_counter_lock = threading.Lock()


def new_db_name(prefix: str = "t") -> str:
    with _counter_lock:
        return f"{prefix}_{os.getpid()}_{next(_counter)}"


@pytest.fixture
def pg_db(pg_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database owned by the test role, dropped afterwards."""
    name = new_db_name()
    pg_server.create_database(name, ROLE)
    yield name
    pg_server.drop_database(name)


def profiles_text(
    profile: str,
    server: PostgresServer,
    dbname: str,
    threads: int = 1,
    *,
    password: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """A profiles.yml with one `dev` output of type postgres (values JSON-quoted)."""
    fields: dict[str, Any] = {
        "type": "postgres",
        "host": server.host,
        "port": server.port,
        "user": ROLE,
        "password": PASSWORD if password is None else password,
        "dbname": dbname,
        "schema": "main",
        "threads": threads,
        **(extra or {}),
    }
    lines = [f"{profile}:", "  target: dev", "  outputs:", "    dev:"]
    lines += [f"      {k}: {json.dumps(v) if not isinstance(v, int) else v}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


def connect(server: PostgresServer, dbname: str) -> Any:
    import psycopg

    return psycopg.connect(
        host=server.host, port=server.port, user=ROLE, password=PASSWORD, dbname=dbname, autocommit=True
    )


class PgWorkspace(Workspace):
    """A project dir and profiles dir under one tmp dir, the warehouse a database on the server."""

    def __init__(self, root: Path, profiles_dir: Path, server: PostgresServer, dbname: str) -> None:
        super().__init__(root, profiles_dir, root.parent / "unused.duckdb")
        self.server = server
        self.dbname = dbname

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with connect(self.server, self.dbname) as conn:
            cur = conn.execute(sql, list(params) if params is not None else None)
            return cur.fetchall() if cur.description else []

    def relations(self) -> dict[tuple[str, str], str]:
        """(schema, name) -> 'table' / 'view' / 'materialized view' outside the system schemas."""
        rows = self.query(
            "select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where c.relkind in ('r', 'v', 'm', 'p') and n.nspname not in ('pg_catalog', 'information_schema') "
            "and n.nspname not like 'pg_toast%'"
        )
        kinds = {"r": "table", "p": "table", "v": "view", "m": "materialized view"}
        return {(str(s), str(n)): kinds[k] for s, n, k in rows}

    def invocation_ids(self, relations: Iterable[tuple[str, str]]) -> dict[tuple[str, str], frozenset[str] | None]:
        existing = self.relations()
        out: dict[tuple[str, str], frozenset[str] | None] = {}
        for schema, name in relations:
            if (schema, name) not in existing:
                out[(schema, name)] = None
                continue
            rows = self.query(f'select distinct invocation_id from "{schema}"."{name}"')
            out[(schema, name)] = frozenset(str(r[0]) for r in rows)
        return out

    def temp_relations(self) -> list[tuple[str, str]]:
        return sorted(k for k in self.relations() if "__dbt_tmp" in k[1] or "__dbt_backup" in k[1])


def write_pg_profiles(ws_base: Path, profile: str, server: PostgresServer, dbname: str, threads: int) -> Path:
    profiles = ws_base / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    (profiles / "profiles.yml").write_text(profiles_text(profile, server, dbname, threads), encoding="utf-8")
    return profiles


def copy_article_pg(dest: Path) -> None:
    """examples/article with the PostgreSQL overlay (projects/article_overlay) laid over it."""
    shutil.copytree(ARTICLE, dest, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb", "*.wal"))
    for path in ARTICLE_OVERLAY.rglob("*"):
        if path.is_file() and path.name != "README.md":
            target = dest / path.relative_to(ARTICLE_OVERLAY)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def article_pg_workspace(tmp: Path, server: PostgresServer, dbname: str, threads: int = 2) -> PgWorkspace:
    base = tmp / "article"
    root = base / "project"
    copy_article_pg(root)
    profiles = write_pg_profiles(base, "article", server, dbname, threads)
    return PgWorkspace(root, profiles, server, dbname)


#: a minimal dbt_project.yml for a project named proj
PROJ_YML = """\
name: proj
version: "1.0.0"
config-version: 2
profile: proj
"""


def proj_workspace(tmp: Path, server: PostgresServer, dbname: str, files: Mapping[str, str], threads: int = 2):
    """``pg_project_workspace`` of a project named proj; ``files`` may replace its dbt_project.yml."""
    return pg_project_workspace(tmp, server, dbname, "proj", {"dbt_project.yml": PROJ_YML, **files}, threads)


def pg_project_workspace(
    tmp: Path, server: PostgresServer, dbname: str, name: str, files: Mapping[str, str], threads: int = 1
) -> PgWorkspace:
    import textwrap

    base = tmp / name
    root = base / "project"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    profiles = write_pg_profiles(base, name, server, dbname, threads)
    return PgWorkspace(root, profiles, server, dbname)


@dataclass(frozen=True)
class PgTemplate:
    """A template database holding the article warehouse, its target/ folder, and the
    invocation that built its models (None: only the seeds)."""

    dbname: str
    target: Path
    invocation_id: str | None
    run_results: dict[str, Any]


@pytest.fixture(scope="session")
def pg_article_templates(pg_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PgTemplate]:
    """``seeded``: the article's seeds loaded; ``built``: then a smooth run with the issue's
    durations (1 thread, so the recorded durations are clean: beta_a 1 s, beta_b 3 s)."""
    base = tmp_path_factory.mktemp("pg-article-templates")
    out: dict[str, PgTemplate] = {}
    for kind in ("seeded", "built"):
        dbname = f"tmpl_article_{kind}"
        pg_server.create_database(dbname, ROLE)
        ws = article_pg_workspace(base / kind, pg_server, dbname)
        ws.ok("seed")
        invocation = None
        if kind == "built":
            ws.ok("run", "--threads", "1", "--vars", SMOOTH_VARS)
            rr = ws.run_results()
            assert {r["status"] for r in rr["results"]} == {"success"}, rr
            took = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in rr["results"]}
            assert took["model_beta_b"] > took["model_beta_a"] > took["model_gamma_a"], took
            invocation = rr["metadata"]["invocation_id"]
        out[kind] = PgTemplate(dbname, ws.target, invocation, ws.run_results())
    return out


def article_pg_from(tmp: Path, server: PostgresServer, template: PgTemplate) -> PgWorkspace:
    """A workspace on a fresh copy of the template's database, with its target/."""
    dbname = new_db_name("a")
    server.create_database(dbname, ROLE, template=template.dbname)
    ws = article_pg_workspace(tmp, server, dbname)
    shutil.copytree(template.target, ws.target, dirs_exist_ok=True)
    return ws
