"""dbt's cross-database macros (``dbt.dateadd``, ``dbt.hash``, ``dbt.listagg``...) on BigQuery,
against dbt-bigquery (the oracle): the same models, run by both tools each in a dataset of
its own, give the same rows, and compile to the same SQL (whitespace aside)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .bq_helpers import BQProject, new_project
from .conftest import run_dbt_bigquery

ROWS = """
with t as (
    select 1 as id, 'a,b,c' as s, date '2024-01-31' as d, timestamp '2024-03-15 10:20:30' as ts
    union all select 2, 'hello', date '2024-02-29', timestamp '2024-12-31 23:59:59'
)
select
    id,
    {{ dbt.hash('s') }} as h,
    {{ dbt.position("'b'", 's') }} as pos,
    {{ dbt.right('s', 2) }} as r2,
    {{ dbt.right('s', 0) }} as r0,
    {{ dbt.split_part('s', "','", 2) }} as sp2,
    {{ dbt.split_part('s', "','", -1) }} as sp_last,
    {{ dbt.dateadd('day', 1, 'd') }} as next_day,
    {{ dbt.dateadd('month', 1, 'd') }} as next_month,
    {{ dbt.datediff('d', 'ts', 'day') }} as days,
    {{ dbt.date_trunc('month', 'ts') }} as month_start,
    {{ dbt.date(2024, 1, 2) }} as fixed_day,
    {{ dbt.string_literal("it") }} as literal,
    '{{ dbt.escape_single_quotes("it's") }}' as escaped,
    {{ dbt.safe_cast("'12'", api.Column.translate_type('integer')) }} as cast_ok,
    {{ dbt.safe_cast("'x'", api.Column.translate_type('integer')) }} as cast_null,
    {{ dbt.cast_bool_to_text('id = 1') }} as bool_text,
    array_length({{ dbt.array_append(dbt.array_construct(['1']), '3') }}) as appended,
    array_length({{ dbt.array_concat(dbt.array_construct(['1']), dbt.array_construct(['2', '3'])) }}) as concatenated,
    array_length({{ dbt.array_construct([], 'int64') }}) as empty_array,
    {{ dbt.current_timestamp() }} is not null as has_now,
    cast('7' as {{ dbt.type_int() }}) as typed_int,
    cast(id as {{ dbt.type_string() }}) as typed_string,
    cast(1.5 as {{ dbt.type_float() }}) as typed_float
from t
"""

AGGREGATES = """
select
    {{ dbt.bool_or('b') }} as any_b,
    {{ dbt.listagg('s', "','", "order by s") }} as joined,
    {{ dbt.listagg('s', "'-'", "order by s desc", 1) }} as first_joined
from (select 'b' as s, true as b union all select 'a', false union all select 'c', false)
"""

SETS = """
select x from (select 1 as x union all select 2 union all select 3)
{{ dbt.except() }}
select 2
"""

INTERSECTION = """
select x from (select 1 as x union all select 2 union all select 3)
{{ dbt.intersect() }}
select x from (select 3 as x union all select 4)
"""

#: values unit test fixtures give: a list cast to an array, a mapping cast to json (compared by
#: rows only: the SQL differs from dbt-bigquery's in an alias)
CASTS = """
select
    (select sum(e) from unnest({{ dbt.safe_cast(['1', '2', '4'], 'array<int64>') }}) as e) as array_sum,
    array_length({{ dbt.safe_cast(['1', '2', '4'], 'array<int64>') }}) as array_items,
    to_json_string({{ dbt.safe_cast({'a': 1}, 'json') }}) as json_text
"""

FILES = {
    "models/xdb_casts.sql": CASTS,
    "models/xdb_rows.sql": ROWS,
    "models/xdb_aggregates.sql": AGGREGATES,
    "models/xdb_sets.sql": SETS,
    "models/xdb_intersection.sql": INTERSECTION,
}


FILES_MODELS = ("xdb_rows", "xdb_aggregates", "xdb_sets", "xdb_intersection")


def _rows(project: BQProject, model: str) -> list[tuple[Any, ...]]:
    table = f"`{project.emulator.project}`.`{project.dataset}`.{model}"
    return sorted(tuple(str(v) for v in row) for row in project.rows(f"select * from {table}"))


def _compiled(project: BQProject, model: str) -> str:
    text = (project.root / "target" / "compiled" / "xdb_project" / "models" / f"{model}.sql").read_text()
    return re.sub(r"\s+", "", text).lower()


def test_cross_database_macros_as_dbt_bigquery(tmp_path: Path, bq_emulator: Any, bq_oracle: Path) -> None:
    ours = new_project(tmp_path / "dagwright", bq_emulator, name="xdb_project")
    theirs = new_project(tmp_path / "dbt", bq_emulator, name="xdb_project")
    for project in (ours, theirs):
        project.write(FILES)
    dbt = run_dbt_bigquery(bq_oracle, theirs.root, theirs.root, "run")
    assert dbt.returncode == 0, dbt.stdout + dbt.stderr
    run = ours.run("run")
    assert run.returncode == 0, run.stdout + run.stderr
    for model in FILES_MODELS:
        assert _rows(ours, model) == _rows(theirs, model), model
        assert _compiled(ours, model) == _compiled(theirs, model), model
    assert _rows(ours, "xdb_casts") == _rows(theirs, "xdb_casts") == [("7", "3", '{"a":1}')]
    # spelled out, so a change of the oracle shows here too
    assert _rows(ours, "xdb_aggregates") == [("True", "a,b,c", "c")]
    assert _rows(ours, "xdb_sets") == [("1",), ("3",)]
    assert _rows(ours, "xdb_intersection") == [("3",)]
