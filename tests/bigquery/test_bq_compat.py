"""dagwright against dbt-core + dbt-bigquery (the oracle), on the session's BigQuery emulator.

The cases of tests/compat (their compat.yml: commands, vars, expected exits, volatile columns)
that the emulator can run, each with the files of tests/bigquery/projects/compat_overlays/<case>/
laid over it where DuckDB's SQL needs a BigQuery spelling (and those of
tests/bigquery/projects/article_overlay/ where the case runs examples/article). Each tool
builds into datasets of its own (``dbt<n>_<case>*`` and ``dw<n>_<case>*``, shown as ``main*``
in reports, as values that spell them are); after every command the two are compared as
tests/compat compares DuckDB files: same relations and kinds (the tables API's type), same
columns and types (the tables API's schema: type, and ARRAY for a repeated field), same rows,
same exit code and node statuses. Cases run in the background, two at a time, on the one emulator (2 threads
per tool: at most 8 jobs at once, the emulator's limit).

The cases left out, each with why, are in ``NOT_ON_BIGQUERY``.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from compat import recorded_oracle
from compat.conftest import (
    BIN_DIR,
    PROJECTS_DIR,
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

from .bq_helpers import bq_client
from .conftest import profiles_text

pytestmark = pytest.mark.compat

#: files laid over a case's project to run it on BigQuery (same relative paths)
OVERLAYS_DIR = Path(__file__).resolve().parent / "projects" / "compat_overlays"
#: examples/article in BigQuery's SQL, laid over the cases that run the article
ARTICLE_OVERLAY = Path(__file__).resolve().parent / "projects" / "article_overlay"
JOBS = max(1, int(os.environ.get("DAGWRIGHT_BQ_COMPAT_JOBS", "") or 2))
_case_numbers = itertools.count(1)

#: cases that pass on the emulator but cost minutes each (dbt-bigquery spends 10-30 s
#: starting per command): run with DAGWRIGHT_BQ_COMPAT_LONG=1 (or by name in
#: DAGWRIGHT_BQ_COMPAT_CASES), not in every CI run, whose time limit they would strain. The
#: article's DAG runs on BigQuery in every CI run through test_bq_honest_stop.py.
BQ_CASES_LONG = (
    "operation_commits",
    "article_failures",
    "article_build",
    "packages",
    "run_operation",
    "article",
    # what these check happens in Jinja or at parse, the same code on every engine (run on
    # DuckDB, and most on PostgreSQL, in every CI run); they pass on BigQuery too
    "project_yml_jinja",
    "jinja_basics",
    "jinja_extras",
    "dispatch_macros",
    "yaml_jinja",
    "docs_blocks",
    "require_dbt_version",
    "generic_test_names",
    "builtin_macro_names",
    "unsupported_present",
    "manifest_graph",
    "same_relation",
    "statement_results",
)

#: tests/compat cases that run on the emulator, as they are or with their overlay, longest
#: first (DAGWRIGHT_BQ_COMPAT_CASES=a,b,c picks others, e.g. to try a case on BigQuery)
BQ_CASES = cases_from_env(
    "DAGWRIGHT_BQ_COMPAT_CASES",
    (
        *(BQ_CASES_LONG if os.environ.get("DAGWRIGHT_BQ_COMPAT_LONG") == "1" else ()),
        "realistic",
        "sources",
        "snapshot_timestamp",
        "snapshot_yaml",
        "ephemeral",
        "seeds_types",
        "data_tests",
        "schemas_aliases",
        "incremental_merge",
        "hooks_render_time",
        "model_hooks",
        "seeds_errors",
        "project_quoting",
        "run_hooks",
        "views_and_tables",
        "incremental_schema_change",
        "snapshot_check",
        "contracts",
        "functions",
    ),
)

#: dbt-bigquery's incremental materialization knows merge, insert_overwrite and microbatch only
_BQ_STRATEGIES = "dbt-bigquery rejects it too (merge, insert_overwrite, microbatch only): "
_SAME_EVERYWHERE = "what it checks happens before any SQL, the same on every engine: run on DuckDB and PostgreSQL"
_NOT_YET = "not run against dbt-bigquery yet (added with its feature on DuckDB and PostgreSQL this round)"
#: cases not run on BigQuery, and why
NOT_ON_BIGQUERY: dict[str, str] = {
    "incremental_basic": "delete+insert, which dbt-bigquery rejects (test_bq_incremental.py)",
    "incremental_append_strategy": "append, which dbt-bigquery rejects (test_bq_incremental.py)",
    "incremental_more": _BQ_STRATEGIES + "strategies 'default', 'delete+insert' and 'upsert' fail its first run",
    "incremental_schema_types": _BQ_STRATEGIES + "inc_append_strategy_new_columns (append) fails its first run",
    # parse-time behaviour, the same on every engine: checked on DuckDB (and PostgreSQL)
    "require_dbt_version_syntax": _SAME_EVERYWHERE,
    "warn_error": _SAME_EVERYWHERE,
    "warn_error_flags": _SAME_EVERYWHERE,
    "contracts_access": _SAME_EVERYWHERE,
    "semantic_build": "exposures and saved queries are no-op nodes: no SQL of their own, the same on every engine",
    # issue 17/18 features added on DuckDB and PostgreSQL first; not yet run against dbt-bigquery
    "store_failures": _NOT_YET,
    "store_failures_flag": _NOT_YET,
    "unit_tests": _NOT_YET,
    "model_versions": _NOT_YET,
    "model_versions_hooks": _NOT_YET,
    "unit_tests_overrides": _NOT_YET,
    "unit_tests_versions": _NOT_YET,
    "foreign_keys_to": _NOT_YET,
    "empty_flag": "--empty rewrites refs and sources while rendering, the same on every engine: run on DuckDB",
    "sample_flag": "--sample rewrites refs and sources while rendering, as --empty does, and its microbatch model "
    "has no partition_by, which dbt-bigquery's microbatch requires: run on DuckDB and PostgreSQL",
    # features dagwright refuses on BigQuery with an error before anything runs
    "custom_materializations": "custom materializations are refused on BigQuery (run elsewhere)",
    "custom_materializations_legacy": "custom materializations are refused on BigQuery (run elsewhere)",
    "microbatch": "its models have no partition_by, which dbt-bigquery's microbatch requires, and the emulator "
    "rejects dbt-bigquery's dynamic insert_overwrite script: test_bq_microbatch.py compares microbatch with "
    "dbt-bigquery (its script overridden in the oracle's project)",
    "python_models": "dbt-bigquery runs Python models on Dataproc, which no emulator offers; dagwright refuses them",
    # DuckDB's own features (dbt-duckdb's external sources and materialization)
    "duckdb_external_models": "a DuckDB feature (dbt-duckdb's external materialization)",
    "duckdb_external_sources": "a DuckDB feature (dbt-duckdb's external sources)",
}

#: known differences on BigQuery: case -> (reason, regex the difference report must match)
BQ_XFAIL: dict[str, tuple[str, str]] = {}


def _unprefix(value: Any, prefix: str) -> Any:
    """A value as it would read with the target dataset ``main``."""
    return value.replace(prefix, "main") if isinstance(value, str) else value


def _column_type(field: Any) -> str:
    kind = str(field.field_type)
    return f"ARRAY<{kind}>" if str(field.mode).upper() == "REPEATED" else kind


#: dbt-bigquery's temp relations (``<name>__dbt_tmp<time>``, 12 h expiry), which it leaves behind
#: when a model or snapshot fails after making one; dagwright drops its own: not compared
DBT_TEMP_TABLE = re.compile(r"__dbt_tmp\d{6,}$")


def snapshot(client: Any, project: str, prefix: str, case: Case) -> dict[tuple[str, str], Relation]:
    """Every relation of the datasets ``<prefix>`` and ``<prefix>_*``, labelled ``main*``
    (but dbt-bigquery's left-behind temp tables)."""
    relations: dict[tuple[str, str], Relation] = {}
    datasets = sorted(
        d.dataset_id
        for d in client.list_datasets(project)
        if d.dataset_id == prefix or d.dataset_id.startswith(prefix + "_")
    )

    def query(sql: str) -> list[tuple]:
        return [tuple(row.values()) for row in client.query(sql, location="US", job_retry=None).result()]

    for dataset in datasets:
        shown = "main" + dataset[len(prefix) :]
        # the emulator lists a function (a routine) among the tables too: not a relation
        routines = {r.routine_id for r in client.list_routines(f"{project}.{dataset}")}
        for item in client.list_tables(f"{project}.{dataset}"):
            table = client.get_table(item.reference)
            name = str(table.table_id)
            if DBT_TEMP_TABLE.search(name) or name in routines:
                continue
            kind = "VIEW" if table.table_type == "VIEW" else "BASE TABLE"
            columns = [(str(f.name), _column_type(f)) for f in table.schema]
            relations[(shown, name)] = read_relation(
                case,
                shown,
                name,
                kind,
                columns,
                source=f"`{project}`.`{dataset}`.`{name}`",
                query=query,
                quote=lambda column: f"`{column}`",
                value=lambda v: _unprefix(v, prefix),
            )
    return relations


def run_tool(tool: str, executable: str, case: Case, root: Path, emulator: Any, prefix: str) -> list[Step]:
    def profile(name: str) -> str:
        return profiles_text(name, prefix, threads=2, emulator=emulator, location="US")

    ws = prepare_workspace(case, tool, root, profile)
    env = tool_env(case, ws.home, drop=("BIGQUERY_", "GOOGLE_"), extra={"PYTHONWARNINGS": "ignore"})
    client = bq_client(emulator)
    try:
        return run_commands(
            case, ws, executable, env, lambda: snapshot(client, emulator.project, prefix, case), stderr_tail=4000
        )
    finally:
        client.close()


def run_case(case: Case, emulator: Any, root: Path, dbt: str, dagwright: str) -> CaseRun:
    """dagwright's steps, and dbt's run alongside or replayed from its recording (recorded_oracle.py)."""
    number = next(_case_numbers)
    executables = {"dbt": dbt, "dagwright": dagwright}
    return recorded_oracle.run_pair(
        case,
        "bigquery",
        str(Path(dbt).parent / "python"),
        lambda tool: run_tool(tool, executables[tool], case, root / tool, emulator, f"{tool[:3]}{number}_{case.name}"),
        step_type=Step,
        relation_type=Relation,
        case_run_type=CaseRun,
    )


def bigquery_case(name: str) -> Case:
    """tests/compat's case ``name`` with its BigQuery overlay (and examples/article's, where the
    case runs the article) and without DuckDB's xfail."""
    return engine_case(name, OVERLAYS_DIR, ARTICLE_OVERLAY)


@pytest.fixture(scope="module")
def bq_compat_runs(
    bq_emulator: Any, bq_oracle: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, Future[CaseRun]]]:
    """The selected cases, started in the background JOBS at a time, in collection order."""
    dagwright = shutil.which("dagwright", path=str(BIN_DIR))
    assert dagwright, f"no dagwright executable in {BIN_DIR}"
    executor = ThreadPoolExecutor(max_workers=JOBS, thread_name_prefix="bq-compat")
    runs: dict[str, Future[CaseRun]] = {}
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("bq_case") if callspec is not None else None
        if isinstance(name, str) and name not in runs:
            root = tmp_path_factory.mktemp(f"bq-compat-{name}", numbered=True)
            runs[name] = executor.submit(run_case, bigquery_case(name), bq_emulator, root, str(bq_oracle), dagwright)
    yield runs
    executor.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("bq_case", engine_case_params(BQ_CASES, BQ_XFAIL))
def test_builds_the_same_as_dbt_bigquery(bq_compat_runs: dict[str, Future[CaseRun]], bq_case: str) -> None:
    check_case_run(bq_compat_runs[bq_case].result(), BQ_XFAIL[bq_case][1] if bq_case in BQ_XFAIL else None)


def test_every_case_is_run_or_excused() -> None:
    """A new tests/compat case is either run on BigQuery or listed with the reason it is not."""
    cases = {d.name for d in PROJECTS_DIR.iterdir() if d.is_dir() and not d.name.startswith((".", "_"))}
    unlisted = cases - set(BQ_CASES) - set(BQ_CASES_LONG) - set(NOT_ON_BIGQUERY)
    assert not unlisted, f"add these cases to BQ_CASES or NOT_ON_BIGQUERY (with why): {sorted(unlisted)}"
    assert not set(BQ_CASES) & set(NOT_ON_BIGQUERY)
