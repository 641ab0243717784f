"""``show``'s preview of a query's rows, drawn as dbt-core draws it.

dbt prints the rows of ``dbt show`` through agate's text table: a GitHub-flavoured Markdown
table of at most 6 columns (a seventh column of ``...`` says there are more), values cut at
20 characters (``...``), numbers right-aligned with thousands separators and, per column, the
same number of decimal places (the most any value has, at most 3; a column cut shorter ends
each number with ``…``), text left-aligned, a null as an empty cell. Users and scripts read
this text, so dagwright draws the same table from the same values, without agate.

``--output json`` gives the rows as objects (numbers as JSON numbers, dates and times in ISO
form), as dbt does.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections.abc import Sequence
from typing import Any

MAX_COLUMNS = 6
MAX_WIDTH = 20
MAX_PLACES = 3
ELLIPSIS = "..."
NUMBER_CUT = "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _as_decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, float):
        return decimal.Decimal(repr(value))
    return decimal.Decimal(value)


def _decimal_places(values: Sequence[decimal.Decimal]) -> int:
    places = 0
    for value in values:
        if not value.is_finite():
            continue
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < 0:
            places = max(places, -exponent)
    return places


def _format_number(value: decimal.Decimal, places: int, cut: bool) -> str:
    if not value.is_finite():
        return str(value)
    quantum = decimal.Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=decimal.ROUND_HALF_EVEN)
    text = f"{abs(rounded):,.{places}f}"
    if rounded < 0:
        text = "-" + text
    return text + (NUMBER_CUT if cut else "")


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_WIDTH else text[: MAX_WIDTH - len(ELLIPSIS)] + ELLIPSIS


def format_table(column_names: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The rows as dbt's ``show`` prints them (ends with a newline)."""
    shown = list(column_names[:MAX_COLUMNS])
    more_columns = len(column_names) > MAX_COLUMNS
    header = [_cut(name) for name in shown] + ([ELLIPSIS] if more_columns else [])
    # a column is numeric when every value it has is a number (as agate infers it)
    numeric: list[bool] = []
    formats: list[tuple[int, bool]] = []
    for index in range(len(shown)):
        values = [row[index] for row in rows if row[index] is not None]
        is_numeric = all(_is_number(v) for v in values) and bool(values)
        numeric.append(is_numeric)
        places = _decimal_places([_as_decimal(v) for v in values if not _is_nan(v)]) if is_numeric else 0
        formats.append((min(places, MAX_PLACES), places > MAX_PLACES))
    left = [not numeric[i] and _column_is_text(rows, i) for i in range(len(shown))]
    cells: list[list[str]] = []
    for row in rows:
        line: list[str] = []
        for index in range(len(shown)):
            value = row[index]
            if value is None:
                text = ""
            elif numeric[index] and not _is_nan(value) and not _is_inf(value):
                places, cut = formats[index]
                text = _format_number(_as_decimal(value), places, cut)
            else:
                text = _text(value)
            line.append(_cut(text))
        if more_columns:
            line.append(ELLIPSIS)
        cells.append(line)
    widths = [len(name) for name in header]
    for line in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, line, strict=True)]
    left.extend([False] * (len(header) - len(left)))

    def draw(line: Sequence[str]) -> str:
        parts = [(c.ljust(w) if is_left else c.rjust(w)) for c, w, is_left in zip(line, widths, left, strict=True)]
        return "| " + " | ".join(parts) + " |"

    out = [draw(header), "| " + " | ".join("-" * w for w in widths) + " |"]
    out.extend(draw(line) for line in cells)
    return "\n".join(out) + "\n"


def _column_is_text(rows: Sequence[Sequence[Any]], index: int) -> bool:
    """Text (left-aligned) unless the column holds only booleans, dates, times or nothing."""
    values = [row[index] for row in rows if row[index] is not None]
    if not values:
        return False
    return not all(isinstance(v, bool | dt.date | dt.time | dt.timedelta) for v in values)


def _is_nan(value: Any) -> bool:
    if isinstance(value, decimal.Decimal):
        return value.is_nan()
    return isinstance(value, float) and math.isnan(value)


def _is_inf(value: Any) -> bool:
    return (isinstance(value, float) and math.isinf(value)) or (
        isinstance(value, decimal.Decimal) and value.is_infinite()
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def rows_as_json(column_names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """The rows as ``--output json`` gives them: one object per row, in column order."""
    return [{name: _json_value(value) for name, value in zip(column_names, row, strict=False)} for row in rows]


def show_json(node_name: str | None, column_names: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """dbt's JSON document of one preview (``node`` only for a selected node)."""
    data: dict[str, Any] = {} if node_name is None else {"node": node_name}
    data["show"] = rows_as_json(column_names, rows)
    return json.dumps(data, indent=2)
