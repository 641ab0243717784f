"""Microbatch models (``incremental_strategy='microbatch'``, dbt 1.9+): the batches planned as
dbt-core 1.11 plans them, dbt's parse-time and flag errors, and what the compat harness does not
compare (run_results.json's ``batch_results``, ``retry`` of the failed batches), against dbt
itself. The tables of batched builds are compared by tests/compat/projects/microbatch."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import duckdb
import pytest

import dagwright.api
from dagwright.materialize.microbatch import plan_batches
from dagwright.parse.microbatch import check_microbatch_models
from dagwright.parse.nodes import Manifest
from oracle import Twins, needs_dbt
from stop_helpers import check_run_results_schema

UTC = dt.timezone.utc


def t(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def plan(size: str, *, incremental: bool = False, start=None, end=None, now=None, **config):
    config = {"batch_size": size, "begin": "2024-01-01", **config}
    return plan_batches(
        "m",
        config,
        incremental=incremental,
        event_time_start=start,
        event_time_end=end,
        now=now or t(2024, 1, 3, 10, 30),
    )


# ---- batch boundaries


def test_first_build_runs_from_begin_to_the_ceiling_of_now() -> None:
    assert plan("day") == [
        (t(2024, 1, 1), t(2024, 1, 2)),
        (t(2024, 1, 2), t(2024, 1, 3)),
        (t(2024, 1, 3), t(2024, 1, 4)),
    ]


@pytest.mark.parametrize(
    ("size", "start", "end", "expected"),
    [
        ("hour", dt.datetime(2024, 1, 1, 22, 30), dt.datetime(2024, 1, 2, 0, 10), [(22, 23), (23, 24), (24, 25)]),
        ("day", dt.datetime(2024, 1, 30, 5), dt.datetime(2024, 2, 1), [(30, 31), (31, 32)]),
    ],
)
def test_window_flags_are_truncated_and_ceiled(size, start, end, expected) -> None:
    unit = dt.timedelta(hours=1) if size == "hour" else dt.timedelta(days=1)
    origin = t(2024, 1, 1) if size == "hour" else t(2024, 1, 1) - dt.timedelta(days=1)
    got = plan(size, start=start, end=end)
    assert got == [(origin + a * unit, origin + b * unit) for a, b in expected]


def test_month_and_year_batches_cross_the_year() -> None:
    assert plan("month", start=dt.datetime(2023, 11, 15), end=dt.datetime(2024, 2, 1)) == [
        (t(2023, 11, 1), t(2023, 12, 1)),
        (t(2023, 12, 1), t(2024, 1, 1)),
        (t(2024, 1, 1), t(2024, 2, 1)),
    ]
    assert plan("year", now=t(2026, 5, 1)) == [
        (t(2024, 1, 1), t(2025, 1, 1)),
        (t(2025, 1, 1), t(2026, 1, 1)),
        (t(2026, 1, 1), t(2027, 1, 1)),
    ]


def test_an_end_inside_a_batch_is_moved_up_to_its_boundary() -> None:
    # dbt: the end is ceiled to the batch size, the last batch ends there
    assert plan("day", start=dt.datetime(2024, 1, 1), end=dt.datetime(2024, 1, 1, 6)) == [
        (t(2024, 1, 1), t(2024, 1, 2))
    ]


@pytest.mark.parametrize(
    ("lookback", "expected_first"),
    [(None, t(2024, 1, 2)), (0, t(2024, 1, 3)), (1, t(2024, 1, 2)), (3, t(2023, 12, 31))],
)
def test_incremental_runs_rebuild_the_current_batch_and_lookback_before_it(lookback, expected_first) -> None:
    got = plan("day", incremental=True, lookback=lookback, now=t(2024, 1, 3, 10, 30))
    assert got[0][0] == expected_first
    assert got[-1] == (t(2024, 1, 3), t(2024, 1, 4))


def test_an_incremental_run_on_a_boundary_takes_one_more_batch() -> None:
    # now on the boundary: the end is that boundary, the last batch the one ending there
    got = plan("day", incremental=True, now=t(2024, 1, 3))
    assert got == [(t(2024, 1, 1), t(2024, 1, 2)), (t(2024, 1, 2), t(2024, 1, 3))]


# ---- errors, as dbt words them


def _project(tmp_path: Path, model: str, extra: dict[str, str] | None = None) -> Twins:
    return Twins(tmp_path, {"models/m.sql": model, **(extra or {})})


CONFIG = "materialized='incremental', incremental_strategy='microbatch'"


@needs_dbt
@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ("batch_size='day', begin='2024-01-01'", "must provide an 'event_time' (string) config"),
        ("event_time='ts', begin='2024-01-01'", "must provide a 'batch_size' config that is one of"),
        ("event_time='ts', batch_size='day'", "must provide a 'begin' (datetime) config"),
        ("event_time='ts', batch_size='day', begin='not a date'", "valid datetime (ISO format), but got: not a date"),
        ("event_time='ts', batch_size='week', begin='2024-01-01'", "but got: week."),
        ("event_time='ts', batch_size='day', begin='2024-01-01', lookback='2'", "'lookback' config as type int"),
    ],
)
def test_bad_configs_are_dbt_parsing_errors(tmp_path: Path, configs: str, message: str) -> None:
    twins = _project(tmp_path, f"{{{{ config({CONFIG}, {configs}) }}}}\nselect now() as ts")
    dbt = twins.dbt("run")
    ours = twins.dagwright("run")
    assert dbt.returncode == 2 and message in dbt.stdout, dbt.stdout
    assert ours.returncode == 2, ours.stdout + ours.stderr
    assert "Parsing Error" in ours.stderr and message in ours.stderr and "models/m.sql" in ours.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--event-time-start", "2024-01-01"), "`--event-time-start` was specified, but `--event-time-end` was not"),
        (("--event-time-end", "2024-01-01"), "`--event-time-end` was specified, but `--event-time-start` was not"),
        (
            ("--event-time-start", "2024-01-02", "--event-time-end", "2024-01-01"),
            "`--event-time-start` must be less than `--event-time-end`",
        ),
    ],
)
def test_event_time_flags_are_checked_before_anything_runs(tmp_path: Path, args, message) -> None:
    twins = _project(tmp_path, "select 1 as id")
    ours = twins.dagwright("run", *args)
    assert ours.returncode == 2 and message in ours.stderr, ours.stderr
    assert not (twins.roots["dagwright"] / "target" / "run_results.json").exists()


# ---- partial success, batch_results and retry, against dbt

EVENTS = """\
id,ts,amount
1,2024-01-01 03:00:00,10
2,2024-01-02 05:00:00,12
3,2024-01-03 00:00:00,bad
4,2024-01-04 10:00:00,14
"""

FAILING_PROJECT = {
    "dbt_project.yml": (
        "name: proj\nversion: '1.0.0'\nconfig-version: 2\nprofile: proj\n"
        "seeds:\n  proj:\n    +column_types: {ts: timestamp, amount: varchar}\n    +event_time: ts\n"
    ),
    "seeds/events.csv": EVENTS,
    "models/mb.sql": (
        f"{{{{ config({CONFIG}, event_time='ts', batch_size='day', begin='2024-01-01') }}}}\n"
        "select id, ts, cast(amount as integer) as amount from {{ ref('events') }}\n"
    ),
    "models/child.sql": "{{ config(materialized='table') }}\nselect * from {{ ref('mb') }}\n",
}
WINDOW = ("--event-time-start", "2024-01-01", "--event-time-end", "2024-01-05")


def _results(twins: Twins, tool: str) -> dict[str, dict]:
    data = json.loads((twins.roots[tool] / "target" / "run_results.json").read_text())
    return {r["unique_id"]: r for r in data["results"]}


def _rows(tmp_path: Path, tool: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / f"{tool}.duckdb"), read_only=True) as con:
        return con.sql("select id, amount from mb order by id").fetchall()


def _fix_bad_row(tmp_path: Path, tool: str) -> None:
    with duckdb.connect(str(tmp_path / f"{tool}.duckdb")) as con:
        con.execute("update events set amount = '13' where id = 3")


@needs_dbt
def test_a_failing_batch_is_partial_success_and_retry_runs_only_it(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FAILING_PROJECT)
    for tool in ("dbt", "dagwright"):
        seeded = getattr(twins, tool)("seed")
        assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    dbt, ours = twins.dbt("run", *WINDOW), twins.dagwright("run", *WINDOW)
    assert dbt.returncode == ours.returncode == 1, ours.stdout + ours.stderr
    theirs, mine = _results(twins, "dbt"), _results(twins, "dagwright")
    for uid in ("model.proj.mb", "model.proj.child"):
        assert mine[uid]["status"] == theirs[uid]["status"], (uid, mine[uid]["message"])
    assert mine["model.proj.mb"]["status"] == "partial success"
    assert mine["model.proj.child"]["status"] == "skipped"
    assert mine["model.proj.mb"]["batch_results"] == theirs["model.proj.mb"]["batch_results"]
    assert mine["model.proj.mb"]["batch_results"]["failed"] == [
        ["2024-01-03T00:00:00+00:00", "2024-01-04T00:00:00+00:00"]
    ]
    assert mine["model.proj.mb"]["message"].startswith("PARTIAL SUCCESS (3/4)")
    assert "batch 2024-01-03" in mine["model.proj.mb"]["message"]  # which batch, and why
    for line in (
        "PARTIALLY created sql microbatch model main.mb",
        "Batch 3 of 4 ERROR creating batch 2024-01-03 of main.mb",
    ):
        assert line in ours.stdout and line in dbt.stdout, ours.stdout
    check_run_results_schema(json.loads((twins.roots["dagwright"] / "target" / "run_results.json").read_text()))
    assert _rows(tmp_path, "dagwright") == _rows(tmp_path, "dbt") == [(1, 10), (2, 12), (4, 14)]

    # the data is fixed: retry builds the failed batch only, and the skipped child
    for tool in ("dbt", "dagwright"):
        _fix_bad_row(tmp_path, tool)
    dbt, ours = twins.dbt("retry"), twins.dagwright("retry")
    assert dbt.returncode == ours.returncode == 0, ours.stdout + ours.stderr
    theirs, mine = _results(twins, "dbt"), _results(twins, "dagwright")
    assert set(mine) == set(theirs) == {"model.proj.mb", "model.proj.child"}
    assert mine["model.proj.mb"]["status"] == theirs["model.proj.mb"]["status"] == "success"
    assert mine["model.proj.mb"]["batch_results"] == theirs["model.proj.mb"]["batch_results"]
    assert _rows(tmp_path, "dagwright") == _rows(tmp_path, "dbt") == [(1, 10), (2, 12), (3, 13), (4, 14)]


@needs_dbt
def test_a_failing_first_batch_runs_no_other_and_is_an_error(tmp_path: Path) -> None:
    files = {
        **FAILING_PROJECT,
        "seeds/events.csv": EVENTS.replace("1,2024-01-01 03:00:00,10", "1,2024-01-01 03:00:00,x"),
    }
    twins = Twins(tmp_path, files)
    for tool in ("dbt", "dagwright"):
        assert getattr(twins, tool)("seed").returncode == 0
    dbt, ours = twins.dbt("run", *WINDOW), twins.dagwright("run", *WINDOW)
    assert dbt.returncode == ours.returncode == 1
    theirs, mine = _results(twins, "dbt"), _results(twins, "dagwright")
    assert mine["model.proj.mb"]["status"] == theirs["model.proj.mb"]["status"] == "error"
    assert mine["model.proj.mb"]["batch_results"] == theirs["model.proj.mb"]["batch_results"]
    assert len(mine["model.proj.mb"]["batch_results"]["failed"]) == 4


def test_compiled_batches_are_written_per_batch(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FAILING_PROJECT)
    assert twins.dagwright("seed").returncode == 0
    twins.dagwright("run", "-s", "mb", *WINDOW)
    folder = twins.roots["dagwright"] / "target" / "compiled" / "proj" / "models" / "mb"
    assert sorted(p.name for p in folder.iterdir()) == [f"mb_2024-01-0{d}.sql" for d in (1, 2, 3, 4)]
    text = (folder / "mb_2024-01-02.sql").read_text()
    assert "where ts >= '2024-01-02 00:00:00+00:00' and ts < '2024-01-03 00:00:00+00:00')" in text
    results = _results(twins, "dagwright")["model.proj.mb"]
    assert results["compiled"] is False and results["compiled_code"] is None  # as dbt: per batch only


# ---- the honest stop: committed batches are real, no batch starts after the stop

BURN = (
    "select cast(sum((a.i * b.j) % 7) * 0 as integer) as burned "
    "from range(60000) as a(i), range(60000) as b(j)"  # ~15 s of DuckDB work on one core
)


def test_a_stop_keeps_the_committed_batches_and_starts_no_other(tmp_path: Path) -> None:
    files = {
        **FAILING_PROJECT,
        "seeds/events.csv": "id,ts,amount\n1,2024-03-01 00:00:00,1\n2,2025-03-01 00:00:00,2\n3,2026-03-01 00:00:00,3\n",
        # yearly batches 2024, 2025, 2026...: the batch of 2025 works for a long time
        "models/mb.sql": (
            f"{{{{ config({CONFIG}, event_time='ts', batch_size='year', begin='2024-01-01') }}}}\n"
            "select id, ts, cast(amount as integer) + work.burned as amount from {{ ref('events') }}\n"
            "cross join ("
            + "{% if model.batch.id == '2025' %}"
            + BURN
            + "{% else %}select 0 as burned{% endif %}) as work\n"
        ),
    }
    twins = Twins(tmp_path, files)
    root = twins.roots["dagwright"]
    assert twins.dagwright("seed").returncode == 0
    handle = dagwright.api.start("run", project_dir=str(root), profiles_dir=str(root), select=["mb"])
    folder = root / "target" / "compiled" / "proj" / "models" / "mb"
    deadline = time.monotonic() + 60
    while not (folder / "mb_2025.sql").exists():  # the 2025 batch has compiled: its build is under way
        assert time.monotonic() < deadline, handle.output
        time.sleep(0.05)
    time.sleep(0.5)
    handle.cancel()
    summary = handle.wait(timeout=60)
    (result,) = [r for r in summary.results if r.unique_id == "model.proj.mb"]
    assert result.status == "partial success", result.message
    assert "cancelled: cancelled by cancel()" in (result.message or "")
    assert result.batch_results is not None
    assert result.batch_results["successful"] == [["2024-01-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"]]
    failed = result.batch_results["failed"]
    assert failed[0] == ["2025-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"] and len(failed) >= 2
    assert not (folder / "mb_2026.sql").exists()  # no batch started after the stop
    # the committed batch is in the table; the cancelled one was rolled back
    with duckdb.connect(str(tmp_path / "dagwright.duckdb"), read_only=True) as con:
        assert con.sql("select id from mb order by id").fetchall() == [(1,)]
    written = _results(twins, "dagwright")["model.proj.mb"]
    assert written["status"] == "partial success" and written["batch_results"] == result.batch_results


def _stand_in(concurrent: bool | None) -> SimpleNamespace:
    config = {
        "materialized": "incremental",
        "incremental_strategy": "microbatch",
        "event_time": "ts",
        "begin": "2024-01-01",
        "batch_size": "day",
        "concurrent_batches": concurrent,
    }
    node = SimpleNamespace(
        name="m", unique_id="model.p.m", resource_type="model", config=config, depends_on=(), original_file_path="m.sql"
    )
    return SimpleNamespace(nodes={"model.p.m": node}, sources={})


@pytest.mark.parametrize(
    ("engine", "concurrent", "warned"), [("postgres", True, True), ("duckdb", True, False), ("postgres", None, False)]
)
def test_concurrent_batches_the_engine_cannot_run_are_warned_of(caplog, engine, concurrent, warned) -> None:
    caplog.set_level(logging.WARNING, logger="dagwright")
    check_microbatch_models(cast(Manifest, _stand_in(concurrent)), engine)
    text = "the postgres adapter does not support running batches concurrently. Batches will be run sequentially."
    assert (text in caplog.text) is warned


def test_inputs_are_filtered_by_their_own_event_time_only(tmp_path: Path) -> None:
    files = {
        **FAILING_PROJECT,
        "models/plain.sql": "{{ config(materialized='table') }}\nselect 1 as k\n",
        "models/eph.sql": (
            "{{ config(materialized='ephemeral', event_time='ts') }}\nselect * from {{ ref('events') }}\n"
        ),
        "models/mb.sql": (
            f"{{{{ config({CONFIG}, event_time='ts', batch_size='day', begin='2024-01-01') }}}}\n"
            "select id, ts, '{{ ref('plain').render() }}' as name from {{ ref('eph') }} cross join {{ ref('plain') }}\n"
        ),
    }
    files.pop("models/child.sql")
    twins = Twins(tmp_path, files)
    assert twins.dagwright("seed").returncode == 0
    ran = twins.dagwright("run", "--event-time-start", "2024-01-02", "--event-time-end", "2024-01-03")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    folder = twins.roots["dagwright"] / "target" / "compiled" / "proj" / "models" / "mb"
    text = (folder / "mb_2024-01-02.sql").read_text()
    window = "ts >= '2024-01-02 00:00:00+00:00' and ts < '2024-01-03 00:00:00+00:00'"
    assert f"(select * from __dbt__cte__eph where {window})" in text  # an ephemeral with event_time
    assert 'cross join "dagwright"."main"."plain"' in text  # no event_time: read whole
    assert 'select * from "dagwright"."main"."events"\n' in text  # the ephemeral's own SQL: not filtered, as in dbt
    assert '\'"dagwright"."main"."plain"\' as name' in text  # render(): the name


def test_spark_batch_is_an_insert_overwrite_that_needs_partition_by() -> None:
    """dbt-spark's microbatch: each batch an insert_overwrite of its rows' partitions; without
    partition_by a batch that changes the table fails (compared with dbt-spark in
    tests/spark/test_spark_microbatch.py)."""
    from dagwright.adapters.spark_sql import SparkSQL
    from dagwright.errors import CompilationError
    from dagwright.materialize.incremental_columns import DbtColumn
    from dagwright.materialize.microbatch import microbatch_statements

    spark = SparkSQL()
    config = {"incremental_strategy": "microbatch", "event_time": "ts", "batch_size": "day", "partition_by": "d"}
    assert spark.incremental_strategy(config, "p", {}) == "microbatch"
    columns = [DbtColumn("id", "int"), DbtColumn("d", "date")]
    statements = microbatch_statements(spark, config, "s.mb", "mb__dbt_tmp", columns, None, None)
    assert statements == [
        "set spark.sql.sources.partitionOverwriteMode = DYNAMIC",
        "insert overwrite table s.mb\npartition (d)\nselect `id`, `d` from mb__dbt_tmp",
    ]
    unpartitioned = {k: v for k, v in config.items() if k != "partition_by"}
    with pytest.raises(CompilationError, match=r"needs a `partition_by` config.*`batch_size` \(day\)"):
        microbatch_statements(spark, unpartitioned, "s.mb", "mb__dbt_tmp", columns, None, None)
