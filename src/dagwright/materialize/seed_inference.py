"""The type dbt-core gives a seed column, from the column's raw CSV values.

dbt-core reads a seed with agate, and agate's type tester, configured by dbt, tries per
column, in this order: Number, Date (``%Y-%m-%d``), DateTime (``%Y-%m-%d %H:%M:%S``),
ISO-8601 datetime (with a ``T``), Boolean (``true``/``false``), else Text. A type wins when
*every* value of the column passes; ``""`` and ``"null"`` (any case, surrounding whitespace
ignored) pass every type. A Number column is ``integer`` unless some finite value has a
non-zero fractional digit, then ``float8``. Here the types carry DuckDB's names (INTEGER,
DOUBLE, DATE, TIMESTAMP, BOOLEAN, VARCHAR); an engine declares its own for each (an
adapter's ``seed_types``). Each check below takes one raw value, as agate does.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

INTEGER = "INTEGER"
DOUBLE = "DOUBLE"
DATE = "DATE"
TIMESTAMP = "TIMESTAMP"
BOOLEAN = "BOOLEAN"
VARCHAR = "VARCHAR"


class SeedNumberOverflow(ValueError):
    """A number beyond the decimal exponent range (like ``1e999999999``): dbt-core crashes
    while typing such a column."""


def is_agate_null(value: str) -> bool:
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
        # whole-column checks (the lengths too: no line longer than 28, or 14, characters)
        if _PLAIN_INTEGER_LINES.fullmatch(joined) and not _LONGER_THAN_28.search(joined):
            return INTEGER
        if _PLAIN_DECIMAL_LINES.fullmatch(joined) and not _LONGER_THAN_14.search(joined):
            # at most 14 characters: whole + decimal places stay within 28 digits
            return DOUBLE if _NONZERO_FRACTION.search(joined) else INTEGER
    try:
        result = _number_precision_type(values)
    except SeedNumberOverflow:
        result = None
    if result is None and (
        ("e" in joined or "E" in joined) if joined is not None else any("e" in v or "E" in v for v in values)
    ):
        _check_overflow(ordered if ordered is not None else values, in_file_order=ordered is not None)
    return result


def _check_overflow(values: Iterable[str], *, in_file_order: bool) -> None:
    """Raise :class:`SeedNumberOverflow` where agate would crash: it tests values in file
    order and stops trying Number at the first value that is not one, so only an
    overflowing exponent before that counts (without the order, any one counts)."""
    for value in values:
        if not is_agate_null(value) and _agate_number(value) is None and in_file_order:
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
            if is_agate_null(value):
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


def agate_number_digits(value: str) -> tuple[int, int] | None:
    """(whole digits, decimal places) agate's MaxPrecision counts for one non-null value
    (``(0, 0)``: an infinity or NaN, which it skips), or None when it is not a number.
    Raises :class:`SeedNumberOverflow` where agate crashes."""
    number = _agate_number(value)
    if number is None:
        return None
    if not number.is_finite():
        return 0, 0
    _sign, digits, exponent = number.normalize(_CONTEXT).as_tuple()
    decimals = -int(exponent)
    return len(digits) - decimals, decimals


def number_column_type(max_whole: int, max_decimals: int) -> str:
    """INTEGER or DOUBLE from a Number column's largest whole digits and decimal places
    (``max_whole`` at least 1), reduced as agate does when they exceed the 28-digit context."""
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


def is_strptime_date(value: str) -> bool:
    if is_agate_null(value):
        return True
    match = _STRPTIME_DATE.fullmatch(value.strip())
    if match is None:
        return False
    try:
        _dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return True


def is_strptime_datetime(value: str) -> bool:
    if is_agate_null(value):
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


def is_iso_datetime(value: str) -> bool:
    if is_agate_null(value):
        return True
    parts = value.strip().split("T")
    return len(parts) == 2 and _iso_date_ok(parts[0]) and _iso_time_ok(parts[1])


_BOOLEAN_WORDS = frozenset(("", "null", "true", "false"))


def is_boolean(value: str) -> bool:
    return value.replace(",", "").strip().lower() in _BOOLEAN_WORDS


TEMPORAL_CHECKS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    (DATE, is_strptime_date),
    (TIMESTAMP, is_strptime_datetime),
    (TIMESTAMP, is_iso_datetime),
    (BOOLEAN, is_boolean),
)


def infer_type(values: Iterable[str]) -> str:
    """The DuckDB type dbt-duckdb gives a seed column holding these raw CSV values.

    ``values`` are in file order, or a set of the distinct values; empty strings are
    ignored. Each candidate type is checked in dbt's order of preference and ruled out at
    its first failing value. Raises :class:`SeedNumberOverflow` where dbt-core would crash
    (always, when given a set).
    """
    ordered = None if isinstance(values, (set, frozenset)) else list(values)
    if ordered is not None:
        plain = _plain_number_type(ordered)
        if plain is not None:
            return plain
    unique = set(ordered if ordered is not None else values)
    unique.discard("")
    distinct = list(unique)
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
    for sql_type, accepts in TEMPORAL_CHECKS:
        if all(map(accepts, distinct)):
            return sql_type
    return VARCHAR


def _plain_number_type(ordered: Sequence[str]) -> str | None:
    """The whole-column number checks of ``_number_type`` made on the values in file order,
    blanks included, without collecting the distinct values first (a large column of
    numbers is mostly distinct): INTEGER or DOUBLE, or None when they do not decide."""
    first = next((v for v in ordered if v != ""), None)
    if first is None or not _PLAIN_DECIMAL_LINES.fullmatch(first):
        return None
    whole = "\n".join(ordered)
    if whole.count("\n") != len(ordered) - 1:
        return None  # a value holds a line break
    if _PLAIN_INTEGER_OR_BLANK_LINES.fullmatch(whole) and not _LONGER_THAN_28.search(whole):
        return INTEGER
    if _PLAIN_DECIMAL_OR_BLANK_LINES.fullmatch(whole) and not _LONGER_THAN_14.search(whole):
        return DOUBLE if _NONZERO_FRACTION.search(whole) else INTEGER
    return None


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
_PLAIN_INTEGER_OR_BLANK_LINES = _lines_of(r"(?:-?[0-9]+)?")
_PLAIN_DECIMAL_OR_BLANK_LINES = _lines_of(r"(?:-?[0-9]+(?:\.[0-9]+)?)?")
_LONGER_THAN_28 = re.compile(r"[^\n]{29}")
_LONGER_THAN_14 = re.compile(r"[^\n]{15}")
