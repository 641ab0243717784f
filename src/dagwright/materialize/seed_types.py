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

:func:`read_seed` does step 1 with agate's rules (``seed_inference``; run by DuckDB over the
file, ``seed_inference_sql``, where DuckDB splits it as Python's ``csv`` does, else in Python)
and step 2 with the very same ``COPY`` into a scratch in-memory DuckDB table, so values (and
failures) are exactly dbt-duckdb's. The result holds plain Python values, ready to be bound
as statement parameters.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, overload

from dagwright.errors import ProjectError
from dagwright.materialize.seed_export import export_csv
from dagwright.materialize.seed_inference import SeedNumberOverflow, infer_type
from dagwright.materialize.seed_inference_sql import column_types as column_types_in_duckdb

__all__ = [
    "SeedColumn",
    "SeedNumberOverflow",
    "SeedTable",
    "SeedValueError",
    "TypedSeed",
    "infer_type",
    "read_seed",
    "type_seed",
]


class SeedValueError(ProjectError):
    """The seed file cannot be loaded into its table: dbt-duckdb's ``COPY`` fails (a value
    that does not convert to its column's type, rows DuckDB cannot split). dbt reports
    this as a runtime error of the seed."""


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
    #: ``read_seed(export_to=...)``: the rows written there as CSV instead (``rows`` empty)
    exported: Path | None = None
    exported_rows: int = 0

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def row_count(self) -> int:
        return self.exported_rows if self.exported is not None else len(self.rows)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class TypedSeed:
    """A seed file read and typed as dbt reads it, its values not loaded: for an engine
    that loads the file itself (DuckDB's ``COPY``, dbt-duckdb's own way)."""

    path: Path
    delimiter: str
    columns: tuple[SeedColumn, ...]
    #: the records agate read (the engine's load counts its own rows)
    record_count: int
    #: the existing table's columns the file is loaded into (a re-seed), else None
    into: tuple[tuple[str, str], ...] | None


def read_seed(
    path: Path,
    *,
    delimiter: str = ",",
    column_types: Mapping[str, str] | None = None,
    into: Sequence[tuple[str, str]] | None = None,
    export_to: Path | None = None,
) -> SeedTable:
    """Read, type and load a seed CSV as dbt-core + dbt-duckdb would.

    ``export_to``: write the loaded rows to this file as CSV (``seed_export``: agate's
    nulls, text quoted) instead of returning them, where every column's type has a text
    form an engine reads back as the same value; rows are returned otherwise.

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
    columns, record_count, short_line, ncols = _typed_columns(path, delimiter, column_types, into)
    if not record_count:
        # dbt loads nothing (no COPY) when the file has no rows
        return SeedTable(columns=columns, rows=[])
    try:
        if export_to is not None:
            exported = _copy_rows(path, delimiter, columns, export_to)
            if exported is not None:
                return SeedTable(columns=columns, rows=[], exported=export_to, exported_rows=exported)
        rows = _copy_rows(path, delimiter, columns)
    except SeedValueError as exc:
        if short_line is None or exc.line is not None:
            raise
        raise SeedValueError(
            f"row has fewer values than the header's {ncols} columns", path=path, line=short_line
        ) from exc
    return SeedTable(columns=columns, rows=rows)


def type_seed(
    path: Path,
    *,
    delimiter: str = ",",
    column_types: Mapping[str, str] | None = None,
    into: Sequence[tuple[str, str]] | None = None,
) -> TypedSeed:
    """The first half of :func:`read_seed`: the file read and typed as dbt does (failing
    where dbt's reading fails), its values left for the engine to load from the file."""
    path = Path(path)
    columns, record_count, _short_line, _ncols = _typed_columns(path, delimiter, column_types, into)
    return TypedSeed(path, delimiter, columns, record_count, None if into is None else tuple(into))


def _typed_columns(
    path: Path,
    delimiter: str,
    column_types: Mapping[str, str] | None,
    into: Sequence[tuple[str, str]] | None,
) -> tuple[tuple[SeedColumn, ...], int, int | None, int]:
    """The seed's columns (dbt's inference, ``column_types``, or ``into``), its record
    count, the line of its first short record (None: none) and the header's width."""
    with _collector_paused():
        return _typed_columns_of(path, delimiter, column_types, into)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a file becomes millions of small
    lists and strings (none of them in a cycle): each collection would walk them all, which
    takes longer than the reading itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _typed_columns_of(
    path: Path,
    delimiter: str,
    column_types: Mapping[str, str] | None,
    into: Sequence[tuple[str, str]] | None,
    *,
    in_duckdb: bool = True,
) -> tuple[tuple[SeedColumn, ...], int, int | None, int]:
    overrides = {str(k): str(v) for k, v in (column_types or {}).items()}
    read = None
    if in_duckdb:
        # not column_types' ones (a re-seed still types the others: dbt fails where that fails)
        def inferred(header: list[str]) -> list[int]:
            names = _column_names(header)
            if into is None:
                _check_names(path, names)
            return [i for i, name in enumerate(names) if name not in overrides]

        cursor = _scratch_cursor()
        try:
            read = column_types_in_duckdb(cursor, path, delimiter, inferred)
        except SeedNumberOverflow as exc:
            raise ProjectError(f"number out of range: {exc.args[0]!r} (dbt-core crashes on it)", path=path)
        finally:
            cursor.close()
    if read is not None:
        header, record_count, short_line = read.header, read.record_count, None
        by_column: list[Any] = [read.types.get(i) for i in range(len(header))]
    else:
        header, by_column, record_count, short_line = _read_csv(path, delimiter)
    names = _column_names(header)
    if into is None:
        _check_names(path, names)
    ncols = len(names)

    typed: list[SeedColumn] = []
    try:
        for index, name in enumerate(names):
            if name in overrides:
                typed.append(SeedColumn(name, overrides[name], True))
            elif read is not None:
                typed.append(SeedColumn(name, by_column[index] or "", False))
            else:
                typed.append(SeedColumn(name, infer_type(by_column[index]), False))
            by_column[index] = []  # a column's values go once it is typed
    except SeedNumberOverflow as exc:
        raise ProjectError(f"number out of range: {exc.args[0]!r} (dbt-core crashes on it)", path=path)
    columns = tuple(typed)
    if into is not None:
        columns = tuple(SeedColumn(name, sql_type, True) for name, sql_type in into)
    return columns, record_count, short_line, ncols


def _check_names(path: Path, names: Sequence[str]) -> None:
    for name in names:
        if '"' in name:
            raise ProjectError(
                f"seed column name {name!r} contains a double quote, which dbt-duckdb cannot create",
                path=path,
                line=1,
            )


def _read_csv(path: Path, delimiter: str) -> tuple[list[str], list[list[str]], int, int | None]:
    """The header, the values of each column as agate sees them (a short record padded
    with blanks), the number of records, and the line of the first record with fewer
    fields than the header (agate pads it; DuckDB's COPY usually refuses the file). Raises
    where agate (or dbt) fails."""
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
    del data
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"invalid seed delimiter {delimiter!r}: {exc}", path=path)
    try:
        header = next(reader, None)
        if not header:
            raise ProjectError("seed file has no header row", path=path, line=1)
        ncols = len(header)
        columns: list[list[str]] = [[] for _ in range(ncols)]
        count = 0
        ragged = False
        # by blocks of records, so the file's rows never all exist as lists at once
        while block := list(islice(reader, _RECORDS_PER_BLOCK)):
            count += len(block)
            if not all(len(record) == ncols for record in block):
                ragged = True
                # agate fills a short record with nulls; "" is null to every type test
                block = [r if len(r) == ncols else (r + [""] * (ncols - len(r)))[:ncols] for r in block]
            for column, values in zip(columns, zip(*block)):
                column.extend(values)
    except csv.Error as exc:
        raise ProjectError(f"malformed CSV: {exc}", path=path, line=reader.line_num)

    short_line = None
    if ragged:
        long_line = _first_line(text, delimiter, lambda width: width > ncols)
        if long_line is not None:
            width, line = long_line
            raise ProjectError(f"row has {width} values but the header has {ncols} columns", path=path, line=line)
        found = _first_line(text, delimiter, lambda width: 0 < width < ncols)
        short_line = found[1] if found else None
    return header, columns, count, short_line


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

_RECORDS_PER_BLOCK = 65_536
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


@overload
def _copy_rows(path: Path, delimiter: str, columns: Sequence[SeedColumn]) -> list[tuple[Any, ...]]: ...
@overload
def _copy_rows(path: Path, delimiter: str, columns: Sequence[SeedColumn], export_to: Path) -> int | None: ...
def _copy_rows(
    path: Path, delimiter: str, columns: Sequence[SeedColumn], export_to: Path | None = None
) -> list[tuple[Any, ...]] | int | None:
    """The rows dbt-duckdb's ``COPY`` stores in a table of these column types. A column
    typed by ``column_types`` with a type whose values do not survive a trip through
    Python holds the field text instead (still checked by the same ``COPY``).

    ``export_to``: the rows written there as CSV (``seed_export``), their number; None
    (nothing written) where a column's type has no such text form."""
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
        if export_to is not None:
            return export_csv(cursor, "seed", described, export_to)
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
