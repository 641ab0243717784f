"""Read a seed CSV the way dbt-core + dbt-duckdb would load it.

dbt-duckdb builds a seed in two steps, and each step has its own rules:

1. **Column types** come from dbt-core: it reads the file with agate, whose type tester
   (configured by dbt) tries, per column, in this order: Number, Date (``%Y-%m-%d``),
   DateTime (``%Y-%m-%d %H:%M:%S``), ISO-8601 datetime (with a ``T``), Boolean
   (``true``/``false``), and falls back to Text. A type wins when *every* value of the
   column passes it; ``""`` and ``"null"`` (any case, surrounding whitespace ignored) count
   as "no value" for every type. A Number column is ``integer`` unless some finite value
   has a non-zero fractional digit, then ``float8``. The adapter maps these to DuckDB's
   INTEGER, DOUBLE, DATE, TIMESTAMP, BOOLEAN and VARCHAR. ``column_types`` entries whose
   key equals a column name *exactly* (case-sensitive) replace the inferred type.

2. **Values** come from DuckDB: dbt-duckdb's default ("fast") seed path runs
   ``COPY t FROM 'file.csv' (FORMAT CSV, HEADER TRUE, DELIMITER ...)`` into the table
   created in step 1, so each field is converted by DuckDB's own string cast. Empty fields
   (quoted or not) become NULL; a literal ``null`` or a blank-but-not-empty field in a
   typed column is an error, as are values agate accepted but DuckDB cannot read
   (``1,000``, ``$5``, ``5%``, integers beyond 32 bits, ...).

:func:`read_seed` reproduces both steps in Python and returns values ready to be bound as
statement parameters. Values in a canonical form are converted in Python; any other value
is converted by DuckDB itself (``TRY_CAST``, the same parser the CSV reader uses), so odd
spellings (``1e3``, ``1_000``, ``' 5'``, ``2024-01-31T10:00:00+02:00``) come out exactly as
dbt-duckdb stores them.
"""

from __future__ import annotations

import csv
import datetime as _dt
import decimal
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

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
    "SeedTable",
    "SeedValueError",
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

_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1


class SeedValueError(ProjectError):
    """A CSV value that dbt-duckdb's COPY cannot convert to its column's type.

    dbt fails the seed in that case (a runtime error of that node, not a parse error).
    """


@dataclass(frozen=True)
class SeedColumn:
    name: str
    #: DuckDB type text as dbt-duckdb would create it ("INTEGER", "DOUBLE", "VARCHAR",
    #: "DATE", "TIMESTAMP", "BOOLEAN"), or the ``column_types`` text verbatim
    sql_type: str
    #: the type came from ``column_types``; the values are then the raw strings (or None)
    #: and must be CAST to ``sql_type`` in SQL
    overridden: bool


@dataclass(frozen=True)
class SeedTable:
    columns: tuple[SeedColumn, ...]
    #: one tuple per CSV record, values already of the column's Python type: int, float,
    #: bool, str, datetime.date, datetime.datetime (naive) or None
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
) -> SeedTable:
    """Read, type and convert a seed CSV as dbt-core + dbt-duckdb would.

    Raises :class:`ProjectError` for a file dbt cannot read (undecodable bytes, no header,
    a record with more or fewer fields than the header) and :class:`SeedValueError` for a
    value DuckDB cannot convert to its column's type.
    """
    path = Path(path)
    names, records, text = _read_records(path, delimiter)
    overrides = {str(k): str(v) for k, v in (column_types or {}).items()}
    ncols = len(names)

    # Types come from the file as agate reads it (standard quoting). The values come
    # from DuckDB's COPY, whose CSV sniffer picks the quote and escape characters; with
    # a ' or \ in the file it may pick other ones than '"', so let DuckDB split the file.
    type_columns: list[Sequence[str]] = list(zip(*records)) if records else [()] * ncols
    value_columns: list[Sequence[str | None]] = type_columns
    if records and ("'" in text or "\\" in text):
        duck_records = _duckdb_varchar_records(path, ncols, delimiter)
        value_columns = list(zip(*duck_records)) if duck_records else [()] * ncols

    columns: list[SeedColumn] = []
    converted: list[list[object | None]] = []
    failure: tuple[int, int, str, str] | None = None  # (record index, column index, value, type)

    for index, name in enumerate(names):
        values = value_columns[index]
        if name in overrides:
            columns.append(SeedColumn(name, overrides[name], True))
            converted.append([v if v != "" else None for v in values])
            continue
        distinct = set(type_columns[index])
        distinct.discard("")
        sql_type = infer_type(distinct)
        columns.append(SeedColumn(name, sql_type, False))
        if values is not type_columns[index]:
            distinct = set(values)
            distinct.discard("")
            distinct.discard(None)
        out, bad = _convert(values, distinct, sql_type)
        converted.append(out)
        if bad is not None:
            candidate = (values.index(bad), index, bad, sql_type)
            if failure is None or candidate[:2] < failure[:2]:
                failure = candidate

    if failure is not None:
        row, col, value, sql_type = failure
        lines = _record_lines(text, delimiter, path, keep_blank=ncols == 1)
        same_split = len(value_columns[0]) == len(type_columns[0])
        raise SeedValueError(
            f'could not convert string "{value}" to {sql_type} in column "{names[col]}"',
            path=path,
            line=lines[row] if same_split and row < len(lines) else None,
            hint=(
                f"dbt infers {sql_type} for this column from its other values; "
                f"set column_types for {names[col]!r} in the seed's config to load it as another type"
            ),
        )

    rows = list(zip(*converted)) if ncols else []
    return SeedTable(columns=tuple(columns), rows=rows)


def _read_records(path: Path, delimiter: str) -> tuple[list[str], list[list[str]], str]:
    """Header names (deduplicated like agate), the records, and the decoded text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProjectError(f"cannot read seed file: {exc.strerror or exc}", path=path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProjectError(
            f"seed file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            path=path,
            line=line,
        )
    reader = _csv_reader(text, delimiter, path)
    try:
        header = next(reader, None)
        if not header:
            raise ProjectError("seed file has no header row", path=path, line=1)
        records = list(reader)
    except csv.Error as exc:
        raise ProjectError(f"malformed CSV: {exc}", path=path, line=reader.line_num)

    ncols = len(header)
    if not all(len(record) == ncols for record in records):
        records = _regular_records(records, ncols, text, delimiter, path)

    names = _column_names(header)
    for name in names:
        if '"' in name:
            raise ProjectError(
                f"seed column name {name!r} contains a double quote, which dbt-duckdb cannot create",
                path=path,
                line=1,
            )
    return names, records, text


def _csv_reader(text: str, delimiter: str, path: Path) -> Iterator[list[str]]:
    try:
        return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"invalid seed delimiter {delimiter!r}: {exc}", path=path)


def _regular_records(records: list[list[str]], ncols: int, text: str, delimiter: str, path: Path) -> list[list[str]]:
    """Blank lines dropped (DuckDB skips them), or read as one empty value in a
    one-column file (DuckDB loads a NULL); any other width is an error."""
    kept: list[list[str]] = []
    for index, record in enumerate(records):
        width = len(record)
        if width == ncols:
            kept.append(record)
        elif width == 0:
            if ncols == 1:
                kept.append([""])
        else:
            raise ProjectError(
                f"row has {width} values but the header has {ncols} columns",
                path=path,
                line=_record_lines(text, delimiter, path)[index],
            )
    return kept


def _record_lines(text: str, delimiter: str, path: Path, *, keep_blank: bool = True) -> list[int]:
    """The line each data record starts on (blank lines left out unless ``keep_blank``);
    only needed for error messages, so computed again from the text."""
    reader = _csv_reader(text, delimiter, path)
    next(reader, None)
    lines: list[int] = []
    last = reader.line_num
    for record in reader:
        if record or keep_blank:
            lines.append(last + 1)
        last = reader.line_num
    return lines


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


# --------------------------------------------------------------------------- inference
# dbt-core's type tester, restated. Each check takes one distinct, non-empty raw value.


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
    except (ArithmeticError, ValueError):
        return None


def _number_type(values: Sequence[str], joined: str | None = None) -> str | None:
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
    stripped = value.strip()
    if stripped == "" or stripped.lower() == "null":
        return True
    match = _STRPTIME_DATE.fullmatch(stripped)
    if match is None:
        return False
    try:
        _dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return True


def _is_strptime_datetime(value: str) -> bool:
    stripped = value.strip()
    if stripped == "" or stripped.lower() == "null":
        return True
    match = _STRPTIME_DATETIME.fullmatch(stripped)
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
    stripped = value.strip()
    if stripped == "" or stripped.lower() == "null":
        return True
    parts = stripped.split("T")
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

    ``values`` may be the distinct values; empty strings are ignored. Each candidate type
    is checked in dbt's order of preference and ruled out at its first failing value.
    """
    unique = values if isinstance(values, (set, frozenset)) else set(values)
    distinct = [v for v in unique if v != ""]
    joined = _join(distinct)
    number = _number_type(distinct, joined)
    if number is not None:
        return number
    if joined is not None:
        # whole-column checks for the usual spellings, before the value-by-value ones
        if _STRICT_DATE_LINES.fullmatch(joined) and _parses(_dt.date.fromisoformat, distinct):
            return DATE
        if _STRICT_SPACE_DATETIME_LINES.fullmatch(joined) or _STRICT_T_DATETIME_LINES.fullmatch(joined):
            if _parses(_dt.datetime.fromisoformat, distinct):
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
_STRICT_DATETIME_LINES = _lines_of(f"{_STRICT_DATE}[ T]{_HMS}")
_PLAIN_INTEGER_LINES = _lines_of(r"-?[0-9]+")
_PLAIN_DECIMAL_LINES = _lines_of(r"-?[0-9]+(?:\.[0-9]+)?")
_NONZERO_FRACTION = re.compile(r"\.[0-9]*[1-9]")


# --------------------------------------------------------------------------- conversion
# DuckDB's string cast for canonical spellings; anything else goes to DuckDB itself.

_MISS = object()
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_DOUBLE = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_DOUBLE_TEXT = re.compile(_DOUBLE)
_DOUBLE_LINES = _lines_of(_DOUBLE)
_DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_TIMESTAMP_TEXT = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[ T]([0-9]{1,2}):([0-9]{1,2})"
    r"(?::([0-9]{1,2})(?:\.([0-9]*))?)?"
    # DuckDB's cast to TIMESTAMP ignores a UTC offset (the wall-clock time is kept)
    r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)


def _integer_value(text: str) -> object:
    if _INTEGER_TEXT.fullmatch(text) is None:
        return _MISS
    number = int(text)
    return number if _INT32_MIN <= number <= _INT32_MAX else _MISS


def _double_value(text: str) -> object:
    return float(text) if _DOUBLE_TEXT.fullmatch(text) is not None else _MISS


def _date_value(text: str) -> object:
    match = _DATE_TEXT.fullmatch(text)
    if match is None:
        return _MISS
    try:
        return _dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return _MISS


def _timestamp_value(text: str) -> object:
    match = _TIMESTAMP_TEXT.fullmatch(text)
    if match is None:
        return _MISS
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0  # truncated, not rounded
    try:
        return _dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro)
    except ValueError:
        return _MISS


def _boolean_value(text: str) -> object:
    if text.isascii():
        lowered = text.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    return _MISS


_CONVERTERS: Mapping[str, Callable[[str], object]] = {
    INTEGER: _integer_value,
    DOUBLE: _double_value,
    DATE: _date_value,
    TIMESTAMP: _timestamp_value,
    BOOLEAN: _boolean_value,
}


def _convert(
    values: Sequence[str | None], distinct: Iterable[str], sql_type: str
) -> tuple[list[object | None], str | None]:
    """The column's values as DuckDB's COPY stores them, and the first value (in file
    order) DuckDB cannot convert, if any."""
    if sql_type == VARCHAR:
        return [v or None for v in values], None
    keys = list(distinct)
    table: dict[str | None, object | None] = {"": None, None: None}
    converted = _convert_bulk(keys, sql_type)
    failed: list[str] = []
    if converted is not None:
        table.update(zip(keys, converted))
    else:
        fast = _CONVERTERS[sql_type]
        pending: list[str] = []
        for value in keys:
            result = fast(value)
            if result is _MISS:
                pending.append(value)
            else:
                table[value] = result
        if pending:
            for value, result in zip(pending, _duckdb_try_cast(pending, sql_type)):
                if result is None:
                    failed.append(value)
                table[value] = result
    bad = None
    if failed:
        first = {v: values.index(v) for v in failed}
        bad = min(failed, key=first.__getitem__)
    return list(map(table.__getitem__, values)), bad


def _convert_bulk(values: list[str], sql_type: str) -> list[object] | None:
    """All values converted at once when all are spelled the usual way, else None."""
    joined = _join(values)
    if joined is None:
        return None
    try:
        if sql_type == INTEGER and _PLAIN_INTEGER_LINES.fullmatch(joined):
            numbers = list(map(int, values))
            if _INT32_MIN <= min(numbers) and max(numbers) <= _INT32_MAX:
                return numbers
        elif sql_type == DOUBLE and _DOUBLE_LINES.fullmatch(joined):
            return list(map(float, values))
        elif sql_type == DATE and _STRICT_DATE_LINES.fullmatch(joined):
            return list(map(_dt.date.fromisoformat, values))
        elif sql_type == TIMESTAMP and _STRICT_DATETIME_LINES.fullmatch(joined):
            return list(map(_dt.datetime.fromisoformat, values))
    except ValueError:
        pass
    return None


def _duckdb_try_cast(values: list[str], sql_type: str) -> list[object | None]:
    """Each string cast to ``sql_type`` by DuckDB (None where it cannot)."""
    import duckdb

    con = duckdb.connect()
    try:
        row = con.execute(
            f"select list_transform(?::VARCHAR[], lambda v: try_cast(v as {sql_type}))", [values]
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return list(row[0])


def _duckdb_varchar_records(path: Path, ncols: int, delimiter: str) -> list[tuple[str | None, ...]]:
    """The file's records as dbt-duckdb's COPY splits them (NULL for empty fields)."""
    import duckdb

    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    con = duckdb.connect()
    try:
        ddl = ", ".join(f"c{i} VARCHAR" for i in range(ncols))
        con.execute(f"create table seed ({ddl})")
        con.execute(f"copy seed from {literal(str(path))} (format csv, header true, delimiter {literal(delimiter)})")
        return con.execute("select * from seed").fetchall()
    except duckdb.Error as exc:
        raise ProjectError("DuckDB cannot read this seed file: " + str(exc).splitlines()[0], path=path)
    finally:
        con.close()
