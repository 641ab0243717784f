"""dbt's seed type inference run by DuckDB (``seed_inference_sql``) gives what the Python
reading of the file (``csv`` + ``seed_inference``, checked against dbt in
tests/test_seed_types.py) gives: the same columns, record count and failures, on generated
files (hypothesis; the Python path is the oracle; ``DAGWRIGHT_FUZZ_EXAMPLES`` examples, 100
by default), with the sample and residual limits made small so every path of the SQL
inference is taken on small files."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dagwright.errors import ProjectError
from dagwright.materialize import seed_inference_sql, seed_types
from dagwright.materialize.seed_inference_sql import column_types

NUMBERS = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "007", "+5", " 5 ", "1_000", "1e3", "2.5E2", "1.0", "-0", "0.000", "$5", "-$2", "5%", "1,000.50",
            "inf", "-Infinity", "NaN", "sNaN", "0x10", "(5)", "1e999999999", "1e-1", "١٢",
            "1234567890123456789012345678", "12345678901234567890123456789", "1.00000000000000000000000000001",
            "123456789012.12345678901234", "-9999999999999999999999999", "1.25", "10.50",
        ]
    ),
)  # fmt: skip
DATES = st.one_of(
    st.dates().map(str),
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)),
    st.sampled_from(["2024-1-5", "2024-01- 5", "2023-02-29", "2024-02-29", "0000-01-01", "01/31/2024", "20240131"]),
)
TIMES = st.builds(
    lambda h, m, s: f"{h:02d}:{m:02d}:{s:02d}", st.integers(0, 25), st.integers(0, 61), st.integers(0, 61)
)
DATETIMES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="seconds")),
    st.datetimes().map(lambda d: d.isoformat(timespec="seconds")),
    st.builds(lambda d, sep, t: f"{d}{sep}{t}", DATES, st.sampled_from([" ", "T", "  ", "t"]), TIMES),
    st.sampled_from(
        [
            "2024-1-5 1:2:3", "2024-01-31 10:00", "2024-01-31 10:00:00.5", "2024-01-31T10:00:00+02:00",
            "2024-01-31T10:00Z", "20240131T100000", "2024-W05-3T10:00", "2024-031T10:00", "2024T10",
            "2024-01-31T10:00:00,5", "2024-00-10T10:00", "2024-01-31T24:00", "10:00:00",
        ]
    ),
)  # fmt: skip
BOOLEANS = st.sampled_from(["true", "false", "True", "FALSE", "tRuE", "tr,ue", ",", "t", "yes", " true "])
NULLS = st.sampled_from(["", "", "null", "NULL", " Null ", " ", "\u3000", "\xa0null", "nul", "None"])
TEXT = st.text(alphabet=st.sampled_from(list('ab e-:T.0159,;|"\t\n\r \u00e9\u3000')), max_size=8)
CELLS = {"number": NUMBERS, "date": DATES, "datetime": DATETIMES, "boolean": BOOLEANS, "text": TEXT}


@st.composite
def columns_of_cells(draw: Any) -> list[list[str]]:
    """A few columns, each mostly of one kind, with nulls and (sometimes) other cells."""
    width = draw(st.integers(1, 4))
    rows = draw(st.integers(0, 12))
    columns = []
    for _ in range(width):
        kind = draw(st.sampled_from(list(CELLS)))
        main = CELLS[kind]
        other = draw(st.sampled_from([NULLS, NUMBERS, DATES, DATETIMES, BOOLEANS, TEXT]))
        cell = st.one_of(main, main, main, NULLS, other) if draw(st.booleans()) else st.one_of(main, NULLS)
        columns.append(draw(st.lists(cell, min_size=rows, max_size=rows)))
    return columns


@st.composite
def seed_files(draw: Any) -> tuple[bytes, str]:
    columns = draw(columns_of_cells())
    delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    header = [draw(st.sampled_from(["a", "b", "", "a b", "x,y", 'q"'])) + str(i) for i in range(len(columns))]
    records = [list(row) for row in zip(*columns)] if columns and columns[0] else []
    out = io.StringIO(newline="")
    how = draw(st.sampled_from(["csv", "csv", "csv", "crlf", "raw"]))
    if how == "raw":  # no quoting at all: quotes and delimiters inside values break the fields
        out.write(delimiter.join(header) + "\n")
        for record in records:
            out.write(delimiter.join(record) + "\n")
    else:
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if how == "crlf" else "\n")
        writer.writerow(header)
        writer.writerows(records)
    text = out.getvalue()
    edits = ["none", "none", "none", "short", "long", "trailing", "blank", "bom", "no_final_newline"]
    edit = draw(st.sampled_from(edits))
    lines = text.split("\n")
    if edit == "short" and len(lines) > 2:
        lines[1] = lines[1].rsplit(delimiter, 1)[0]
    elif edit == "long" and len(lines) > 2:
        lines[1] += delimiter + "extra"
    elif edit == "trailing" and len(lines) > 2:  # an empty field more
        lines[-2] += delimiter
    elif edit == "blank" and len(lines) > 2:
        lines.insert(1, "")
    text = "\n".join(lines)
    if edit == "bom":
        text = "\ufeff" + text
    elif edit == "no_final_newline":
        text = text.rstrip("\n")
    return text.encode("utf-8"), delimiter


def _outcome(path: Path, delimiter: str, *, in_duckdb: bool, column_types: dict[str, str] | None = None) -> Any:
    try:
        return seed_types._typed_columns_of(path, delimiter, column_types, None, in_duckdb=in_duckdb)
    except ProjectError as exc:
        return ("error", type(exc).__name__, str(exc))


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Samples of 3 rows and 2 residuals first: the paths past each limit on small files."""
    monkeypatch.setattr(seed_inference_sql, "_SAMPLE_ROWS", 3)
    monkeypatch.setattr(seed_inference_sql, "_FIRST_RESIDUALS", 2)


@settings(
    max_examples=int(os.environ.get("DAGWRIGHT_FUZZ_EXAMPLES", "100")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed_files())
@example((b"a,b\n1,x\n2,1e999999999\n", ","))
@example((b"a\nabc\n1e999999999\n", ","))
@example((b"a\n1e999999999\nabc\n", ","))
@example((b'a,b\n"x" ,y\n', ","))
@example((b"a,b\n0,true\n0,,\n", ","))
@example((b"a\n1\n2.5\n3\n4\n", ","))
@example((b"a\n1\n2\n3\n$5\n1.5e1\n+7\n", ","))
@example((b"a\n1\n2\n3\n4\n1.00000000000000000000000000001\n", ","))
@example((b"a\n1\n2\n3\n4\n5\n12345678901234567890123456789\n", ","))
def test_duckdb_inference_matches_python(
    tmp_path_factory: pytest.TempPathFactory, small_limits: None, seed: Any
) -> None:
    data, delimiter = seed
    path = tmp_path_factory.mktemp("seed") / "s.csv"
    path.write_bytes(data)
    assert _outcome(path, delimiter, in_duckdb=True) == _outcome(path, delimiter, in_duckdb=False)


def test_column_types_skip_the_inference(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("a,b,c\n1,1e999999999,2024-01-31\n2,x,2024-02-01\n", encoding="utf-8")
    # b's overflow raises only when b is typed: column_types spares it, as in dbt
    with pytest.raises(ProjectError, match="out of range"):
        _typed = seed_types._typed_columns_of(path, ",", None, None)
    columns = seed_types._typed_columns_of(path, ",", {"b": "varchar"}, None)[0]
    assert [(c.name, c.sql_type, c.overridden) for c in columns] == [
        ("a", "INTEGER", False),
        ("b", "varchar", True),
        ("c", "DATE", False),
    ]


def _read(path: Path, text: str) -> Any:
    path.write_bytes(text.encode("utf-8"))
    cursor = seed_types._scratch_cursor()
    try:
        return column_types(cursor, path, ",", lambda header: range(len(header)))
    finally:
        cursor.close()


def test_ordinary_files_are_read_by_duckdb(tmp_path: Path) -> None:
    read = _read(
        tmp_path / "s.csv",
        '\ufeffid,"na,me",day\r\n1,"say ""hi""",2024-01-31\r\n2,"a\r\nb",\r\n3,,2024-02-01\r\n',
    )
    assert read is not None
    assert (read.header, read.record_count) == (["id", "na,me", "day"], 3)
    assert read.types == {0: "INTEGER", 1: "VARCHAR", 2: "DATE"}


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n"x" ,y\n',  # DuckDB drops the space after a closing quote
        'a,b\n"ab"cd,e\n',  # Python reads abcd
        'a,b\nx"y,z\n',  # a literal quote
        "a,b\n1,2\n\n3,4\n",  # a blank line: a record to agate
        "a,b\n1,2\r3,4\n",  # a lone carriage return
        "a,b\r\n1,2\n",  # both line endings
        "a,b\n1\n",  # a short record: padded by agate
        "a,b\n1,2,3\n",  # a long one: dagwright's own error
        "a,b\n1,2\n3,,\n",  # DuckDB reads this one as if it were not
        "",  # no header
    ],
)
def test_files_left_to_python(tmp_path: Path, text: str) -> None:
    assert _read(tmp_path / "s.csv", text) is None
