"""One worker's PostgreSQL session, through psycopg 3 (``pip install 'dagwright[postgres]'``).

A server connection per worker thread (a shared psycopg connection serialises its users), in
autocommit mode so that the materializations' explicit ``begin``/``commit`` delimit the
transactions. A cancel is ``cancel_safe()`` on the worker's connection, sent from the
canceller thread of the statement registry; the server answers the cancelled statement with
SQLSTATE 57014 (``QueryCanceled``), which becomes ``StatementCancelled``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:
    import psycopg
    import psycopg.errors
except ImportError as exc:  # pragma: no cover - depends on the installation
    from dagwright.errors import ProfileError

    raise ProfileError(
        "the PostgreSQL adapter needs psycopg 3, which is not installed",
        hint="pip install 'dagwright[postgres]'  (or: pip install 'psycopg[binary]')",
    ) from exc

from dagwright.adapters.base import (
    Column,
    CsvRows,
    DatabaseError,
    ExecResult,
    Relation,
    RelationKind,
    StatementCancelled,
)
from dagwright.adapters.cache import UNKNOWN
from dagwright.adapters.postgres_catalog import RELKINDS, PostgresCatalog, relation_kind_of
from dagwright.adapters.postgres_sql import schema_match

#: what psycopg raises when a session cannot be opened (the adapter reports it)
DriverError = psycopg.Error


def connect_session(kwargs: dict[str, Any]) -> psycopg.Connection[Any]:
    """A server session in autocommit mode; the materializations say ``begin`` / ``commit``."""
    return psycopg.connect(autocommit=True, prepare_threshold=None, **kwargs)


def _pyformat(sql: str) -> str:
    """The protocol's qmark placeholders (``?``) as psycopg's ``%s``; literal ``%`` doubled.

    ``?`` inside string literals, quoted identifiers and comments is left alone.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


#: SQLSTATE of "deadlock detected"
_DEADLOCK = "40P01"


def message_of(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if getattr(exc, "sqlstate", None) == _DEADLOCK:
        # the server names the processes, not what they are: usually another run on the schema
        text += (
            "\n(the server ended this statement to break a lock cycle with another session, named by its "
            "process id above: is another dagwright or dbt run building the same relations at the same time?)"
        )
    return text


class PostgresConnection:
    """One worker's server session."""

    def __init__(self, conn: psycopg.Connection[Any], adapter: PostgresCatalog | None = None) -> None:
        self._conn = conn
        self._closed = False
        #: for the adapter's hooks that templates reach through the connection (expand_target_column_types)
        self.adapter = adapter
        self._cache = adapter.relations if adapter is not None else None
        self._catalog = adapter.catalog_relation if adapter is not None else (lambda relation: relation)

    @property
    def pid(self) -> int:
        return int(self._conn.info.backend_pid)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        cur = self._conn.cursor()
        try:
            if params is None:
                cur.execute(sql)  # not parsed for placeholders: '%' stays as written
            else:
                cur.execute(_pyformat(sql), list(params))
            while cur.nextset():  # several statements in one text: the last one's result
                pass
            description = cur.description
            rows = cur.fetchall() if description else []
            status = cur.statusmessage or "OK"
            rowcount = cur.rowcount
        except psycopg.errors.QueryCanceled as exc:
            raise StatementCancelled(message_of(exc)) from None
        except psycopg.Error as exc:
            raise DatabaseError(message_of(exc)) from None
        finally:
            cur.close()
        names = [d.name for d in description] if description else []
        return ExecResult(
            column_types=[d.type_code for d in description] if description else [],
            message=status,
            code=" ".join(p for p in status.split() if not p.isdigit()) or None,
            rows_affected=rowcount if rowcount is not None and rowcount >= 0 else None,
            rows=rows,
            column_names=names,
        )

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]] | CsvRows) -> ExecResult:
        """``COPY ... FROM STDIN``: the rows go through psycopg's copy protocol, as values
        (``CsvRows``: the CSV text as it is, in blocks); any other statement runs once per row."""
        cur = self._conn.cursor()
        try:
            if isinstance(rows, CsvRows):
                with cur.copy(sql) as copy:
                    for chunk in rows.chunks():
                        copy.write(chunk)
            elif sql.lstrip()[:4].lower() == "copy":
                with cur.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cur.executemany(_pyformat(sql), [list(r) for r in rows])
            status = cur.statusmessage or "OK"
        except psycopg.errors.QueryCanceled as exc:
            raise StatementCancelled(message_of(exc)) from None
        except psycopg.Error as exc:
            raise DatabaseError(message_of(exc)) from None
        finally:
            cur.close()
        count = rows.count if isinstance(rows, CsvRows) else len(rows)
        return ExecResult(message=status, code=status.split()[0] if status else None, rows_affected=count)

    def cancel(self) -> None:
        if self._closed:
            return
        try:
            self._conn.cancel_safe(timeout=5.0)
        except (psycopg.Error, OSError):
            pass

    def relation_kind(self, relation: Relation) -> RelationKind | None:
        if self._cache is not None:
            known = self._cache.lookup(relation)
            if known is not UNKNOWN:
                return known  # type: ignore[return-value]
        relation = self._catalog(relation)
        result = self.execute(
            "select c.relkind from pg_catalog.pg_class c "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            f"where {schema_match(relation.schema)} and c.relname = ? and {RELKINDS}",
            [relation.identifier],
        )
        if not result.rows:
            return None
        return relation_kind_of(result.rows[0][0])

    def forget(self, relation: Relation) -> None:
        """The relation may have changed in a way the run cannot follow: ask the server next time."""
        if self._cache is not None:
            self._cache.forget(relation)

    def columns(self, relation: Relation) -> list[Column]:
        relation = self._catalog(relation)
        result = self.execute(
            "select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
            "from pg_catalog.pg_attribute a "
            "join pg_catalog.pg_class c on c.oid = a.attrelid "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            f"where {schema_match(relation.schema)} and c.relname = ? and a.attnum > 0 and not a.attisdropped "
            "order by a.attnum",
            [relation.identifier],
        )
        return [Column(str(r[0]), str(r[1])) for r in result.rows]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._conn.close()
        except psycopg.Error:
            pass
