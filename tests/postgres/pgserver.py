"""A throwaway PostgreSQL server for tests and benchmarks: ``initdb`` + ``pg_ctl`` on a free
loopback port, in a fresh data directory, stopped and removed by ``stop()``.

As root (initdb refuses to run as root) every server command goes through
``runuser -u postgres --`` on a directory owned by postgres. ``fsync`` and friends are off:
the data is thrown away. A watchdog process stops and removes the server when the process
that started it ends without calling ``stop()`` (a hard-killed pytest). The superuser
``postgres`` and the login role returned by ``create_role`` authenticate with scram-sha-256
over TCP, so wrong passwords are refused as on a real server.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "pg-super-secret"


#: waits for EOF on stdin — the starting process is gone, or stop() closed the pipe — then
#: stops the server (the command in argv) and removes its folder (the last argument)
WATCHDOG = """
import shutil, subprocess, sys
sys.stdin.read()
subprocess.run(sys.argv[1:-1], capture_output=True, check=False)
shutil.rmtree(sys.argv[-1], ignore_errors=True)
"""


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path | None:
    """The folder with initdb, pg_ctl and postgres: $DAGWRIGHT_PG_BINDIR, Debian's
    /usr/lib/postgresql/<newest>/bin, or the folder of initdb on PATH."""
    env = os.environ.get("DAGWRIGHT_PG_BINDIR")
    candidates = [Path(env)] if env else []
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: _version(Path(p).parent.name))
    candidates += [Path(p) for p in reversed(versions)]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return (0,)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: Path
    base: Path
    port: int = 0
    host: str = "127.0.0.1"
    _as_postgres: list[str] = field(default_factory=list)
    _watchdog: subprocess.Popen[bytes] | None = None

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def logfile(self) -> Path:
        return self.base / "server.log"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [*self._as_postgres, *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise ServerUnavailable("running as root, but there is no 'postgres' user to run the server as")
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            self._as_postgres = ["runuser", "-u", "postgres", "--"]
        pwfile = self.base / "pwfile"
        pwfile.write_text(SUPERUSER_PASSWORD + "\n", encoding="utf-8")
        if self._as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        pwfile.chmod(0o600)
        init = self._run(
            str(self.bindir / "initdb"),
            "-D", str(self.datadir),
            "-U", SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "-E", "UTF8",
            "--locale=C",
            "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed ({init.returncode}):\n{init.stdout}\n{init.stderr}")
        for attempt in range(5):
            self.port = free_port()
            options = (
                f"-c listen_addresses={self.host} -p {self.port} -k {self.base} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200 -c shared_buffers=32MB"
            )
            started = self._run(
                str(self.bindir / "pg_ctl"), "start", "-w", "-t", "30",
                "-D", str(self.datadir), "-l", str(self.logfile), "-o", options,
            )  # fmt: skip
            if started.returncode == 0:
                self._watchdog = subprocess.Popen(
                    [sys.executable, "-c", WATCHDOG, *self._as_postgres, *self._stop_command(), str(self.base)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # a Ctrl-C to the test session's group must not stop it first
                )
                return self
            log = self.logfile.read_text(errors="replace") if self.logfile.exists() else ""
            if "could not bind" not in log and attempt == 0 and "already in use" not in log:
                raise RuntimeError(f"pg_ctl start failed:\n{started.stdout}\n{started.stderr}\n{log[-3000:]}")
        raise RuntimeError("pg_ctl start failed: no free port")

    def _stop_command(self) -> list[str]:
        return [str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "immediate", "-w"]

    def stop(self) -> None:
        if self.datadir.exists():
            self._run(*self._stop_command())
        shutil.rmtree(self.base, ignore_errors=True)
        if self._watchdog is not None and self._watchdog.stdin is not None:
            self._watchdog.stdin.close()
            self._watchdog.wait(timeout=60)
            self._watchdog = None

    # -- administration, as the superuser ------------------------------------------------------
    def admin(self, sql: str, dbname: str = "postgres") -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=SUPERUSER, password=SUPERUSER_PASSWORD, dbname=dbname, autocommit=True
        ) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else []

    def create_role(self, name: str, password: str) -> None:
        self.admin(f"create role \"{name}\" login password '{password}'")

    def create_database(self, name: str, owner: str, template: str | None = None) -> None:
        tmpl = f' template "{template}"' if template else ""
        self.admin(f'create database "{name}" owner "{owner}"{tmpl}')

    def drop_database(self, name: str) -> None:
        self.admin(f'drop database if exists "{name}" with (force)')


@contextlib.contextmanager
def running_server():
    bindir = find_bindir()
    if bindir is None:
        raise ServerUnavailable("no PostgreSQL server binaries (initdb, pg_ctl); apt-get install postgresql-15")
    base = Path(tempfile.mkdtemp(prefix="dagwright-pg-"))
    server = PostgresServer(bindir, base)
    try:
        server.start()
        yield server
    finally:
        server.stop()
