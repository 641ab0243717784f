"""run_results.json against dbt's v6 schema and dbt's own readers (issue 14, item 13).

dbt-core 1.11 rejects a status outside its enum (there is no ``cancelled``) and any key of
``metadata`` it does not know. dagwright writes a cancelled node as ``status: error`` with
``adapter_response.dagwright_outcome: cancelled`` and the stop under ``args.dagwright``
(docs/execution.md); these tests check that dbt's loader, ``jsonschema`` with the schema dbt
generates, and ``dbt retry`` all accept the file of a stopped run, and that dagwright's
readers still tell a cancelled node from an error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dagwright.artifacts.run_results import outcome, stop_record
from dagwright.report.timeline import timeline_from_run_results
from stop_helpers import (
    ARTICLE_UIDS,
    FAIL_FAST_BETA_A,
    FAIL_VARS,
    article_workspace,
    by_uid,
    check_run_results_schema,
    project_workspace,
)

DBT = Path(sys.executable).parent / "dbt"
pytestmark = pytest.mark.skipif(not DBT.exists(), reason="dbt-core (the oracle) is not installed next to python")


def stopped_article(tmp_path: Path):
    """The article seeded, then run with --fail-fast on 2 threads: beta_b is cancelled."""
    ws = article_workspace(tmp_path)
    ws.ok("seed")
    result = ws.run("run", "--threads", "2", "--fail-fast", "--vars", FAIL_VARS)
    assert result.code == 1, str(result)
    return ws


def test_a_stopped_run_is_valid_and_dbt_retry_reads_it(tmp_path: Path) -> None:
    ws = stopped_article(tmp_path)
    rr = ws.run_results()
    check_run_results_schema(rr)
    results = by_uid(rr)
    beta_b = results[ARTICLE_UIDS["model_beta_b"]]
    assert beta_b["status"] == "error"
    assert beta_b["adapter_response"]["dagwright_outcome"] == "cancelled"
    assert beta_b["message"].startswith(f"cancelled: {FAIL_FAST_BETA_A}")
    assert outcome(beta_b) == "cancelled"
    assert outcome(results[ARTICLE_UIDS["model_beta_a"]]) == "error"
    assert "dagwright_outcome" not in results[ARTICLE_UIDS["model_beta_a"]]["adapter_response"]
    assert stop_record(rr)["kind"] == "fail-fast" and stop_record(rr)["trigger"] == FAIL_FAST_BETA_A
    assert all(isinstance(r["thread_id"], str) for r in rr["results"])

    # dbt's own file reader (what dbt retry and --state call) takes the file from disk
    from dbt.artifacts.schemas.run import RunResultsArtifact

    loaded = RunResultsArtifact.read_and_check_versions(str(ws.target / "run_results.json"))
    assert {r.unique_id: str(r.status) for r in loaded.results}[ARTICLE_UIDS["model_beta_b"]] == "error"

    # dbt retry re-runs exactly what did not succeed, with the recorded vars (beta_a fails again)
    done = subprocess.run(
        [str(DBT), "retry", "--project-dir", str(ws.root), "--profiles-dir", str(ws.profiles_dir)],
        cwd=ws.root,
        env=ws.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    retried = by_uid(json.loads((ws.target / "run_results.json").read_text()))
    names = ("model_beta_a", "model_beta_b", "model_gamma_a", "model_gamma_b")
    assert set(retried) == {ARTICLE_UIDS[n] for n in names}, sorted(retried)
    assert retried[ARTICLE_UIDS["model_beta_a"]]["status"] == "error"


def test_dagwright_readers_tell_cancelled_from_error(tmp_path: Path) -> None:
    ws = stopped_article(tmp_path)
    rr = ws.run_results()
    drawing = timeline_from_run_results(rr)
    statuses = {bar.unique_id: bar.status for bar in drawing.bars}
    assert statuses[ARTICLE_UIDS["model_beta_b"]] == "cancelled"
    assert statuses[ARTICLE_UIDS["model_beta_a"]] == "error"
    assert drawing.stop is not None and drawing.stop.trigger == FAIL_FAST_BETA_A
    shown = ws.ok("timeline", "--terminal").stdout
    assert "cancelled" in shown
    # retry re-runs the cancelled node too
    again = ws.run("retry")
    assert again.code == 1, str(again)
    assert set(by_uid(ws.run_results())) == {
        ARTICLE_UIDS[n] for n in ("model_beta_a", "model_beta_b", "model_gamma_a", "model_gamma_b")
    }
    check_run_results_schema(ws.run_results())


def test_readers_still_take_the_older_layout() -> None:
    """A file of an older dagwright: ``status: cancelled`` and ``metadata.stop``."""
    old = {
        "metadata": {"stop": {"kind": "SIGINT", "trigger": "interrupted by SIGINT (Ctrl-C)"}},
        "results": [{"unique_id": "model.p.a", "status": "cancelled", "adapter_response": {}}],
        "args": {},
    }
    assert outcome(old["results"][0]) == "cancelled"
    assert stop_record(old)["kind"] == "SIGINT"


def test_every_command_writes_a_valid_file(tmp_path: Path) -> None:
    """run, test, build, seed, run-operation, and a run stopped before any node: all valid."""
    ws = project_workspace(
        tmp_path,
        "proj",
        {
            "dbt_project.yml": "name: proj\nversion: '1.0.0'\nconfig-version: 2\nprofile: proj\n",
            "seeds/s.csv": "id\n1\n2\n",
            "models/m.sql": "select * from {{ ref('s') }}",
            "models/schema.yml": """\
                version: 2
                models:
                  - name: m
                    columns:
                      - name: id
                        data_tests: [unique, {accepted_values: {values: [1], config: {severity: warn}}}]
            """,
            "macros/op.sql": "{% macro op() %}{% do run_query('select 1') %}{% endmacro %}",
            "macros/bad.sql": "{% macro bad() %}{% do run_query('select nope') %}{% endmacro %}",
        },
    )
    for args, code in (
        (("seed",), 0),
        (("run",), 0),
        (("test",), 0),
        (("build",), 0),
        (("run-operation", "op"), 0),
        (("run-operation", "bad"), 1),
        (("compile",), 0),
    ):
        result = ws.run(*args)
        assert result.code == code, str(result)
        check_run_results_schema(ws.run_results())
    shutil.rmtree(ws.target)
