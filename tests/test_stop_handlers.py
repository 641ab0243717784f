"""The SIGINT/SIGTERM handlers (tasks/stopping.py) never wait on their own thread.

Python runs a signal handler on the main thread between two bytecodes, possibly while that
thread holds the terminal's lock (it was writing a line, or is blocked writing to a reader
that does not read). A handler that printed or stopped the run itself then waited forever
on a lock its own thread held (issue 22). Here the main thread holds the terminal's lock
when the signal comes: the handler must return at once, and the stop must still happen."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dagwright.report.terminal import Terminal
from dagwright.tasks.stopping import EXIT_CODES, SignalHandlers, exit_code


class FakeTask:
    """A running task as the handlers see it (the Stoppable protocol)."""

    def __init__(self) -> None:
        self.terminal = Terminal(io.StringIO())
        self.cancelled = threading.Event()
        self.kinds: list[str] = []
        self.exits: list[int] = []

    def stop_is_final(self) -> bool:
        return self.cancelled.is_set()

    def cancel(self, kind: str) -> None:
        self.kinds.append(kind)
        self.cancelled.set()

    def emergency_exit(self, code: int) -> None:
        self.exits.append(code)


@pytest.fixture
def handlers() -> Iterator[SignalHandlers]:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield SignalHandlers().install()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def test_a_signal_while_the_main_thread_holds_the_terminal(handlers: SignalHandlers) -> None:
    task = FakeTask()
    handlers.task = task  # type: ignore[assignment]
    lock = task.terminal._lock
    with lock:  # the main thread is writing a line
        # a handler that waits on the lock would wait forever: free it after a while so
        # that the test fails instead of hanging
        watchdog = threading.Timer(10, lock.release)
        watchdog.start()
        t0 = time.perf_counter()
        signal.raise_signal(signal.SIGINT)
        waited = time.perf_counter() - t0
        watchdog.cancel()
        assert waited < 1.0, f"the handler waited {waited:.1f} s on a lock its own thread held"
        # the stop does not wait for the line either
        assert task.cancelled.wait(5), "the stop never happened"
    assert task.kinds == ["SIGINT"]
    deadline = time.monotonic() + 5
    while "Received SIGINT" not in task.terminal.out.getvalue() and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    assert "Received SIGINT: stopping" in task.terminal.out.getvalue()  # type: ignore[attr-defined]


def test_a_second_sigint_exits_without_the_terminal(handlers: SignalHandlers) -> None:
    task = FakeTask()
    handlers.task = task  # type: ignore[assignment]
    task.cancelled.set()  # a stop is under way
    with task.terminal._lock:
        signal.raise_signal(signal.SIGINT)
        deadline = time.monotonic() + 5
        while not task.exits and time.monotonic() < deadline:
            time.sleep(0.01)
    assert task.exits == [EXIT_CODES["SIGINT"]]


def test_a_signal_after_the_run_gives_its_exit_code(handlers: SignalHandlers) -> None:
    handlers.task = FakeTask()  # type: ignore[assignment]
    handlers.finished = True
    signal.raise_signal(signal.SIGTERM)
    assert handlers.received == "SIGTERM"
    assert exit_code(0, handlers.received) == 143 and exit_code(1, handlers.received) == 143
    assert exit_code(0, None) == 0 and exit_code(1, None) == 1


def test_sigint_while_stdout_is_not_read(make_project: Any, tmp_path: Path) -> None:
    """A reader that stops reading fills the pipe: dagwright blocks writing a line. A SIGINT
    then must still stop the run, and once the reader reads again the process ends with the
    signal's code and a run_results.json of its own."""
    name = "a_model_with_a_name_long_enough_to_fill_the_pipe_sooner_{:04d}"
    files = {f"models/{name.format(i)}.sql": "select 1 as x" for i in range(700)}
    project = make_project(files)
    stdout_path = tmp_path / "out.txt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagwright", "run", "--threads", "2"],
        cwd=project.root,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        # the nodes have started (a loaded machine takes seconds to start the CLI), then long
        # enough to fill a 64 KiB pipe with START/OK lines
        compiled = project.target / "compiled"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (compiled.exists() and any(compiled.rglob("*.sql"))):
            time.sleep(0.05)
        time.sleep(3)
        proc.send_signal(signal.SIGINT)
        time.sleep(1)
        out = proc.stdout.read()  # type: ignore[union-attr]  # the reader reads again
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    stdout_path.write_bytes(out)
    if proc.returncode == 0:
        pytest.skip("precondition: the run ended before the signal")
    assert code == 130, out[-2000:]
    rr = (project.target / "run_results.json").read_text()
    assert "interrupted by SIGINT" in rr


def _signal_at_start(project: Any, command: str, sig: int) -> subprocess.CompletedProcess[bytes]:
    """``command`` signalled in its first moments. The interpreter itself needs a moment to
    reach dagwright's first line (a signal before that kills it with Python's defaults, which
    no program can change): the delay grows until the signal lands after it."""
    for delay in (0.15, 0.3, 0.6, 1.2):
        proc = subprocess.Popen(
            [sys.executable, "-m", "dagwright", command],
            cwd=project.root,
            env=project.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(delay)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        if proc.returncode != -sig:
            return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    pytest.fail("the interpreter never reached dagwright's first line within 1.2 s")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_cli_starts(make_project: Any, sig: int, code: int) -> None:
    """A signal while the CLI starts (imports, arguments, the parse) stops the run, and the
    run_results.json left is this run's, not the previous run's (early_signals)."""
    project = make_project({"models/a.sql": "select 1 as x"})
    project.ok("run")
    previous = (project.target / "run_results.json").read_text()
    done = _signal_at_start(project, "run", sig)
    assert done.returncode == code, (done.stdout + done.stderr).decode()
    assert (project.target / "run_results.json").read_text() != previous


def test_a_sigint_while_another_command_starts(make_project: Any) -> None:
    project = make_project({"models/a.sql": "select 1 as x"})
    done = _signal_at_start(project, "ls", signal.SIGINT)
    assert done.returncode in (0, 130), (done.stdout + done.stderr).decode()  # 0: ls was done first
    assert b"Aborted" not in done.stderr
    assert b"Traceback" not in done.stderr
