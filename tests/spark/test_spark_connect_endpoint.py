"""A Spark Connect endpoint that accepts TCP but is not Spark Connect: `dagwright run` fails
within the documented time naming host:port, and a signal ends it at once (issue 22).

The endpoints are local sockets (the broken endpoint itself, not a mock of Spark): a listener
that never says anything, an HTTP/1 server, and an HTTP/2 speaker that answers the preface
but never a request. No JVM is started.
"""

from __future__ import annotations

import http.server
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from dagwright.adapters import spark_connect
from dagwright.adapters.spark_connect import SessionStart, SessionTimeout, probe
from dagwright.cli import main
from stop_helpers import LineReader

pytest.importorskip("pyspark")

PROJECT = 'name: p\nversion: "1.0.0"\nconfig-version: 2\nprofile: p\n'
SETTINGS_FRAME = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


@contextmanager
def listener(answer: Callable[[socket.socket], None]) -> Iterator[int]:
    """A loopback TCP server on a free port; each connection handed to ``answer``."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    kept: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            kept.append(conn)
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for conn in kept:
            conn.close()


def silent(conn: socket.socket) -> None:
    """Accepts, never answers."""


def http2_then_silent(conn: socket.socket) -> None:
    """Answers the HTTP/2 preface with its SETTINGS, then nothing: the probe passes."""
    try:
        conn.sendall(SETTINGS_FRAME)
        while conn.recv(65536):
            pass
    except OSError:
        pass


def project(tmp_path: Path, port: int, connect_timeout: int = 1) -> Path:
    root = tmp_path / "p"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(PROJECT)
    (root / "models" / "m.sql").write_text("select 1 as x")
    (root / "profiles.yml").write_text(
        "p:\n  target: dev\n  outputs:\n    dev: {type: spark, method: connect, "
        f"host: 'sc://127.0.0.1:{port}', schema: s, threads: 2, connect_timeout: {connect_timeout}}}\n"
    )
    return root


def start(root: Path, *command: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "dagwright", *command, "--project-dir", str(root), "--profiles-dir", str(root)],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def invoke(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", "--project-dir", str(root), "--profiles-dir", str(root)])
    return result.exit_code, result.output


def test_silent_listener_fails_within_connect_timeout(tmp_path: Path) -> None:
    with listener(silent) as port:
        began = time.monotonic()
        code, out = invoke(project(tmp_path, port, connect_timeout=1))
        took = time.monotonic() - began
    assert code == 2, out
    assert took < 30, took  # 1 s of probe; the rest parsing and importing PySpark on a loaded machine
    assert f"cannot connect to Spark Connect at 127.0.0.1:{port}" in out
    assert "accepted the connection but sent nothing in 1 s" in out
    assert "expected a Spark Connect (gRPC) server" in out
    assert "Traceback" not in out


def test_http1_server_is_named(tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        # the probe itself (in-process: the message), then the CLI's exit
        problem = probe("127.0.0.1", port, tls=False, timeout=5)
        assert problem is not None and "not HTTP/2" in problem, problem
        code, out = invoke(project(tmp_path, port))
    finally:
        server.shutdown()
        server.server_close()
    assert code == 2, out
    assert f"cannot connect to Spark Connect at 127.0.0.1:{port}" in out
    assert "text protocol, not HTTP/2" in out


def test_an_http2_server_that_never_answers_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe passes an HTTP/2 speaker; the session's start is then bounded
    (``SESSION_START_TIMEOUT_S``, 120 s; 1 s here)."""
    monkeypatch.setattr(spark_connect, "SESSION_START_TIMEOUT_S", 1.0)
    with listener(http2_then_silent) as port:
        assert probe("127.0.0.1", port, tls=False, timeout=5) is None
        code, out = invoke(project(tmp_path, port))
    assert code == 2, out
    assert f"cannot connect to Spark Connect at 127.0.0.1:{port}" in out
    assert "speaks HTTP/2 but gave no answer to a first query within 1 s" in out


def test_session_start_is_bounded_and_abandoned() -> None:
    """What the adapter waits on: a start that never ends times out, and a stop abandons it."""
    never = threading.Event()
    with pytest.raises(SessionTimeout):
        SessionStart(never.wait).wait(timeout=0.2)
    from dagwright.adapters.base import StatementCancelled

    waiting = SessionStart(never.wait)
    threading.Timer(0.1, waiting.abandon).start()
    began = time.monotonic()
    with pytest.raises(StatementCancelled):
        waiting.wait(timeout=30)
    assert time.monotonic() - began < 2


@pytest.mark.parametrize(
    ("answer", "sig", "code", "command"),
    [
        (silent, signal.SIGTERM, 143, "run"),
        (http2_then_silent, signal.SIGINT, 130, "run"),
        (http2_then_silent, signal.SIGTERM, 143, "run-operation"),
    ],
    ids=["probe-SIGTERM", "session-SIGINT", "run-operation-SIGTERM"],
)
def test_signal_while_connecting_ends_the_run_at_once(
    tmp_path: Path, answer: Callable[[socket.socket], None], sig: signal.Signals, code: int, command: str
) -> None:
    """SIGTERM while the probe waits on a silent listener, SIGINT while the client waits on an
    HTTP/2 server that never answers: the run ends within seconds with the signal's code,
    every node `skipped`, and this run's run_results.json."""
    with listener(answer) as port:
        root = project(tmp_path, port, connect_timeout=60)
        (root / "macros").mkdir()
        (root / "macros" / "hello.sql").write_text("{% macro hello() %}{% do run_query('select 1') %}{% endmacro %}")
        proc = start(root, *(["run-operation", "hello"] if command == "run-operation" else ["run"]))
        reader = LineReader(proc.stdout)
        assert reader.wait_for(["Found "], timeout=60), reader.rest()
        time.sleep(0.5)  # inside the probe, or the client's session start
        sent = time.monotonic()
        proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"no exit 20 s after the signal: {reader.rest()}")
        took = time.monotonic() - sent
        out = reader.rest()
    assert proc.returncode == code, out
    assert took < 15, (took, out)  # the exit on a loaded machine; not the 60 s probe nor minutes of retries
    results = json.loads((root / "target" / "run_results.json").read_text())
    trigger = {"SIGINT": "interrupted by SIGINT (Ctrl-C)", "SIGTERM": "terminated by SIGTERM"}[sig.name]
    assert [(r["status"], r["message"]) for r in results["results"]] == [("skipped", f"not started: {trigger}")]
    if command == "run":
        assert results["args"]["dagwright"]["stop"]["kind"] == sig.name
