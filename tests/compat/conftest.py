"""Compatibility harness: run one dbt project through dbt-core + dbt-duckdb (the oracle) and
through dagwright, each on its own copy of the project and its own DuckDB file, then compare.

A case is a folder under ``tests/compat/projects/<case>/``: a small dbt project, plus an optional
``compat.yml`` beside ``dbt_project.yml``::

    project: ../../../../examples/article   # optional: run this folder instead (relative to compat.yml)
    include: [batched_source_rows]          # optional: folders of projects/_shared/ laid under the project
    commands:                               # default [[seed], [run]]
      - [seed]
      - [run, --vars, "{n: 2}"]             # --vars is YAML, merged over `vars` below
      - [run, --full-refresh]
      - {args: [run, --vars, "{fail: true}"], exit: 1}   # dbt must exit 1 here (default 0)
    vars: {n: 1}                            # passed as --vars to every command
    oracle: live                            # optional: always run dbt (see recorded_oracle.py)
    env: {MY_VAR: value}                    # extra environment for both tools
    volatile: [loaded_at, main.model.col]   # columns whose values are not compared
    xfail:                                  # a known dagwright difference (strict xfail)
      reason: what differs, precisely
      match: regex the difference report must match (optional)

Files that several cases share live once under ``projects/_shared/<name>/`` (same relative
paths as in a project) and are copied into each case that names them in ``include:``, before
the case's own files. The PostgreSQL and Spark harnesses lay an engine's overlay folder
over the copy the same way (``with_overlay``).

After every command the two databases are compared (see ``compare_steps``): the same relations
(schema, name, table or view) in the non-system schemas, the same column names in order with the
same types, the same rows as sorted lists (columns named ``invocation_id`` and volatile columns
left out), the same exit code and the same per-node statuses in ``target/run_results.json``.

dbt runs as the subprocess ``dbt`` next to ``sys.executable`` (``pip install -e '.[compat]'``).
Without it the compat tests are skipped, unless ``DAGWRIGHT_COMPAT_REQUIRED=1`` (``make test``
sets it), which makes a missing oracle an error. Cases run in the background, two at a time
(``DAGWRIGHT_COMPAT_JOBS``), each tool on its own copy of the project under pytest's tmp dir.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from . import recorded_oracle

COMPAT_DIR = Path(__file__).resolve().parent
PROJECTS_DIR = COMPAT_DIR / "projects"
ARTICLE_DIR = (COMPAT_DIR / ".." / ".." / "examples" / "article").resolve()
BIN_DIR = Path(sys.executable).parent
REQUIRED_ENV = "DAGWRIGHT_COMPAT_REQUIRED"
JOBS_ENV = "DAGWRIGHT_COMPAT_JOBS"

DB_FILE = "warehouse.duckdb"  # same file name for both tools: DuckDB names the catalog after it
TARGET_NAME = "dev"
THREADS = 2
COMMAND_TIMEOUT = 180  # seconds, per command
ALWAYS_VOLATILE = frozenset({"invocation_id"})
SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")
COPY_IGNORE = shutil.ignore_patterns(
    "target",
    "logs",
    "dbt_packages",
    "compat.yml",
    "README.md",
    "*.duckdb",
    "*.duckdb.wal",
    "*.wal",
    "__pycache__",
    ".user.yml",
)
#: the folder, beside the cases (or an engine's overlays), of the files they share
SHARED_DIR = "_shared"
CASE_KEYS = frozenset({"project", "include", "commands", "vars", "env", "volatile", "xfail", "dbt_leftovers", "oracle"})
#: what an engine's overlay compat.yml may set: its own shared files, commands where its dbt exits
#: otherwise, and more volatile columns (where the overlay names relations otherwise)
OVERLAY_KEYS = frozenset({"include", "commands", "volatile"})
DEFAULT_COMMANDS = (("seed",), ("run",))
MAX_DIFF_LINES = 60  # per relation
TOOLS = ("dbt", "dagwright")


class CompatMismatch(AssertionError):
    """dagwright built something else than dbt. The only failure a case's xfail accepts."""


class OracleError(Exception):
    """dbt itself failed: the case project is broken, not dagwright."""


# --------------------------------------------------------------------------------------------
# cases


@dataclass(frozen=True)
class Case:
    name: str
    project: Path  # the dbt project folder; copied, never run in place
    commands: tuple[tuple[str, ...], ...]
    oracle_exits: tuple[int, ...]  # dbt's expected exit code for each command
    vars: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    volatile: frozenset[str] = frozenset()
    #: regexes of ``schema.relation`` names dbt leaves behind by mistake: not compared
    dbt_leftovers: tuple[str, ...] = ()
    xfail_reason: str | None = None
    xfail_match: str | None = None
    includes: tuple[Path, ...] = ()  # shared folders copied before the project
    overlays: tuple[Path, ...] = ()  # folders laid over the project copy, in order (an engine's overlay)
    #: "recorded" (dbt's steps may be replayed: recorded_oracle.py) or "live" (always run dbt)
    oracle: str = "recorded"

    @property
    def layers(self) -> tuple[Path, ...]:
        """The folders that make up the case's project, copied in this order."""
        return (*self.includes, self.project, *self.overlays)

    def param(self) -> Any:
        marks = []
        if self.xfail_reason:
            marks.append(pytest.mark.xfail(strict=True, raises=CompatMismatch, reason=self.xfail_reason))
        return pytest.param(self, id=self.name, marks=marks)

    def is_volatile(self, schema: str, relation: str, column: str) -> bool:
        column = column.lower()
        qualified = f"{schema}.{relation}.{column}".lower()
        return column in ALWAYS_VOLATILE or column in self.volatile or qualified in self.volatile

    def argv(self, command: tuple[str, ...]) -> list[str]:
        """The command's arguments with the case vars merged into a single JSON --vars."""
        args = list(command)
        merged = dict(self.vars)
        if "--vars" in args:
            i = args.index("--vars")
            merged.update(yaml.safe_load(args[i + 1]) or {})
            del args[i : i + 2]
        if merged:
            args += ["--vars", json.dumps(merged, sort_keys=True)]
        return args


def read_spec(folder: Path, allowed: frozenset[str]) -> dict[str, Any]:
    """``folder/compat.yml`` (empty if there is none), with only ``allowed`` keys."""
    spec_file = folder / "compat.yml"
    spec = (yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}) if spec_file.exists() else {}
    unknown = set(spec) - allowed
    if unknown:
        raise ValueError(f"{spec_file}: unknown keys {sorted(unknown)}")
    return spec


def shared_folders(folder: Path, names: list[str] | None) -> tuple[Path, ...]:
    """The ``include:`` names of ``folder/compat.yml`` as folders of ``_shared/`` beside ``folder``."""
    found = []
    for name in names or ():
        shared = folder.parent / SHARED_DIR / str(name)
        if not shared.is_dir():
            raise ValueError(f"{folder / 'compat.yml'}: include {name!r}: no folder {shared}")
        found.append(shared)
    return tuple(found)


def parse_commands(commands: list[Any]) -> tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]:
    """compat.yml's ``commands``: the argument tuples and dbt's expected exit code of each."""
    args, exits = [], []
    for cmd in commands:
        if isinstance(cmd, dict):
            args.append(tuple(str(a) for a in cmd["args"]))
            exits.append(int(cmd.get("exit", 0)))
        else:
            args.append(tuple(str(a) for a in cmd))
            exits.append(0)
    return tuple(args), tuple(exits)


def load_case(folder: Path) -> Case:
    spec = read_spec(folder, CASE_KEYS)
    project = (folder / spec["project"]).resolve() if spec.get("project") else folder
    if not (project / "dbt_project.yml").is_file():
        raise ValueError(f"case {folder.name}: no dbt_project.yml in {project}")
    xfail = spec.get("xfail")
    if isinstance(xfail, str):
        xfail = {"reason": xfail}
    commands, exits = parse_commands(spec.get("commands") or DEFAULT_COMMANDS)
    return Case(
        name=folder.name,
        project=project,
        includes=shared_folders(folder, spec.get("include")),
        commands=commands,
        oracle_exits=exits,
        vars=dict(spec.get("vars") or {}),
        env={str(k): str(v) for k, v in (spec.get("env") or {}).items()},
        volatile=frozenset(str(c).lower() for c in spec.get("volatile") or ()),
        dbt_leftovers=tuple(str(r) for r in spec.get("dbt_leftovers") or ()),
        xfail_reason=(xfail or {}).get("reason"),
        xfail_match=(xfail or {}).get("match"),
        oracle=str(spec.get("oracle") or "recorded"),
    )


def load_cases() -> list[Case]:
    return [load_case(d) for d in sorted(PROJECTS_DIR.iterdir()) if d.is_dir() and not d.name.startswith((".", "_"))]


def with_overlay(case: Case, overlays_dir: Path) -> Case:
    """The case with ``overlays_dir/<case>/`` laid over its project copy (an engine's spelling
    of the case's SQL), after the overlay's own ``include:`` folders of ``overlays_dir/_shared/``;
    the overlay's compat.yml may also replace ``commands`` (where that engine's dbt exits
    otherwise) and add ``volatile`` columns."""
    folder = overlays_dir / case.name
    if not folder.is_dir():
        return case
    spec = read_spec(folder, OVERLAY_KEYS)
    case = replace(case, overlays=(*case.overlays, *shared_folders(folder, spec.get("include")), folder))
    if spec.get("commands"):
        commands, exits = parse_commands(spec["commands"])
        case = replace(case, commands=commands, oracle_exits=exits)
    if spec.get("volatile"):
        case = replace(case, volatile=case.volatile | {str(c).lower() for c in spec["volatile"]})
    return case


def engine_case(name: str, overlays_dir: Path, article_overlay: Path) -> Case:
    """tests/compat's case ``name`` as another engine runs it: with the engine's overlay (the
    article's overlay where the case runs examples/article) and without DuckDB's xfail."""
    case = with_overlay(load_case(PROJECTS_DIR / name), overlays_dir)
    if case.project.resolve() == ARTICLE_DIR:
        case = replace(case, overlays=(*case.overlays, article_overlay))
    return replace(case, xfail_reason=None, xfail_match=None)


def cases_from_env(env_var: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """The case names of ``$env_var`` (comma-separated), else ``default``."""
    return tuple(c.strip() for c in os.environ.get(env_var, "").split(",") if c.strip()) or default


def engine_case_params(names: tuple[str, ...], known: Mapping[str, tuple[str, str]]) -> list[Any]:
    """One pytest param per case name; a case in ``known`` (reason, regex) is a strict xfail
    that only a CompatMismatch satisfies."""
    out = []
    for name in names:
        marks = []
        if name in known:
            marks.append(pytest.mark.xfail(strict=True, raises=CompatMismatch, reason=known[name][0]))
        out.append(pytest.param(name, id=name, marks=marks))
    return out


# --------------------------------------------------------------------------------------------
# the two tools


@dataclass(frozen=True)
class Tools:
    dbt: str
    dagwright: str

    def executable(self, tool: str) -> str:
        return getattr(self, tool)


def find_tools() -> tuple[Tools | None, str]:
    """The dbt and dagwright executables next to sys.executable, or None and why not."""
    path = str(BIN_DIR)
    for module in ("dbt.version", "dbt.adapters.duckdb"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if not found:
            return None, (
                f"dbt-core + dbt-duckdb (the compat oracle) are not importable from {sys.executable} "
                f"({module} missing); install them with: pip install -e '.[compat]'"
            )
    dbt = shutil.which("dbt", path=path)
    if not dbt:
        return None, f"dbt is importable but there is no dbt executable in {path}"
    dagwright = shutil.which("dagwright", path=path)
    if not dagwright:
        return None, f"no dagwright executable in {path}; pip install -e ."
    return Tools(dbt=dbt, dagwright=dagwright), ""


@pytest.fixture(scope="session")
def compat_tools() -> Tools:
    tools, why = find_tools()
    if tools is None:
        if os.environ.get(REQUIRED_ENV, "") not in ("", "0"):
            pytest.fail(f"{REQUIRED_ENV} is set but {why}", pytrace=False)
        pytest.skip(why)
    return tools


# --------------------------------------------------------------------------------------------
# database snapshots


@dataclass
class Relation:
    schema: str
    name: str
    kind: str  # BASE TABLE, VIEW
    columns: list[tuple[str, str]]  # (name, type), in order
    rows: list[tuple] | str  # compared columns only, sorted; or the error of select *
    compared: list[str]  # names of the columns in rows

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"


def _canon(value: Any) -> Any:
    """A comparable, hashable form of a DuckDB value (NaN equals NaN, lists become tuples)."""
    if isinstance(value, float) and math.isnan(value):
        return ("NaN",)
    if isinstance(value, (list, tuple)):
        return tuple(_canon(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted(((str(k), _canon(v)) for k, v in value.items()), key=repr))
    return value


def _sorted_rows(rows: list[tuple]) -> list[tuple]:
    try:
        return sorted(rows, key=lambda row: tuple((v is None, v) for v in row))
    except TypeError:
        return sorted(rows, key=repr)


def _fmt(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    return str(value)


def double_quoted(identifier: str) -> str:
    """An identifier quoted as DuckDB and PostgreSQL quote one."""
    return '"' + identifier.replace('"', '""') + '"'


def read_relation(
    case: Case,
    schema: str,
    name: str,
    kind: str,
    columns: list[tuple[str, str]],
    *,
    source: str,
    query: Callable[[str], list[tuple]],
    quote: Callable[[str], str] = double_quoted,
    value: Callable[[Any], Any] = lambda v: v,
) -> Relation:
    """A relation as the comparison sees it: the rows of its compared columns, sorted, each
    value through ``value`` and made comparable. ``query(sql)`` runs a select from ``source``
    (the relation's quoted name) on the engine; if that fails, the error's first line stands
    for the rows."""
    compared = [c for c, _ in columns if not case.is_volatile(schema, name, c)]
    listed = ", ".join(quote(c) for c in compared) or "null as no_compared_column"
    rows: list[tuple] | str
    try:
        fetched = query(f"select {listed} from {source}")
        rows = _sorted_rows([tuple(_canon(value(v)) for v in row) for row in fetched])
    except Exception as exc:  # any engine's driver error: the report shows it
        rows = f"<select failed: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}>"
    return Relation(schema, name, kind, columns, rows, compared)


def snapshot_database(path: Path, case: Case) -> dict[tuple[str, str], Relation]:
    """Every relation of the database file's own catalog outside the system schemas."""
    if not path.exists():
        return {}
    relations: dict[tuple[str, str], Relation] = {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_catalog = current_database() and table_schema not in ? order by 1, 2",
            [list(SYSTEM_SCHEMAS)],
        ).fetchall()
        for schema, name, kind in tables:
            if any(re.fullmatch(pattern, f"{schema}.{name}") for pattern in case.dbt_leftovers):
                continue
            columns = [
                (c, t)
                for c, t in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_catalog = current_database() and table_schema = ? and table_name = ? "
                    "order by ordinal_position",
                    [schema, name],
                ).fetchall()
            ]
            quoted = f"{double_quoted(schema)}.{double_quoted(name)}"
            relations[(schema, name)] = read_relation(
                case, schema, name, kind, columns, source=quoted, query=lambda sql: con.execute(sql).fetchall()
            )
    finally:
        con.close()
    return relations


# --------------------------------------------------------------------------------------------
# running a case


@dataclass
class Step:
    tool: str
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    statuses: dict[str, str] | None  # unique_id -> status, None when there is no run_results.json
    relations: dict[tuple[str, str], Relation]

    @property
    def command(self) -> str:
        return " ".join([self.tool, *self.argv])

    def output_tail(self, lines: int = 25) -> str:
        text = (self.stdout + ("\n" + self.stderr if self.stderr.strip() else "")).rstrip()
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Workspace:
    """One tool's private copy of the project, profiles.yml, database and HOME."""

    tool: str
    root: Path

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def profiles_dir(self) -> Path:
        return self.root / "profiles"

    @property
    def database(self) -> Path:
        return self.root / DB_FILE

    @property
    def home(self) -> Path:
        return self.root / "home"


def copy_project(case: Case, destination: Path) -> str:
    """Copy the case's project (its layers, in order), leaving out build outputs (target/,
    logs/, *.duckdb), compat.yml and READMEs; the name of the profile it asks for."""
    for layer in case.layers:
        shutil.copytree(layer, destination, ignore=COPY_IGNORE, dirs_exist_ok=True)
    return str(yaml.safe_load((destination / "dbt_project.yml").read_text(encoding="utf-8"))["profile"])


def write_profiles(profiles_dir: Path, profile: str, database: Path) -> Path:
    profiles_dir.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(
        {
            profile: {
                "target": TARGET_NAME,
                "outputs": {TARGET_NAME: {"type": "duckdb", "path": str(database), "threads": THREADS}},
            }
        },
        sort_keys=False,
    )
    path = profiles_dir / "profiles.yml"
    path.write_text(text, encoding="utf-8")
    return path


def prepare_workspace(
    case: Case, tool: str, root: Path, profiles_text: Callable[[str], str] | None = None
) -> Workspace:
    """The case's project copied to ``root/project``, a profiles.yml and an empty HOME beside it.
    ``profiles_text(profile name)``: another engine's profiles.yml (default: DuckDB in ``root``)."""
    ws = Workspace(tool, root)
    profile = copy_project(case, ws.project)
    if profiles_text is None:
        write_profiles(ws.profiles_dir, profile, ws.database)
    else:
        ws.profiles_dir.mkdir(parents=True, exist_ok=True)
        (ws.profiles_dir / "profiles.yml").write_text(profiles_text(profile), encoding="utf-8")
    ws.home.mkdir(parents=True, exist_ok=True)
    return ws


def tool_env(
    case: Case, home: Path, *, drop: tuple[str, ...] = (), extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a tool's commands: this one without dbt's and dagwright's settings (nor
    variables starting with ``drop``), a HOME of its own, no colours or telemetry, then ``extra``
    and the case's ``env``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGWRIGHT_", *drop))}
    env.update(
        HOME=str(home),
        TZ="UTC",
        NO_COLOR="1",
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_USE_COLORS="false",
        DBT_VERSION_CHECK="false",
    )
    env.update(extra or {})
    env.update(case.env)
    return env


def read_statuses(project: Path) -> dict[str, str] | None:
    path = project / "target" / "run_results.json"
    if not path.exists():
        return None
    try:
        results = json.loads(path.read_text(encoding="utf-8"))["results"]
        return {r["unique_id"]: r["status"] for r in results}
    except (ValueError, KeyError, TypeError) as exc:
        return {"<run_results.json>": f"unreadable: {exc}"}


def run_commands(
    case: Case,
    ws: Workspace,
    executable: str,
    env: Mapping[str, str],
    snapshot: Callable[[], dict[tuple[str, str], Relation]],
    *,
    stderr_tail: int | None = None,
) -> list[Step]:
    """Run the case's commands in order with one tool in its workspace; ``snapshot()`` reads
    its warehouse after each. ``stderr_tail``: keep only that many characters of stderr."""
    project, profiles_dir = ws.project, ws.profiles_dir
    steps = []
    for command in case.commands:
        argv = case.argv(command)
        full = [executable, argv[0], "--project-dir", str(project), "--profiles-dir", str(profiles_dir), *argv[1:]]
        (project / "target" / "run_results.json").unlink(missing_ok=True)
        start = time.monotonic()
        try:
            proc = subprocess.run(
                full, cwd=project, env=dict(env), capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
            )
            returncode, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            returncode = -1
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            stderr = f"timed out after {COMMAND_TIMEOUT} s"
        seconds = time.monotonic() - start
        steps.append(
            Step(
                tool=ws.tool,
                argv=argv,
                returncode=returncode,
                stdout=stdout,
                stderr=stderr if stderr_tail is None else stderr[-stderr_tail:],
                seconds=seconds,
                statuses=read_statuses(project),
                relations=snapshot(),
            )
        )
    return steps


def run_steps(case: Case, tools: Tools, ws: Workspace) -> list[Step]:
    """Run the case's commands in order with one tool; snapshot the database after each."""
    env = tool_env(case, ws.home)
    return run_commands(case, ws, tools.executable(ws.tool), env, lambda: snapshot_database(ws.database, case))


@dataclass
class CaseRun:
    case: Case
    dbt: list[Step]
    dagwright: list[Step]
    oracle: str = "dbt run live"  # where dbt's steps come from (recorded_oracle.py)


def run_case(case: Case, tools: Tools, root: Path) -> CaseRun:
    """Run the case with dagwright and with dbt (or replay dbt's recorded steps:
    recorded_oracle.py), each on its own copy of the project and its own database under
    root/<tool>/."""
    return recorded_oracle.run_pair(
        case,
        "duckdb",
        str(BIN_DIR / "python"),
        lambda tool: run_steps(case, tools, prepare_workspace(case, tool, root / tool)),
        step_type=Step,
        relation_type=Relation,
        case_run_type=CaseRun,
    )


class CasePool:
    """Runs the session's selected cases in the background, ``jobs`` at a time, in collection
    order, so that one case's dbt start-up (about 3 s of CPU per command) overlaps another's."""

    def __init__(self, tools: Tools, tmp: pytest.TempPathFactory, jobs: int) -> None:
        self.tools = tools
        self.tmp = tmp
        self.executor = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="compat")
        self.futures: dict[str, Future[CaseRun]] = {}

    def submit(self, case: Case) -> Future[CaseRun]:
        if case.name not in self.futures:
            root = self.tmp.mktemp(f"compat-{case.name}", numbered=True)
            self.futures[case.name] = self.executor.submit(run_case, case, self.tools, root)
        return self.futures[case.name]

    def result(self, case: Case) -> CaseRun:
        return self.submit(case).result()

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def compat_jobs() -> int:
    """How many cases run at once: $DAGWRIGHT_COMPAT_JOBS, else 2 (1 on a single core)."""
    value = os.environ.get(JOBS_ENV, "")
    if value.strip():
        return max(1, int(value))
    return max(1, min(2, os.cpu_count() or 1))


@pytest.fixture(scope="session")
def compat_pool(
    compat_tools: Tools, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[CasePool]:
    pool = CasePool(compat_tools, tmp_path_factory, compat_jobs())
    for item in request.session.items:  # the selected tests, after -k / deselection
        callspec = getattr(item, "callspec", None)
        if callspec is not None and isinstance(callspec.params.get("compat_case"), Case):
            pool.submit(callspec.params["compat_case"])
    yield pool
    pool.shutdown()


@pytest.fixture
def compat_runner(compat_pool: CasePool) -> Callable[[Case], CaseRun]:
    """``compat_runner(case)``: the CaseRun of the case (dbt and dagwright, each on its own copy of
    the project and database under pytest's tmp dir). Cases are started in the background by
    compat_pool; this waits for the one asked for."""
    return compat_pool.result


# --------------------------------------------------------------------------------------------
# comparison


def _diff(expected: list[str], actual: list[str], limit: int = MAX_DIFF_LINES) -> list[str]:
    lines = list(difflib.unified_diff(expected, actual, "dbt", "dagwright", lineterm="", n=2))
    if len(lines) > limit:
        lines = [*lines[:limit], f"... ({len(lines) - limit} more diff lines)"]
    return ["    " + line for line in lines]


def _row_lines(relation: Relation) -> list[str]:
    if isinstance(relation.rows, str):
        return [relation.rows]
    return [_fmt(row) for row in relation.rows]


def _differing_columns(expected: Relation, actual: Relation) -> list[str]:
    """The compared columns whose multisets of values differ (rows need not line up)."""
    if isinstance(expected.rows, str) or isinstance(actual.rows, str):
        return []
    differing = []
    for i, name in enumerate(expected.compared):
        exp = sorted(repr(row[i]) for row in expected.rows)
        act = sorted(repr(row[i]) for row in actual.rows)
        if exp != act:
            differing.append(name)
    return differing


def compare_relations(expected: dict, actual: dict) -> list[str]:
    problems: list[str] = []
    for key in sorted(set(expected) - set(actual)):
        rel = expected[key]
        problems.append(f"  {rel.label} ({rel.kind}): built by dbt, missing in dagwright")
    for key in sorted(set(actual) - set(expected)):
        rel = actual[key]
        problems.append(f"  {rel.label} ({rel.kind}): built by dagwright, not by dbt")
    for key in sorted(set(expected) & set(actual)):
        exp, act = expected[key], actual[key]
        if exp.kind != act.kind:
            problems.append(f"  {exp.label}: dbt built a {exp.kind}, dagwright a {act.kind}")
        if exp.columns != act.columns:
            problems.append(f"  {exp.label}: columns differ (name type, in order)")
            problems += _diff([f"{c} {t}" for c, t in exp.columns], [f"{c} {t}" for c, t in act.columns])
        if exp.compared != act.compared:
            continue  # rows of different column sets are not comparable; the column diff says why
        if exp.rows != act.rows:
            n_exp = "?" if isinstance(exp.rows, str) else len(exp.rows)
            n_act = "?" if isinstance(act.rows, str) else len(act.rows)
            problems.append(
                f"  {exp.label}: rows differ (dbt {n_exp} rows, dagwright {n_act}; columns {', '.join(exp.compared)})"
            )
            columns = _differing_columns(exp, act)
            if columns:
                problems.append(f"    values differ in: {', '.join(columns)}")
            diff = _diff(_row_lines(exp), _row_lines(act))
            if not diff:  # equal text, different values: show the Python values
                diff = _diff([repr(r) for r in exp.rows], [repr(r) for r in act.rows])
            problems += diff
    return problems


def compare_steps(expected: Step, actual: Step) -> list[str]:
    """Differences between dbt's step (expected) and dagwright's (actual), as report lines."""
    problems: list[str] = []
    if expected.returncode != actual.returncode:
        problems.append(f"  exit code: dbt {expected.returncode}, dagwright {actual.returncode}")
    if expected.statuses != actual.statuses:
        if expected.statuses is None or actual.statuses is None:
            problems.append(
                "  run_results.json: "
                + ("dbt wrote none" if expected.statuses is None else "dagwright wrote none")
                + f" (dbt {expected.statuses}, dagwright {actual.statuses})"
            )
        else:
            problems.append("  node statuses in run_results.json differ:")
            for uid in sorted(set(expected.statuses) | set(actual.statuses)):
                exp = expected.statuses.get(uid, "<absent>")
                act = actual.statuses.get(uid, "<absent>")
                if exp != act:
                    problems.append(f"    {uid}: dbt {exp}, dagwright {act}")
    problems += compare_relations(expected.relations, actual.relations)
    return problems


def assert_same_results(run: CaseRun) -> None:
    """Raise OracleError if dbt failed, CompatMismatch if dagwright differs from dbt."""
    for i, (step, expected_exit) in enumerate(zip(run.dbt, run.case.oracle_exits), 1):
        if step.returncode != expected_exit:
            raise OracleError(
                f"case {run.case.name}: dbt exited with {step.returncode} at step {i} ({step.command}), "
                f"compat.yml expects {expected_exit}; fix the case project:\n" + step.output_tail(40)
            )
    report: list[str] = []
    total = len(run.dbt)
    for i, (exp, act) in enumerate(zip(run.dbt, run.dagwright), 1):
        problems = compare_steps(exp, act)
        if problems:
            report.append(f"step {i}/{total}: {' '.join(exp.argv)}")
            report += problems
            if act.returncode != 0 or exp.returncode != act.returncode:
                report.append("  dagwright output (tail):")
                report += ["    " + line for line in act.output_tail().splitlines()]
    if report:
        header = f"case {run.case.name}: dagwright differs from dbt ({run.case.project})"
        raise CompatMismatch("\n".join([header, *report]))


def check_case_run(run: CaseRun, known: str | None) -> None:
    """Print each step's time with both tools, then raise CompatMismatch with a readable report
    if dagwright differs from dbt. With ``known`` (the regex of a known difference), a report
    that does not match it is raised as a plain AssertionError, so an xfail only covers the
    difference it names."""
    print(run.oracle)
    for dbt_step, dagwright_step in zip(run.dbt, run.dagwright):
        print(f"{dbt_step.command}: {dbt_step.seconds:.1f} s; dagwright: {dagwright_step.seconds:.1f} s")
    try:
        assert_same_results(run)
    except CompatMismatch as exc:
        if known and not re.search(known, str(exc)):
            raise AssertionError(f"difference other than the expected one ({known!r}):\n{exc}") from None
        raise


@pytest.fixture
def compat_compare() -> Callable[[CaseRun], None]:
    """``compat_compare(run)``: ``check_case_run`` with the case's ``xfail.match``."""
    return lambda run: check_case_run(run, run.case.xfail_match)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``compat_case`` with every folder of tests/compat/projects/."""
    if "compat_case" in metafunc.fixturenames:
        metafunc.parametrize("compat_case", [case.param() for case in load_cases()])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How each engine's compat cases got dbt's steps this session (recorded_oracle.py), and
    which cases have no recording that matches them (they cost a live dbt run each time)."""
    if not recorded_oracle.NOTES:
        return
    by_kind: dict[tuple[str, str], list[str]] = {}
    for engine, case, kind in recorded_oracle.NOTES:
        by_kind.setdefault((engine, kind), []).append(case)
    terminalreporter.section("compat oracle")
    for (engine, kind), cases in sorted(by_kind.items()):
        listed = ", ".join(sorted(cases)) if kind != "replayed" else f"{len(cases)} cases"
        terminalreporter.write_line(f"{engine}: dbt {kind}: {listed}")
