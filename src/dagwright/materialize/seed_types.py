"""Read a seed CSV the way dbt-core + dbt-duckdb load it.

dbt-duckdb builds a seed in two steps, and each has its own rules:

1. **Column types** come from dbt-core: it reads the file with agate (Python's ``csv``
   module, standard ``"`` quoting) and agate's type tester, configured by dbt, tries per
   column, in this order: Number, Date (``%Y-%m-%d``), DateTime (``%Y-%m-%d %H:%M:%S``),
   ISO-8601 datetime (with a ``T``), Boolean (``true``/``false``), else Text. A type wins
   when *every* value of the column passes; ``""`` and ``"null"`` (any case, surrounding
   whitespace ignored) pass every type. A Number column is ``integer`` unless some finite
   value has a non-zero fractional digit, then ``float8``. DuckDB calls these INTEGER,
   DOUBLE, DATE, TIMESTAMP, BOOLEAN and VARCHAR. A ``column_types`` entry whose key equals
   a column name *exactly* (case-sensitive) replaces the inferred type.

2. **Values** come from DuckDB: dbt-duckdb's default ("fast") seed path creates the table
   with those types and runs ``COPY t FROM 'file.csv' (FORMAT CSV, HEADER TRUE,
   DELIMITER ...)``. DuckDB's CSV sniffer picks the quote/escape characters (``'`` quoting
   included) and date/timestamp formats from the data, and each field is converted by
   DuckDB's string cast: ``007`` -> 7, ``1e3`` -> 1000, ``2024-01-31T10:00:00+02:00`` ->
   10:00 (the offset is dropped), empty fields -> NULL; ``null``, blanks, ``1,000``, ``$5``
   or integers beyond 32 bits in a typed column fail the seed.

:func:`read_seed` does step 1 in Python and step 2 with the very same ``COPY`` into a
scratch in-memory DuckDB table, so values (and failures) are exactly dbt-duckdb's. The
result holds plain Python values, ready to be bound as statement parameters.
"""

from __future__ import annotations

import csv
import datetime as _dt
import decimal
import io
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from dagwright.errors import ProjectError

__all__ = [
    "BOOLEAN",
    "DATE",
    "DBT_DECLARED_TYPES",
    "DOUBLE",
    "INTEGER",
    "TIMESTAMP",
    "VARCHAR",
    "SeedColumn",
    "SeedNumberOverflow",
    "SeedTable",
    "SeedValueError",
    "infer_type",
    "read_seed",
]

INTEGER = "INTEGER"
DOUBLE = "DOUBLE"
DATE = "DATE"
TIMESTAMP = "TIMESTAMP"
BOOLEAN = "BOOLEAN"
VARCHAR = "VARCHAR"

#: the type text dbt-duckdb writes into its ``create table`` for each inferred type
#: (what appears in dbt's compiled seed SQL); DuckDB reports them as the keys.
DBT_DECLARED_TYPES: Mapping[str, str] = {
    INTEGER: "integer",
    DOUBLE: "float8",
    DATE: "date",
    TIMESTAMP: "timestamp without time zone",
    BOOLEAN: "boolean",
    VARCHAR: "text",
}


class SeedValueError(ProjectError):
    """The seed file cannot be loaded into its table: dbt-duckdb's ``COPY`` fails (a value
    that does not convert to its column's type, rows DuckDB cannot split). dbt reports
    this as a runtime error of the seed."""


class SeedNumberOverflow(ValueError):
    """A number beyond the decimal exponent range (like ``1e999999999``): dbt-core crashes
    while typing such a column."""


@dataclass(frozen=True)
class SeedColumn:
    name: str
    #: DuckDB type text as dbt-duckdb would create it ("INTEGER", "DOUBLE", "VARCHAR",
    #: "DATE", "TIMESTAMP", "BOOLEAN"), or the ``column_types`` text verbatim, or the
    #: existing table's column type (``read_seed(into=...)``)
    sql_type: str
    #: the type came from ``column_types`` or the existing table; still CAST values to
    #: ``sql_type`` in SQL: for
    #: a type whose values do not survive the trip through Python (lists, structs,
    #: intervals, ...) they are the field text
    overridden: bool


@dataclass(frozen=True)
class SeedTable:
    columns: tuple[SeedColumn, ...]
    #: one tuple per loaded row, values of the column's Python type: int, float, bool,
    #: str, datetime.date, datetime.datetime (naive) or None for inferred columns (what
    #: DuckDB returns for overridden ones, e.g. Decimal)
    rows: list[tuple[object | None, ...]]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def row_count(self) -> int:
        return len(self.rows)


# --------------------------------------------------------------------------- reading


def read_seed(
    path: Path,
    *,
    delimiter: str = ",",
    column_types: Mapping[str, str] | None = None,
    into: Sequence[tuple[str, str]] | None = None,
) -> SeedTable:
    """Read, type and load a seed CSV as dbt-core + dbt-duckdb would.

    ``into`` is for a seed whose table already exists (a re-run without --full-refresh):
    its ``(name, type)`` columns. dbt-duckdb then truncates that table and ``COPY``s the
    file into it by position, so the table keeps its columns and the values are converted
    to its types; the header's names and the inferred types do not matter (the file is
    still read and typed first, as dbt does, and fails where dbt fails).

    Raises :class:`ProjectError` when dbt cannot read the file (undecodable bytes, no
    header, a record with more fields than the header, a bad delimiter) and
    :class:`SeedValueError` when dbt-duckdb's ``COPY`` of it fails.
    """
    path = Path(path)
    header, records, short_line = _read_csv(path, delimiter)
    names = _column_names(header)
    for name in names if into is None else ():
        if '"' in name:
            raise ProjectError(
                f"seed column name {name!r} contains a double quote, which dbt-duckdb cannot create",
                path=path,
                line=1,
            )
    overrides = {str(k): str(v) for k, v in (column_types or {}).items()}

    ncols = len(names)
    # agate fills a short record with nulls; "" is null to every type test
    if not all(len(record) == ncols for record in records):
        records = [r if len(r) == ncols else r + [""] * (ncols - len(r)) for r in records]
    by_column: list[Sequence[str]] = list(zip(*records)) if records else [()] * ncols

    try:
        columns = tuple(
            SeedColumn(name, overrides[name], True)
            if name in overrides
            else SeedColumn(name, infer_type(values), False)
            for name, values in zip(names, by_column)
        )
    except SeedNumberOverflow as exc:
        raise ProjectError(f"number out of range: {exc.args[0]!r} (dbt-core crashes on it)", path=path)
    if into is not None:
        columns = tuple(SeedColumn(name, sql_type, True) for name, sql_type in into)
    if not records:
        # dbt loads nothing (no COPY) when the file has no rows
        return SeedTable(columns=columns, rows=[])
    try:
        rows = _copy_rows(path, delimiter, columns)
    except SeedValueError as exc:
        if short_line is None or exc.line is not None:
            raise
        raise SeedValueError(
            f"row has fewer values than the header's {ncols} columns", path=path, line=short_line
        ) from exc
    return SeedTable(columns=columns, rows=rows)


def _read_csv(path: Path, delimiter: str) -> tuple[list[str], list[list[str]], int | None]:
    """The header and records as agate sees them, and the line of the first record with
    fewer fields than the header (agate pads it; DuckDB's COPY usually refuses the file).
    Raises where agate (or dbt) fails."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProjectError(f"cannot read seed file: {exc.strerror or exc}", path=path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectError(
            f"seed file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            path=path,
            line=data.count(b"\n", 0, exc.start) + 1,
        )
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"invalid seed delimiter {delimiter!r}: {exc}", path=path)
    try:
        header = next(reader, None)
        if not header:
            raise ProjectError("seed file has no header row", path=path, line=1)
        records = list(reader)
    except csv.Error as exc:
        raise ProjectError(f"malformed CSV: {exc}", path=path, line=reader.line_num)

    ncols = len(header)
    short_line = None
    if not all(len(record) == ncols for record in records):
        long_line = _first_line(text, delimiter, lambda width: width > ncols)
        if long_line is not None:
            width, line = long_line
            raise ProjectError(f"row has {width} values but the header has {ncols} columns", path=path, line=line)
        found = _first_line(text, delimiter, lambda width: 0 < width < ncols)
        short_line = found[1] if found else None
    return header, records, short_line


def _first_line(text: str, delimiter: str, wanted: Callable[[int], bool]) -> tuple[int, int] | None:
    """(field count, starting line) of the first data record whose field count is wanted."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader)
    last = reader.line_num
    for record in reader:
        if wanted(len(record)):
            return len(record), last + 1
        last = reader.line_num
    return None


def _column_names(header: Sequence[str]) -> list[str]:
    """agate's naming: an empty name becomes the column's letter ("a", "b", ..., "aa"),
    and a repeated name gets "_2", "_3", ... until it is unique."""
    names: list[str] = []
    taken: set[str] = set()
    for index, raw in enumerate(header):
        base = raw or _letter_name(index)
        name = base
        suffix = 2
        while name in taken:
            name = f"{base}_{suffix}"
            suffix += 1
        names.append(name)
        taken.add(name)
    return names


def _letter_name(index: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[index % 26] * (index // 26 + 1)


# --------------------------------------------------------------------------- loading

_scratch_lock = threading.Lock()
_scratch_db: Any = None
_LINE_IN_ERROR = re.compile(r"CSV Error on Line: (\d+)")


def _scratch_cursor() -> Any:
    """A new connection to a process-wide in-memory DuckDB (temp tables are private to it)."""
    global _scratch_db
    import duckdb

    with _scratch_lock:
        if _scratch_db is None:
            _scratch_db = duckdb.connect(":memory:")
        return _scratch_db.cursor()


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_rows(path: Path, delimiter: str, columns: Sequence[SeedColumn]) -> list[tuple[Any, ...]]:
    """The rows dbt-duckdb's ``COPY`` stores in a table of these column types. A column
    typed by ``column_types`` with a type whose values do not survive a trip through
    Python holds the field text instead (still checked by the same ``COPY``)."""
    import duckdb

    source = f"{_sql_string(str(path.resolve()))} (format csv, header true, delimiter {_sql_string(delimiter)})"
    cursor = _scratch_cursor()
    try:
        typed = ", ".join(f"c{i} {c.sql_type}" for i, c in enumerate(columns))
        try:
            cursor.execute(f"create temp table seed ({typed})")
        except duckdb.Error as exc:
            overrides = {c.name: c.sql_type for c in columns if c.overridden}
            raise SeedValueError(
                f"cannot create the seed table: {str(exc).splitlines()[0]}",
                path=path,
                hint=f"check the types in column_types: {overrides}" if overrides else None,
            )
        try:
            cursor.execute(f"copy seed from {source}")
        except duckdb.Error as exc:
            raise _copy_error(exc, path, columns)
        described = [row[1] for row in cursor.execute("describe seed").fetchall()]
        as_text = [c.overridden and not _round_trips(t) for c, t in zip(columns, described)]
        if not any(as_text):
            return cursor.execute("select * from seed").fetchall()
        # the same file again as text, row for row, for the columns whose values would not
        # survive the trip through Python (lists, structs, intervals, ...)
        text = ", ".join(f"c{i} VARCHAR" for i in range(len(columns)))
        cursor.execute(f"create temp table seed_text ({text})")
        cursor.execute(f"copy seed_text from {source}")
        picked = ", ".join(f"{'seed_text' if t else 'seed'}.c{i}" for i, t in enumerate(as_text))
        return cursor.execute(f"select {picked} from seed positional join seed_text").fetchall()
    finally:
        cursor.close()


_ROUND_TRIP_TYPES = frozenset(
    (
        "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
        "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "VARCHAR", "DATE",
        "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP WITH TIME ZONE", "TIME",
        "BLOB", "UUID", "JSON",
    )
)  # fmt: skip


def _round_trips(duckdb_type: str) -> bool:
    """Whether a value of this DuckDB type, fetched into Python and bound back as a
    parameter (then CAST to the type), is unchanged."""
    return duckdb_type in _ROUND_TRIP_TYPES or duckdb_type.startswith(("DECIMAL(", "ENUM("))


def _copy_error(exc: Exception, path: Path, columns: Sequence[SeedColumn]) -> SeedValueError:
    text = str(exc)
    first = text.splitlines()[0] if text else type(exc).__name__
    match = _LINE_IN_ERROR.search(text)
    converting = re.search(r'Error when converting column "c(\d+)"\. (.*)', text)
    if converting is not None:
        column = columns[int(converting.group(1))]
        message = f'{converting.group(2)} (column "{column.name}", type {column.sql_type})'
        hint = (
            f"dbt infers {column.sql_type} for this column from its values; set column_types "
            f"for {column.name!r} in the seed's config to load it as another type"
        )
        if column.overridden:
            hint = None
    else:
        message, hint = f"DuckDB cannot load this seed file: {first}", None
    return SeedValueError(message, path=path, line=int(match.group(1)) if match else None, hint=hint)


# --------------------------------------------------------------------------- inference
# dbt-core's type tester (agate, with dbt's settings), restated. Each check takes one raw
# value, as agate does: stripped of surrounding whitespace, "" and "null" are no value.


def _is_null(value: str) -> bool:
    stripped = value.strip()
    return stripped == "" or stripped.lower() == "null"


#: decimal arithmetic as agate does it (the default context: 28 digits)
_CONTEXT = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
_PLUS = Decimal(1)
_MINUS = Decimal(-1)
#: stripped from both ends of a number, one after the other, in this order
_CURRENCY_SYMBOLS = (
    "\u060b", "$", "\u0192", "\u17db", "\u00a5", "\u20a1", "\u20b1", "\u00a3", "\u20ac",
    "\u00a2", "\ufdfc", "\u20aa", "\u20a9", "\u20ad", "\u20ae", "\u20a6", "\u0e3f", "\u20a4",
    "\u20ab",
)  # fmt: skip
_PLAIN_NUMBER = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")


def _agate_number(value: str) -> Decimal | None:
    """The number agate reads from ``value`` (already known not to be null), or None."""
    text = value.strip().strip("%")
    negative = text[:1] == "-"
    if negative:
        text = text[1:]
    for symbol in _CURRENCY_SYMBOLS:
        text = text.strip(symbol)
    text = text.replace(",", "")
    try:
        return _CONTEXT.multiply(Decimal(text), _MINUS if negative else _PLUS)
    except decimal.Overflow:
        # agate lets this escape: dbt stops with a traceback
        raise SeedNumberOverflow(value) from None
    except (ArithmeticError, ValueError):
        return None


def _number_type(values: Sequence[str], joined: str | None = None, ordered: Sequence[str] | None = None) -> str | None:
    """INTEGER or DOUBLE when every value is a number to agate, else None.

    dbt picks float8 when agate's MaxPrecision of the column is non-zero: the most
    decimal places of any finite value once trailing zeros are dropped (1.0 counts as 0),
    reduced when whole + decimal places exceed the 28-digit context.
    """
    if joined is not None:
        longest = max(map(len, values))
        if longest <= 28 and _PLAIN_INTEGER_LINES.fullmatch(joined):
            return INTEGER
        if longest <= 14 and _PLAIN_DECIMAL_LINES.fullmatch(joined):
            # at most 14 characters: whole + decimal places stay within 28 digits
            return DOUBLE if _NONZERO_FRACTION.search(joined) else INTEGER
    try:
        result = _number_precision_type(values)
    except SeedNumberOverflow:
        result = None
    if result is None and any("e" in v or "E" in v for v in values):
        _check_overflow(ordered if ordered is not None else values, in_file_order=ordered is not None)
    return result


def _check_overflow(values: Iterable[str], *, in_file_order: bool) -> None:
    """Raise :class:`SeedNumberOverflow` where agate would crash: it tests values in file
    order and stops trying Number at the first value that is not one, so only an
    overflowing exponent before that counts (without the order, any one counts)."""
    for value in values:
        if not _is_null(value) and _agate_number(value) is None and in_file_order:
            return


def _number_precision_type(values: Iterable[str]) -> str | None:
    max_whole = 1
    max_decimals = 0
    for value in values:
        match = _PLAIN_NUMBER.fullmatch(value)
        if match is not None and len(value) <= 25:
            whole = len(match.group(1).lstrip("0"))
            fraction = match.group(2)
            decimals = len(fraction.rstrip("0")) if fraction else 0
        else:
            if _is_null(value):
                continue
            number = _agate_number(value)
            if number is None:
                return None
            if not number.is_finite():
                continue
            _sign, digits, exponent = number.normalize(_CONTEXT).as_tuple()
            decimals = -int(exponent)
            whole = len(digits) - decimals
        if whole > max_whole:
            max_whole = whole
        if decimals > max_decimals:
            max_decimals = decimals
    if max_whole + max_decimals > _CONTEXT.prec:
        max_decimals = _CONTEXT.prec - max_whole
    return DOUBLE if max_decimals else INTEGER


# strptime("%Y-%m-%d") and strptime("%Y-%m-%d %H:%M:%S") as regular expressions (\d is
# any Unicode digit there, as in strptime), followed by a calendar check
_Y = r"(\d\d\d\d)"
_M = r"(1[0-2]|0[1-9]|[1-9])"
_D = r"(3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])"
_STRPTIME_DATE = re.compile(f"{_Y}-{_M}-{_D}")
_STRPTIME_DATETIME = re.compile(f"{_Y}-{_M}-{_D}" + r"\s+(2[0-3]|[0-1]\d|\d):([0-5]\d|\d):(6[0-1]|[0-5]\d|\d)")


def _is_strptime_date(value: str) -> bool:
    if _is_null(value):
        return True
    match = _STRPTIME_DATE.fullmatch(value.strip())
    if match is None:
        return False
    try:
        _dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return True


def _is_strptime_datetime(value: str) -> bool:
    if _is_null(value):
        return True
    match = _STRPTIME_DATETIME.fullmatch(value.strip())
    if match is None:
        return False
    try:
        _dt.datetime(*(int(g) for g in match.groups()))
    except ValueError:
        return False
    return True


# ISO 8601 as the isodate library reads it: "<date>T<time>", 4-digit years, many forms
_ISO_DATE_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (r"([0-9]{4})-([0-9]{2})-([0-9]{2})", "ymd"),
        (r"([0-9]{4})([0-9]{2})([0-9]{2})", "ymd"),
        (r"([0-9]{4})-W([0-9]{2})-([0-9])", "ywd"),
        (r"([0-9]{4})W([0-9]{2})([0-9])", "ywd"),
        (r"([0-9]{4})-([0-9]{3})", "yo"),
        (r"([0-9]{4})([0-9]{3})", "yo"),
        (r"([0-9]{4})-W([0-9]{2})", "yw"),
        (r"([0-9]{4})W([0-9]{2})", "yw"),
        (r"([0-9]{4})-([0-9]{2})", "ym"),
        (r"([0-9]{4})([0-9]{2})", "ym"),
        (r"([0-9]{4})", "y"),
        (r"([0-9]{2})", "c"),
    )
)
_ISO_ZONE = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
_ISO_FRACTION = r"(?:[,.][0-9]+)?"
_ISO_TIME_FORMS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern + _ISO_ZONE)
    for pattern in (
        rf"([0-9]{{2}}):([0-9]{{2}}):([0-9]{{2}}{_ISO_FRACTION})",
        rf"([0-9]{{2}})([0-9]{{2}})([0-9]{{2}}{_ISO_FRACTION})",
        rf"([0-9]{{2}}):([0-9]{{2}}{_ISO_FRACTION})",
        rf"([0-9]{{2}})([0-9]{{2}}{_ISO_FRACTION})",
        rf"([0-9]{{2}}{_ISO_FRACTION})",
    )
)


def _iso_date_ok(text: str) -> bool:
    for pattern, kind in _ISO_DATE_FORMS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = [int(g) for g in match.groups()]
        try:
            if kind == "c":
                _dt.date(parts[0] * 100 + 1, 1, 1)
            elif kind in ("ymd", "ym"):
                # isodate reads month 00 as January; day 00 is an error
                _dt.date(parts[0], parts[1] or 1, parts[2] if kind == "ymd" else 1)
            else:
                first = _dt.date(parts[0], 1, 1)
                if kind == "yo":
                    first + _dt.timedelta(days=parts[1] - 1)
                elif kind != "y":
                    iso_week, iso_day = first.isocalendar()[1:]
                    day = parts[2] if kind == "ywd" else 1
                    first + _dt.timedelta(weeks=parts[1] - (iso_week == 1), days=day - iso_day)
        except (ValueError, OverflowError):
            return False
        return True
    return False


def _iso_time_ok(text: str) -> bool:
    for pattern in _ISO_TIME_FORMS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        fields = match.groups()
        if int(fields[0][:2]) >= 24:
            return False
        if len(fields) > 1 and int(fields[1][:2]) >= 60:
            return False
        return not (len(fields) > 2 and int(fields[2][:2]) >= 60)
    return False


def _is_iso_datetime(value: str) -> bool:
    if _is_null(value):
        return True
    parts = value.strip().split("T")
    return len(parts) == 2 and _iso_date_ok(parts[0]) and _iso_time_ok(parts[1])


_BOOLEAN_WORDS = frozenset(("", "null", "true", "false"))


def _is_boolean(value: str) -> bool:
    return value.replace(",", "").strip().lower() in _BOOLEAN_WORDS


_TEMPORAL_CHECKS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    (DATE, _is_strptime_date),
    (TIMESTAMP, _is_strptime_datetime),
    (TIMESTAMP, _is_iso_datetime),
    (BOOLEAN, _is_boolean),
)


def infer_type(values: Iterable[str]) -> str:
    """The DuckDB type dbt-duckdb gives a seed column holding these raw CSV values.

    ``values`` are in file order, or a set of the distinct values; empty strings are
    ignored. Each candidate type is checked in dbt's order of preference and ruled out at
    its first failing value. Raises :class:`SeedNumberOverflow` where dbt-core would crash
    (always, when given a set).
    """
    ordered = None if isinstance(values, (set, frozenset)) else list(values)
    unique = set(ordered) if ordered is not None else values
    distinct = [v for v in unique if v != ""]
    joined = _join(distinct)
    number = _number_type(distinct, joined, ordered)
    if number is not None:
        return number
    if joined is not None:
        # whole-column checks for the usual spellings, before the value-by-value ones
        if _STRICT_DATE_LINES.fullmatch(joined) and _parses(_dt.date.fromisoformat, distinct):
            return DATE
        datetime_like = _STRICT_SPACE_DATETIME_LINES.fullmatch(joined) or _STRICT_T_DATETIME_LINES.fullmatch(joined)
        if datetime_like and _parses(_dt.datetime.fromisoformat, distinct):
            return TIMESTAMP
    for sql_type, accepts in _TEMPORAL_CHECKS:
        if all(map(accepts, distinct)):
            return sql_type
    return VARCHAR


def _lines_of(pattern: str) -> re.Pattern[str]:
    """A pattern for one or more newline-separated values, each matching ``pattern``."""
    return re.compile(f"(?:{pattern})(?:\n(?:{pattern}))*")


def _join(values: Sequence[str]) -> str | None:
    """The values joined by newlines, or None when one contains a newline itself."""
    if not values:
        return None
    joined = "\n".join(values)
    return joined if joined.count("\n") == len(values) - 1 else None


def _parses(parse: Callable[[str], object], values: Iterable[str]) -> bool:
    try:
        for _ in map(parse, values):
            pass
    except ValueError:
        return False
    return True


_HMS = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_STRICT_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_STRICT_DATE_LINES = _lines_of(_STRICT_DATE)
_STRICT_SPACE_DATETIME_LINES = _lines_of(f"{_STRICT_DATE} {_HMS}")
_STRICT_T_DATETIME_LINES = _lines_of(f"{_STRICT_DATE}T{_HMS}")
_PLAIN_INTEGER_LINES = _lines_of(r"-?[0-9]+")
_PLAIN_DECIMAL_LINES = _lines_of(r"-?[0-9]+(?:\.[0-9]+)?")
_NONZERO_FRACTION = re.compile(r"\.[0-9]*[1-9]")
