"""Sample mode (``--sample`` / ``DBT_SAMPLE``, dbt 1.10+): reading the window, bad windows
refused before anything runs, and the inputs' SQL as dbt-core 1.11 writes it.

What is built in sample mode is compared with dbt itself by tests/compat/projects/sample_flag.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import Project
from dagwright.rendering.event_time import BatchWindow, window_of
from dagwright.rendering.sample import SampleError, SampleWindow, sample_window

UTC = dt.timezone.utc
NOW = dt.datetime(2024, 3, 31, 16, 6, 0, 123456, tzinfo=UTC)


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("3 days", at(2024, 3, 28, 16, 6, 0, 123456)),
        ("1 day", at(2024, 3, 30, 16, 6, 0, 123456)),
        ("2 Hours", at(2024, 3, 31, 14, 6, 0, 123456)),
        ("1 MONTH", at(2024, 2, 29, 16, 6, 0, 123456)),  # the day clamped to the month's last
        ("13 months", at(2023, 2, 28, 16, 6, 0, 123456)),
        ("1 years", at(2023, 3, 31, 16, 6, 0, 123456)),
        ("0 days", NOW),
        ("-2 days", at(2024, 4, 2, 16, 6, 0, 123456)),  # dbt accepts it: a window with no rows
    ],
)
def test_a_relative_window_ends_at_the_run_start(text: str, start: dt.datetime) -> None:
    assert sample_window(text, NOW) == SampleWindow(start, NOW)


def test_a_relative_window_is_counted_in_utc() -> None:
    local = NOW.astimezone(dt.timezone(dt.timedelta(hours=5)))
    window = sample_window("1 hour", local)
    assert window == SampleWindow(at(2024, 3, 31, 15, 6, 0, 123456), NOW)
    assert window.end.tzinfo == UTC


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("{'start': '2024-01-01', 'end': '2024-01-05'}", at(2024, 1, 1), at(2024, 1, 5)),
        ('{"start": "2024-01-01 06:30", "end": "2024-01-02T10:00:00"}', at(2024, 1, 1, 6, 30), at(2024, 1, 2, 10)),
        # like dbt, an offset is replaced by UTC, not applied
        ("{start: 2024-01-01 00:00:00+05:00, end: 2024-01-02}", at(2024, 1, 1), at(2024, 1, 2)),
    ],
)
def test_an_absolute_window_is_read_in_utc(text: str, start: dt.datetime, end: dt.datetime) -> None:
    assert sample_window(text, NOW) == SampleWindow(start, end)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3", "expected '<integer> <grain>'"),
        ("3 days ago", "expected '<integer> <grain>'"),
        ("three days", "'three' in the sample window 'three days' is not an integer"),
        ("3 weeks", "'weeks' in the sample window '3 weeks' is not a grain: use one of hour, day, month, year"),
        ("{'start': '2024-01-01'}", "has no 'end'"),
        ("{'start': 'soon', 'end': '2024-01-01'}", "'start' of the sample window is not a date or timestamp: 'soon'"),
        ("{'start': [", "is not valid YAML"),
    ],
)
def test_a_bad_window_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(SampleError) as caught:
        sample_window(text, NOW)
    assert message in str(caught.value)


def test_a_microbatch_batch_reads_its_part_of_the_sample() -> None:
    batch = BatchWindow(at(2024, 1, 2), at(2024, 1, 3), "20240102")
    sample = SampleWindow(at(2024, 1, 2, 12), at(2024, 1, 5))
    assert window_of("model", batch, sample) == SampleWindow(at(2024, 1, 2, 12), at(2024, 1, 3))
    assert window_of("model", batch, None) == SampleWindow(batch.start, batch.end)
    assert window_of("model", None, sample) == sample
    assert window_of("snapshot", None, sample) == sample
    assert window_of("test", None, sample) is None  # data tests read their inputs whole, as in dbt


EVENTS = {
    "models/events.sql": """
        {{ config(event_time='ts') }}
        select 1 as id, timestamp '2024-01-02 00:00:00' as ts
        union all select 2, timestamp '2023-01-01 00:00:00'
    """,
    "models/picked.sql": "select id from {{ ref('events') }}",
}


@pytest.fixture
def events(make_project) -> Project:  # type: ignore[no-untyped-def]
    return make_project(EVENTS)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("run", "--sample", "3 weeks"), {}, "'weeks' in the sample window '3 weeks' is not a grain"),
        (("build",), {"DBT_SAMPLE": "soon"}, "expected '<integer> <grain>'"),
    ],
)
def test_a_bad_window_stops_the_command_before_anything_runs(
    events: Project, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    events.env.update(env)
    result = events.run(*args)
    assert result.code == 2, str(result)
    assert "Invalid value for '--sample'" in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not events.db.exists() or not events.tables()


def test_dbt_sample_filters_inputs_with_event_time_the_way_dbt_writes_it(events: Project) -> None:
    events.ok("run", "-s", "events")
    window = "{'start': '2024-01-01', 'end': '2024-01-05 10:00'}"
    events.env["DBT_SAMPLE"] = window
    events.ok("run", "-s", "picked", "--empty")
    # dbt-duckdb 1.11's SQL for --empty with --sample: the event-time filter wraps the empty subquery
    compiled = (events.target / "compiled" / "proj" / "models" / "picked.sql").read_text(encoding="utf-8")
    empty = '(select * from "warehouse"."main"."events" where false limit 0)'
    where = "where ts >= '2024-01-01 00:00:00+00:00' and ts < '2024-01-05 10:00:00+00:00'"
    assert compiled.strip() == f"select id from (select * from {empty} {where})"
    assert events.query("select id from main.picked") == []
    events.env.pop("DBT_SAMPLE")
    events.ok("run", "-s", "picked", "--sample", window)
    assert events.query("select id from main.picked") == [(1,)]


def test_only_run_and_build_take_sample_as_in_dbt(events: Project) -> None:
    result = events.run("compile", "--sample", "3 days")
    assert result.code == 2 and "No such option '--sample'" in result.output, str(result)
    events.env["DBT_SAMPLE"] = "3 days"  # dbt's compile does not read it either
    events.ok("compile", "-s", "picked")
    compiled = (events.target / "compiled" / "proj" / "models" / "picked.sql").read_text(encoding="utf-8")
    assert compiled.strip() == 'select id from "warehouse"."main"."events"'


def test_retry_reads_the_window_the_run_recorded(events: Project) -> None:
    (events.root / "models" / "late.sql").write_text("select id, missing from {{ ref('events') }}\n", encoding="utf-8")
    result = events.run("run", "--sample", "{'start': '2024-01-01', 'end': '2024-01-05 10:00'}")
    assert result.code == 1, str(result)
    # as dbt-core 1.11 writes it in run_results.json
    assert events.run_results()["args"]["sample"] == {
        "start": "2024-01-01T00:00:00+00:00",
        "end": "2024-01-05T10:00:00+00:00",
    }
    (events.root / "models" / "late.sql").write_text("select id from {{ ref('events') }}\n", encoding="utf-8")
    events.ok("retry")
    assert events.statuses() == {"late": "success"}
    assert events.query("select id from main.late") == [(1,)]
