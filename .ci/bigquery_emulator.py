"""A local BigQuery for the tests: install, start and stop the local-bigquery emulator.

No machine here reaches Google, so tests/bigquery run against local-bigquery (the one
emulator on PyPI whose ``jobs.cancel`` really interrupts the query it runs). It needs
Python 3.13 while the project stays on 3.11, so it lives in a venv of its own,
``.venv-bqemu``, and runs as a subprocess. Facts behind each step: shared notes, bigquery.md.

    python3 .ci/bigquery_emulator.py install          # make bigquery-emulator
    python3 .ci/bigquery_emulator.py start --state-dir DIR [--project P]   # prints JSON
    python3 .ci/bigquery_emulator.py stop PID

The same functions serve the pytest fixture (tests/bigquery/conftest.py): ``install()``,
``installed()``, ``start(state_dir, project) -> Emulator`` with ``.endpoint``, ``.project``,
``.pid`` and ``.stop()``. Standard library only: this runs on the project's Python.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: the emulator's venv (untracked); DAGWRIGHT_BQEMU_VENV points elsewhere
VENV = Path(os.environ.get("DAGWRIGHT_BQEMU_VENV") or REPO / ".venv-bqemu")

#: exact versions: the extension packages stop at 1.5.5 and must match DuckDB exactly;
#: local-bigquery 0.4.0 does not start offline
PINS = (
    "local-bigquery==0.3.2",
    "duckdb==1.5.5",
    "duckdb-extensions==1.5.5",
    "duckdb-extension-icu==1.5.5",
    "duckdb-extension-ducklake==1.5.5",
    "duckdb-extension-spatial==1.5.5",
)
EXTENSIONS = ("icu", "ducklake", "spatial")

#: bump when the patch below changes, so `install` rebuilds an older venv
PATCH_VERSION = 1
PATCH_MARKER = "dagwright patch: CTAS destinationTable"
#: local-bigquery sets a query job's destinationTable only for a query's result table; a
#: CTAS job gets just statistics.query.ddlTargetTable. BigQuery reports the created table
#: as the destination too, and dbt-bigquery reads it (get_table for the row count), so
#: the patch falls back to the DDL target for a CREATE_TABLE_AS_SELECT.
PATCH_ANCHOR = "    if destination:\n        config.destinationTable = destination\n"
PATCH_ADDITION = (
    f"    # {PATCH_MARKER} (applied by .ci/bigquery_emulator.py)\n"
    '    elif statistics.statementType == "CREATE_TABLE_AS_SELECT" and statistics.ddlTargetTable:\n'
    "        config.destinationTable = statistics.ddlTargetTable\n"
)

START_TIMEOUT = 90.0  # typically 3-6 s; a loaded 2-core CI machine gets room
STOP_TIMEOUT = 10.0  # SIGTERM stops it in < 3 s


class EmulatorError(RuntimeError):
    """The emulator cannot be installed or started; the message says why and what to do."""


# -- paths -------------------------------------------------------------------------------------


def home_dir(venv: Path = VENV) -> Path:
    """HOME for the extension install and the server: DuckDB looks under $HOME/.duckdb, so a
    leftover ~/.duckdb on a reused machine cannot hide a missing extension."""
    return venv / "home"


def stamp_path(venv: Path = VENV) -> Path:
    return venv / ".installed"


def _stamp_text() -> str:
    return json.dumps({"pins": list(PINS), "patch": PATCH_VERSION}, sort_keys=True) + "\n"


def installed(venv: Path = VENV) -> bool:
    """True when ``install`` completed for these pins and this patch."""
    stamp = stamp_path(venv)
    return stamp.is_file() and stamp.read_text(encoding="utf-8") == _stamp_text()


def server_executable(venv: Path = VENV) -> Path:
    return venv / "bin" / "local-bigquery"


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "BIGQUERY_"))}
    env["HOME"] = str(home_dir(venv))
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


# -- Python 3.13 -------------------------------------------------------------------------------


def _runs_313(candidate: str) -> bool:
    try:
        done = subprocess.run(
            [candidate, "-c", "import sys, venv, ensurepip; print(sys.version_info[:2] == (3, 13))"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == "True"


def python313_candidates() -> list[str]:
    """$DAGWRIGHT_PYTHON313, pyenv's 3.13 versions (newest first; pyenv's `python3.13` on
    PATH is a shim that exits 127 while the global version is another), then python3.13."""
    out: list[str] = []
    if os.environ.get("DAGWRIGHT_PYTHON313"):
        out.append(os.environ["DAGWRIGHT_PYTHON313"])
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    if shutil.which("pyenv"):
        done = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False, timeout=30)
        if done.returncode == 0 and done.stdout.strip():
            roots.insert(0, done.stdout.strip())
    for root in dict.fromkeys(r for r in roots if r):
        found = glob.glob(os.path.join(root, "versions", "3.13*", "bin", "python3.13"))
        out += sorted(found, key=_version_key, reverse=True)
    on_path = shutil.which("python3.13")
    if on_path:
        out.append(on_path)
    return list(dict.fromkeys(out))


def _version_key(path: str) -> tuple[int, ...]:
    name = Path(path).parent.parent.name
    return tuple(int(p) if p.isdigit() else -1 for p in name.split("."))


def find_python313() -> Path:
    tried = python313_candidates()
    for candidate in tried:
        if _runs_313(candidate):
            return Path(candidate)
    raise EmulatorError(
        "local-bigquery needs Python 3.13 (>=3.13,<3.14) with venv, and none runs here; tried: "
        + (", ".join(tried) or "nothing found")
        + ". Install one (`pyenv install 3.13`, or apt/python.org) or set DAGWRIGHT_PYTHON313 to its path."
    )


# -- install -----------------------------------------------------------------------------------


def _run(cmd: Sequence[str | Path], env: dict[str, str] | None = None, what: str = "") -> str:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-4000:]
        raise EmulatorError(f"{what or cmd[0]} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def runner_path(venv: Path = VENV) -> Path:
    found = glob.glob(str(venv / "lib" / "python3.13" / "site-packages" / "local_bigquery" / "jobs" / "runner.py"))
    if len(found) != 1:
        raise EmulatorError(f"local_bigquery/jobs/runner.py not found in {venv}")
    return Path(found[0])


def apply_patch(runner: Path) -> bool:
    """Make a CTAS job report its table as destinationTable. Idempotent: True when it
    changed the file, False when the patch was already there."""
    text = runner.read_text(encoding="utf-8")
    if PATCH_MARKER in text:
        return False
    if text.count(PATCH_ANCHOR) != 1:
        raise EmulatorError(
            f"cannot apply the CTAS destinationTable patch: {runner} no longer has the expected "
            "`if destination: config.destinationTable = destination` block (a different local-bigquery?)"
        )
    runner.write_text(text.replace(PATCH_ANCHOR, PATCH_ANCHOR + PATCH_ADDITION), encoding="utf-8")
    return True


def _check_patch(venv: Path) -> None:
    runner = runner_path(venv)
    if runner.read_text(encoding="utf-8").count(PATCH_MARKER) != 1:
        raise EmulatorError(f"the CTAS destinationTable patch is not in {runner}")
    _run([venv / "bin" / "python", "-m", "py_compile", runner], what="compiling the patched runner.py")


_EXTENSIONS_IMPORT = """
import sys
from duckdb_extensions import import_extension
for name in sys.argv[1:]:
    import_extension(name, force_install=True)
"""
# autoinstall off: a missing extension fails here instead of being fetched (no network) later
_EXTENSIONS_CHECK = """
import sys, duckdb
con = duckdb.connect(config={"autoinstall_known_extensions": False})
for name in sys.argv[1:]:
    con.load_extension(name)
print("ok")
"""


def install(venv: Path = VENV, *, log=print, smoke: bool = True) -> Path:
    """Create the emulator's venv with the pins, its DuckDB extensions (HOME in the venv),
    the patch, then start it once as a check; a no-op when the stamp is current."""
    if installed(venv):
        log(f"bigquery emulator: up to date in {venv}")
        return venv
    python = find_python313()
    log(f"bigquery emulator: Python 3.13 at {python}; building {venv}")
    shutil.rmtree(venv, ignore_errors=True)  # no stamp: a half-built venv is thrown away
    _run([python, "-m", "venv", venv], what="python3.13 -m venv")
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run([*pip, *PINS], what="pip install " + " ".join(PINS))
    home_dir(venv).mkdir(parents=True, exist_ok=True)
    env = _env(venv)
    python_in_venv = venv / "bin" / "python"
    _run([python_in_venv, "-c", _EXTENSIONS_IMPORT, *EXTENSIONS], env, "putting the DuckDB extensions in place")
    _run([python_in_venv, "-c", _EXTENSIONS_CHECK, *EXTENSIONS], env, "loading the DuckDB extensions")
    apply_patch(runner_path(venv))
    _check_patch(venv)
    if smoke:
        _smoke(venv, log)
    stamp_path(venv).write_text(_stamp_text(), encoding="utf-8")
    log(f"bigquery emulator: installed in {venv}")
    return venv


def _smoke(venv: Path, log) -> None:
    """Start the server once and run a CTAS through the REST API: readiness, the extensions
    and the patch (the job's destinationTable) checked before any test relies on them."""
    state = Path(tempfile.mkdtemp(prefix="dagwright-bqemu-check-"))
    try:
        with start(state, "install-check", venv=venv) as emulator:
            emulator.request("POST", "datasets", {"datasetReference": {"datasetId": "smoke"}})
            job_id = f"smoke_{os.getpid()}"
            sql = "create or replace table smoke.t as select 1 as x"
            query = {"query": sql, "useLegacySql": False}
            emulator.request("POST", "jobs", {"jobReference": {"jobId": job_id}, "configuration": {"query": query}})
            job = _wait_done(emulator, job_id, 60.0)
            if job["status"].get("errorResult"):
                raise EmulatorError(f"the check's CTAS failed: {job['status']['errorResult']}")
            dest = job["configuration"]["query"].get("destinationTable") or {}
            if dest.get("tableId") != "t" or dest.get("datasetId") != "smoke":
                raise EmulatorError(f"a CTAS job reports no destinationTable (patch not effective): {job}")
            log(f"bigquery emulator: check passed (started in {emulator.started_in:.1f} s)")
    finally:
        shutil.rmtree(state, ignore_errors=True)


def _wait_done(emulator: Emulator, job_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = emulator.request("GET", f"jobs/{job_id}")
        if job["status"]["state"] == "DONE":
            return job
        if time.monotonic() > deadline:
            raise EmulatorError(f"job {job_id} not DONE after {timeout:.0f} s: {job['status']}")
        time.sleep(0.05)


# -- start / stop ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: stops the server (pid in argv[1]) once stdin reaches EOF: the process that started it is
#: gone (a hard-killed pytest) or Emulator.stop() closed the pipe
WATCHDOG = """
import os, signal, sys, time
sys.stdin.read()
pid = int(sys.argv[1])
try:
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        time.sleep(0.1)
        os.kill(pid, 0)
    os.kill(pid, signal.SIGKILL)
except ProcessLookupError:
    pass
"""


@dataclass
class Emulator:
    """A running local-bigquery server."""

    endpoint: str  # http://127.0.0.1:PORT, for client_options api_endpoint / profiles' api_endpoint
    project: str
    pid: int
    port: int
    grpc_port: int
    state_dir: Path
    log_path: Path
    started_in: float = 0.0
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _watchdog: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def url(self, path: str) -> str:
        return f"{self.endpoint}/bigquery/v2/projects/{self.project}/{path}"

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 30.0) -> dict:
        """One REST call; an HTTP error raises EmulatorError with the server's answer."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url(path), data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                text = resp.read().decode() or "{}"
        except urllib.error.HTTPError as exc:
            raise EmulatorError(f"{method} {path}: HTTP {exc.code}: {exc.read().decode(errors='replace')[:2000]}")
        return json.loads(text)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        stop_pid(self.pid, timeout, self._process)
        if self._watchdog is not None:
            if self._watchdog.stdin is not None:
                self._watchdog.stdin.close()
            self._watchdog.wait(timeout=timeout + 5)
            self._watchdog = None

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stop_pid(pid: int, timeout: float = STOP_TIMEOUT, process: subprocess.Popen[bytes] | None = None) -> bool:
    """SIGTERM, then SIGKILL after ``timeout`` s. True if a process was there to stop."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return True
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    if process is not None:
        process.wait(timeout=10)
    return True


def start(
    state_dir: Path | str,
    project: str = "dagwright-test",
    *,
    venv: Path = VENV,
    timeout: float = START_TIMEOUT,
    watchdog: bool = True,
) -> Emulator:
    """Start ``local-bigquery serve`` on free loopback ports with its data in ``state_dir``;
    return once ``GET .../datasets`` answers 200. A 400/500 during start is fatal (a failed
    first initialisation wedges the server): the server is killed and the log tail reported."""
    exe = server_executable(venv)
    if not exe.is_file():
        raise EmulatorError(f"no emulator in {venv}: run `make bigquery-emulator`")
    state = Path(state_dir)
    (state / "data").mkdir(parents=True, exist_ok=True)
    log_path = state / "server.log"
    began = time.monotonic()
    port, grpc_port = free_port(), free_port()
    command = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--grpc-port", str(grpc_port)]
    command += ["--project", project, "--data-dir", str(state / "data")]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_env(venv),
            cwd=state,
            start_new_session=True,  # a Ctrl-C to the test session's group must not stop it first
        )
    emulator = Emulator(f"http://127.0.0.1:{port}", project, process.pid, port, grpc_port, state, log_path)
    emulator._process = process
    if watchdog:
        emulator._watchdog = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, str(process.pid)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_ready(emulator, process, timeout)
    except BaseException:
        emulator.stop(timeout=3)
        raise
    emulator.started_in = time.monotonic() - began
    return emulator


def _wait_ready(emulator: Emulator, process: subprocess.Popen[bytes], timeout: float) -> None:
    url = emulator.url("datasets")
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise EmulatorError(
                f"local-bigquery exited during start (exit {process.returncode}); log tail:\n{emulator.log_tail()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            raise EmulatorError(
                f"local-bigquery answered HTTP {exc.code} during start (fatal: a failed first "
                f"initialisation wedges it); log tail:\n{emulator.log_tail()}"
            )
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise EmulatorError(
                f"local-bigquery not ready within {timeout:.0f} s (GET {url}); log tail:\n{emulator.log_tail()}"
            )
        time.sleep(0.1)


# -- command line ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=".ci/bigquery_emulator.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help=f"build {VENV.name} (no-op when up to date)")
    starting = sub.add_parser("start", help="start a server; print its endpoint, project and pid as JSON")
    starting.add_argument("--state-dir", required=True)
    starting.add_argument("--project", default="dagwright-test")
    stopping = sub.add_parser("stop", help="stop a server by pid (SIGTERM, then SIGKILL)")
    stopping.add_argument("pid", type=int)
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            began = time.monotonic()
            install()
            print(f"bigquery emulator: {time.monotonic() - began:.1f} s")
        elif args.command == "start":
            emulator = start(args.state_dir, args.project, watchdog=False)
            print(json.dumps({"endpoint": emulator.endpoint, "project": emulator.project, "pid": emulator.pid}))
        else:
            if not stop_pid(args.pid):
                print(f"no process {args.pid}", file=sys.stderr)
    except EmulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
