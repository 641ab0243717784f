"""Shared helpers for the stop tests (fail-fast, signals, cancel(), retry, scheduling).

A ``Workspace`` is a dbt project copied (or written) into a tmp dir, with its own
profiles.yml pointing at its own DuckDB file by absolute path, so a run can go through the
CLI subprocess or through ``dagwright.api`` in-process alike. The warehouse is only read
after the process (or the api run) has closed it.

The checks here are the "one truth" of issue 3: per node exactly one outcome, and the
terminal line, run_results.json and the warehouse telling the same story.

The bodies of the stop tests that every engine runs (the fail-fast matrix, a signal while
both betas run, then ``retry``) are here too, written against ``StopWorkspace``: the DuckDB
``Workspace`` below, and the PostgreSQL and Spark ones in their test modules.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "examples" / "article"

#: the article's models: name -> schema (every one of them is a node of `dagwright run`)
ARTICLE_MODELS = {
    "stg_orders": "main_staging",
    "model_alpha": "main",
    "model_beta_a": "main",
    "model_beta_b": "main",
    "model_gamma_a": "main",
    "model_gamma_b": "main",
}
ARTICLE_UIDS = {name: f"model.article.{name}" for name in ARTICLE_MODELS}

#: the article's failure scenario, with the issue's durations (1 s and 3 s)
FAIL_VARS = "{fail_model: model_beta_a, durations: {model_beta_a: 1, model_beta_b: 3}}"
#: the same durations without a failure: the "earlier successful run"
SMOOTH_VARS = "{durations: {model_beta_a: 1, model_beta_b: 3}}"

STATUSES = ("success", "error", "skipped", "cancelled")
WORD = {"success": "OK", "error": "ERROR", "skipped": "SKIP", "cancelled": "CANCELLED"}
#: how the bracket at the end of a node's last terminal line starts, per status
BRACKET = {"success": "OK in ", "error": "ERROR in ", "skipped": "SKIP", "cancelled": "CANCELLED in "}

FAIL_FAST_BETA_A = "fail-fast after model.article.model_beta_a failed"
SIGINT_TEXT = "interrupted by SIGINT (Ctrl-C)"
SIGTERM_TEXT = "terminated by SIGTERM"
CANCEL_TEXT = "cancelled by cancel()"
#: model_beta_a's run-time failure on DuckDB (its cast of 'x' to an integer)
DUCKDB_CAST_ERROR = ("error", "~Could not convert string")

#: the signal tests' durations: both betas run ~3 s
SLOW_BETAS = "{durations: {model_beta_a: 3, model_beta_b: 3}}"
BETA_STARTS = ("START sql table model main.model_beta_a", "START sql table model main.model_beta_b")
#: DuckDB, after both beta START lines: time for compile + the first statements, so both queries run
SETTLE = 0.4

# table states
BUILT = "built by this run"
PREVIOUS = "previous version"
ABSENT = "absent"


# -- the workspace ---------------------------------------------------------------------------
def write_profiles(directory: Path, profile: str, db: Path, threads: int = 1) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "profiles.yml"
    path.write_text(
        f"{profile}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {json.dumps(str(db))}\n      threads: {threads}\n",
        encoding="utf-8",
    )
    return path


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGWRIGHT_"))}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@dataclass
class CliRun:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float

    def __str__(self) -> str:
        return (
            f"exit {self.code} after {self.seconds:.2f}s for dagwright {' '.join(self.args)}\n"
            f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
        )


class StopWorkspace(Protocol):
    """What the shared stop tests ask of an engine: the article in a project dir with a
    profile for the engine, dagwright run as a subprocess on it, and the warehouse read
    after the run ended. ``Workspace`` (DuckDB) is one; PostgreSQL's and Spark's live in
    their test modules."""

    root: Path
    #: beta_a's run-time failure on this engine, as ``check_article_run`` expects it
    beta_a_error: ClassVar[tuple[str, str]]
    #: how soon (s) after beta_a's error beta_b's cancelled statement must have ended
    cancel_lag: ClassVar[float]
    #: bound (s) on run_results' ``stop.cancel_seconds`` (the stop's cancel of what was running)
    cancel_seconds: ClassVar[float]

    def run(self, *args: str, timeout: float = 120) -> CliRun: ...

    def popen(self, *args: str, stderr_path: Path) -> subprocess.Popen[str]: ...

    def run_results(self) -> dict[str, Any]: ...

    def invocation_ids(self, relations: Iterable[tuple[str, str]]) -> dict[tuple[str, str], frozenset[str] | None]:
        """(schema, name) -> the distinct invocation_ids in its rows, or None if it does not exist."""
        ...

    def temp_relations(self) -> list[tuple[str, str]]:
        """(schema, name) of every ``__dbt_tmp`` / ``__dbt_backup`` relation left."""
        ...

    def wait_statements_running(self, count: int, timeout: float) -> bool:
        """Wait until the engine runs ``count`` of the run's statements at once (False: it never did)."""
        ...

    def running_statements(self) -> list[str]:
        """What the engine still runs for the project once dagwright has exited (empty: nothing)."""
        ...


@dataclass
class Workspace:
    """A project dir, a profiles dir and a DuckDB file, all under one tmp dir."""

    root: Path
    profiles_dir: Path
    db: Path
    env: dict[str, str] = field(default_factory=_env)

    # StopWorkspace's engine facts, for DuckDB
    beta_a_error: ClassVar[tuple[str, str]] = DUCKDB_CAST_ERROR
    cancel_lag: ClassVar[float] = 0.3
    cancel_seconds: ClassVar[float] = 0.3  # measured 0.2-30 ms

    @property
    def target(self) -> Path:
        return self.root / "target"

    def cli(self, *args: str) -> list[str]:
        # a command of a group (docs generate, source freshness) is two words
        words = 2 if args[0] in ("docs", "source") and len(args) > 1 and not args[1].startswith("-") else 1
        command, rest = args[:words], args[words:]
        return [
            sys.executable,
            "-m",
            "dagwright.cli",
            *command,
            "--project-dir",
            str(self.root),
            "--profiles-dir",
            str(self.profiles_dir),
            *rest,
        ]

    def run(self, *args: str, timeout: float = 120) -> CliRun:
        t0 = time.monotonic()
        proc = subprocess.run(
            self.cli(*args),
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return CliRun(tuple(args), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)

    def ok(self, *args: str) -> CliRun:
        result = self.run(*args)
        assert result.code == 0, str(result)
        return result

    def popen(self, *args: str, stderr_path: Path) -> subprocess.Popen[str]:
        with stderr_path.open("w") as err:
            return subprocess.Popen(
                self.cli(*args),
                cwd=self.root,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                bufsize=1,
            )

    def run_results(self) -> dict[str, Any]:
        return json.loads((self.target / "run_results.json").read_text(encoding="utf-8"))

    # -- the warehouse, after the run closed it ----------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        conn = duckdb.connect(str(self.db), read_only=True)
        try:
            return conn.execute(sql, list(params or [])).fetchall()
        finally:
            conn.close()

    def invocation_ids(self, relations: Iterable[tuple[str, str]]) -> dict[tuple[str, str], frozenset[str] | None]:
        """(schema, name) -> the distinct invocation_ids in it, or None if it does not exist."""
        if not self.db.exists():
            return dict.fromkeys(relations)
        conn = duckdb.connect(str(self.db), read_only=True)
        try:
            existing = {
                (s, n)
                for s, n in conn.execute("select table_schema, table_name from information_schema.tables").fetchall()
            }
            out: dict[tuple[str, str], frozenset[str] | None] = {}
            for schema, name in relations:
                if (schema, name) not in existing:
                    out[(schema, name)] = None
                    continue
                rows = conn.execute(f'select distinct invocation_id from "{schema}"."{name}"').fetchall()
                out[(schema, name)] = frozenset(str(r[0]) for r in rows)
            return out
        finally:
            conn.close()

    def temp_relations(self) -> list[tuple[str, str]]:
        if not self.db.exists():
            return []
        rows = self.query(
            "select table_schema, table_name from information_schema.tables "
            "where position('__dbt_tmp' in table_name) > 0 or position('__dbt_backup' in table_name) > 0"
        )
        return [(str(s), str(n)) for s, n in rows]

    def wait_statements_running(self, count: int, timeout: float) -> bool:
        """DuckDB runs inside the dagwright process and shows another process nothing while it
        writes: after the START lines, give compile and the first statements time to start."""
        time.sleep(SETTLE)
        return True

    def running_statements(self) -> list[str]:
        return []  # an embedded engine ends with its process


def article_workspace(tmp: Path, name: str = "article") -> Workspace:
    """examples/article copied without target/ or any DuckDB file; nothing seeded yet."""
    base = tmp / name
    root = base / "project"
    shutil.copytree(ARTICLE, root, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb", "*.duckdb.wal", "*.wal"))
    db = base / "warehouse.duckdb"
    profiles = base / "profiles"
    write_profiles(profiles, "article", db, threads=2)
    return Workspace(root, profiles, db)


def project_workspace(tmp: Path, name: str, files: Mapping[str, str], threads: int = 1) -> Workspace:
    """A generated project: ``files`` maps relative paths to (dedented) text."""
    base = tmp / name
    root = base / "project"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    db = base / "warehouse.duckdb"
    profiles = base / "profiles"
    write_profiles(profiles, name, db, threads=threads)
    return Workspace(root, profiles, db)


def snapshot_state(ws: Workspace, into: Path) -> Path:
    """Copy the warehouse file(s) and target/ aside (the run that wrote them has exited)."""
    into.mkdir(parents=True, exist_ok=True)
    for path in ws.db.parent.glob(ws.db.name + "*"):
        shutil.copy2(path, into / path.name)
    if ws.target.exists():
        shutil.copytree(ws.target, into / "target")
    return into


def restore_state(ws: Workspace, saved: Path) -> None:
    """Put a snapshot taken with ``snapshot_state`` into ``ws`` (same DuckDB file name)."""
    for path in saved.glob(ws.db.name + "*"):
        shutil.copy2(path, ws.db.parent / path.name)
    if (saved / "target").exists():
        shutil.copytree(saved / "target", ws.target, dirs_exist_ok=True)


@dataclass(frozen=True)
class Template:
    """A saved article warehouse + target/ and the invocation that built its models."""

    path: Path
    invocation_id: str | None  # None: no model built yet (only the seeds)
    run_results: dict[str, Any]


_TEMPLATES: dict[str, Template] = {}
_TEMPLATE_LOCK = threading.Lock()


def article_template(kind: str, base: Path) -> Template:
    """``seeded``: seeds loaded, no model; ``built``: then a smooth run with the issue's
    durations (1 thread, so the recorded durations are clean: beta_a ~1 s, beta_b ~3 s).
    Built once per process and copied into each test's workspace."""
    with _TEMPLATE_LOCK:
        if kind in _TEMPLATES:
            return _TEMPLATES[kind]
        ws = article_workspace(base, f"template-{kind}")
        if kind == "seeded":
            ws.ok("seed")
            template = Template(snapshot_state(ws, base / f"saved-{kind}"), None, ws.run_results())
        elif kind == "built":
            ws.ok("seed")
            ws.ok("run", "--threads", "1", "--vars", SMOOTH_VARS)
            rr = ws.run_results()
            assert {r["status"] for r in rr["results"]} == {"success"}, rr
            took = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in rr["results"]}
            # the tests derive their expected scheduling order from this history
            assert took["model_beta_b"] > took["model_beta_a"] > took["model_gamma_a"], took
            template = Template(snapshot_state(ws, base / f"saved-{kind}"), rr["metadata"]["invocation_id"], rr)
        else:
            raise ValueError(kind)
        _TEMPLATES[kind] = template
        return template


def article_from(tmp: Path, template: Template, name: str = "article") -> Workspace:
    ws = article_workspace(tmp, name)
    restore_state(ws, template.path)
    return ws


# -- reading a process's output line by line ---------------------------------------------------
class LineReader:
    """Reads a pipe on a thread; ``wait_for`` returns once every wanted text has been seen."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, wanted: Iterable[str], timeout: float) -> bool:
        missing = set(wanted) - {w for w in wanted for line in self.lines if w in line}
        deadline = time.monotonic() + timeout
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                return False
            if line is None:
                return False
            self.lines.append(line)
            missing = {w for w in missing if w not in line}
        return True

    def rest(self, timeout: float = 10) -> str:
        """Everything up to the end of the stream."""
        self._thread.join(timeout)
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return "\n".join(self.lines)


# -- the terminal --------------------------------------------------------------------------
NODE_LINE = re.compile(
    r"^\d\d:\d\d:\d\d  (?P<index>\d+) of (?P<total>\d+) (?P<word>START|OK|ERROR|SKIP|CANCELLED|PASS|FAIL|WARN) "
    r"(?P<rest>.*?)(?: \.+ )?\[(?P<bracket>[^\]]*)\]$"
)
DONE_LINE = re.compile(
    r"Done\. PASS=(?P<pass>\d+) WARN=(?P<warn>\d+) ERROR=(?P<error>\d+) SKIP=(?P<skip>\d+)"
    r"(?: CANCELLED=(?P<cancelled>\d+))? NO-OP=(?P<noop>\d+) TOTAL=(?P<total>\d+)"
)


def node_lines(stdout: str, schema: str, name: str) -> list[re.Match[str]]:
    """The terminal's per-node lines (START excluded) about relation ``schema.name``."""
    label = re.compile(rf"(?:^|\s){re.escape(schema)}\.{re.escape(name)}(?:\s|$)")
    out = []
    for line in stdout.splitlines():
        match = NODE_LINE.match(line)
        if match and match["word"] != "START" and label.search(match["rest"]):
            out.append(match)
    return out


def start_lines(stdout: str, schema: str, name: str) -> list[re.Match[str]]:
    label = re.compile(rf"(?:^|\s){re.escape(schema)}\.{re.escape(name)}(?:\s|$)")
    return [
        m for m in map(NODE_LINE.match, stdout.splitlines()) if m and m["word"] == "START" and label.search(m["rest"])
    ]


def start_order(stdout: str) -> list[str]:
    """Relation names (without schema) in the order of their START lines."""
    return [
        line_relation(m).split(".")[-1] for m in map(NODE_LINE.match, stdout.splitlines()) if m and m["word"] == "START"
    ]


def line_relation(match: re.Match[str]) -> str:
    """``schema.name`` of the relation a node line is about."""
    found = re.search(r"(?:model|seed file) (\S+)", match["rest"])
    assert found, match[0]
    return found[1]


def assert_never_more_running_than(stdout: str, run_results: Mapping[str, Any], threads: int) -> None:
    """Never more nodes handed out than workers, counted twice: from the terminal's START
    and end lines, and from the run_results timings (first start to last end)."""
    running: set[str] = set()
    peak = 0
    for match in map(NODE_LINE.match, stdout.splitlines()):
        if not match:
            continue
        relation = line_relation(match)
        if match["word"] == "START":
            assert relation not in running, f"{relation} started twice\n{stdout}"
            running.add(relation)
        else:
            running.discard(relation)
        peak = max(peak, len(running))
    assert peak <= threads, f"{peak} nodes running at once with {threads} threads\n{stdout}"

    events = []
    for result in run_results["results"]:
        spans = [t for t in (timing(result, "compile"), timing(result, "execute")) if t]
        if spans:
            events.append((spans[0][0], 1))
            events.append((spans[-1][1], -1))
    count = peak = 0
    for _, delta in sorted(events):  # at the same instant an end (-1) sorts before a start
        count += delta
        peak = max(peak, count)
    assert peak <= threads, f"{peak} nodes overlap in the run_results timings with {threads} threads"


def done_counts(stdout: str) -> dict[str, int]:
    found = DONE_LINE.findall(stdout)
    assert len(found) == 1, f"expected exactly one 'Done.' line, found {len(found)}:\n{stdout}"
    match = DONE_LINE.search(stdout)
    assert match is not None
    return {k: int(v) if v is not None else 0 for k, v in match.groupdict().items()}


def counts(run_results: Mapping[str, Any]) -> dict[str, int]:
    statuses = [outcome(r) for r in run_results["results"]]
    return {s: statuses.count(s) for s in STATUSES}


def check_terminal(stdout: str, run_results: Mapping[str, Any], relations: Mapping[str, tuple[str, str]]) -> None:
    """One end line per node whose word and bracket match its run_results status."""
    by_uid = {r["unique_id"]: r for r in run_results["results"]}
    total = len(run_results["results"])
    indices = []
    for uid, (schema, name) in relations.items():
        lines = node_lines(stdout, schema, name)
        assert len(lines) == 1, f"{uid}: expected one end line in the terminal, got {[m[0] for m in lines]}"
        status = outcome(by_uid[uid])
        assert lines[0]["word"] == WORD[status], f"{uid}: terminal says {lines[0][0]!r}, run_results {status}"
        # a success's bracket is "OK in ..." or, as dbt-bigquery prints it, its message (the job's)
        brackets = [BRACKET[status]]
        if status == "success" and by_uid[uid].get("message"):
            brackets.append(f"{by_uid[uid]['message']} in ")
        assert lines[0]["bracket"].startswith(tuple(brackets)), f"{uid}: {lines[0][0]!r}"
        # "i of N": N is the number of nodes, and a node keeps the index of its START line
        assert int(lines[0]["total"]) == total, lines[0][0]
        starts = start_lines(stdout, schema, name)
        assert len(starts) <= 1, [m[0] for m in starts]
        if starts:
            assert starts[0]["index"] == lines[0]["index"], (starts[0][0], lines[0][0])
        indices.append(int(lines[0]["index"]))
    if len(relations) == total:
        assert sorted(indices) == list(range(1, total + 1)), f"end-line indices {sorted(indices)}\n{stdout}"


def check_summary(stdout: str, run_results: Mapping[str, Any]) -> None:
    """The Done line's numbers are run_results.json's counts (issue 3, semantics 6)."""
    done = done_counts(stdout)
    c = counts(run_results)
    assert done == {
        "pass": c["success"],
        "warn": 0,
        "error": c["error"],
        "skip": c["skipped"],
        "cancelled": c["cancelled"],
        "noop": 0,
        "total": len(run_results["results"]),
    }, f"Done line {done} vs run_results counts {c}"
    if c["cancelled"] == 0:
        assert "CANCELLED=" not in stdout.split("Done.")[-1]
    match = re.search(r"Completed with (\d+) errors?", stdout)
    if match:
        assert int(match[1]) == c["error"], f"'Completed with' says {match[0]!r}, run_results {c}"


# -- run_results ------------------------------------------------------------------------------
def check_run_results_schema(run_results: Mapping[str, Any]) -> None:
    """run_results.json is valid against dbt's v6 schema (as the installed dbt-core generates it)
    and loads with dbt's own artifact class, the reader of ``dbt retry`` and ``--state``."""
    import jsonschema
    from dbt.artifacts.schemas.run import RunResultsArtifact

    jsonschema.validate(run_results, _run_results_schema())
    RunResultsArtifact.upgrade_schema_version(dict(run_results))  # what dbt's loader calls (it validates too)


def _run_results_schema() -> dict[str, Any]:
    global _SCHEMA
    if _SCHEMA is None:
        from dbt.artifacts.schemas.run import RunResultsArtifact

        _SCHEMA = RunResultsArtifact.json_schema()
    return _SCHEMA


_SCHEMA: dict[str, Any] | None = None


def outcome(result: Mapping[str, Any]) -> str:
    """A node's outcome as the contract (docs/execution.md) defines it: ``status``, except that a
    cancelled node is ``status: error`` with ``adapter_response.dagwright_outcome: cancelled``."""
    if (result.get("adapter_response") or {}).get("dagwright_outcome") == "cancelled":
        assert result["status"] == "error", result
        return "cancelled"
    return result["status"]


def stop_record(run_results: Mapping[str, Any]) -> dict[str, Any] | None:
    """The run's stop: ``args.dagwright.stop`` (docs/execution.md)."""
    return (run_results.get("args") or {}).get("dagwright", {}).get("stop")


def parse_ts(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)


def timing(result: Mapping[str, Any], name: str) -> tuple[dt.datetime, dt.datetime] | None:
    for t in result.get("timing") or []:
        if t["name"] == name:
            return parse_ts(t["started_at"]), parse_ts(t["completed_at"])
    return None


def by_uid(run_results: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    results = run_results["results"]
    uids = [r["unique_id"] for r in results]
    assert len(uids) == len(set(uids)), f"a node is listed twice: {uids}"
    return {r["unique_id"]: r for r in results}


def stop_time(run_results: Mapping[str, Any]) -> dt.datetime | None:
    stop = stop_record(run_results)
    if not stop or not stop.get("at"):
        return None
    return parse_ts(stop["at"])


def table_state(ids: frozenset[str] | None, this_run: str, previous: str | None) -> str:
    if ids is None:
        return ABSENT
    if ids == {this_run}:
        return BUILT
    if previous is not None and ids == {previous}:
        return PREVIOUS
    return f"mixed or foreign invocation ids {sorted(ids)}"


def expected_state(status: str, previous: str | None) -> str:
    """Where a node's relation must be after the run, given its outcome."""
    if status == "success":
        return BUILT
    return PREVIOUS if previous is not None else ABSENT


# -- the article ------------------------------------------------------------------------------
def article_relations() -> dict[str, tuple[str, str]]:
    return {ARTICLE_UIDS[name]: (schema, name) for name, schema in ARTICLE_MODELS.items()}


def article_states(ws: StopWorkspace, this_run: str, previous: str | None) -> dict[str, str]:
    """model name -> BUILT / PREVIOUS / ABSENT (or a description of something else)."""
    ids = ws.invocation_ids((schema, name) for name, schema in ARTICLE_MODELS.items())
    return {name: table_state(ids[(schema, name)], this_run, previous) for name, schema in ARTICLE_MODELS.items()}


def check_article_run(
    ws: StopWorkspace,
    stdout: str,
    expected: Mapping[str, tuple[str, str]],
    previous: str | None,
    *,
    summary: bool = True,
) -> dict[str, Any]:
    """Assert every article node's outcome three ways; returns run_results.json.

    ``expected`` maps model name -> (status, message check) where the message check is
    ``"=text"`` (equal), ``"^text"`` (starts with) or ``"~text"`` (contains).
    """
    rr = ws.run_results()
    check_run_results_schema(rr)
    results = by_uid(rr)
    this_run = rr["metadata"]["invocation_id"]
    assert set(results) == set(ARTICLE_UIDS.values()), f"run_results lists {sorted(results)}"
    states = article_states(ws, this_run, previous)
    actual = {
        name: (outcome(results[uid]), results[uid]["message"], states[name]) for name, uid in ARTICLE_UIDS.items()
    }
    problems = []
    for name, (status, message_check) in expected.items():
        got_status, got_message, got_state = actual[name]
        want_state = expected_state(status, previous)
        if got_status != status:
            problems.append(f"{name}: status {got_status!r}, expected {status!r} ({got_message!r})")
        if not _message_ok(got_message or "", message_check):
            problems.append(f"{name}: message {got_message!r} does not match {message_check!r}")
        if got_state != want_state:
            problems.append(f"{name}: table is {got_state!r}, expected {want_state!r} for status {got_status!r}")
    assert not problems, "\n".join(problems) + f"\n--- stdout\n{stdout}"
    check_terminal(stdout, rr, article_relations())
    if summary:
        check_summary(stdout, rr)
    assert ws.temp_relations() == [], f"temporary relations left: {ws.temp_relations()}"
    return rr


def _message_ok(message: str, check: str) -> bool:
    kind, text = check[0], check[1:]
    if kind == "=":
        return message == text
    if kind == "^":
        return message.startswith(text)
    if kind == "~":
        return text in message
    raise ValueError(check)


def ok() -> tuple[str, str]:
    return ("success", "~")


def error_cast() -> tuple[str, str]:
    return DUCKDB_CAST_ERROR


def skipped_upstream(uid: str) -> tuple[str, str]:
    return ("skipped", f"=skipped because upstream {uid} failed")


def cancelled(trigger: str) -> tuple[str, str]:
    return ("cancelled", f"~{trigger}")


def not_started(trigger: str) -> tuple[str, str]:
    return ("skipped", f"^not started: {trigger}")


def expected_outcomes(fail_fast: bool, threads: int, built: bool) -> dict[str, tuple[str, str]]:
    """The article's outcomes with beta_a failing (see tests/test_honest_stop.py for why)."""
    out = {
        "stg_orders": ok(),
        "model_alpha": ok(),
        "model_beta_a": error_cast(),
        "model_gamma_a": skipped_upstream(ARTICLE_UIDS["model_beta_a"]),
    }
    if not fail_fast:
        out["model_beta_b"] = ok()
        out["model_gamma_b"] = ok()
    elif threads == 1 and not built:
        out["model_beta_b"] = not_started(FAIL_FAST_BETA_A)
        out["model_gamma_b"] = not_started(FAIL_FAST_BETA_A)
    elif threads == 1 and built:
        out["model_beta_b"] = ok()  # the longer critical path ran first, before the failure
        out["model_gamma_b"] = not_started(FAIL_FAST_BETA_A)
    else:
        out["model_beta_b"] = cancelled(FAIL_FAST_BETA_A)
        out["model_gamma_b"] = not_started(FAIL_FAST_BETA_A)
    return out


def expected_start_order(fail_fast: bool, built: bool) -> list[str]:
    """With one thread: the order of the START lines."""
    head = ["stg_orders", "model_alpha"]
    if built:  # beta_b's chain (3 s) first, then beta_a's (1 s), then gamma_b
        return [*head, "model_beta_b", "model_beta_a"] + ([] if fail_fast else ["model_gamma_b"])
    return [*head, "model_beta_a"] + ([] if fail_fast else ["model_beta_b", "model_gamma_b"])


MATRIX = [
    pytest.param(
        ff, threads, built, id=f"{'fail-fast' if ff else 'no-fail-fast'}-{threads}t-{'built' if built else 'empty'}"
    )
    for ff in (True, False)
    for threads in (1, 2)
    for built in (False, True)
]

SIGNALS = [
    pytest.param(signal.SIGINT, 130, SIGINT_TEXT, id="SIGINT"),
    pytest.param(signal.SIGTERM, 143, SIGTERM_TEXT, id="SIGTERM"),
]


# -- the shared test bodies --------------------------------------------------------------------
def run_matrix_cell(ws: StopWorkspace, previous: str | None, fail_fast: bool, threads: int) -> dict[str, Any]:
    """``dagwright run`` of the failing article (beta_a errors) on a seeded (``previous`` None)
    or built warehouse, then every check of ``check_matrix_outcome``; returns run_results.json."""
    if previous is not None:  # precondition: every model carries the earlier run's invocation_id
        assert set(article_states(ws, "-", previous).values()) == {PREVIOUS}
    args = ["run", "--threads", str(threads), "--vars", FAIL_VARS]
    if fail_fast:
        args.append("--fail-fast")
    result = ws.run(*args)
    assert result.code == 1, str(result)
    return check_matrix_outcome(ws, result.stdout, previous, fail_fast, threads)


def check_matrix_outcome(
    ws: StopWorkspace, stdout: str, previous: str | None, fail_fast: bool, threads: int, *, summary: bool = True
) -> dict[str, Any]:
    """The failing article's run, checked: each node's outcome three ways, the stop record,
    no START and no execute timing for nodes that never started, the scheduling order with
    one thread, the cancel's reaction with two, nothing left running. ``summary``: ``stdout``
    ends with the CLI's Done line (``dagwright.api`` prints none)."""
    expected = expected_outcomes(fail_fast, threads, previous is not None)
    assert expected["model_beta_a"][0] == "error"
    expected["model_beta_a"] = ws.beta_a_error
    rr = check_article_run(ws, stdout, expected, previous, summary=summary)
    results = by_uid(rr)

    # the stop is recorded with its trigger, and only when there was one
    stop = stop_record(rr)
    if fail_fast:
        assert stop and stop["kind"] == "fail-fast" and stop["trigger"] == FAIL_FAST_BETA_A, stop
    else:
        assert not stop, stop

    # nodes that never started: no START line, no execute timing
    for name, (_status, check) in expected.items():
        if check.startswith("^not started"):
            assert start_lines(stdout, "main", name) == [], f"{name} printed START\n{stdout}"
            assert timing(results[ARTICLE_UIDS[name]], "execute") is None, results[ARTICLE_UIDS[name]]

    if threads == 1:
        assert start_order(stdout) == expected_start_order(fail_fast, previous is not None), stdout

    if fail_fast and threads == 2:
        # the reaction: beta_b's statement is cancelled right after beta_a's error
        a_end = timing(results[ARTICLE_UIDS["model_beta_a"]], "execute")[1]
        b_timing = timing(results[ARTICLE_UIDS["model_beta_b"]], "execute")
        assert b_timing is not None, results[ARTICLE_UIDS["model_beta_b"]]
        lag = (b_timing[1] - a_end).total_seconds()
        assert lag < ws.cancel_lag, f"beta_b ended {lag:.3f}s after beta_a's error"
        if summary:
            assert "CANCELLED=1" in stdout
        assert stop["cancel_seconds"] is not None and stop["cancel_seconds"] < ws.cancel_seconds, stop
    # the cancelled statement was stopped on the engine, not abandoned
    assert ws.running_statements() == [], "the engine still runs statements of the run after it ended"
    return rr


def start_slow_betas(ws: StopWorkspace, tmp_path: Path) -> tuple[subprocess.Popen[str], LineReader]:
    """``dagwright run`` with both betas at ~3 s and 2 threads, once both run their statements."""
    proc = ws.popen("run", "--threads", "2", "--vars", SLOW_BETAS, stderr_path=tmp_path / "stderr.txt")
    reader = LineReader(proc.stdout)
    if not reader.wait_for(BETA_STARTS, timeout=60):
        stop_process(proc)
        pytest.fail("both betas never started:\n" + reader.rest(1) + (tmp_path / "stderr.txt").read_text())
    if not ws.wait_statements_running(2, timeout=10):
        stop_process(proc)
        pytest.fail("precondition: the two betas' statements never ran at once")
    return proc, reader


def stop_process(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def wait_exit(proc: subprocess.Popen[str], sent_at: float, tmp_path: Path, reader: LineReader) -> tuple[int, float]:
    """The exit code and the seconds since ``sent_at``; fails the test after 15 s."""
    try:
        code = proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        stop_process(proc)
        pytest.fail(
            "dagwright did not exit within 15 s of the signal\n"
            + reader.rest(1)
            + "\n--- stderr\n"
            + (tmp_path / "stderr.txt").read_text()
        )
    return code, time.monotonic() - sent_at


def signal_while_betas_run(
    ws: StopWorkspace, tmp_path: Path, previous: str, sig: int, code: int, trigger: str
) -> dict[str, Any]:
    """Signal ``sig`` while both betas run on a built warehouse: exit ``code`` within 2 s,
    every node's outcome three ways (betas cancelled, gammas not started), nothing left
    running, then ``retry`` builds exactly the four stopped nodes. Returns the interrupted
    run's run_results.json, for the engine's own timing checks."""
    proc, reader = start_slow_betas(ws, tmp_path)
    try:
        sent = time.monotonic()
        proc.send_signal(sig)
        exit_code, took = wait_exit(proc, sent, tmp_path, reader)
    finally:
        stop_process(proc)
    stdout = reader.rest()
    assert exit_code == code, f"exit {exit_code}\n{stdout}\n{(tmp_path / 'stderr.txt').read_text()}"
    bound = getattr(ws, "exit_after_signal", 2.0)  # an engine's workspace may allow more
    assert took < bound, f"exited {took:.2f}s after the signal"

    expected = {
        "stg_orders": ok(),
        "model_alpha": ok(),
        "model_beta_a": cancelled(trigger),
        "model_beta_b": cancelled(trigger),
        "model_gamma_a": not_started(trigger),
        "model_gamma_b": not_started(trigger),
    }
    rr = check_article_run(ws, stdout, expected, previous)
    stop = stop_record(rr)
    assert stop and stop["trigger"] == trigger, stop
    leftover = ws.running_statements()
    assert leftover == [], f"statements still running on the engine after exit: {leftover}"

    # retry picks up exactly the four nodes the signal stopped (without the slow durations)
    interrupted = rr["metadata"]["invocation_id"]
    again = ws.run("retry", "--vars", "{}")
    assert again.code == 0, str(again)
    retry_rr = ws.run_results()
    rest = ("model_beta_a", "model_beta_b", "model_gamma_a", "model_gamma_b")
    assert set(by_uid(retry_rr)) == {ARTICLE_UIDS[n] for n in rest}
    states = article_states(ws, retry_rr["metadata"]["invocation_id"], interrupted)
    assert states == {"stg_orders": PREVIOUS, "model_alpha": PREVIOUS, **dict.fromkeys(rest, BUILT)}, states
    return rr


def assert_betas_stopped_early(rr: Mapping[str, Any], seconds: float = 2.5) -> None:
    """Both betas' execute spans are shorter than ``seconds``: stopped well before their ~3 s."""
    results = by_uid(rr)
    for name in ("model_beta_a", "model_beta_b"):
        start, end = timing(results[ARTICLE_UIDS[name]], "execute")
        assert (end - start).total_seconds() < seconds, results[ARTICLE_UIDS[name]]
