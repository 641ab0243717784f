"""dbt's seed type inference (``seed_inference``) run by DuckDB over the whole file.

Reading every value in Python (the ``csv`` module, then agate's rules) is what a large seed
spends most of its time on. Here DuckDB reads the file as text, one VARCHAR per column, in
parallel, and each column is classified with vectorized checks: the values spelled the usual
way (``-12.50``, ``2024-01-31``, ``2024-01-31 10:00:00``, ``true``), which surely pass a type,
are counted in SQL. A column's first rows rule out (by agate's own checks) the types it cannot
be; one scan of the file then counts, for each column, the non-null values outside the usual
spellings of the first type left: none, and the column is that type. Otherwise the file
becomes a scratch table and the others of the column, the "residuals", are fetched (a few
first, all only when those all pass) and checked one by one by ``seed_inference``'s own
rules, which stay the reference, then the next type. A column is a type when all its non-null
values pass, in agate's order; the first number that overflows before the column's first
non-number, in file order, raises as there.

DuckDB's reader is used only where it splits the file into exactly the fields agate's reader
(Python's ``csv``) gives: valid UTF-8, every ``"`` inside a quoted field that starts and ends
at a field's edges, one kind of line ending, no blank line, every record as wide as the
header (DuckDB's strict mode refuses the file otherwise). Elsewhere :func:`column_types`
returns None and the caller reads the file in Python.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagwright.materialize.seed_export import AGATE_NULL_PATTERN
from dagwright.materialize.seed_inference import (
    DOUBLE,
    INTEGER,
    VARCHAR,
    SeedNumberOverflow,
    agate_number_digits,
    is_agate_null,
    is_boolean,
    is_iso_datetime,
    is_strptime_date,
    is_strptime_datetime,
    number_column_type,
)

__all__ = ["ColumnTypes", "SeedNumberOverflow", "column_types"]

#: residuals fetched first; when they all pass a type, the rest are fetched too
_FIRST_RESIDUALS = 64
_BOM = b"\xef\xbb\xbf"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_NULL = f"(@v = '' or regexp_full_match(@v, {_sql_string(AGATE_NULL_PATTERN)}))"
#: (``@v`` stands for the column) the values agate's Number reads as written, their
#: precision counted from the text (at most 25 characters: within 28 digits, no rounding)
_PLAIN_NUMBER = "(length(@v) <= 25 and regexp_full_match(@v, '-?[0-9]+(\\.[0-9]+)?'))"
_PLAIN_WHOLE = "length(ltrim(split_part(ltrim(@v, '-'), '.', 1), '0'))"
_PLAIN_DECIMALS = "length(rtrim(split_part(@v, '.', 2), '0'))"
_YMD = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_HMS = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_VALID_DAY = "(try_cast(left(@v, 10) as date) is not null and left(@v, 4) <> '0000')"
#: per agate check, the values that surely pass it (each still a subset of the check)
_SURELY: dict[Callable[[str], bool], str] = {
    is_strptime_date: f"(regexp_full_match(@v, '{_YMD}') and {_VALID_DAY})",
    is_strptime_datetime: f"(regexp_full_match(@v, '{_YMD} {_HMS}') and {_VALID_DAY})",
    is_iso_datetime: f"(regexp_full_match(@v, '{_YMD}T{_HMS}') and {_VALID_DAY})",
    is_boolean: "(lower(@v) in ('true', 'false'))",
}


@dataclass(frozen=True)
class ColumnTypes:
    """A seed file read by DuckDB: its header as agate reads it, its record count, and the
    inferred type of each column asked for (by position)."""

    header: list[str]
    record_count: int
    types: dict[int, str]


def column_types(
    cursor: Any, path: Path, delimiter: str, wanted: Callable[[list[str]], Sequence[int]]
) -> ColumnTypes | None:
    """dbt's types of the columns ``wanted(header)`` names, computed by DuckDB (``cursor``:
    a scratch connection), or None when the file is not one DuckDB reads as agate does
    (then ``wanted`` is not called)."""
    import duckdb

    if len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n\x00':
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    delimiters = _delimiters_outside_quotes(data, delimiter.encode())
    if delimiters is None:
        return None
    header = _header(data, delimiter)
    del data
    if not header:
        return None
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    source = (
        f"read_csv({_sql_string(str(path.resolve()))}, header = true, auto_detect = false, columns = {columns}, "
        f"delim = {_sql_string(delimiter)}, quote = '\"', escape = '\"', strict_mode = true, null_padding = false)"
    )
    values = ", ".join(f"coalesce(c{i}, '') as c{i}" for i in range(len(header)))
    try:
        sample = cursor.execute(f"select {values} from {source} limit {_SAMPLE_ROWS}").fetchall()
        first = list(zip(*sample)) or [() for _ in header]
        guesses = [_guess(column) for column in first]
        # one scan: the records, and each guessed type's values outside its sure spellings
        checks = ["count(*)"]
        for index, guess in enumerate(guesses):
            checks += [sql.replace("@v", f"c{index}") for sql in _verification(guess)]
        counts = cursor.execute(f"select {', '.join(checks)} from (select {values} from {source})").fetchone()
    except duckdb.Error:
        return None
    record_count = int(counts[0])
    # DuckDB refuses a record narrower than the header, but reads one wider by an empty last
    # field as if it were not: each record as wide as the header, or Python's way
    if delimiters != (len(header) - 1) * (record_count + 1):
        return None
    # asked only now, when the file is DuckDB's to read (``wanted`` may raise)
    indexes = sorted(set(wanted(header)))
    types: dict[int, str] = {}
    position = 1
    for index, guess in enumerate(guesses):
        found = counts[position : position + len(_verification(guess))]
        position += len(found)
        if guess == VARCHAR:
            types[index] = VARCHAR
        elif guess == _NUMBER and found[0] == 0:
            types[index] = DOUBLE if found[1] else INTEGER
        elif guess is not None and guess != _NUMBER and found[0] == 0:
            types[index] = _CHECK_TYPES[guess]
    undecided = [i for i in indexes if i not in types]
    if undecided:  # values the SQL checks cannot settle: the file as a table, column by column
        try:
            cursor.execute(f"create or replace temp table seed_text as select {values} from {source}")
            columns_of = _Columns(cursor)
            types.update({i: columns_of.column_type(i, first[i]) for i in undecided})
        finally:
            cursor.execute("drop table if exists seed_text")
    return ColumnTypes(header, record_count, {i: types[i] for i in indexes})


_NUMBER = -1


def _guess(first: Sequence[str]) -> int | str | None:
    """The first of agate's types a column's first values do not rule out: ``_NUMBER``, the
    index of a check in ``_SURELY``, or VARCHAR; None when agate would stop on an overflowing
    number there (settled column by column, if the column is typed at all)."""
    values = [v for v in first if not is_agate_null(v)]
    try:
        if _sample_numbers(values):
            return _NUMBER
    except SeedNumberOverflow:
        return None
    distinct = set(values)
    for position, check in enumerate(_SURELY):
        if all(map(check, distinct)):
            return position
    return VARCHAR


def _verification(guess: int | str | None) -> list[str]:
    """The counts (over ``@v``) that settle a guess: the non-null values outside its sure
    spellings (and for a number, those with a non-zero decimal). As ``case`` expressions: each
    test runs only on the values the ones before it left."""
    if guess is None or guess == VARCHAR:
        return []
    surely = _PLAIN_NUMBER if guess == _NUMBER else list(_SURELY.values())[int(guess)]
    counts = [f"coalesce(sum(case when {surely} then 0 when {_NULL} then 0 else 1 end), 0)"]
    if guess == _NUMBER:
        # (read only when every non-null value is plain: a value with a "." then is one)
        fraction = "contains(@v, '.') and not ends_with(rtrim(@v, '0'), '.')"
        counts.append(f"coalesce(sum(case when {fraction} then 1 else 0 end), 0)")
    return counts


def _delimiters_outside_quotes(data: bytes, delimiter: bytes) -> int | None:
    """How many delimiters separate fields in the file (none inside a quoted field), or
    None when DuckDB's strict reader may not give the fields Python's ``csv`` gives: see
    the module's docstring."""
    start = len(_BOM) if data.startswith(_BOM) else 0
    if b"\x00" in data or data.startswith((b"\n", b"\r"), start):
        return None
    returns = data.count(b"\r")
    if returns and not returns == data.count(b"\r\n") == data.count(b"\n"):
        return None  # a lone \\r, or both line endings
    if b"\n\n" in data or b"\n\r\n" in data:
        return None  # a blank line: a record of blanks to agate, none to DuckDB
    quotes = data.count(b'"')
    if not quotes:
        return data.count(delimiter)
    # the quoted fields that start and end at a field's edges: a quote outside them is a
    # literal one to Python (or a field DuckDB may read otherwise)
    edge = re.escape(delimiter)
    quoted = re.compile(rb'"(?<=[' + edge + rb'\n\r]")[^"]*(?:""[^"]*)*"(?=[' + edge + rb"\n\r]|\Z)")
    if data.startswith(b'"', start):  # the file's first field: an edge before it
        data = b"\n" + data[start:]
    fields = b"".join(quoted.findall(data))
    if fields.count(b'"') != quotes:
        return None
    return data.count(delimiter) - fields.count(delimiter)


def _header(data: bytes, delimiter: str) -> list[str] | None:
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        return next(csv.reader(text, delimiter=delimiter), None)
    except (UnicodeDecodeError, csv.Error):
        return None


class _Columns:
    """The inference over the scratch table ``seed_text`` (columns ``c<i>``, blanks as ''):
    the first rows rule out, by agate's own checks, the types a column cannot be; the first
    type left is then verified over the whole column (the values surely of that type counted
    in SQL, the rest checked one by one), and the next one when it fails."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def column_type(self, index: int, first: Sequence[str]) -> str:
        """agate's type of the column, its first values given in file order."""
        first_values = [v for v in first if not is_agate_null(v)]
        if _sample_numbers(first_values):
            number = self.number_type(index)
            if number is not None:
                return number
        distinct = set(first_values)
        for (check, surely), sql_type in zip(_SURELY.items(), _CHECK_TYPES):
            if all(map(check, distinct)) and self.all_pass(index, check, surely):
                return sql_type
        return VARCHAR

    def exists(self, index: int, where: str) -> bool:
        sql = f"select 1 from seed_text where {where.replace('@v', f'c{index}')} limit 1"
        return self.cursor.execute(sql).fetchone() is not None

    def residuals(self, index: int, surely: str, limit: int | None, *, distinct: bool) -> list[str]:
        """The column's non-null values outside ``surely``, in file order (or distinct)."""
        column = f"c{index}"
        where = f"not {surely} and not {_NULL}".replace("@v", column)
        if distinct:
            sql = f"select distinct {column} from seed_text where {where}"
        else:
            sql = f"select {column} from seed_text where {where} order by rowid"
        if limit is not None:
            sql += f" limit {limit}"
        return [row[0] for row in self.cursor.execute(sql).fetchall()]

    def number_type(self, index: int) -> str | None:
        """agate's Number for the column: INTEGER or DOUBLE, or None when some value is not
        a number. The residuals are read in file order, as agate meets them (an overflow
        before the first non-number raises)."""
        values = self.residuals(index, _PLAIN_NUMBER, _FIRST_RESIDUALS, distinct=False)
        if not values:
            # plain numbers only, at most 25 characters: no rounding in 28 digits
            fraction = f"contains(@v, '.') and {_NONZERO_FRACTION} and {_PLAIN_NUMBER}"
            return DOUBLE if self.exists(index, fraction) else INTEGER
        if len(values) == _FIRST_RESIDUALS and all(agate_number_digits(v) is not None for v in values):
            values = self.residuals(index, _PLAIN_NUMBER, None, distinct=False)
        max_whole, max_decimals = 1, 0
        for value in values:
            digits = agate_number_digits(value)  # raises where agate overflows
            if digits is None:
                return None
            max_whole, max_decimals = max(max_whole, digits[0]), max(max_decimals, digits[1])
        sql = f"select max({_PLAIN_WHOLE}), max({_PLAIN_DECIMALS}) from seed_text where {_PLAIN_NUMBER}"
        whole, decimals = self.cursor.execute(sql.replace("@v", f"c{index}")).fetchone()
        return number_column_type(max(max_whole, whole or 0), max(max_decimals, decimals or 0))

    def all_pass(self, index: int, check: Callable[[str], bool], surely: str) -> bool:
        values = self.residuals(index, surely, _FIRST_RESIDUALS, distinct=True)
        if not all(map(check, values)):
            return False
        if len(values) == _FIRST_RESIDUALS:
            return all(map(check, self.residuals(index, surely, None, distinct=True)))
        return True


def _sample_numbers(values: Sequence[str]) -> bool:
    """Whether agate's Number is still possible after these first non-null values of a
    column (in file order): raises where agate overflows before a non-number."""
    return all(agate_number_digits(v) is not None for v in values)


_SAMPLE_ROWS = 1000
_NONZERO_FRACTION = "regexp_matches(@v, '\\.[0-9]*[1-9]')"
_CHECK_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP", "BOOLEAN")
