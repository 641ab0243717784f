"""dagwright against dbt-core + dbt-postgres (the oracle), on the session's PostgreSQL server.

The cases of tests/compat (their compat.yml: commands, vars, expected exits, volatile
columns) that are written in SQL PostgreSQL understands, plus examples/article with the
PostgreSQL overlay (tests/postgres/projects/article_overlay) where a case runs the
article. Each tool gets its own copy of the project and its own database; after every
command the two databases are compared as tests/compat compares DuckDB files: same
relations and kinds, same columns and types (information_schema), same rows, same exit
code and node statuses.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
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

#: tests/compat cases that run on PostgreSQL as they are (or as the article overlay)
#: (DAGWRIGHT_PG_COMPAT_CASES=a,b,c picks others, e.g. to try a new case on PostgreSQL)
PG_CASES = tuple(c for c in os.environ.get("DAGWRIGHT_PG_COMPAT_CASES", "").split(",") if c.strip()) or (
    "article",
    "article_build",
    "article_failures",
    "seeds_types",
    "seeds_errors",
    "ephemeral",
    "data_tests",
    "schemas_aliases",
)

#: known differences on PostgreSQL: case -> (reason, regex the difference report must match)
PG_XFAIL = {
    "seeds_errors": (
        "seed values are read as dbt-duckdb's COPY reads them on every engine; dbt-postgres binds "
        "agate's values, and agate reads '1,000' as 1000 where DuckDB's COPY refuses it",
        r"seed\.seeds_errors\.comma_number: dbt success, dagwright error",
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
                rows: list[tuple] | str = _sorted_rows([tuple(_canon(v) for v in row) for row in fetched])
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


@pytest.mark.compat
@pytest.mark.parametrize("name", _params())
def test_builds_the_same_as_dbt_postgres(tmp_path: Path, pg_server, name: str) -> None:
    dbt = _oracle()
    dagwright = shutil.which("dagwright", path=str(BIN_DIR))
    assert dagwright, f"no dagwright executable in {BIN_DIR}"
    case = load_case(PROJECTS_DIR / name)
    case = replace(case, xfail_reason=None, xfail_match=None)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            tool: pool.submit(run_tool, tool, exe, case, tmp_path / tool, pg_server)
            for tool, exe in (("dbt", dbt), ("dagwright", dagwright))
        }
        run = CaseRun(case, futures["dbt"].result(), futures["dagwright"].result())
    for dbt_step, dw_step in zip(run.dbt, run.dagwright):
        print(f"{dbt_step.command}: {dbt_step.seconds:.1f} s; dagwright: {dw_step.seconds:.1f} s")
    try:
        assert_same_results(run)
    except CompatMismatch as exc:
        if name in PG_XFAIL and not re.search(PG_XFAIL[name][1], str(exc)):
            raise AssertionError(f"difference other than the known one:\n{exc}") from None
        raise
