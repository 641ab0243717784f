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

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagwright.adapters.base import Relation
from dagwright.errors import CompilationError, DagwrightError
from dagwright.rendering.engines.base import EngineCalls
from dagwright.rendering.engines.registry import jinja_engine
from dagwright.rendering.query_results import (
    AdapterResponse,
    AttrDict,
    Column,
    DataType,
    MappedSequence,
    Row,
    Table,
)
from dagwright.rendering.relation_api import (
    Api,
    DbColumn,
    RelationApi,
    RelationFactory,
)
from dagwright.rendering.relation_lookup import require_relation
from dagwright.rendering.statements import StatementSession

if TYPE_CHECKING:
    from dagwright.rendering.jinja import LazyContext, MacroRegistry

__all__ = [
    "AdapterFacade",
    "AdapterResponse",
    "Api",
    "AttrDict",
    "Column",
    "DataType",
    "DbColumn",
    "MappedSequence",
    "RelationApi",
    "Row",
    "StatementSession",
    "Table",
]


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
        #: what this engine does differently (relations, columns, schemas), chosen once
        self._engine = jinja_engine(adapter_type)
        #: the project's quoting (over the engine's default): database, schema, identifier
        self._policy = quote_policy
        self._registry = registry
        self._dispatch_config = dispatch_config
        self._quote = quote
        self._make = make_relation
        self._default_database = default_database
        self._session = session
        self._parsing = parsing
        self._calls = EngineCalls(self._live, make_relation, quote, default_database)
        self.ctx: LazyContext | None = None  # set once the context exists
        self.behavior = _Behavior()
        self.Relation = RelationApi(make_relation, default_database)
        self.Column = self._engine.column

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

    # -- relations -----------------------------------------------------------------------------
    def _database(self, database: str | None) -> str | None:
        return database or self._default_database

    def get_relation(self, database: str | None, schema: str, identifier: str) -> Any:
        if self._parsing:
            return None
        if schema is None or identifier is None:
            missing = "schema" if schema is None else "identifier"
            raise CompilationError(f"adapter.get_relation() was given no {missing} (None)")
        return self._engine.find_relation(self._calls, database, schema, identifier)

    def already_exists(self, schema: str, name: str) -> bool:
        return self.get_relation(self._default_database, schema, name) is not None

    def get_columns_in_relation(self, relation: Any) -> list[DbColumn]:
        if self._parsing:
            return []
        require_relation(relation, "get_columns_in_relation")
        database = self._database(getattr(relation, "database", None))
        schema = getattr(relation, "schema", None) or ""
        identifier = getattr(relation, "identifier", None) or ""
        return self._engine.columns(self._calls, Relation(database, schema, identifier))

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
        return self._engine.query_columns(self._calls, sql)

    def check_schema_exists(self, database: str | None, schema: str) -> bool:
        if self._parsing:
            return False
        return self._engine.schema_exists(self._calls, database, schema)

    def list_schemas(self, database: str | None) -> list[str]:
        if self._parsing:
            return []
        return self._engine.schemas(self._calls, database)

    def list_relations_without_caching(self, schema_relation: Any) -> list[Any]:
        if self._parsing:
            return []
        database = getattr(schema_relation, "database", None)
        return self._engine.relations(self._calls, database, getattr(schema_relation, "schema", ""))

    def _forget(self, *relations: Any) -> None:
        """The run's relation cache (an engine adapter that keeps one) asks the server next
        time about relations a template dropped or renamed: whether that holds depends on a
        COMMIT it cannot see."""
        forget = getattr(self._live().connection.raw, "forget", None)
        if forget is not None:
            for relation in relations:
                forget(_plain_relation(relation))

    def drop_relation(self, relation: Any) -> str:
        if self._parsing:
            return ""
        require_relation(relation, "drop_relation")
        kind = getattr(relation, "type", None)
        if not kind:
            raise CompilationError(
                f"Tried to drop relation {relation}, but its type is null.",
                hint="give it a type (api.Relation.create(..., type='table')) or use adapter.get_relation()",
            )
        # dbt's drop_relation does not open a transaction (auto_begin=False)
        self._live().execute(self._engine.drop_relation_sql(str(relation), str(kind)))
        self._forget(relation)
        return ""

    def truncate_relation(self, relation: Any) -> str:
        if not self._parsing:
            self._live().execute(self._engine.truncate_relation_sql(str(relation)), auto_begin=True)
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

    def _schema_name(self, relation: Any) -> str:
        """The schema of ``relation`` as the engine names it (some with their catalog)."""
        schema = self._part(getattr(relation, "schema", None) or "", 1)
        database = self._part(self._database(getattr(relation, "database", None)), 0)
        return self._engine.schema_name(database, schema)

    def create_schema(self, relation: Any) -> str:
        if not self._parsing:
            # dbt commits after creating or dropping a schema (commit_if_has_connection)
            self._live().execute_and_commit(f"create schema if not exists {self._schema_name(relation)}")
        return ""

    def drop_schema(self, relation: Any) -> str:
        if not self._parsing:
            self._live().execute_and_commit(f"drop schema if exists {self._schema_name(relation)} cascade")
        return ""

    def expand_target_column_types(self, from_relation: Any, to_relation: Any) -> str:
        if not self._parsing:
            self._engine.expand_column_types(self._calls, _plain_relation(from_relation), _plain_relation(to_relation))
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
