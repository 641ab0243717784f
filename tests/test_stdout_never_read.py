"""Standard output to a reader that never reads (report/streams.py, issue 22).

dagwright's stdout is a pipe nobody drains: once it is full every write would block, and the
thread blocked in it may hold the scheduler's lock. A signal must still stop the run, write
its run_results.json and exit with the signal's code within ``READER_WAIT_S`` of the end of
the run (the output the reader never took is dropped, and stderr says so).
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from dagwright.report.streams import READER_WAIT_S, DroppingStream

F_SETPIPE_SZ = 1031  # Linux: the pipe's buffer, here one page, so a few lines fill it
NAME = "a_model_whose_name_fills_the_pipe_{:03d}"


def _wait_for(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_a_run_whose_stdout_is_never_read(make_project: Any, sig: int, code: int) -> None:
    files = {f"models/{NAME.format(i)}.sql": "select 1 as x" for i in range(120)}
    project = make_project(files)
    read_end, write_end = os.pipe()
    try:
        fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
        proc = subprocess.Popen(
            [sys.executable, "-m", "dagwright", "run", "--threads", "4"],
            cwd=project.root,
            env=project.env,
            stdout=write_end,
            stderr=subprocess.PIPE,
        )
        os.close(write_end)
        write_end = -1
        # the run is blocked on its output once the pipe is full: a page of lines, a few nodes
        compiled = project.target / "compiled"
        assert _wait_for(lambda: compiled.exists() and any(compiled.rglob("*.sql")), 60)
        time.sleep(1.0)
        assert proc.poll() is None, "precondition: the run blocks on its stdout"
        sent = time.monotonic()
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("the run hung on its stdout after the signal")
        took = time.monotonic() - sent
        stderr = proc.stderr.read().decode()  # type: ignore[union-attr]
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    assert proc.returncode == code, stderr[-2000:]
    # the stop, run_results.json and the reader's READER_WAIT_S; seconds more on a loaded machine
    assert took < READER_WAIT_S + 8, took
    assert "took no output for 2 s after the run stopped" in stderr
    results = json.loads((project.target / "run_results.json").read_text())
    assert results["args"]["dagwright"]["stop"]["kind"] == signal.Signals(sig).name
    assert len(results["results"]) == len(files)
    statuses = {r["status"] for r in results["results"]}
    assert "skipped" in statuses and statuses <= {"success", "skipped", "error"}


def test_the_queue_is_written_in_order_and_flush_waits() -> None:
    """Without a stop the stream behaves as a plain one: ``flush`` returns once the reader
    has every byte, in order, written from several threads."""
    read_end, write_end = os.pipe()
    stream = DroppingStream(io.TextIOWrapper(os.fdopen(write_end, "wb"), encoding="utf-8"))
    got = bytearray()
    reader = threading.Thread(target=lambda: got.extend(iter_read(read_end)), daemon=True)
    reader.start()
    lines = [f"line {i} é\n" for i in range(3000)]
    for line in lines:
        stream.write(line)
    stream.flush()
    os.close(write_end)
    reader.join(10)
    os.close(read_end)
    assert got.decode() == "".join(lines)


def iter_read(fd: int) -> Any:
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        yield from chunk


def test_after_a_stop_flush_does_not_wait_and_drain_gives_up() -> None:
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    stream = DroppingStream(io.TextIOWrapper(os.fdopen(write_end, "wb", closefd=False), encoding="utf-8"))
    stream.write("x" * 10_000 + "\n")  # more than the pipe holds: the writer blocks
    flushed = threading.Event()
    threading.Thread(target=lambda: (stream.flush(), flushed.set()), daemon=True).start()
    assert not flushed.wait(0.3)  # a flush waits for the reader, as a plain stream's would
    stream.stop_waiting()
    assert flushed.wait(2)  # the stop releases it
    began = time.monotonic()
    stream.drain(patience=0.3)
    assert time.monotonic() - began < 2
    assert stream.reader_gone
    stream.write("dropped\n")  # and later output goes nowhere, at once
    stream.flush()
    os.close(read_end)
