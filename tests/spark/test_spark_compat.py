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
import shutil
from pathlib import Path
from typing import Any

import pytest

from compat import recorded_oracle
from compat.conftest import (
    BIN_DIR,
    REQUIRED_ENV,
    Case,
    CaseRun,
    Relation,
    Step,
    cases_from_env,
    check_case_run,
    engine_case,
    engine_case_params,
    prepare_workspace,
    read_relation,
    run_commands,
    tool_env,
)

from .harness import ARTICLE_OVERLAY, SparkServer, drop_schemas

pytestmark = [pytest.mark.spark, pytest.mark.compat]

REPO = Path(__file__).resolve().parents[2]
ORACLE_ENV = "DAGWRIGHT_DBT_SPARK"
ORACLE_VENV = REPO / ".venv-dbtspark"
#: files laid over a case's copy where its DuckDB SQL has no Spark equivalent (same paths)
OVERLAYS_DIR = Path(__file__).resolve().parent / "projects" / "compat_overlays"

#: tests/compat cases written in SQL that Spark understands (the article with the overlay)
#: (DAGWRIGHT_SPARK_COMPAT_CASES=a,b,c picks others, e.g. to try a new case on Spark)
SPARK_CASES = cases_from_env(
    "DAGWRIGHT_SPARK_COMPAT_CASES",
    (
        "article",
        "article_failures",
        "ephemeral",
        "data_tests",
        "incremental_append_strategy",
        "schemas_aliases",
        "jinja_basics",
    ),
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
            relations[(shown, name)] = read_relation(
                case,
                shown,
                name,
                kind,
                columns,
                source=f"`{schema}`.`{name}`",
                query=server.sql,
                quote=lambda column: f"`{column}`",
                value=lambda v: unprefix(v, prefix),
            )
    return relations


# -- one tool ------------------------------------------------------------------------------------
def profiles_text(tool: str, profile: str, server: SparkServer, schema: str) -> str:
    if tool == "dbt":  # dbt-spark's session method; SPARK_REMOTE turns it into a Connect client
        where = "      method: session\n      host: NA\n"
    else:
        where = f'      method: connect\n      host: "{server.connect_url}"\n'
    head = f"{profile}:\n  target: dev\n  outputs:\n    dev:\n      type: spark\n"
    return f"{head}{where}      schema: {schema}\n      threads: 2\n"


def run_tool(tool: str, executable: str, case: Case, root: Path, server: SparkServer, prefix: str) -> list[Step]:
    ws = prepare_workspace(case, tool, root, lambda profile: profiles_text(tool, profile, server, prefix))
    # dbt-spark's session method becomes a Connect client with SPARK_REMOTE
    remote = {"SPARK_REMOTE": server.connect_url} if tool == "dbt" else {}
    env = tool_env(case, ws.home, drop=("SPARK_",), extra={"PYTHONWARNINGS": "ignore", **remote})
    # Spark's Java stack traces are long: the tail says what failed
    return run_commands(case, ws, executable, env, lambda: snapshot(server, prefix, case), stderr_tail=4000)


@pytest.mark.parametrize("name", engine_case_params(SPARK_CASES, SPARK_XFAIL))
def test_builds_the_same_as_dbt_spark(tmp_path: Path, spark_server: SparkServer, name: str) -> None:
    dbt = oracle()
    dagwright = shutil.which("dagwright", path=str(BIN_DIR))
    assert dagwright, f"no dagwright executable in {BIN_DIR}"
    case = engine_case(name, OVERLAYS_DIR, ARTICLE_OVERLAY)
    prefixes = {"dbt": f"dbt_{name}", "dagwright": f"dw_{name}"}
    existing = [str(r[0]) for r in spark_server.sql("show schemas")]
    drop_schemas(spark_server, [s for s in existing if s.startswith(tuple(prefixes.values()))])
    executables = {"dbt": dbt, "dagwright": dagwright}
    run = recorded_oracle.run_pair(
        case,
        "spark",
        str(Path(dbt).parent / "python"),
        lambda tool: run_tool(tool, executables[tool], case, tmp_path / tool, spark_server, prefixes[tool]),
        step_type=Step,
        relation_type=Relation,
        case_run_type=CaseRun,
    )
    check_case_run(run, SPARK_XFAIL[name][1] if name in SPARK_XFAIL else None)
