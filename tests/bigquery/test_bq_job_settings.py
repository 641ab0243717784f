"""Never silent on BigQuery: dbt-bigquery's per-model job settings (``job_execution_timeout_seconds``,
``reservation``) are honoured on the node's jobs, the profile's keys dagwright does not use are
named once in the warning line (terminal and JSON log), and column ``policy_tags`` that
dbt-bigquery would attach stop the run before anything runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .bq_helpers import SLOW_SELECT, bq_client, new_project

RESERVATION = "projects/dagwright-test/locations/US/reservations/profile"
MODEL_RESERVATION = "projects/dagwright-test/locations/US/reservations/model"


def _job_configuration(emulator: Any, job_id: str) -> dict[str, Any]:
    job = bq_client(emulator).get_job(job_id, location="US")
    return dict(job._properties.get("configuration") or {})


def test_model_job_settings_replace_the_profile_ones(tmp_path: Path, bq_emulator: Any) -> None:
    """A model's job_execution_timeout_seconds ends its slow job (the profile has none); a
    model's reservation replaces the profile's on its job; other nodes keep the profile's."""
    project = new_project(tmp_path, bq_emulator, reservation=RESERVATION)
    project.write(
        {
            "models/slow.sql": "{{ config(materialized='table', job_execution_timeout_seconds=5) }}\n" + SLOW_SELECT,
            "models/reserved.sql": f"{{{{ config(materialized='table', reservation='{MODEL_RESERVATION}') }}}}\n"
            "select 1 as x",
            "models/plain.sql": "{{ config(materialized='table') }}\nselect 2 as x",
            # dbt-bigquery takes a test's job settings from its config too
            "tests/no_negative.sql": f"{{{{ config(reservation='{MODEL_RESERVATION}') }}}}\n"
            "select * from {{ ref('plain') }} where x < 0",
            # policy tags without persist_docs: dbt-bigquery attaches none either, nothing to report
            "models/schema.yml": "version: 2\nmodels:\n  - name: plain\n    columns:\n"
            "      - name: x\n        policy_tags: ['projects/p/locations/us/taxonomies/1/policyTags/2']\n",
        }
    )
    result = project.run("build", "--threads", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    results = project.results_by_name()
    slow = results["slow"]
    assert slow["status"] == "error"
    assert "designated timeout of 5 seconds (job_execution_timeout_seconds)" in slow["message"], slow
    assert _job_configuration(bq_emulator, slow["adapter_response"]["job_id"])["jobTimeoutMs"] == "5000"
    assert "slow" not in project.table_names()

    reserved = results["reserved"]
    assert reserved["status"] == "success", reserved
    config = _job_configuration(bq_emulator, reserved["adapter_response"]["job_id"])
    assert config["reservation"] == MODEL_RESERVATION and "jobTimeoutMs" not in config

    plain = results["plain"]
    assert plain["status"] == "success", plain
    config = _job_configuration(bq_emulator, plain["adapter_response"]["job_id"])
    assert config["reservation"] == RESERVATION and "jobTimeoutMs" not in config

    tested = results["no_negative"]
    assert tested["status"] == "pass", tested
    assert _job_configuration(bq_emulator, tested["adapter_response"]["job_id"])["reservation"] == MODEL_RESERVATION
    assert "ignored" not in result.stdout + result.stderr


def test_bad_model_timeout_fails_the_node(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    config = "{{ config(materialized='table', job_execution_timeout_seconds='soon') }}"
    project.write({"models/m.sql": config + "\nselect 1"})
    result = project.run("run")
    assert result.returncode == 1
    m = project.results_by_name()["m"]
    assert m["status"] == "error"
    assert "job_execution_timeout_seconds must be a number of seconds above 0, not 'soon'" in m["message"]
    assert "m" not in project.table_names()


def test_unused_profile_keys_in_the_run_and_json_log(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator, job_link_info_level_log=True, gcs_bucket="b")
    project.write(
        {
            "models/m.sql": "select 1 as x",
            "macros/hello.sql": "{% macro hello() %}{% do log('hello', info=true) %}{% endmacro %}",
        }
    )
    item = "profile key job_link_info_level_log (job links are in run_results.json and the timeline)"
    plain = project.run("run")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert plain.stdout.count("ignored: ") == 1 and item in plain.stdout, plain.stdout
    assert "profile key gcs_bucket (Python models only)" in plain.stdout

    logged = project.run("run", "--log-format", "dagwright-json")
    assert logged.returncode == 0
    events = [json.loads(line) for line in logged.stdout.splitlines() if line.startswith("{")]
    warnings = [e for e in events if e["event"] == "log" and e["message"].startswith("ignored: ")]
    assert len(warnings) == 1 and item in warnings[0]["message"], events

    operation = project.run("run-operation", "hello")
    assert operation.returncode == 0, operation.stdout + operation.stderr
    assert operation.stdout.count("ignored: ") == 1 and item in operation.stdout


def test_policy_tags_with_persisted_column_docs_stop_the_run(tmp_path: Path, bq_emulator: Any) -> None:
    """dbt-bigquery attaches column policy tags with persist_docs: {columns: true}: dagwright
    does not, so the run stops before anything runs (the dataset is not even created)."""
    project = new_project(tmp_path, bq_emulator)
    project.write(
        {
            "models/m.sql": "{{ config(materialized='table', persist_docs={'columns': true}) }}\nselect 1 as x",
            "models/other.sql": "select 2 as y",
            "models/schema.yml": "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: x\n"
            "        description: the x\n        policy_tags: ['projects/p/locations/us/taxonomies/1/policyTags/2']\n",
        }
    )
    result = project.run("run")
    assert result.returncode == 2, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "model 'm' has columns with policy_tags and persist_docs: {columns: true}" in output
    assert "models/schema.yml:5" in output, output  # its columns
    assert "policy tags" in output and "Traceback" not in output
    assert project.table_names() == set()
    # leaving the model out runs the rest
    rest = project.run("run", "--exclude", "m")
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert project.table_names() == {"other"}
