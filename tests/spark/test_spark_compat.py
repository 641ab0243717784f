"""dagwright against dbt-core + dbt-spark (the oracle) on the same Spark.

A subset of the tests/compat cases (their compat.yml: commands, vars, expected exits,
volatile columns), plus examples/article with the Spark overlay where a case runs the
article. Both tools run their commands as subprocesses over Spark Connect against the one
JVM of the test session (harness.py): dbt-spark with ``method: session`` and
``SPARK_REMOTE`` pointing at the server (PySpark then hands it a Connect session), dagwright
with ``method: connect``. Each tool builds into schemas of its own (``dbt_<case>*`` and
``dw_<case>*``, shown as ``main*`` in reports); after every command the two are compared as
tests/compat compares DuckDB files: same relations and kinds, same columns and types
(DESCRIBE TABLE), same rows, same exit code and node statuses.

dbt-spark needs its own virtualenv (it must not move the main venv's dbt-core, and it
brings PySpark's Connect client): ``make spark-oracle`` builds ``.venv-dbtspark``;
``DAGWRIGHT_DBT_SPARK=/path/to/dbt`` points at another one. Without it the cases are
skipped with the reason, unless DAGWRIGHT_COMPAT_REQUIRED is set (``make test``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

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
)
from stop_helpers import ARTICLE

from .harness import SparkServer, copy_article_spark, drop_schemas

pytestmark = [pytest.mark.spark, pytest.mark.compat]

REPO = Path(__file__).resolve().parents[2]
ORACLE_ENV = "DAGWRIGHT_DBT_SPARK"
ORACLE_VENV = REPO / ".venv-dbtspark"
#: files laid over a case's copy where its DuckDB SQL has no Spark equivalent (same paths)
OVERLAYS_DIR = Path(__file__).resolve().parent / "projects" / "compat_overlays"

#: tests/compat cases written in SQL that Spark understands (the article with the overlay)
#: (DAGWRIGHT_SPARK_COMPAT_CASES=a,b,c picks others, e.g. to try a new case on Spark)
SPARK_CASES = tuple(c for c in os.environ.get("DAGWRIGHT_SPARK_COMPAT_CASES", "").split(",") if c.strip()) or (
    "article",
    "article_failures",
    "ephemeral",
    "data_tests",
    "incremental_append_strategy",
    "schemas_aliases",
    "jinja_basics",
)
# Not in the list: seeds_types (varchar without a length: dbt-spark cannot create it either),
# views_and_tables (two statements in one hook), sources and statement_results (DuckDB SQL),
# incremental_basic (delete+insert, which dbt-spark does not offer).

#: known differences on Spark: case -> (reason, regex the difference report must match)
SPARK_XFAIL: dict[str, tuple[str, str]] = {}


def oracle() -> str:
    """The dbt executable of a venv with dbt-core 1.11 + dbt-spark[session] + pyspark[connect]."""
    candidates = [os.environ.get(ORACLE_ENV, ""), str(ORACLE_VENV / "bin" / "dbt")]
    for path in candidates:
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    why = (
        f"no dbt-spark oracle: set {ORACLE_ENV} to a dbt executable with dbt-spark[session], "
        f"or run `make spark-oracle` (builds {ORACLE_VENV.name})"
    )
    if os.environ.get(REQUIRED_ENV, "") not in ("", "0"):
        pytest.fail(f"{REQUIRED_ENV} is set but {why}", pytrace=False)
    pytest.skip(why)


# -- the warehouse ------------------------------------------------------------------------------
def unprefix(value: Any, prefix: str) -> Any:
    """A value as it would read with the target schema ``main``: models that print their schema
    (``{{ this }}``, ``target.schema``) name the tool's own schema."""
    return value.replace(prefix, "main") if isinstance(value, str) else value


def snapshot(server: SparkServer, prefix: str, case: Case) -> dict[tuple[str, str], Relation]:
    """Every relation of the schemas ``<prefix>*``, keyed and labelled with ``main`` for the prefix."""
    relations: dict[tuple[str, str], Relation] = {}
    schemas = sorted(str(r[0]) for r in server.sql("show schemas") if str(r[0]).startswith(prefix))
    for schema in schemas:
        shown = "main" + schema[len(prefix) :]
        views = {str(r[1]) for r in server.sql(f"show views in `{schema}`") if not r[2]}
        for _ns, name, temporary in server.sql(f"show tables in `{schema}`"):
            if temporary:
                continue
            name = str(name)
            kind = "VIEW" if name in views else "TABLE"
            described = server.sql(f"describe table `{schema}`.`{name}`")
            columns = []
            for col_name, col_type, *_ in described:
                if not str(col_name or "").strip() or str(col_name).startswith("#"):
                    break
                columns.append((str(col_name), str(col_type)))
            compared = [c for c, _ in columns if not case.is_volatile(shown, name, c)]
            select = ", ".join(f"`{c}`" for c in compared) or "null as no_compared_column"
            try:
                fetched = server.sql(f"select {select} from `{schema}`.`{name}`")
                rows: list[tuple] | str = _sorted_rows(
                    [tuple(_canon(unprefix(v, prefix)) for v in row) for row in fetched]
                )
            except Exception as exc:
                rows = f"<select failed: {type(exc).__name__}: {str(exc).splitlines()[0]}>"
            relations[(shown, name)] = Relation(shown, name, kind, columns, rows, compared)
    return relations


# -- one tool ------------------------------------------------------------------------------------
def profiles_text(tool: str, profile: str, server: SparkServer, schema: str) -> str:
    if tool == "dbt":  # dbt-spark's session method; SPARK_REMOTE turns it into a Connect client
        where = "      method: session\n      host: NA\n"
    else:
        where = f'      method: connect\n      host: "{server.connect_url}"\n'
    head = f"{profile}:\n  target: dev\n  outputs:\n    dev:\n      type: spark\n"
    return f"{head}{where}      schema: {schema}\n      threads: 2\n"


def tool_env(case: Case, home: Path, server: SparkServer, tool: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGWRIGHT_", "SPARK_"))}
    env.update(
        HOME=str(home),
        TZ="UTC",
        NO_COLOR="1",
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_USE_COLORS="false",
        DBT_VERSION_CHECK="false",
        PYTHONWARNINGS="ignore",
    )
    if tool == "dbt":
        env["SPARK_REMOTE"] = server.connect_url
    env.update(case.env)
    return env


def run_tool(tool: str, executable: str, case: Case, root: Path, server: SparkServer, prefix: str) -> list[Step]:
    project = root / "project"
    if case.project.resolve() == ARTICLE.resolve():
        copy_article_spark(project)
    else:
        shutil.copytree(case.project, project, ignore=COPY_IGNORE)
        overlay = OVERLAYS_DIR / case.name
        if overlay.is_dir():
            shutil.copytree(overlay, project, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    profile = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))["profile"]
    profiles = root / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "profiles.yml").write_text(profiles_text(tool, profile, server, prefix), encoding="utf-8")
    home = root / "home"
    home.mkdir()
    env = tool_env(case, home, server, tool)
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
                stderr=proc.stderr[-4000:],
                seconds=time.monotonic() - start,
                statuses=read_statuses(project),
                relations=snapshot(server, prefix, case),
            )
        )
    return steps


def _params() -> list[Any]:
    out = []
    for name in SPARK_CASES:
        marks = []
        if name in SPARK_XFAIL:
            marks.append(pytest.mark.xfail(strict=True, raises=CompatMismatch, reason=SPARK_XFAIL[name][0]))
        out.append(pytest.param(name, id=name, marks=marks))
    return out


@pytest.mark.parametrize("name", _params())
def test_builds_the_same_as_dbt_spark(tmp_path: Path, spark_server: SparkServer, name: str) -> None:
    dbt = oracle()
    dagwright = shutil.which("dagwright", path=str(BIN_DIR))
    assert dagwright, f"no dagwright executable in {BIN_DIR}"
    case = replace(load_case(PROJECTS_DIR / name), xfail_reason=None, xfail_match=None)
    prefixes = {"dbt": f"dbt_{name}", "dagwright": f"dw_{name}"}
    existing = [str(r[0]) for r in spark_server.sql("show schemas")]
    drop_schemas(spark_server, [s for s in existing if s.startswith(tuple(prefixes.values()))])
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            tool: pool.submit(run_tool, tool, exe, case, tmp_path / tool, spark_server, prefixes[tool])
            for tool, exe in (("dbt", dbt), ("dagwright", dagwright))
        }
        run = CaseRun(case, futures["dbt"].result(), futures["dagwright"].result())
    for dbt_step, dw_step in zip(run.dbt, run.dagwright):
        print(f"{dbt_step.command}: {dbt_step.seconds:.1f} s; dagwright: {dw_step.seconds:.1f} s")
    try:
        assert_same_results(run)
    except CompatMismatch as exc:
        if name in SPARK_XFAIL and not re.search(SPARK_XFAIL[name][1], str(exc)):
            raise AssertionError(f"difference other than the known one:\n{exc}") from None
        raise
