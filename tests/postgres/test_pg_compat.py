"""dagwright against dbt-core + dbt-postgres (the oracle), on the session's PostgreSQL server.

The cases of tests/compat (their compat.yml: commands, vars, expected exits, volatile
columns) run on PostgreSQL: each case's project with the files of
tests/postgres/projects/compat_overlays/<case>/ laid over it, where DuckDB's SQL needs a
PostgreSQL spelling (``generate_series`` for ``range``, ``pg_typeof`` for ``typeof``, ``drop
table if exists`` + ``create table`` for ``create or replace table``), and examples/article
with its PostgreSQL overlay (tests/postgres/projects/article_overlay) where a case runs the
article. Each tool gets its own copy of the project and its own database; after every
command the two databases are compared as tests/compat compares DuckDB files: same
relations and kinds, same columns and types (information_schema), same rows, same exit
code and node statuses. Cases run in the background, two at a time (as tests/compat does),
so one case's dbt start-up overlaps another's.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from compat.conftest import (
    BIN_DIR,
    COMMAND_TIMEOUT,
    COPY_IGNORE,
    PROJECTS_DIR,
    REQUIRED_ENV,
    Case,
    CaseRun,
    CompatMismatch,
    Relation,
    Step,
    _canon,
    _sorted_rows,
    assert_same_results,
    load_case,
    read_statuses,
    tool_env,
)
from stop_helpers import ARTICLE

from .conftest import ROLE, connect, copy_article_pg, new_db_name, profiles_text

pytestmark = pytest.mark.postgres

#: files laid over a case's project to run it on PostgreSQL (same relative paths)
OVERLAYS_DIR = Path(__file__).resolve().parent / "projects" / "compat_overlays"
#: cases run at once (each runs dbt and dagwright side by side)
JOBS = max(1, int(os.environ.get("DAGWRIGHT_PG_COMPAT_JOBS", "") or 2))

#: tests/compat cases that run on PostgreSQL as they are (or as the article overlay)
#: (DAGWRIGHT_PG_COMPAT_CASES=a,b,c picks others, e.g. to try a new case on PostgreSQL)
PG_CASES = tuple(c for c in os.environ.get("DAGWRIGHT_PG_COMPAT_CASES", "").split(",") if c.strip()) or (
    # ordered longest first, so that two at a time finish close together
    "snapshot_timestamp",
    "incremental_more",
    "snapshot_check",
    "article_failures",
    "schemas_aliases",
    "realistic",
    "article",
    "article_build",
    "ephemeral",
    "incremental_merge",
    "incremental_schema_change",
    "model_hooks",
    "data_tests",
    "seeds_types",
    "seeds_errors",
    "run_hooks",
)
# Also pass on PostgreSQL (about 10-20 s each, left out for CI time; run them with
# DAGWRIGHT_PG_COMPAT_CASES): incremental_basic, incremental_append_strategy,
# incremental_schema_types, snapshot_yaml, sources, views_and_tables, jinja_basics, docs_blocks.
# Not run on PostgreSQL: dispatch_macros, jinja_extras and run_operation are written in
# DuckDB's SQL throughout; statement_results differs (see PG_XFAIL).

#: known differences on PostgreSQL: case -> (reason, regex the difference report must match)
PG_XFAIL = {
    "seeds_errors": (
        "seed values are read as dbt-duckdb's COPY reads them, on every engine; dbt-postgres binds the "
        "values agate parsed, and agate reads the number '1,5' as 15 (',' is a group separator), where "
        "DuckDB's COPY refuses it: dbt-postgres loads comma_number, dagwright fails it",
        r"seed\.seeds_errors\.comma_number: dbt success, dagwright error",
    ),
    "model_hooks": (
        "dbt-postgres runs a transaction: false pre-hook after a bare `commit;` statement, which psycopg2 "
        "does not notice: the model's later statements (its transactional pre-hooks included) then "
        "autocommit one by one, so the failing model `fragile` leaves 'project pre fragile' and 'inside "
        "pre fragile' in hook_log; dagwright keeps them in the model's transaction and rolls them back",
        r"main\.hook_log: rows differ(.|\n)*-\('inside pre fragile'\)",
    ),
    # not in PG_CASES (run it with DAGWRIGHT_PG_COMPAT_CASES=statement_results)
    "statement_results": (
        "adapter.get_columns_in_relation(...) of a text column: dbt-postgres' PostgresColumn.data_type "
        "keeps 'text', dagwright's api.Column (rendering/adapter_facade.py) says 'character varying(256)' "
        "as dbt-duckdb's does",
        r"main\.introspection: rows differ(.|\n)*values differ in: column_types\n",
    ),
}


def _oracle() -> str:
    for module in ("dbt.version", "dbt.adapters.postgres"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if not found:
            why = f"dbt-core + dbt-postgres (the oracle) are not installed ({module}); pip install -e '.[compat]'"
            if os.environ.get(REQUIRED_ENV, "") not in ("", "0") or os.environ.get("CI", "").lower() == "true":
                pytest.fail(why, pytrace=False)
            pytest.skip(why)
    dbt = shutil.which("dbt", path=str(BIN_DIR))
    if not dbt:
        pytest.skip(f"no dbt executable in {BIN_DIR}")
    return dbt


def _no_dbname(value: object, dbname: str) -> object:
    """Each tool builds into a database of its own name (DuckDB's harness gives both the same
    file name); values that spell it (``{{ this }}``, ``target.database``) are compared with
    the name replaced by ``<database>``."""
    return value.replace(dbname, "<database>") if isinstance(value, str) else value


def snapshot(server, dbname: str, case: Case) -> dict[tuple[str, str], Relation]:
    relations: dict[tuple[str, str], Relation] = {}
    with connect(server, dbname) as con:
        tables = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_schema not in ('pg_catalog', 'information_schema') and table_schema not like 'pg_temp%' "
            "and table_schema not like 'pg_toast%' order by 1, 2"
        ).fetchall()
        for schema, name, kind in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                [schema, name],
            ).fetchall()
            columns = [(str(c), str(t)) for c, t in columns]
            compared = [c for c, _ in columns if not case.is_volatile(schema, name, c)]
            select = ", ".join('"' + c.replace('"', '""') + '"' for c in compared) or "null as no_compared_column"
            try:
                fetched = con.execute(f'select {select} from "{schema}"."{name}"').fetchall()
                rows: list[tuple] | str = _sorted_rows(
                    [tuple(_canon(_no_dbname(v, dbname)) for v in row) for row in fetched]
                )
            except Exception as exc:
                rows = f"<select failed: {type(exc).__name__}: {exc}>"
            relations[(schema, name)] = Relation(schema, name, kind, columns, rows, compared)
    return relations


def run_tool(tool: str, executable: str, case: Case, root: Path, server) -> list[Step]:
    project = root / "project"
    if case.project.resolve() == ARTICLE.resolve():
        copy_article_pg(project)
    else:
        shutil.copytree(case.project, project, ignore=COPY_IGNORE)
        overlay = OVERLAYS_DIR / case.name
        if overlay.is_dir():
            shutil.copytree(
                overlay, project, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md", "compat.yml")
            )
    dbname = new_db_name(f"c_{tool}")
    server.create_database(dbname, ROLE)
    profile = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))["profile"]
    profiles = root / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "profiles.yml").write_text(profiles_text(profile, server, dbname, threads=2), encoding="utf-8")
    home = root / "home"
    home.mkdir()
    env = tool_env(case, replace_home(home))
    steps = []
    for command in case.commands:
        argv = case.argv(command)
        full = [executable, argv[0], "--project-dir", str(project), "--profiles-dir", str(profiles), *argv[1:]]
        (project / "target" / "run_results.json").unlink(missing_ok=True)
        start = time.monotonic()
        proc = subprocess.run(
            full, cwd=project, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
        steps.append(
            Step(
                tool=tool,
                argv=argv,
                returncode=proc.returncode,
                stdout=proc.stdout,
                stderr=proc.stderr,
                seconds=time.monotonic() - start,
                statuses=read_statuses(project),
                relations=snapshot(server, dbname, case),
            )
        )
    return steps


class replace_home:
    def __init__(self, home: Path) -> None:
        self.home = home


def _params() -> list:
    out = []
    for name in PG_CASES:
        marks = []
        if name in PG_XFAIL:
            marks.append(pytest.mark.xfail(strict=True, raises=CompatMismatch, reason=PG_XFAIL[name][0]))
        out.append(pytest.param(name, id=name, marks=marks))
    return out


def load_pg_case(name: str) -> Case:
    """The case as tests/compat defines it, or as its overlay's compat.yml redefines it for
    PostgreSQL (where dbt-postgres exits differently: same keys, ``project:`` naming the case)."""
    spec = OVERLAYS_DIR / name / "compat.yml"
    return load_case(spec.parent if spec.is_file() else PROJECTS_DIR / name)


def run_case(case: Case, server, root: Path, dbt: str, dagwright: str) -> CaseRun:
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            tool: pool.submit(run_tool, tool, exe, case, root / tool, server)
            for tool, exe in (("dbt", dbt), ("dagwright", dagwright))
        }
        return CaseRun(case, futures["dbt"].result(), futures["dagwright"].result())


@pytest.fixture(scope="module")
def pg_compat_runs(
    pg_server, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, Future[CaseRun]]]:
    """The selected cases, started in the background JOBS at a time, in collection order."""
    dbt = _oracle()
    dagwright = shutil.which("dagwright", path=str(BIN_DIR))
    assert dagwright, f"no dagwright executable in {BIN_DIR}"
    executor = ThreadPoolExecutor(max_workers=JOBS, thread_name_prefix="pg-compat")
    runs: dict[str, Future[CaseRun]] = {}
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("pg_case") if callspec is not None else None
        if isinstance(name, str) and name not in runs:
            case = replace(load_pg_case(name), xfail_reason=None, xfail_match=None)
            root = tmp_path_factory.mktemp(f"pg-compat-{name}", numbered=True)
            runs[name] = executor.submit(run_case, case, pg_server, root, dbt, dagwright)
    yield runs
    executor.shutdown(wait=True, cancel_futures=True)


@pytest.mark.compat
@pytest.mark.parametrize("pg_case", _params())
def test_builds_the_same_as_dbt_postgres(pg_compat_runs: dict[str, Future[CaseRun]], pg_case: str) -> None:
    run = pg_compat_runs[pg_case].result()
    for dbt_step, dw_step in zip(run.dbt, run.dagwright):
        print(f"{dbt_step.command}: {dbt_step.seconds:.1f} s; dagwright: {dw_step.seconds:.1f} s")
    try:
        assert_same_results(run)
    except CompatMismatch as exc:
        if pg_case in PG_XFAIL and not re.search(PG_XFAIL[pg_case][1], str(exc)):
            raise AssertionError(f"difference other than the known one:\n{exc}") from None
        raise
