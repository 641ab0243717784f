"""Microbatch models on BigQuery, compared with dbt-bigquery on the emulator: each batch is an
``insert_overwrite`` of the partitions its rows fall in (the first batch of a first build
creates the table), the inputs filtered to the batch's window with the event_time column cast
to TIMESTAMP; ``partition_by`` with the batch's granularity is required.

The emulator rejects the one statement of dbt-bigquery's dynamic insert_overwrite script it
cannot run (``set (x) = (select as struct array_agg(...))``); the oracle's copy of the project
overrides that macro with the same script written ``set x = (select array_agg(...))`` (the
value dagwright's script computes too, bigquery_incremental.py), so both tools run on it."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from .bq_helpers import new_dataset, new_project
from .conftest import run_dbt_bigquery, write_bq_profile

PARTITIONED = "partition_by={'field': 'd', 'data_type': 'date', 'granularity': 'day'}"
MODEL = (
    "{{{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='d', "
    "batch_size='day', begin='2024-01-01', {partition}) }}}}\n"
    "select d, n + {{{{ var('k', 0) }}}} as n from {{{{ ref('events') }}}}"
)
FILES = {
    "dbt_project.yml": "name: bq_project\nversion: '1.0'\nprofile: bq\n",
    "models/events.sql": "{{ config(materialized='table', event_time='d') }}\n"
    "select d, 1 as n from unnest([date '2024-01-01', date '2024-01-02', date '2024-01-02', date '2024-01-03']) d",
    "models/mb.sql": MODEL.format(partition=PARTITIONED),
    # dbt-bigquery requires the partitions' granularity to be the batch size, and says so
    "models/mb_unpartitioned.sql": MODEL.format(partition="on_schema_change='ignore'"),
    "models/mb_monthly.sql": MODEL.format(partition=PARTITIONED.replace("'day'}", "'month'}")),
}

#: the oracle only: dbt-bigquery's dynamic insert_overwrite script, its partitions' array set
#: as a scalar subquery (the emulator does not run ``set (x) = (select as struct ...)``)
ORACLE_MACRO = """
{% macro bq_dynamic_insert_overwrite_sql(tmp_relation, target_relation, sql, unique_key, partition_by,
    dest_columns, tmp_relation_exists, copy_partitions) %}
  declare dbt_partitions_for_replacement array<{{ partition_by.data_type_for_partition() }}>;
  {% if not tmp_relation_exists %}{{ bq_create_table_as(partition_by, True, tmp_relation, sql, 'sql') }}{% endif %}
  set dbt_partitions_for_replacement = (
    select array_agg(distinct {{ partition_by.render_wrapped() }} ignore nulls) from {{ tmp_relation }}
  );
  {%- set replaced = partition_by.render_wrapped(alias='DBT_INTERNAL_DEST')
      ~ ' in unnest(dbt_partitions_for_replacement)' %}
  {%- set source = '(select * from ' ~ tmp_relation ~ ')' %}
  {{ get_insert_overwrite_merge_sql(target_relation, source, dest_columns, [replaced]) }};
  drop table if exists {{ tmp_relation }}
{% endmacro %}
"""


def dt(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _rows(project: Any, dataset: str) -> list[tuple[Any, ...]]:
    return project.rows(f"select d, n from `{dataset}`.mb order by d, n")


def _statuses(results: dict[str, Any]) -> dict[str, str]:
    return {r["unique_id"].split(".")[-1]: r["status"] for r in results["results"]}


def test_microbatch_builds_what_dbt_bigquery_builds(tmp_path: Path, bq_emulator: Any, bq_oracle: Path) -> None:
    project = new_project(tmp_path / "dagwright", bq_emulator)
    project.write(FILES)
    oracle_dir = tmp_path / "dbt"
    oracle_dataset = new_dataset()
    for name, text in {**FILES, "macros/emulator_insert_overwrite.sql": ORACLE_MACRO}.items():
        (oracle_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (oracle_dir / name).write_text(text)
    write_bq_profile(oracle_dir, "bq", oracle_dataset, emulator=bq_emulator, location="US")

    def both(*args: str) -> tuple[dict[str, str], dict[str, str]]:
        theirs = run_dbt_bigquery(bq_oracle, oracle_dir, oracle_dir, "run", "--threads", "1", *args)
        ours = project.run("run", "--threads", "1", *args)
        assert theirs.returncode == ours.returncode == 1, ours.stdout + ours.stderr + theirs.stdout
        return (
            _statuses(json.loads((oracle_dir / "target" / "run_results.json").read_text())),
            _statuses(project.run_results()),
        )

    # the first build: three daily batches, the first creating the table
    theirs, ours = both("--event-time-start", "2024-01-01", "--event-time-end", "2024-01-04")
    assert ours == theirs == {"events": "success", "mb": "success", "mb_unpartitioned": "error", "mb_monthly": "error"}
    assert _rows(project, project.dataset) == _rows(project, oracle_dataset)
    assert _rows(project, project.dataset) == [
        (dt("2024-01-01"), 1),
        (dt("2024-01-02"), 1),
        (dt("2024-01-02"), 1),
        (dt("2024-01-03"), 1),
    ]
    messages = {r["unique_id"].split(".")[-1]: r["message"] for r in project.run_results()["results"]}
    assert "needs a `partition_by` config" in messages["mb_unpartitioned"]
    assert "`batch_size`: day, `partition_by.granularity`: month" in messages["mb_monthly"]

    # an incremental run of one day: that day's partition replaced, the others kept
    theirs, ours = both("--event-time-start", "2024-01-02", "--event-time-end", "2024-01-03", "--vars", "{k: 5}")
    assert ours == theirs
    assert ours["mb"] == "success"
    assert _rows(project, project.dataset) == _rows(project, oracle_dataset)
    assert _rows(project, project.dataset) == [
        (dt("2024-01-01"), 1),
        (dt("2024-01-02"), 6),
        (dt("2024-01-02"), 6),
        (dt("2024-01-03"), 1),
    ]
    batch = [s for s in project.statements() if "merge into" in s and ".`mb`" in s][-1]
    assert "cast(d as timestamp) >= '2024-01-02 00:00:00+00:00'" in " ".join(project.statements())
    assert "set dbt_partitions_for_replacement" in batch
