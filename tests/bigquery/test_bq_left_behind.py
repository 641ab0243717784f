"""A BigQuery build of several jobs that a stop interrupts says what its first jobs changed:
BigQuery runs DDL outside transactions, so an ``on_schema_change`` ALTER that ran before the
stop stays (docs/execution.md). The node is ``cancelled`` and its message names the change
instead of claiming the relation was not changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bq_helpers import new_project

#: a MERGE predicate that keeps the job busy for seconds (a cross join the emulator cancels fast)
SLOW_PREDICATE = (
    "(select count(*) from unnest(generate_array(1, 3000)) a, unnest(generate_array(1, 3000)) b, "
    "unnest(generate_array(1, 600)) c) > 0"
)
#: fails at run time after a few seconds of work, once the other model's ALTER has run
LATE_FAILURE = (
    "select cast(concat('x', cast((select count(*) from unnest(generate_array(1, 3000)) a, "
    "unnest(generate_array(1, 3000)) b, unnest(generate_array(1, {n})) c) as string)) as int64) as x"
)

WIDE = """
{{ config(materialized='incremental', unique_key='id', on_schema_change='append_new_columns',
          incremental_predicates=([PREDICATE] if var('second', false) else [])) }}
select 1 as id, 'a' as v
{%- if var('second', false) %}, 'new' as extra{% endif %}
"""


def test_a_cancelled_merge_reports_the_alter_that_stays(tmp_path: Path, bq_emulator: Any) -> None:
    project = new_project(tmp_path, bq_emulator)
    project.write(
        {
            "models/wide.sql": WIDE.replace("PREDICATE", repr(SLOW_PREDICATE)),
            "models/fails.sql": "{{ config(materialized='table') }}\n"
            "{% if var('second', false) %}" + LATE_FAILURE.format(n=150) + "{% else %}select 1 as x{% endif %}",
        }
    )
    first = project.run("run")
    assert first.returncode == 0, first.stdout + first.stderr
    result = project.run("run", "--threads", "2", "--fail-fast", "--vars", "{second: true}")
    assert result.returncode == 1, result.stdout + result.stderr
    wide = project.results_by_name()["wide"]
    dataset = f"`{bq_emulator.project}`.`{project.dataset}`"
    columns = [
        row[0]
        for row in project.rows(
            f"select column_name from {dataset}.INFORMATION_SCHEMA.COLUMNS where table_name = 'wide' "
            "order by ordinal_position"
        )
    ]
    assert wide["adapter_response"].get("dagwright_outcome") == "cancelled", wide
    # the ALTER ran before the stop: the column stays, the rows are the old ones
    assert columns == ["id", "v", "extra"], columns
    assert project.rows(f"select id, v, extra from {dataset}.wide") == [(1, "a", None)]
    assert "were changed before, by 1 DDL job, and stay changed: not rolled back" in wide["message"], wide
    assert "was not changed" not in wide["message"]
    assert "with changes left behind" in result.stdout and "not rolled back" in result.stdout
