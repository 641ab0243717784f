"""The DDL of BigQuery tables from dbt-bigquery's model configs, as text (BigQuery itself is
stricter than the emulator), and a partitioning change on the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dagwright.adapters.base import Relation
from dagwright.adapters.bigquery_sql import BigQuerySQL
from dagwright.errors import CompilationError

from .bq_helpers import new_project

REL = Relation("proj", "ds", "tbl")


def ddl(config: dict[str, Any], relation: Relation = REL) -> str:
    return BigQuerySQL().create_table_as_sql(relation, "select 1 as id", config)


def test_plain_table() -> None:
    assert ddl({}) == "create or replace table `proj`.`ds`.`tbl`\nas (\nselect 1 as id\n);"


@pytest.mark.parametrize(
    ("partition_by", "clause"),
    [
        ({"field": "d", "data_type": "date"}, "partition by d"),
        ({"field": "d"}, "partition by d"),
        ({"field": "ts", "data_type": "timestamp"}, "partition by timestamp_trunc(ts, day)"),
        ({"field": "ts", "data_type": "TIMESTAMP", "granularity": "HOUR"}, "partition by timestamp_trunc(ts, hour)"),
        ({"field": "d", "data_type": "date", "granularity": "month"}, "partition by date_trunc(d, month)"),
        ({"field": "dt", "data_type": "datetime"}, "partition by datetime_trunc(dt, day)"),
        (
            {"field": "id", "data_type": "int64", "range": {"start": 0, "end": 100, "interval": 10}},
            "partition by range_bucket(id, generate_array(0, 100, 10))",
        ),
    ],
)
def test_partition_by(partition_by: dict[str, Any], clause: str) -> None:
    assert ddl({"partition_by": partition_by}).splitlines()[1] == clause


def test_cluster_and_options_in_dbt_bigquerys_order() -> None:
    text = ddl(
        {
            "partition_by": {"field": "d", "data_type": "date"},
            "cluster_by": ["a", "b"],
            "hours_to_expiration": 6,
            "labels": {"team": "data", "it's": "x"},
            "kms_key_name": "projects/p/locations/l/keyRings/r/cryptoKeys/k",
            "require_partition_filter": True,
            "partition_expiration_days": 30,
        }
    )
    assert text.splitlines()[:4] == [
        "create or replace table `proj`.`ds`.`tbl`",
        "partition by d",
        "cluster by a, b",
        "OPTIONS(expiration_timestamp=TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 6 hour), "
        "labels=[('team', 'data'), ('it\\'s', 'x')], "
        "kms_key_name='projects/p/locations/l/keyRings/r/cryptoKeys/k', "
        "require_partition_filter=true, partition_expiration_days=30)",
    ]
    assert ddl({"cluster_by": "a"}).splitlines()[1] == "cluster by a"
    # require_partition_filter only with partition_by, as dbt-bigquery
    assert "require_partition_filter" not in ddl({"require_partition_filter": True})


def test_temporary_table_expires_in_12_hours() -> None:
    text = ddl(
        {"hours_to_expiration": 6, "require_partition_filter": True, "partition_by": {"field": "d"}},
        REL.with_identifier("tbl__dbt_tmp"),
    )
    assert "OPTIONS(expiration_timestamp=TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 12 hour))" in text
    assert "require_partition_filter" not in text


def test_view_options() -> None:
    text = BigQuerySQL().create_view_as_sql(REL, "select 1", {"labels": {"a": "b"}, "cluster_by": "x"})
    assert text == "create or replace view `proj`.`ds`.`tbl`\nOPTIONS(labels=[('a', 'b')])\nas select 1;"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"partition_by": "d"}, "Invalid partition_by config"),
        ({"partition_by": {"field": "d", "data_type": "string"}}, "Could not parse partition config"),
        ({"partition_by": {"field": "id", "data_type": "int64"}}, "needs range"),
        ({"partition_by": {"field": "d", "time_ingestion_partitioning": True}}, "time_ingestion_partitioning"),
        ({"grant_access_to": [{"project": "p", "dataset": "d"}]}, "`grant_access_to`"),
        ({"enable_change_history": True}, "`enable_change_history`"),
    ],
)
def test_unsupported_or_bad_configs_are_errors(config: dict[str, Any], message: str) -> None:
    with pytest.raises(CompilationError, match=message):
        ddl(config)


def test_partitioning_change_is_drop_then_create(tmp_path: Path, bq_emulator: Any) -> None:
    """BigQuery cannot replace a table across a partitioning change: DROP + CREATE, said so."""
    project = new_project(tmp_path, bq_emulator)
    model = (
        "{{ config(materialized='table', partition_by=var('p', none), cluster_by=var('c', none)) }}\n"
        "select date '2024-01-01' as d, 1 as id"
    )
    project.write({"models/m.sql": model})
    assert project.run("run").returncode == 0
    assert "not atomic" not in project.results_by_name()["m"]["message"]
    result = project.run("run", "--vars", "{p: {field: d, data_type: date}, c: [id]}")
    assert result.returncode == 0, result.stdout + result.stderr
    message = project.results_by_name()["m"]["message"]
    assert "replaced by DROP then CREATE because its partitioning changes (none -> partition by d)" in message
    assert "not atomic" in message
    result = project.run("run", "--vars", "{p: {field: d, data_type: date}, c: [id]}")
    assert "not atomic" not in project.results_by_name()["m"]["message"], "same layout: one job"
    result = project.run("run")  # listed partitioned, now plain: the tables API is asked, not the listing
    assert result.returncode == 0, result.stdout + result.stderr
    assert "its partitioning changes (partition by d -> none)" in project.results_by_name()["m"]["message"]
