"""``adapter``, ``api`` and query results as dbt's Jinja sees them.

dbt hands templates its adapter object, ``api.Relation``/``api.Column`` and query results as
agate tables. dagwright gives the same names and shapes, backed by one thing: a
``StatementSession`` over the worker's ``GuardedConnection``, so every statement a template
runs (``run_query``, ``statement`` blocks, ``adapter.get_relation``...) goes through the
run's guard and is cancelled by a stop like any other statement.

At parse time (``execute`` is False) the adapter answers as dbt's parse-time adapter does:
``get_relation`` is None, ``get_columns_in_relation`` is ``[]``, ``execute`` is
``(None, None)``; nothing reaches the database.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dagwright.adapters.base import DatabaseError, ExecResult, Relation
from dagwright.errors import CompilationError, DagwrightError

if TYPE_CHECKING:
    from dagwright.guard import GuardedConnection
    from dagwright.rendering.jinja import LazyContext, MacroRegistry


# --------------------------------------------------------------------------------------------
# query results: agate's Table / Row / Column, as far as templates use them


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


# --------------------------------------------------------------------------------------------
# statements


class StatementSession:
    """The connection statements of one rendering scope go to, with dbt's transactions.

    ``transactions=False`` (a model compiling on its worker): every statement commits on
    its own; the model's own transaction starts later, in the materialization.
    ``transactions=True`` (on-run-* hooks, run-operation): like dbt, a statement with
    ``auto_begin`` opens a transaction that lasts until ``adapter.commit()``; whatever is
    still uncommitted when the scope ends is rolled back (``finish``).
    """

    def __init__(
        self,
        connect: Callable[[], GuardedConnection] | GuardedConnection | None,
        *,
        transactions: bool = False,
        sql: Mapping[str, str] | None = None,
    ) -> None:
        self._connect = connect
        self._conn: GuardedConnection | None = None
        self.transactions = transactions
        self.in_transaction = False
        self._sql = {"begin": "begin transaction", "commit": "commit", "rollback": "rollback", **(sql or {})}
        self.executed: list[str] = []

    @property
    def connection(self) -> GuardedConnection:
        if self._conn is None:
            connect = self._connect
            if connect is None:
                raise DagwrightError("this command has no database connection for statements")
            self._conn = connect() if callable(connect) else connect
        return self._conn

    def execute(self, sql: str, *, auto_begin: bool = False, params: Sequence[Any] | None = None) -> ExecResult:
        conn = self.connection
        if self.transactions and auto_begin and not self.in_transaction:
            conn.execute(self._sql["begin"])
            self.in_transaction = True
        self.executed.append(sql)
        return conn.execute(sql, params)

    def commit(self) -> None:
        if self.in_transaction:
            self.connection.execute(self._sql["commit"])
            self.in_transaction = False

    def finish(self) -> None:
        """End of the scope: an open transaction is rolled back, as dbt's connection release does."""
        if self.in_transaction and self._conn is not None:
            self.in_transaction = False
            try:
                self._conn.execute_unguarded(self._sql["rollback"])
            except Exception:
                pass


# --------------------------------------------------------------------------------------------
# api.Column, api.Relation


class DbColumn:
    """dbt's ``api.Column`` (dbt.adapters.base.Column), as dbt-duckdb uses it."""

    TYPE_LABELS: Mapping[str, str] = {"STRING": "TEXT"}

    def __init__(
        self,
        column: str,
        dtype: str,
        char_size: int | None = None,
        numeric_precision: Any = None,
        numeric_scale: Any = None,
    ) -> None:
        self.column = column
        self.dtype = dtype
        self.char_size = char_size
        self.numeric_precision = numeric_precision
        self.numeric_scale = numeric_scale

    @classmethod
    def translate_type(cls, dtype: str) -> str:
        return cls.TYPE_LABELS.get(str(dtype).upper(), dtype)

    @classmethod
    def create(cls, name: str, label_or_dtype: str) -> DbColumn:
        return cls(name, cls.translate_type(label_or_dtype))

    @classmethod
    def string_type(cls, size: int) -> str:
        return f"character varying({size})"

    @classmethod
    def numeric_type(cls, dtype: str, precision: Any, scale: Any) -> str:
        if precision is None or scale is None:
            return dtype
        return f"{dtype}({precision},{scale})"

    @classmethod
    def from_description(cls, name: str, raw_data_type: str) -> DbColumn:
        match = re.match(r"([^(]+)(\([^)]+\))?", raw_data_type)
        if match is None:
            raise CompilationError(f'Could not interpret data type "{raw_data_type}"')
        data_type, size_info = match.groups()
        char_size = precision = scale = None
        if size_info is not None:
            parts = size_info[1:-1].split(",")
            if len(parts) == 1:
                char_size = int(parts[0])
            elif len(parts) == 2:
                precision, scale = int(parts[0]), int(parts[1])
        return cls(name, data_type, char_size, precision, scale)

    @property
    def name(self) -> str:
        return self.column

    @property
    def quoted(self) -> str:
        return f'"{self.column}"'

    @property
    def data_type(self) -> str:
        if self.is_string():
            return self.string_type(self.string_size())
        if self.is_numeric():
            return self.numeric_type(self.dtype, self.numeric_precision, self.numeric_scale)
        return self.dtype

    @property
    def expanded_data_type(self) -> str:
        return self.data_type

    def is_string(self) -> bool:
        return self.dtype.lower() in ("text", "character varying", "character", "varchar")

    def is_float(self) -> bool:
        return self.dtype.lower() in ("real", "float", "float4", "float8", "double", "double precision")

    def is_integer(self) -> bool:
        return self.dtype.lower() in (
            "tinyint",
            "smallint",
            "integer",
            "bigint",
            "hugeint",
            "utinyint",
            "usmallint",
            "uinteger",
            "ubigint",
            "int1",
            "int2",
            "int4",
            "int8",
            "short",
            "int",
            "signed",
            "long",
        )

    def is_numeric(self) -> bool:
        return self.dtype.lower() in ("numeric", "decimal")

    def is_number(self) -> bool:
        return self.is_integer() or self.is_numeric() or self.is_float()

    def string_size(self) -> int:
        if not self.is_string():
            raise CompilationError("Called string_size() on non-string field!")
        if self.dtype == "text" or self.char_size is None:
            return 256
        return int(self.char_size)

    def can_expand_to(self, other: DbColumn) -> bool:
        if not self.is_string() or not other.is_string():
            return False
        return other.string_size() > self.string_size()

    def literal(self, value: Any) -> str:
        return f"{value}::{self.data_type}"

    def __repr__(self) -> str:
        return f"<Column {self.column} ({self.data_type})>"


class PostgresDbColumn(DbColumn):
    """dbt-postgres' ``PostgresColumn``: ``text`` and a ``character varying`` without a size
    keep their type, where dbt's base column says ``character varying(256)``."""

    @property
    def data_type(self) -> str:
        dtype = self.dtype.lower()
        if dtype == "text" or (dtype == "character varying" and self.char_size is None):
            return self.dtype
        return super().data_type


def column_class(adapter_type: str | None) -> type[DbColumn]:
    """``api.Column`` / ``adapter.Column`` of the engine's dbt adapter."""
    return PostgresDbColumn if adapter_type == "postgres" else DbColumn


RelationFactory = Callable[[Relation, "str | None"], Any]


class RelationApi:
    """``api.Relation``: ``api.Relation.create(database=..., schema=..., identifier=...)``."""

    def __init__(self, make: RelationFactory, default_database: str | None) -> None:
        self._make = make
        self._default_database = default_database

    def create(
        self,
        database: str | None = None,
        schema: str | None = None,
        identifier: str | None = None,
        type: str | None = None,
        quote_policy: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        # a policy given here goes over the project's quoting (dbt's RelationProxy)
        policy = None
        if quote_policy:
            policy = tuple(
                quote_policy.get(k) if isinstance(quote_policy.get(k), bool) else None
                for k in ("database", "schema", "identifier")
            )
        return self._make(Relation(database, schema or "", identifier or "", policy), type)


class Api:
    def __init__(self, make: RelationFactory, default_database: str | None, adapter_type: str | None = None) -> None:
        self.Relation = RelationApi(make, default_database)
        self.Column = column_class(adapter_type)


# --------------------------------------------------------------------------------------------
# adapter


class _Behavior:
    """``adapter.behavior.<flag>``: dbt's behaviour flags, all at their defaults (off)."""

    class _Flag:
        no_warn = False
        setting = False

        def __bool__(self) -> bool:
            return False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._Flag()


class AdapterFacade:
    """The ``adapter`` object of a template."""

    def __init__(
        self,
        *,
        adapter_type: str,
        registry: MacroRegistry,
        dispatch_config: Sequence[Mapping[str, Any]],
        quote: Callable[[str], str],
        make_relation: RelationFactory,
        default_database: str | None,
        session: StatementSession | None,
        parsing: bool,
        quote_policy: tuple[bool, bool, bool] = (True, True, True),
    ) -> None:
        self._type = adapter_type
        #: the project's quoting (over the engine's default): database, schema, identifier
        self._policy = quote_policy
        self._registry = registry
        self._dispatch_config = dispatch_config
        self._quote = quote
        self._make = make_relation
        self._default_database = default_database
        self._session = session
        self._parsing = parsing
        self.ctx: LazyContext | None = None  # set once the context exists
        self.behavior = _Behavior()
        self.Relation = RelationApi(make_relation, default_database)
        self.Column = column_class(adapter_type)

    # -- identity ------------------------------------------------------------------------------
    def type(self) -> str:
        return self._type

    def quote(self, identifier: str) -> str:
        return self._quote(str(identifier))

    def quote_as_configured(self, identifier: str, quote_key: str) -> str:
        """Quoted as the project's ``quoting:`` says for ``quote_key`` (any other key: quoted)."""
        keys = ("database", "schema", "identifier")
        if quote_key in keys and not self._policy[keys.index(quote_key)]:
            return str(identifier)
        return self._quote(str(identifier))

    def _part(self, value: Any, index: int) -> str:
        return self._quote(str(value)) if self._policy[index] else str(value)

    def quote_seed_column(self, column: str, quote_config: bool | None) -> str:
        return self._quote(column) if quote_config or quote_config is None else column

    # -- dispatch ------------------------------------------------------------------------------
    def _search_packages(self, namespace: str | None) -> list[str | None]:
        if namespace is None:
            return [None]
        if not isinstance(namespace, str):
            raise CompilationError(
                f"In adapter.dispatch, got a {type(namespace).__name__} macro_namespace argument "
                f'("{namespace}"), but macro_namespace should be None or a string.'
            )
        for entry in self._dispatch_config:
            if isinstance(entry, Mapping) and entry.get("macro_namespace") == namespace:
                return [str(p) for p in entry.get("search_order") or []]
        if namespace in self._registry.installed:  # dbt: the root project may override a package's macro
            return [self._registry.root, namespace]
        return [None]

    def dispatch(self, macro_name: str, macro_namespace: str | None = None, packages: Any = None) -> Any:
        if "." in macro_name:
            namespace, name = macro_name.split(".", 1)
            raise CompilationError(
                f'In adapter.dispatch, got a macro name of "{macro_name}", but "." is not a valid macro '
                f'name component. Did you mean `adapter.dispatch("{name}", macro_namespace="{namespace}")`?'
            )
        if packages is not None:
            raise CompilationError("adapter.dispatch: the 'packages' argument is no longer supported")
        ctx = self.ctx
        assert ctx is not None
        attempts = []
        for package in self._search_packages(macro_namespace):
            for prefix in (self._type, "default"):
                name = f"{prefix}__{macro_name}"
                if package is None:
                    attempts.append(name)
                    if name in ctx:
                        return ctx[name]
                else:
                    attempts.append(f"{package}.{name}")
                    macro = self._registry.lookup(package, name, ctx)
                    if macro is not None:
                        return macro
        searched = ", ".join(repr(a) for a in attempts)
        raise CompilationError(
            f"In dispatch: No macro named '{macro_name}' found within namespace: '{macro_namespace}'\n"
            f"    Searched for: {searched}"
        )

    # -- statements ----------------------------------------------------------------------------
    def _live(self) -> StatementSession:
        if self._session is None:
            raise DagwrightError("no database connection here: statements run only when a node is executed")
        return self._session

    def execute(
        self, sql: str, auto_begin: bool = False, fetch: bool = False, limit: int | None = None
    ) -> tuple[Any, Any]:
        if self._parsing:
            return None, None
        result = self._live().execute(str(sql), auto_begin=auto_begin)
        response = AdapterResponse(result.message, result.code, result.rows_affected)
        rows = list(result.rows)
        if limit:
            rows = rows[:limit]
        table = Table(result.column_names, rows) if fetch else Table([], [])
        return response, table

    def commit(self) -> str:
        if not self._parsing and self._session is not None:
            self._session.commit()
        return ""

    def commit_if_has_connection(self) -> str:
        return self.commit()

    def add_query(self, sql: str, auto_begin: bool = True, **kwargs: Any) -> tuple[Any, Any]:
        return self.execute(sql, auto_begin=auto_begin)

    def _query(self, sql: str, params: Sequence[Any]) -> ExecResult:
        return self._live().execute(sql, params=params)

    # -- relations -----------------------------------------------------------------------------
    def _database(self, database: str | None) -> str | None:
        return database or self._default_database

    def get_relation(self, database: str | None, schema: str, identifier: str) -> Any:
        if self._parsing:
            return None
        if self._type == "spark":  # no information_schema: the catalog, through the guarded connection
            kind = self._live().connection.relation_kind(Relation(None, schema, identifier))
            return None if kind is None else self._make(Relation(None, schema, identifier), kind)
        result = self._query(
            "select table_catalog, table_schema, table_name, table_type from information_schema.tables "
            "where table_catalog = ? and table_schema = ? and table_name = ?",
            [self._database(database), schema, identifier],
        )
        if not result.rows:
            return None
        catalog, found_schema, name, kind = result.rows[0]
        return self._make(
            Relation(str(catalog), str(found_schema), str(name)),
            "view" if str(kind).upper() == "VIEW" else "table",
        )

    def already_exists(self, schema: str, name: str) -> bool:
        return self.get_relation(None, schema, name) is not None

    def get_columns_in_relation(self, relation: Any) -> list[DbColumn]:
        if self._parsing:
            return []
        database = self._database(getattr(relation, "database", None))
        schema = getattr(relation, "schema", None) or ""
        identifier = getattr(relation, "identifier", None) or ""
        if self._type == "spark":  # DESCRIBE TABLE: the columns end at the first blank or '#' row
            from dagwright.adapters.spark import describe_columns

            described = self._query(f"describe table {self._quote(schema)}.{self._quote(identifier)}", [])
            return [DbColumn(name, dtype) for name, dtype in describe_columns(described.rows)]
        if self._type == "postgres":
            return self._postgres_columns(schema, identifier)
        result = self._query(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
            [database, schema, identifier],
        )
        if not result.rows and self.get_relation(database, schema, identifier) is None:
            raise DatabaseError(f"Catalog Error: Table with name {identifier} does not exist!")
        return [DbColumn(str(name), str(dtype)) for name, dtype in result.rows]

    def _postgres_columns(self, schema: str, identifier: str) -> list[DbColumn]:
        """What dbt-postgres' get_columns_in_relation reads: type, size, precision and scale
        from information_schema.columns, each row made an ``api.Column``; a relation that
        does not exist has no columns (no error)."""
        where_schema = "table_schema = ?"
        params: list[Any] = [identifier]
        if schema in ("", "pg_temp"):  # the session's own temporary schema (pg_temp_N)
            where_schema = (
                "table_schema = (select nspname from pg_catalog.pg_namespace where oid = pg_my_temp_schema())"
            )
        else:
            params.append(schema)
        result = self._query(
            "select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale "
            f"from information_schema.columns where table_name = ? and {where_schema} order by ordinal_position",
            params,
        )
        return [PostgresDbColumn(str(row[0]), str(row[1]), *row[2:]) for row in result.rows]

    def get_columns_in_table(self, schema: str, identifier: str) -> list[DbColumn]:
        return self.get_columns_in_relation(self._make(Relation(None, schema, identifier), None))

    def get_missing_columns(self, from_relation: Any, to_relation: Any) -> list[DbColumn]:
        if self._parsing:
            return []
        to_names = {c.name.lower() for c in self.get_columns_in_relation(to_relation)}
        return [c for c in self.get_columns_in_relation(from_relation) if c.name.lower() not in to_names]

    def get_column_schema_from_query(self, sql: str) -> list[DbColumn]:
        if self._parsing:
            return []
        result = self._live().execute(f"describe ({sql})")
        return [DbColumn(str(row[0]), str(row[1])) for row in result.rows]

    def check_schema_exists(self, database: str | None, schema: str) -> bool:
        if self._parsing:
            return False
        result = self._query(
            "select 1 from information_schema.schemata where catalog_name = ? and schema_name = ?",
            [self._database(database), schema],
        )
        return bool(result.rows)

    def list_schemas(self, database: str | None) -> list[str]:
        if self._parsing:
            return []
        result = self._query(
            "select schema_name from information_schema.schemata where catalog_name = ?", [self._database(database)]
        )
        return [str(r[0]) for r in result.rows]

    def list_relations_without_caching(self, schema_relation: Any) -> list[Any]:
        if self._parsing:
            return []
        database = self._database(getattr(schema_relation, "database", None))
        result = self._query(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_catalog = ? and table_schema = ?",
            [database, getattr(schema_relation, "schema", "")],
        )
        return [
            self._make(
                Relation(getattr(schema_relation, "database", None), str(s), str(n)),
                "view" if str(k).upper() == "VIEW" else "table",
            )
            for s, n, k in result.rows
        ]

    def _forget(self, *relations: Any) -> None:
        """The run's relation cache (PostgreSQL) asks the server next time about relations a
        template dropped or renamed: whether that holds depends on a COMMIT it cannot see."""
        forget = getattr(self._live().connection.raw, "forget", None)
        if forget is not None:
            for relation in relations:
                forget(_plain_relation(relation))

    def drop_relation(self, relation: Any) -> str:
        if self._parsing:
            return ""
        kind = getattr(relation, "type", None) or "table"
        self._live().execute(f"drop {kind} if exists {relation} cascade", auto_begin=True)
        self._forget(relation)
        return ""

    def truncate_relation(self, relation: Any) -> str:
        if not self._parsing:
            self._live().execute(f"truncate table {relation}", auto_begin=True)
        return ""

    def rename_relation(self, from_relation: Any, to_relation: Any) -> str:
        if not self._parsing:
            kind = getattr(from_relation, "type", None) or "table"
            self._live().execute(
                f"alter {kind} {from_relation} rename to {self._renamed(to_relation)}", auto_begin=True
            )
            self._forget(from_relation, to_relation)
        return ""

    def _renamed(self, relation: Any) -> str:
        policy = getattr(relation, "quote_policy", None)
        quoted = policy.get("identifier") if isinstance(policy, Mapping) else self._policy[2]
        return self._quote(str(relation.identifier)) if quoted else str(relation.identifier)

    def create_schema(self, relation: Any) -> str:
        if not self._parsing:
            database = self._database(getattr(relation, "database", None))
            self._live().execute(
                f"create schema if not exists {self._part(database, 0)}.{self._part(relation.schema, 1)}",
                auto_begin=True,
            )
        return ""

    def drop_schema(self, relation: Any) -> str:
        if not self._parsing:
            database = self._database(getattr(relation, "database", None))
            self._live().execute(
                f"drop schema if exists {self._part(database, 0)}.{self._part(relation.schema, 1)} cascade",
                auto_begin=True,
            )
        return ""

    def expand_target_column_types(self, from_relation: Any, to_relation: Any) -> str:
        # DuckDB types need no widening; PostgreSQL's varchar(n) do (adapters/postgres.py)
        if self._parsing or self._type != "postgres":
            return ""
        conn = self._live().connection
        adapter = getattr(conn.raw, "adapter", None)
        expand = getattr(adapter, "expand_target_column_types", None)
        if expand is not None:
            expand(conn, _plain_relation(from_relation), _plain_relation(to_relation))
        return ""

    def cache_added(self, relation: Any) -> str:
        return ""

    def cache_dropped(self, relation: Any) -> str:
        return ""

    def cache_renamed(self, from_relation: Any, to_relation: Any) -> str:
        return ""

    def __repr__(self) -> str:
        return f"<adapter {self._type}>"


def _plain_relation(relation: Any) -> Relation:
    """A template's relation object as the adapters' ``Relation``."""
    return Relation(
        getattr(relation, "database", None),
        str(getattr(relation, "schema", None) or ""),
        str(getattr(relation, "identifier", None) or ""),
    )
