"""The SQL of a unit test (dbt 1.8+): the given rows of an input as a query whose columns
have the input relation's names and types, the expected rows cast to the types of the
model's output, and the query that returns both for comparison. Written for any engine: names
through the adapter's quoting, values as SQL literals under ``cast``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagwright.adapters.base import Adapter
from dagwright.errors import CompilationError

#: the column telling the actual rows from the expected ones in the comparison query
SIDE = "actual_or_expected"


def literal(value: Any) -> str:
    """A YAML or CSV value as dbt writes it in a fixture: text quoted (quotes doubled), None as
    null, other values as Python prints them (numbers, True/False)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _cast(value: Any, data_type: str) -> str:
    if isinstance(value, str) and "varying" in data_type:
        data_type = data_type.split("(")[0]  # no silent truncation of a longer text
    return f"cast({literal(value)} as {data_type})"


def _typed_row(row: Mapping[str, Any], types: Mapping[str, str], what: str) -> dict[str, str]:
    out = {}
    for name, value in row.items():
        key = str(name).lower()
        if key not in types:
            raise CompilationError(
                f"Invalid column name: '{key}' in unit test fixture for {what}.\n"
                f"Accepted columns for {what} are: {list(types)}"
            )
        out[key] = _cast(value, types[key])
    return out


def given_rows_sql(
    adapter: Adapter, columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]], what: str
) -> str:
    """One ``select`` per row, ``union all``: every column of the input relation, the ones a
    row does not give as typed nulls; no rows: the columns and ``limit 0``."""
    types = {name.lower(): data_type for name, data_type in columns}
    quoted = {name.lower(): adapter.quote(name) for name, _ in columns}
    nulls = {key: f"cast(null as {data_type})" for key, data_type in types.items()}
    if not rows:
        return "select " + ", ".join(f"{v} as {quoted[k]}" for k, v in nulls.items()) + "\nlimit 0"
    selects = []
    for row in rows:
        values = {**nulls, **_typed_row(row, types, f"'{what}'")}
        selects.append("select " + ", ".join(f"{v} as {quoted[k]}" for k, v in values.items()))
    return "\nunion all\n".join(selects)


def expected_rows_sql(adapter: Adapter, columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]]) -> str:
    """The expected rows, each value cast to the type of the model's column of that name."""
    types = {name.lower(): data_type for name, data_type in columns}
    quoted = {name.lower(): adapter.quote(name) for name, _ in columns}
    selects = []
    for row in rows:
        values = _typed_row(row, types, "expected output")
        selects.append("select " + ", ".join(f"{v} as {quoted[k]}" for k, v in values.items()))
    return "\nunion all\n".join(selects)


def comparison_sql(adapter: Adapter, actual_sql: str, expected_sql: str | None, names: Sequence[str]) -> str:
    """The tested columns of the actual rows and of the expected ones (no expected query: no
    expected rows), each row marked with its side."""
    cols = ", ".join(names)
    side = adapter.quote(SIDE)
    actual = f"select {cols}, 'actual' as {side} from (\n{actual_sql}\n) as dbt_internal_unit_test_actual"
    if expected_sql is None:
        return actual
    expected = f"select {cols}, 'expected' as {side} from (\n{expected_sql}\n) as dbt_internal_unit_test_expected"
    return f"{actual}\nunion all\n{expected}"


def empty_query_sql(sql: str) -> str:
    """The model's query with no rows: what its columns' types are read from."""
    return f"select * from (\n{sql}\n) as dbt_internal_unit_test_sbq where false limit 0"
