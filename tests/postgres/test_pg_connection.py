"""The postgres profile, bad connection settings and secrets, against the real server.

- dbt-postgres's keys (host, port, user, password, dbname, schema, threads,
  connect_timeout, keepalives_idle, sslmode, search_path, role) are read and used.
- An unreachable server, a wrong password, a missing database, role or user: exit 2, one
  message naming host, port and user (never the password), no traceback, no
  run_results.json, nothing created on the server.
- The password (literal, through env_var, through a DBT_ENV_SECRET_ variable) never
  appears in the output of run/seed/debug, nor in any file under target/.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from .conftest import PASSWORD, ROLE, PgWorkspace, pg_project_workspace, profiles_text
from .pgserver import free_port

pytestmark = pytest.mark.postgres

MODELS = {
    "dbt_project.yml": """\
        name: proj
        version: "1.0.0"
        config-version: 2
        profile: proj
        """,
    "models/a_model.sql": (
        "{{ config(materialized='table') }}\n"
        "select 1 as id, current_user::text as who, current_setting('search_path') as path,\n"
        "current_setting('application_name') as app\n"
    ),
    "models/b_model.sql": "select id from {{ ref('a_model') }}\n",
    "seeds/people.csv": "id,name\n1,Ada\n2,Alan\n",
}


def _workspace(tmp_path: Path, pg_server, dbname: str, **extra) -> PgWorkspace:
    ws = pg_project_workspace(tmp_path, pg_server, dbname, "proj", MODELS)
    password = extra.pop("password", None)
    text = profiles_text("proj", pg_server, dbname, 2, password=password, extra=extra)
    (ws.profiles_dir / "profiles.yml").write_text(text, encoding="utf-8")
    return ws


def test_all_profile_keys(tmp_path: Path, pg_server, pg_db: str) -> None:
    pg_server.admin(f'create role "{pg_db}_writer" nologin; grant "{pg_db}_writer" to "{ROLE}"')
    pg_server.admin(f'grant create on database "{pg_db}" to "{pg_db}_writer"')
    ws = _workspace(
        tmp_path,
        pg_server,
        pg_db,
        connect_timeout=5,
        keepalives_idle=30,
        sslmode="disable",
        search_path="main, public",
        role=f"{pg_db}_writer",
        application_name="nightly-build",
    )
    debug = ws.run("debug")
    assert debug.code == 0, str(debug)
    assert "Connection test: [OK connection ok]" in debug.stdout
    for shown in ("host: 127.0.0.1", f"port: {pg_server.port}", f"user: {ROLE}", f"dbname: {pg_db}", "password: ****"):
        assert shown in debug.stdout, str(debug)
    run = ws.run("run")
    assert run.code == 0, str(run)
    # role: objects are created as that role; search_path reaches the session
    assert ws.query("select who, path, app from main.a_model") == [(f"{pg_db}_writer", "main, public", "nightly-build")]
    owners = ws.query(
        "select c.relname, pg_get_userbyid(c.relowner) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = 'main' order by 1"
    )
    assert owners == [("a_model", f"{pg_db}_writer"), ("b_model", f"{pg_db}_writer")]


def test_missing_profile_keys(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = pg_project_workspace(tmp_path, pg_server, pg_db, "proj", MODELS)
    (ws.profiles_dir / "profiles.yml").write_text(
        "proj:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: 127.0.0.1\n"
        "      user: someone\n      schema: main\n",
        encoding="utf-8",
    )
    result = ws.run("run")
    assert result.code == 2, str(result)
    assert "missing: port, dbname, password" in result.stderr, str(result)
    assert "Traceback" not in (result.stdout + result.stderr)


BAD = {
    "unreachable": ({"port": "closed"}, ("Connection refused", "check `host` and `port`")),
    "wrong-password": ({"password": "not-the-Pa55word"}, ("password authentication failed",)),
    "missing-database": ({"dbname": "no_such_database"}, ('database "no_such_database" does not exist',)),
    "missing-user": ({"user": "no_such_user"}, ("password authentication failed", 'user "no_such_user"')),
    "missing-role": ({"role": "no_such_role"}, ('role "no_such_role" does not exist', "set role")),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
@pytest.mark.parametrize("command", ["run", "seed", "build"])
def test_bad_connection(tmp_path: Path, pg_server, pg_db: str, case: str, command: str) -> None:
    settings, expected = BAD[case]
    settings = dict(settings)
    port = free_port() if settings.pop("port", None) == "closed" else pg_server.port
    user = settings.pop("user", ROLE)
    dbname = settings.pop("dbname", pg_db)
    ws = _workspace(tmp_path, pg_server, dbname, port=port, user=user, **settings)
    result = ws.run(command)
    assert result.code == 2, str(result)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "Internal error" not in output, str(result)
    head = f"cannot connect to PostgreSQL at 127.0.0.1:{port} as user '{user}', database '{dbname}'"
    assert head in result.stderr, str(result)
    for text in expected:
        assert text in result.stderr, f"{text!r} not in stderr\n{result}"
    for secret in (PASSWORD, "not-the-Pa55word"):
        assert secret not in output
    assert not (ws.target / "run_results.json").exists()
    # nothing created on the server
    assert pg_server.admin("select nspname from pg_namespace where nspname = 'main'", dbname=pg_db) == []
    assert pg_server.admin("select datname from pg_database where datname = 'no_such_database'") == []


def _all_target_text(ws: PgWorkspace) -> str:
    return "\n".join(p.read_text(errors="replace") for p in ws.target.rglob("*") if p.is_file())


@pytest.mark.parametrize("how", ["literal", "env_var", "DBT_ENV_SECRET"])
def test_password_never_shown(tmp_path: Path, pg_server, pg_db: str, how: str) -> None:
    ws = _workspace(tmp_path, pg_server, pg_db)
    profiles = ws.profiles_dir / "profiles.yml"
    text = profiles.read_text(encoding="utf-8")
    if how == "env_var":
        ws.env["PG_PASSWORD"] = PASSWORD
        text = text.replace(f'"{PASSWORD}"', "\"{{ env_var('PG_PASSWORD') }}\"")
    elif how == "DBT_ENV_SECRET":
        ws.env["DBT_ENV_SECRET_PG_PASSWORD"] = PASSWORD
        text = text.replace(f'"{PASSWORD}"', "\"{{ env_var('DBT_ENV_SECRET_PG_PASSWORD') }}\"")
    assert PASSWORD not in text or how == "literal"
    profiles.write_text(text, encoding="utf-8")

    outputs = []
    for args in (("seed",), ("run",), ("build",), ("debug",), ("compile",), ("ls",), ("run", "--debug")):
        result = ws.run(*args)
        assert result.code == 0, str(result)
        outputs.append(result.stdout + result.stderr)
    # a failing statement and a failed connection print the server's words, not the password
    (ws.root / "models" / "c_model.sql").write_text(
        "{{ config(materialized='table') }}\nselect cast(concat('x', id) as integer) from {{ ref('a_model') }}"
    )
    failed = ws.run("run", "--debug")
    assert failed.code == 1, str(failed)
    outputs.append(failed.stdout + failed.stderr)
    wrong = text.replace(str(pg_server.port), str(free_port()))
    profiles.write_text(wrong, encoding="utf-8")
    unreachable = ws.run("run", "--debug")
    assert unreachable.code == 2, str(unreachable)
    outputs.append(unreachable.stdout + unreachable.stderr)
    debug_unreachable = ws.run("debug")
    assert debug_unreachable.code == 1
    outputs.append(debug_unreachable.stdout + debug_unreachable.stderr)

    assert "password: ****" in outputs[3], outputs[3]
    for output in outputs:
        assert PASSWORD not in output, output
    assert list(ws.target.glob("*.json")), "no artifacts written"
    assert PASSWORD not in _all_target_text(ws)


def _adapter(pg_server, dbname: str, **extra):
    from dagwright.adapters.postgres import PostgresAdapter
    from dagwright.project.profile import Credentials, Target

    creds = {
        "host": pg_server.host,
        "port": pg_server.port,
        "user": ROLE,
        "password": PASSWORD,
        "dbname": dbname,
        **extra,
    }
    target = Target("proj", "dev", "postgres", 1, "main", dbname, Credentials(creds), Path("profiles.yml"))
    return PostgresAdapter(target)


def test_keepalives_idle_reaches_the_socket(pg_server, pg_db: str) -> None:
    """keepalives_idle is the idle time before the client's TCP keepalive probes, set on the
    connection's own socket (0 or absent: the system's default)."""
    adapter = _adapter(pg_server, pg_db, keepalives_idle=37)
    try:
        conn = adapter.open("worker-1")
        sock = socket.socket(fileno=os.dup(conn._conn.fileno()))
        try:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 37
        finally:
            sock.close()
    finally:
        adapter.close()


def test_sslmode_require_against_a_server_without_ssl(tmp_path: Path, pg_server, pg_db: str) -> None:
    """The test server has no SSL: sslmode=require is refused (so the key reaches libpq), with
    exit 2 and the connection named; sslmode=disable (test_all_profile_keys) connects."""
    ws = _workspace(tmp_path, pg_server, pg_db, sslmode="require")
    result = ws.run("run")
    assert result.code == 2, str(result)
    assert f"cannot connect to PostgreSQL at 127.0.0.1:{pg_server.port} as user '{ROLE}'" in result.stderr
    assert "server does not support SSL" in result.stderr, str(result)
    assert PASSWORD not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_connect_timeout_against_a_blackhole(tmp_path: Path, pg_server, pg_db: str) -> None:
    """A port that accepts TCP connections and never answers (a listening socket nobody
    accepts on): the connection gives up after connect_timeout seconds, exit 2, no password."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blackhole:
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(16)
        port = blackhole.getsockname()[1]
        ws = _workspace(tmp_path, pg_server, pg_db, port=port, connect_timeout=2)
        start = time.monotonic()
        result = ws.run("run")
        took = time.monotonic() - start
    assert result.code == 2, str(result)
    output = result.stdout + result.stderr
    assert f"cannot connect to PostgreSQL at 127.0.0.1:{port} as user '{ROLE}'" in result.stderr, str(result)
    assert "timeout expired" in result.stderr, str(result)
    assert "check `host` and `port`" in result.stderr, str(result)
    assert PASSWORD not in output and "Traceback" not in output
    # libpq waits connect_timeout (2 s) once per address; the default would be 10 s
    assert took < 8, f"took {took:.1f} s"


def test_a_deadlock_says_another_session_took_part(pg_server, pg_db: str) -> None:
    """PostgreSQL names the processes of a lock cycle, not what they are: the error says that
    another session (most often another run on the same relations) was the other side."""
    import threading

    from dagwright.adapters.base import DatabaseError

    adapter = _adapter(pg_server, pg_db)
    try:
        one, two = adapter.open("worker-1"), adapter.open("worker-2")
        one.execute("create table if not exists public.dl_a (x int); create table if not exists public.dl_b (x int)")
        for conn, first in ((one, "dl_a"), (two, "dl_b")):
            conn.execute(f"begin; lock table public.{first} in access exclusive mode")
        errors: list[str] = []

        def second(conn, table: str) -> None:
            try:
                conn.execute(f"lock table public.{table} in access exclusive mode")
            except DatabaseError as exc:
                errors.append(str(exc))
            finally:
                conn.execute("rollback")

        threads = [
            threading.Thread(target=second, args=(one, "dl_b")),
            threading.Thread(target=second, args=(two, "dl_a")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(errors) == 1, errors
        assert "deadlock detected" in errors[0] and "another dagwright or dbt run" in errors[0]
    finally:
        adapter.close()
