"""Seed CSVs typed and loaded as dbt-core + dbt-duckdb do it.

Every case's expected column types and rows (or failure) were measured by running ``dbt seed``
(dbt-core 1.11, dbt-duckdb 1.11.1, DuckDB 2.0) on the CSV. ``test_cases_match_dbt`` (marked
``compat``) measures them again when dbt is installed, so the table cannot drift.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pytest

from dagwright.errors import ProjectError
from dagwright.materialize.seed_types import (
    SeedNumberOverflow,
    SeedTable,
    SeedValueError,
    infer_type,
    read_seed,
)

INF = math.inf
NAN = math.nan


class Case(NamedTuple):
    id: str
    csv: str
    config: dict[str, Any]
    #: DESCRIBE of the table dbt-duckdb creates: (column name, DuckDB type)
    types: list[tuple[str, str]] | None = None
    #: SELECT * from that table
    rows: list[tuple[Any, ...]] | None = None
    #: dbt fails the seed instead: (what read_seed raises, the line it points at)
    error: tuple[type[Exception], int | None] | None = None


CASES = [
    Case("int_small", "a\n1\n2\n3\n", {}, [("a", "INTEGER")], [(1,), (2,), (3,)]),
    Case("int_negative", "a\n-5\n10\n", {}, [("a", "INTEGER")], [(-5,), (10,)]),
    Case("int_leading_zeros", "a\n007\n010\n", {}, [("a", "INTEGER")], [(7,), (10,)]),
    Case("int_plus_sign", "a\n+5\n6\n", {}, [("a", "INTEGER")], [(5,), (6,)]),
    Case("int_whitespace", "a\n 5\n6 \n", {}, [("a", "INTEGER")], [(5,), (6,)]),
    Case("int_exponent", "a\n1e3\n2.5E2\n", {}, [("a", "INTEGER")], [(1000,), (250,)]),
    Case("int_underscore", "a\n1_000\n2\n", {}, [("a", "INTEGER")], [(1000,), (2,)]),
    Case("int_trailing_zero_fraction", "a\n1.0\n2.00\n", {}, [("a", "INTEGER")], [(1,), (2,)]),
    Case("int_yyyymmdd", "a\n20240131\n20240201\n", {}, [("a", "INTEGER")], [(20240131,), (20240201,)]),
    Case("int_one_zero", "a\n1\n0\n", {}, [("a", "INTEGER")], [(1,), (0,)]),
    Case("int_max", "a\n2147483647\n-2147483648\n", {}, [("a", "INTEGER")], [(2147483647,), (-2147483648,)]),
    Case("int_too_big", "a\n1\n3000000000\n", {}, error=(SeedValueError, 3)),
    Case("int_thousands", 'a\n"1,000"\n"2,500"\n', {}, error=(SeedValueError, 2)),
    Case("int_currency", "a\n$5\n$10\n", {}, error=(SeedValueError, 2)),
    Case("int_percent", "a\n5%\n10%\n", {}, error=(SeedValueError, 2)),
    Case("int_nan", "a\nNaN\n1\n", {}, error=(SeedValueError, 2)),
    Case("int_null_word", "a\n1\nnull\n3\n", {}, error=(SeedValueError, 3)),
    Case("int_blank", "a\n1\n   \n", {}, error=(SeedValueError, 3)),
    Case("int_29_digits", "a\n12345678901234567890123456789\n", {}, [("a", "DOUBLE")], [(1.2345678901234568e28,)]),
    Case("double_simple", "a\n1.50\n2.25\n", {}, [("a", "DOUBLE")], [(1.5,), (2.25,)]),
    Case("double_mixed", "a\n1\n2.5\n", {}, [("a", "DOUBLE")], [(1.0,), (2.5,)]),
    Case("double_exponent", "a\n1.5e-3\n2\n", {}, [("a", "DOUBLE")], [(0.0015,), (2.0,)]),
    Case("double_inf", "a\ninf\n1.5\n", {}, [("a", "DOUBLE")], [(INF,), (1.5,)]),
    Case("double_nan", "a\nNaN\n-Infinity\n0.5\n", {}, [("a", "DOUBLE")], [(NAN,), (-INF,), (0.5,)]),
    Case("double_thousands", 'a\n"1,000.5"\n"2,500"\n', {}, error=(SeedValueError, 2)),
    Case("double_blank", "a\n1.5\n  \n", {}, error=(SeedValueError, 3)),
    Case("bool_lower", "a\ntrue\nfalse\n", {}, [("a", "BOOLEAN")], [(True,), (False,)]),
    Case("bool_mixed_case", "a\nTrue\nFALSE\n", {}, [("a", "BOOLEAN")], [(True,), (False,)]),
    Case("bool_yes_no", "a\nyes\nno\n", {}, [("a", "VARCHAR")], [("yes",), ("no",)]),
    Case("bool_t_f", "a\nt\nf\n", {}, [("a", "VARCHAR")], [("t",), ("f",)]),
    Case("bool_whitespace", "a\n true\nfalse \n", {}, error=(SeedValueError, 2)),
    Case("bool_blank", "a\ntrue\n  \n", {}, error=(SeedValueError, 3)),
    Case("date_iso", "a\n2024-01-31\n2024-02-29\n", {}, [("a", "DATE")], [(date(2024, 1, 31),), (date(2024, 2, 29),)]),
    Case(
        "date_unpadded", "a\n2024-1-5\n2024-12-31\n", {}, [("a", "DATE")], [(date(2024, 1, 5),), (date(2024, 12, 31),)]
    ),
    Case(
        "date_whitespace",
        "a\n 2024-01-31\n2024-02-01\n",
        {},
        [("a", "DATE")],
        [(date(2024, 1, 31),), (date(2024, 2, 1),)],
    ),
    Case("date_us", "a\n01/31/2024\n02/01/2024\n", {}, [("a", "VARCHAR")], [("01/31/2024",), ("02/01/2024",)]),
    Case("date_null_word", "a\n2024-01-01\nnull\n", {}, error=(SeedValueError, 3)),
    Case("date_blank", "a\n2024-01-01\n  \n", {}, error=(SeedValueError, 3)),
    Case(
        "date_us_elsewhere",
        "a,b\n1,01/31/2024\n2,02/01/2024\n",
        {},
        [("a", "INTEGER"), ("b", "VARCHAR")],
        [(1, "01/31/2024"), (2, "02/01/2024")],
    ),
    Case("date_with_us_text_column", "c0,c1,c2\n1,2024/01/31,2024-02-29\n", {}, error=(SeedValueError, 2)),
    Case(
        "ts_space",
        "a\n2024-01-31 10:00:00\n2024-02-01 23:59:59\n",
        {},
        [("a", "TIMESTAMP")],
        [(datetime(2024, 1, 31, 10, 0),), (datetime(2024, 2, 1, 23, 59, 59),)],
    ),
    Case("ts_space_unpadded", "a\n2024-1-5 1:2:3\n", {}, [("a", "TIMESTAMP")], [(datetime(2024, 1, 5, 1, 2, 3),)]),
    Case(
        "ts_t",
        "a\n2024-01-31T10:00:00\n2024-02-01T23:59:59\n",
        {},
        [("a", "TIMESTAMP")],
        [(datetime(2024, 1, 31, 10, 0),), (datetime(2024, 2, 1, 23, 59, 59),)],
    ),
    Case(
        "ts_t_zulu",
        "a\n2024-01-31T10:00:00Z\n2024-02-01T23:59:59Z\n",
        {},
        [("a", "TIMESTAMP")],
        [(datetime(2024, 1, 31, 10, 0),), (datetime(2024, 2, 1, 23, 59, 59),)],
    ),
    Case(
        "ts_t_offset",
        "a\n2024-01-31T10:00:00+02:00\n2024-02-01T23:59:59-05:00\n",
        {},
        [("a", "TIMESTAMP")],
        [(datetime(2024, 1, 31, 10, 0),), (datetime(2024, 2, 1, 23, 59, 59),)],
    ),
    Case(
        "ts_t_fraction",
        "a\n2024-01-31T10:00:00.123456\n2024-02-01T23:59:59.5\n",
        {},
        [("a", "TIMESTAMP")],
        [(datetime(2024, 1, 31, 10, 0, 0, 123456),), (datetime(2024, 2, 1, 23, 59, 59, 500000),)],
    ),
    Case(
        "ts_t_nanoseconds",
        "a\n2024-01-31T10:00:00.9999999\n",
        {},
        [("a", "TIMESTAMP")],
        [(datetime(2024, 1, 31, 10, 0, 0, 999999),)],
    ),
    Case("ts_t_no_seconds", "a\n2024-01-31T10:00\n", {}, [("a", "TIMESTAMP")], [(datetime(2024, 1, 31, 10, 0),)]),
    Case("ts_t_basic_format", "a\n20240131T100000\n", {}, error=(SeedValueError, 2)),
    Case(
        "ts_space_fraction",
        "a\n2024-01-31 10:00:00.123\n2024-02-01 23:59:59.5\n",
        {},
        [("a", "VARCHAR")],
        [("2024-01-31 10:00:00.123",), ("2024-02-01 23:59:59.5",)],
    ),
    Case("ts_space_no_seconds", "a\n2024-01-31 10:00\n", {}, [("a", "VARCHAR")], [("2024-01-31 10:00",)]),
    Case("ts_space_offset", "a\n2024-01-31 10:00:00+02:00\n", {}, [("a", "VARCHAR")], [("2024-01-31 10:00:00+02:00",)]),
    Case(
        "ts_date_and_space",
        "a\n2024-01-31\n2024-01-31 10:00:00\n",
        {},
        [("a", "VARCHAR")],
        [("2024-01-31",), ("2024-01-31 10:00:00",)],
    ),
    Case(
        "ts_date_and_t",
        "a\n2024-01-31\n2024-01-31T10:00:00\n",
        {},
        [("a", "VARCHAR")],
        [("2024-01-31",), ("2024-01-31T10:00:00",)],
    ),
    Case("time_only", "a\n10:00:00\n23:59:59\n", {}, [("a", "VARCHAR")], [("10:00:00",), ("23:59:59",)]),
    Case("text_null_words", "a\nx\nnull\nNULL\n", {}, [("a", "VARCHAR")], [("x",), ("null",), ("NULL",)]),
    Case("text_na", "a\n1\nNA\n", {}, [("a", "VARCHAR")], [("1",), ("NA",)]),
    Case("text_whitespace", "a\n x\ny \n", {}, [("a", "VARCHAR")], [(" x",), ("y ",)]),
    Case("text_blank", "a\nx\n  \n", {}, [("a", "VARCHAR")], [("x",), ("  ",)]),
    Case("text_int_then_word", "a\n007\nabc\n", {}, [("a", "VARCHAR")], [("007",), ("abc",)]),
    Case(
        "text_quoted_comma",
        'a,b\n"x,y",1\n"he said ""hi""",2\n',
        {},
        [("a", "VARCHAR"), ("b", "INTEGER")],
        [("x,y", 1), ('he said "hi"', 2)],
    ),
    Case("text_quoted_empty", 'a,b\n"",1\nx,2\n', {}, [("a", "VARCHAR"), ("b", "INTEGER")], [(None, 1), ("x", 2)]),
    Case(
        "text_newline_in_quotes",
        'a,b\n"line1\nline2",1\n',
        {},
        [("a", "VARCHAR"), ("b", "INTEGER")],
        [("line1\nline2", 1)],
    ),
    Case(
        "text_unicode",
        "name,v\nZoë,1\n日本,2\n",
        {},
        [("name", "VARCHAR"), ("v", "INTEGER")],
        [("Zoë", 1), ("日本", 2)],
    ),
    Case("text_quote_inside", 'a,b\nab"c,1\nx,2\n', {}, [("a", "VARCHAR"), ("b", "INTEGER")], [('ab"c', 1), ("x", 2)]),
    Case("text_single_quoted", "a,b\n'x',1\n'y',2\n", {}, [("a", "VARCHAR"), ("b", "INTEGER")], [("x", 1), ("y", 2)]),
    Case("text_backslash_escape", 'a,b\n"x\\"y",1\n', {}, [("a", "VARCHAR"), ("b", "INTEGER")], [('x"y', 1)]),
    Case("text_hash", "a,b\n#tag,1\nx,2\n", {}, [("a", "VARCHAR"), ("b", "INTEGER")], [("#tag", 1), ("x", 2)]),
    Case(
        "empty_cells",
        "a,b,c\n1,x,2024-01-01\n,,\n3,,2024-01-03\n",
        {},
        [("a", "INTEGER"), ("b", "VARCHAR"), ("c", "DATE")],
        [(1, "x", date(2024, 1, 1)), (None, None, None), (3, None, date(2024, 1, 3))],
    ),
    Case("empty_column", "a,b\n1,\n2,\n", {}, [("a", "INTEGER"), ("b", "INTEGER")], [(1, None), (2, None)]),
    Case("header_only", "a,b\n", {}, [("a", "INTEGER"), ("b", "INTEGER")], []),
    Case("crlf", "a,b\r\n1,x\r\n2,y\r\n", {}, [("a", "INTEGER"), ("b", "VARCHAR")], [(1, "x"), (2, "y")]),
    Case("bom", "\ufeffa,b\n1,x\n", {}, [("a", "INTEGER"), ("b", "VARCHAR")], [(1, "x")]),
    Case("no_final_newline", "a,b\n1,x\n2,y", {}, [("a", "INTEGER"), ("b", "VARCHAR")], [(1, "x"), (2, "y")]),
    Case("blank_lines", "a,b\n1,x\n\n2,y\n\n\n", {}, [("a", "INTEGER"), ("b", "VARCHAR")], [(1, "x"), (2, "y")]),
    Case("one_column_blank_line", "a\n1\n\n2\n", {}, [("a", "INTEGER")], [(1,), (None,), (2,)]),
    Case("row_too_long", "a,b\n1,2\n3,4,5\n", {}, error=(ProjectError, 3)),
    Case("row_too_short", "a,b,c\n1,2,3\n4,5\n", {}, error=(SeedValueError, 3)),
    Case(
        "names_duplicate",
        "a,a,a_2,,\n1,2,3,4,5\n",
        {},
        [("a", "INTEGER"), ("a_2", "INTEGER"), ("a_2_2", "INTEGER"), ("d", "INTEGER"), ("e", "INTEGER")],
        [(1, 2, 3, 4, 5)],
    ),
    Case(
        "names_kept_verbatim",
        " a ,B c,MixedCase\n1,2,3\n",
        {},
        [(" a ", "INTEGER"), ("B c", "INTEGER"), ("MixedCase", "INTEGER")],
        [(1, 2, 3)],
    ),
    Case("names_double_quote", '"x,y","q""z"\n1,2\n', {}, error=(ProjectError, 1)),
    Case(
        "override_exact_key",
        "id,Code,amount\n1,007,1.50\n2,010,2.00\n",
        {"column_types": {"Code": "varchar", "AMOUNT": "varchar"}},
        [("id", "INTEGER"), ("Code", "VARCHAR"), ("amount", "DOUBLE")],
        [(1, "007", 1.5), (2, "010", 2.0)],
    ),
    Case(
        "override_key_case_differs",
        "id,Code,amount\n1,007,1.50\n2,010,2.00\n",
        {"column_types": {"code": "varchar", "amount": "decimal(10,2)"}},
        [("id", "INTEGER"), ("Code", "INTEGER"), ("amount", "DECIMAL(10,2)")],
        [(1, 7, Decimal("1.50")), (2, 10, Decimal("2.00"))],
    ),
    Case(
        "override_decimal",
        "a,b\n1.505,x\n,y\n",
        {"column_types": {"a": "decimal(10,2)"}},
        [("a", "DECIMAL(10,2)"), ("b", "VARCHAR")],
        [(Decimal("1.51"), "x"), (None, "y")],
    ),
    Case(
        "override_null_word",
        "a,b\nnull,x\n,y\n",
        {"column_types": {"a": "integer", "b": "text"}},
        error=(SeedValueError, 2),
    ),
    Case(
        "delimiter_semicolon",
        "a;b\n1;x,y\n2;z\n",
        {"delimiter": ";"},
        [("a", "INTEGER"), ("b", "VARCHAR")],
        [(1, "x,y"), (2, "z")],
    ),
    Case(
        "delimiter_pipe",
        "a|b\n1.5|x\n2|\n",
        {"delimiter": "|"},
        [("a", "DOUBLE"), ("b", "VARCHAR")],
        [(1.5, "x"), (2.0, None)],
    ),
    Case(
        "delimiter_tab",
        "a\tb\n2024-01-31\tx\n\ty\n",
        {"delimiter": "\t"},
        [("a", "DATE"), ("b", "VARCHAR")],
        [(date(2024, 1, 31), "x"), (None, "y")],
    ),
]

LOADED = [pytest.param(c, id=c.id) for c in CASES if c.error is None]
LOADED_INFERRED = [pytest.param(c, id=c.id) for c in CASES if c.error is None and "column_types" not in c.config]
FAILING = [pytest.param(c, id=c.id) for c in CASES if c.error is not None]


def write_case(folder: Path, case: Case) -> Path:
    path = folder / f"{case.id}.csv"
    path.write_bytes(case.csv.encode("utf-8"))
    return path


def read_case(folder: Path, case: Case) -> SeedTable:
    return read_seed(
        write_case(folder, case),
        delimiter=case.config.get("delimiter", ","),
        column_types=case.config.get("column_types"),
    )


def load_into_duckdb(table: SeedTable) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
    """CREATE TABLE from the column types, INSERT the rows as ``?`` parameters, read it back."""
    con = duckdb.connect()
    try:
        columns = ", ".join(f'"{c.name}" {c.sql_type}' for c in table.columns)
        con.execute(f"create table seed ({columns})")
        if table.rows:
            marks = ", ".join("?" for _ in table.columns)
            con.executemany(f"insert into seed values ({marks})", table.rows)
        described = [(row[0], row[1]) for row in con.execute("describe seed").fetchall()]
        return described, con.execute("select * from seed").fetchall()
    finally:
        con.close()


def typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[str, Any], ...]]:
    """Rows with each value's type beside it (else 1 == 1.0 == True), NaN made comparable."""
    return [
        tuple((type(v).__name__, "NaN" if isinstance(v, float) and math.isnan(v) else v) for v in row) for row in rows
    ]


# --------------------------------------------------------------------------- the measured cases


@pytest.mark.parametrize("case", LOADED)
def test_loaded_table_is_dbts(tmp_path: Path, case: Case) -> None:
    described, rows = load_into_duckdb(read_case(tmp_path, case))
    assert described == case.types
    assert typed(rows) == typed(case.rows)


@pytest.mark.parametrize("case", LOADED_INFERRED)
def test_column_types_and_python_values(tmp_path: Path, case: Case) -> None:
    table = read_case(tmp_path, case)
    assert [(c.name, c.sql_type) for c in table.columns] == case.types
    assert not any(c.overridden for c in table.columns)
    assert typed(table.rows) == typed(case.rows)
    assert table.row_count == len(case.rows)
    assert table.column_names == tuple(name for name, _ in case.types)


@pytest.mark.parametrize("case", FAILING)
def test_seeds_dbt_cannot_load(tmp_path: Path, case: Case) -> None:
    exc_type, line = case.error
    with pytest.raises(exc_type) as raised:
        read_case(tmp_path, case)
    assert raised.value.line == line
    assert raised.value.path == str(tmp_path / f"{case.id}.csv")


# --------------------------------------------------------------------------- details


def test_column_types_override(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("id,Code,amount\n1,007,1.505\n2,,2\n", encoding="utf-8")
    table = read_seed(path, column_types={"Code": "varchar", "amount": "decimal(10,2)", "missing": "int"})
    assert [(c.name, c.sql_type, c.overridden) for c in table.columns] == [
        ("id", "INTEGER", False),
        ("Code", "varchar", True),
        ("amount", "decimal(10,2)", True),
    ]
    # DuckDB's COPY rounds half away from zero into the decimal
    assert table.rows == [(1, "007", Decimal("1.51")), (2, None, Decimal("2.00"))]


def test_column_types_keys_are_case_sensitive(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("Code\n007\n", encoding="utf-8")
    table = read_seed(path, column_types={"code": "varchar"})
    assert table.columns[0].sql_type == "INTEGER"
    assert table.rows == [(7,)]


def test_column_types_converted_with_the_sniffed_date_format(tmp_path: Path) -> None:
    # DuckDB's COPY reads this date with a format sniffed from the data; a CAST of the text
    # in SQL would fail, so the value comes converted
    path = tmp_path / "s.csv"
    path.write_text("a,b\n31-01-2024,1\n", encoding="utf-8")
    table = read_seed(path, column_types={"a": "date"})
    assert table.rows == [(date(2024, 1, 31), 1)]


def test_column_types_python_cannot_carry_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('a,b\n"[1,2]",1 month\n,\n', encoding="utf-8")
    table = read_seed(path, column_types={"a": "integer[]", "b": "interval"})
    assert table.rows == [("[1,2]", "1 month"), (None, None)]
    con = duckdb.connect()
    try:
        con.execute("create table t (a integer[], b interval)")
        con.executemany("insert into t values (cast(? as integer[]), cast(? as interval))", table.rows)
        assert con.execute("select a, b = interval 1 month from t").fetchall() == [([1, 2], True), (None, None)]
    finally:
        con.close()


def test_column_types_with_an_unknown_type(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(SeedValueError, match="notatype"):
        read_seed(path, column_types={"a": "notatype"})


def test_value_error_names_the_column_and_line(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("id,amount\n1,2\n2,3\n3,$4\n", encoding="utf-8")
    with pytest.raises(SeedValueError) as raised:
        read_seed(path)
    error = raised.value
    assert error.line == 4
    assert '"amount"' in error.message
    assert "$4" in error.message
    assert error.hint
    assert "column_types" in error.hint


def test_empty_header_names_get_letters(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("," * 27 + "\n" + ",".join(["1"] * 28) + "\n", encoding="utf-8")
    names = read_seed(path).column_names
    assert names[:3] == ("a", "b", "c")
    assert names[25:] == ("z", "aa", "bb")


def test_undecodable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"a,b\n1,x\n2,\xff\n")
    with pytest.raises(ProjectError, match="UTF-8") as raised:
        read_seed(path)
    assert raised.value.line == 3


@pytest.mark.parametrize("content", [b"", b"\n", b"\xef\xbb\xbf"], ids=["empty", "blank", "bom-only"])
def test_no_header(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match="no header"):
        read_seed(path)


def test_bad_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("a;;b\n1;;2\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="delimiter"):
        read_seed(path, delimiter=";;")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="cannot read"):
        read_seed(tmp_path / "nope.csv")


def test_path_with_a_quote(tmp_path: Path) -> None:
    folder = tmp_path / "it's"
    folder.mkdir()
    path = folder / "s.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    assert read_seed(path).rows == [(1,)]


def test_number_dbt_core_crashes_on(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("a\n1e999999999\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="out of range"):
        read_seed(path)
    # agate stops trying numbers at the first non-number, so here it is only text
    path.write_text("a\nabc\n1e999999999\n", encoding="utf-8")
    assert read_seed(path).rows == [("abc",), ("1e999999999",)]


# --------------------------------------------------------------------------- inference rules

INFERENCE = [
    # numbers: agate strips whitespace, "%", a leading "-", currency symbols and "," first
    (["1", "0"], "INTEGER"),
    (["007", "+5", " 5 ", "1_000", "1e3", "1.5e1", "1.0"], "INTEGER"),
    (["$5", "€3", "-$2", "5%"], "INTEGER"),
    (["1,000.50"], "DOUBLE"),
    (["1e-1"], "DOUBLE"),
    (["1", "2.5"], "DOUBLE"),
    # MaxPrecision skips NaN and infinities, and counts in 28 digits
    (["1", "inf"], "INTEGER"),
    (["NaN"], "INTEGER"),
    (["1.5", "inf"], "DOUBLE"),
    (["1.00000000000000000000000000001"], "INTEGER"),
    (["1234567890123456789012345678"], "INTEGER"),
    (["12345678901234567890123456789"], "DOUBLE"),
    (["sNaN"], "VARCHAR"),
    (["0x10"], "VARCHAR"),
    (["(5)"], "VARCHAR"),
    # "" and "null" (any case, padded) are no value for every type
    ([], "INTEGER"),
    (["", " "], "INTEGER"),
    (["NULL", " Null "], "INTEGER"),
    (["1", "null"], "INTEGER"),
    (["2024-01-31", "null"], "DATE"),
    (["true", "null"], "BOOLEAN"),
    (["NA"], "VARCHAR"),
    # booleans: only true/false, any case, commas removed
    (["True", "FALSE"], "BOOLEAN"),
    (["tr,ue"], "BOOLEAN"),
    ([","], "BOOLEAN"),
    (["yes", "no"], "VARCHAR"),
    (["t", "f"], "VARCHAR"),
    # dates: strptime %Y-%m-%d
    (["2024-1-5"], "DATE"),
    (["2024-01- 5"], "DATE"),
    (["2023-02-29"], "VARCHAR"),
    (["01/31/2024"], "VARCHAR"),
    (["20240131"], "INTEGER"),
    # timestamps: strptime %Y-%m-%d %H:%M:%S ...
    (["2024-1-5 1:2:3"], "TIMESTAMP"),
    (["2024-01-31  10:00:00"], "TIMESTAMP"),
    (["2024-01-31 10:00:60"], "VARCHAR"),
    (["2024-01-31 10:00"], "VARCHAR"),
    (["2024-01-31 10:00:00.5"], "VARCHAR"),
    # ... or ISO 8601 with a "T" (isodate: basic, week and ordinal dates, reduced times)
    (["2024-01-31T10:00:00+02:00", "2024-01-31T10:00Z"], "TIMESTAMP"),
    (["20240131T100000"], "TIMESTAMP"),
    (["2024-W05-3T10:00"], "TIMESTAMP"),
    (["2024-031T10:00"], "TIMESTAMP"),
    (["2024T10"], "TIMESTAMP"),
    (["2024-01-31T10:00:00,5"], "TIMESTAMP"),
    (["2024-00-10T10:00"], "TIMESTAMP"),
    (["2024-01-31t10:00"], "VARCHAR"),
    (["2024-01-31T24:00"], "VARCHAR"),
    # one type for the whole column
    (["2024-01-31", "2024-01-31 10:00:00"], "VARCHAR"),
    (["2024-01-31 10:00:00", "2024-01-31T10:00:00"], "VARCHAR"),
    (["10:00:00"], "VARCHAR"),
    (["abc", "1e999999999"], "VARCHAR"),
]


@pytest.mark.parametrize(("values", "expected"), INFERENCE, ids=[repr(v) for v, _ in INFERENCE])
def test_infer_type(values: list[str], expected: str) -> None:
    assert infer_type(values) == expected
    if "1e999999999" not in values:
        assert infer_type(set(values)) == expected


def test_infer_type_overflow() -> None:
    with pytest.raises(SeedNumberOverflow):
        infer_type(["1e999999999", "abc"])
    with pytest.raises(SeedNumberOverflow):  # without the file order, any overflow counts
        infer_type({"abc", "1e999999999"})


# --------------------------------------------------------------------------- speed


def test_100k_rows_10_columns(tmp_path: Path) -> None:
    """Types and values of a large seed. (Its speed is a benchmark's business, not a test's:
    this only guards against something pathological on a loaded machine.)"""
    rng = random.Random(7)
    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "amount", "qty", "day", "at", "flag", "name", "code", "iso", "cat"])
        for i in range(100_000):
            out.writerow(
                [
                    i,
                    f"{rng.random() * 1000:.2f}",
                    rng.randint(0, 500),
                    f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    f"2024-01-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00",
                    rng.choice(["true", "false", ""]),
                    f"name {i}",
                    f"{rng.randint(0, 999):03d}",
                    f"2024-01-{rng.randint(1, 28):02d}T10:{rng.randint(0, 59):02d}:00Z",
                    rng.choice("abcde"),
                ]
            )
    best = math.inf
    for _ in range(2):
        started = time.perf_counter()
        table = read_seed(path)
        best = min(best, time.perf_counter() - started)
    assert [c.sql_type for c in table.columns] == [
        "INTEGER", "DOUBLE", "INTEGER", "DATE", "TIMESTAMP", "BOOLEAN", "VARCHAR", "INTEGER", "TIMESTAMP", "VARCHAR",
    ]  # fmt: skip
    assert table.row_count == 100_000
    assert isinstance(table.rows[1][8], datetime)
    assert table.rows[1][8].tzinfo is None
    assert best < 30.0, f"read_seed took {best:.2f} s"


# --------------------------------------------------------------------------- the oracle


def _dbt_executable() -> str | None:
    for candidate in (Path(sys.executable).parent / "dbt", os.environ.get("DAGWRIGHT_DBT")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


@pytest.mark.compat
def test_cases_match_dbt(tmp_path: Path) -> None:
    """Run ``dbt seed`` on every case; compare with the table above and with read_seed."""
    import yaml

    dbt = _dbt_executable()
    if dbt is None:
        if os.environ.get("DAGWRIGHT_COMPAT_REQUIRED") == "1":
            pytest.fail("dbt not found next to sys.executable nor at $DAGWRIGHT_DBT")
        pytest.skip("dbt-core + dbt-duckdb not installed (or set DAGWRIGHT_DBT to a dbt executable)")
    project = tmp_path / "project"
    (project / "seeds").mkdir(parents=True)
    seeds_config = {}
    for case in CASES:
        write_case(project / "seeds", case)
        if case.config:
            seeds_config[case.id] = {"+" + key: value for key, value in case.config.items()}
    database = tmp_path / "dbt.duckdb"
    (project / "dbt_project.yml").write_text(
        yaml.safe_dump(
            {"name": "seeds", "version": "1.0", "profile": "seeds", "seeds": {"seeds": seeds_config}},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    (project / "profiles.yml").write_text(
        yaml.safe_dump({"seeds": {"target": "dev", "outputs": {"dev": {"type": "duckdb", "path": str(database)}}}}),
        encoding="utf-8",
    )
    subprocess.run(
        [dbt, "seed", "--project-dir", str(project), "--profiles-dir", str(project)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    results = json.loads((project / "target" / "run_results.json").read_text(encoding="utf-8"))
    status = {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in results["results"]}
    ours = tmp_path / "ours"
    ours.mkdir()
    mismatches = []
    con = duckdb.connect(str(database), read_only=True)
    try:
        for case in CASES:
            if status.get(case.id) != "success":
                if case.error is None:
                    mismatches.append(f"{case.id}: dbt fails ({status.get(case.id)}) but the case expects rows")
                continue
            described = [(r[0], r[1]) for r in con.execute(f'describe main."{case.id}"').fetchall()]
            rows = con.execute(f'select * from main."{case.id}"').fetchall()
            if case.error is not None or described != case.types or typed(rows) != typed(case.rows):
                mismatches.append(f"{case.id}: dbt now gives {described} {rows}")
                continue
            mine = load_into_duckdb(read_case(ours, case))
            if mine[0] != described or typed(mine[1]) != typed(rows):
                mismatches.append(f"{case.id}: dagwright gives {mine}, dbt {described} {rows}")
    finally:
        con.close()
    assert not mismatches, "\n".join(mismatches)
