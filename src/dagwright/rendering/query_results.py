"""Query results as dbt's Jinja sees them: agate's Table / Row / Column (as far as templates
use them), ``AdapterResponse`` and what ``load_result`` returns."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any


class MappedSequence(Sequence):  # type: ignore[type-arg]
    """Values reachable by position and (when there are keys) by name, like agate's."""

    __slots__ = ("_keys", "_values")

    def __init__(self, values: Sequence[Any], keys: Sequence[str] | None = None) -> None:
        self._values = tuple(values)
        self._keys = tuple(keys) if keys is not None else None

    def values(self) -> tuple[Any, ...]:
        return self._values

    def keys(self) -> tuple[str, ...] | None:
        return self._keys

    def items(self) -> tuple[tuple[str, Any], ...]:
        return tuple(zip(self._keys or (), self._values))

    def dict(self) -> dict[str, Any]:
        if self._keys is None:
            raise KeyError("this sequence has no keys")
        return dict(zip(self._keys, self._values))

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self.dict()[key]
        except KeyError:
            return default

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            return self._values[key]
        if type(key) is int:
            return self._values[key]
        return self.dict()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return False
        return self._values == tuple(other)

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        sample = ", ".join(repr(v) for v in self._values[:5])
        return f"<agate.{type(self).__name__}: ({sample}{', ...' if len(self) > 5 else ''})>"

    __str__ = __repr__


class Row(MappedSequence):
    __slots__ = ()


class DataType:
    """The type agate inferred for a column (``column.data_type``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<agate.{self.name}>"


class Column(MappedSequence):
    __slots__ = ("data_type", "index", "name")

    def __init__(self, index: int, name: str, data_type: DataType, values: Sequence[Any]) -> None:
        super().__init__(values)
        self.index = index
        self.name = name
        self.data_type = data_type


class Table:
    """A query result as dbt gives it to templates (an agate.Table)."""

    def __init__(self, column_names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        names = tuple(str(n) for n in column_names)
        columns = [list(col) for col in zip(*rows)] if rows else [[] for _ in names]
        types = []
        for i, values in enumerate(columns):
            kind, converted = _convert_column(values)
            columns[i] = converted
            types.append(DataType(kind))
        self.column_names = names
        self.column_types = tuple(types)
        self.rows = MappedSequence([Row(vals, names) for vals in zip(*columns)] if rows else [])
        self.columns = MappedSequence([Column(i, name, types[i], columns[i]) for i, name in enumerate(names)], names)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __getitem__(self, key: Any) -> Any:
        return self.rows[key]

    def print_table(self, max_rows: int = 20, max_columns: int = 6, **kwargs: Any) -> str:
        print(" | ".join(self.column_names[:max_columns]))
        for row in list(self.rows)[:max_rows]:
            print(" | ".join(str(v) for v in list(row)[:max_columns]))
        return ""

    def __repr__(self) -> str:
        return f"<agate.Table: {len(self)} rows, columns {', '.join(self.column_names)}>"


def _convert_column(values: list[Any]) -> tuple[str, list[Any]]:
    """agate's type inference as dbt configures it for query results (``table_from_data_flat``):
    text stays text, integers stay int, other numbers become Decimal, then dates, datetimes,
    booleans; lists and dicts become JSON text."""
    out = []
    text = False
    for v in values:
        if isinstance(v, (dict, list, tuple)):
            out.append(json.dumps(v, default=str))
            text = True
        else:
            out.append(v)
            text = text or isinstance(v, str)
    present = [v for v in out if v is not None]
    if text:
        return "Text", out
    if all(type(v) is int for v in present):
        return "Integer", out
    if all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in present):
        return "Number", [
            None if v is None else (Decimal(repr(v)) if isinstance(v, float) else Decimal(v)) for v in out
        ]
    if all(type(v) is _dt.date for v in present):
        return "Date", out
    if all(isinstance(v, _dt.date) for v in present):
        return "DateTime", [
            v if v is None or isinstance(v, _dt.datetime) else _dt.datetime.combine(v, _dt.time()) for v in out
        ]
    if all(isinstance(v, bool) for v in present):
        return "Boolean", out
    return "Text", [None if v is None else str(v) for v in out]


class AdapterResponse:
    """dbt's AdapterResponse: prints as its message."""

    def __init__(self, message: str = "OK", code: str | None = None, rows_affected: int | None = None) -> None:
        self._message = message
        self.code = code
        self.rows_affected = rows_affected

    def __str__(self) -> str:
        return self._message

    def __repr__(self) -> str:
        return f"AdapterResponse(_message={self._message!r}, code={self.code!r}, rows_affected={self.rows_affected!r})"


class AttrDict(dict):  # type: ignore[type-arg]
    """What ``load_result`` returns: ``result['data']`` and ``result.table`` both work."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None
