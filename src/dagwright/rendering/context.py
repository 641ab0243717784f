"""What a model's Jinja can see: dbt's context, for parsing and for compiling.

``RunContext`` holds what is the same for every node of an invocation (vars, target,
invocation_id, macros, ...). ``node_context`` adds what belongs to one node (``ref``,
``source``, ``config``, ``this``, ``is_incremental``) in one of two modes:
parse (record the calls; ``execute`` is False) or compile (resolve them).
"""

from __future__ import annotations

import datetime as _dt
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from dagwright.adapters.base import Relation
from dagwright.errors import CompilationError, did_you_mean
from dagwright.parse.nodes import RefCall, SourceCall
from dagwright.project.environ import RecordingFlags
from dagwright.project.warn_error import WarnErrorPolicy
from dagwright.rendering import dbt_builtins
from dagwright.rendering.adapter_facade import (
    AdapterFacade,
    AdapterResponse,
    Api,
    AttrDict,
    StatementSession,
    Table,
)
from dagwright.rendering.config_object import ConfigObject
from dagwright.rendering.dbt_global_names import DBT_GLOBAL_MACROS, unsupported_dbt_macro
from dagwright.rendering.engines.registry import jinja_engine
from dagwright.rendering.env_functions import env_var_function, var_function
from dagwright.rendering.environment import environment
from dagwright.rendering.event_time import BatchWindow, read_input, window_of
from dagwright.rendering.functions import function_call, resolve_function
from dagwright.rendering.graph_variable import LazyGraph
from dagwright.rendering.jinja import (
    LazyContext,
    MacroRegistry,
    compile_template,
    current_template_line,
    do_return,
    record_macro_call,
    render_template,
)
from dagwright.rendering.relation import JinjaRelation
from dagwright.rendering.sample import SampleWindow

if TYPE_CHECKING:
    from dagwright.parse.nodes import Manifest, Node

log = logging.getLogger("dagwright")


@dataclass
class RunContext:
    """Everything the same for every node of one invocation."""

    project_name: str
    project_vars: Mapping[str, Any]
    cli_vars: Mapping[str, Any]
    target: Mapping[str, Any]
    macros: MacroRegistry
    quote: Callable[[str], str]
    render_relation: Callable[[Relation], str]
    #: which parts of a relation name are quoted: the project's (over the engine's default),
    #: and the engine's default alone (a source's name ignores the project's, as in dbt)
    quote_policy: tuple[bool, bool, bool] = (True, True, True)
    default_quote_policy: tuple[bool, bool, bool] = (True, True, True)
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    run_started_at: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc))
    flags: Mapping[str, Any] = field(default_factory=dict)
    on_log: Callable[[str], None] | None = None
    #: where ``{{ print(msg) }}`` goes (the run's log: -q and --no-print apply); None: stdout
    on_print: Callable[[str], None] | None = None
    #: the project's ``dispatch:`` entries ({macro_namespace, search_order})
    dispatch: Sequence[Mapping[str, Any]] = ()
    #: ``invocation_args_dict``: the command line as dbt records it
    invocation_args: Mapping[str, Any] = field(default_factory=dict)
    #: ``selected_resources``: unique_ids the command selected (set by the command)
    selected_resources: Sequence[str] = ()
    #: ``{% docs %}`` blocks: (package, name) -> text, for ``doc()``
    docs: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: per-invocation values built once on first use (the graph)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    #: each installed package's own ``vars:`` (from its dbt_project.yml)
    package_vars: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: which warnings are errors (exceptions.warn); None: none
    warn_error: WarnErrorPolicy | None = None
    #: --defer: unique_id -> the other environment's relation its refs read (execute/defer.py)
    deferred: Mapping[str, Relation] = field(default_factory=dict)
    #: --empty: every ref and source reads no rows (rendering/event_time.py)
    empty: bool = False
    #: --sample: the window inputs with event_time are read in (rendering/sample.py)
    sample: SampleWindow | None = None

    @property
    def adapter_type(self) -> str:
        return str(self.target.get("type") or "duckdb")

    @property
    def target_database(self) -> str | None:
        value = self.target.get("database")
        return str(value) if value else None

    def var_lookup(self, package: str | None = None) -> dict[str, Any]:
        """Vars visible to the nodes of ``package`` (default: the root project), as dbt layers
        them: an installed package's own vars (globals, then its scope), then the root
        project's globals and its scope for that package, then --vars."""
        scope = package or self.project_name
        merged: dict[str, Any] = {}
        layers = [self.project_vars]
        if scope != self.project_name:
            layers.insert(0, self.package_vars.get(scope) or {})
        for layer in layers:
            for key, value in layer.items():
                if key != scope and key not in self.package_vars and key != self.project_name:
                    merged[key] = value
            scoped = layer.get(scope)
            if isinstance(scoped, Mapping):
                merged.update(scoped)
        merged.update(self.cli_vars)
        return merged

    def make_relation(self, relation: Relation, kind: str | None = None) -> JinjaRelation:
        return JinjaRelation(relation, self.render_relation(relation), kind, self.render_relation, self.quote_policy)

    def doc(self, *args: Any) -> str:
        """``doc('name')`` or ``doc('package', 'name')``: a ``{% docs %}`` block's text."""
        if len(args) == 1:
            package, name = None, str(args[0])
        elif len(args) == 2:
            package, name = str(args[0]), str(args[1])
        else:
            raise CompilationError(f"doc() takes 1 or 2 arguments, got {len(args)}")
        for (pkg, doc_name), text in self.docs.items():
            if doc_name == name and (package is None or package == pkg):
                if package is None and pkg != self.project_name and (self.project_name, name) in self.docs:
                    continue  # the root project's block wins
                return text
        shown = f"{package}.{name}" if package else name
        raise CompilationError(
            f"Documentation for '{shown}' not found",
            hint=did_you_mean(name, [n for _, n in self.docs]) or "define it in a {% docs %} block in a .md file",
        )

    def base_values(self, node_name: str | None, package: str | None = None) -> dict[str, Any]:
        vars_ = self.var_lookup(package)

        var = var_function(vars_, node_name)
        env_var = env_var_function(node_name)

        def log_fn(msg: Any, info: bool = False) -> str:
            if info and self.on_log is not None:
                self.on_log(str(msg))
            else:
                log.debug(str(msg))
            return ""

        return {
            # Jinja's own globals (range, dict, namespace, ...): a shared context skips them.
            **environment().globals,
            "var": var,
            "env_var": env_var,
            "target": dict(self.target),
            "project_name": self.project_name,
            "invocation_id": self.invocation_id,
            "run_started_at": self.run_started_at,
            "log": log_fn,
            "print": lambda msg: (self.on_print or print)(str(msg)) or "",
            "return": do_return,
            "modules": dbt_builtins.Modules,
            "exceptions": dbt_builtins.exceptions_for(self.warn_error),
            "tojson": dbt_builtins.tojson,
            "fromjson": dbt_builtins.fromjson,
            "fromyaml": dbt_builtins.fromyaml,
            "toyaml": dbt_builtins.toyaml,
            "zip": zip,
            "set": set,
            "set_strict": set,
            "flags": RecordingFlags(self.flags),
            "local_md5": lambda s: __import__("hashlib").md5(str(s).encode()).hexdigest(),
            "dbt_version": "1.11.0",
            "doc": self.doc,
            "api": Api(self.make_relation, self.target_database, jinja_engine(self.adapter_type).column),
            # shared, not copied: a run can select thousands of nodes
            "invocation_args_dict": self.invocation_args,
            "selected_resources": self.selected_resources,
            "database": self.target_database,
            "schema": self.target.get("schema"),
            "try_or_compiler_error": dbt_builtins.try_or_compiler_error,
        }

    def graph(self, manifest: Manifest) -> Mapping[str, Any]:
        graph = self.cache.get("graph")
        if graph is None or graph.manifest is not manifest:
            graph = self.cache["graph"] = LazyGraph(self.render_relation, self.run_started_at.timestamp(), manifest)
        return graph


@dataclass
class ParseRecorder:
    """What a model's template called while it was parsed."""

    refs: list[RefCall] = field(default_factory=list)
    sources: list[SourceCall] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    functions: list[tuple[str, ...]] = field(default_factory=list)


def _ref_args(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> RefCall:
    version = kwargs.get("version", kwargs.get("v"))
    if len(args) == 1:
        return RefCall(str(args[0]), None, version, current_template_line())
    if len(args) == 2:
        return RefCall(str(args[1]), str(args[0]), version, current_template_line())
    raise CompilationError(
        f"ref() takes one or two arguments (a model name, or a package and a model name), got {len(args)}",
        line=current_template_line(),
    )


def _source_args(args: tuple[Any, ...]) -> SourceCall:
    if len(args) != 2:
        raise CompilationError(
            f"source() takes two arguments (a source name and a table name), got {len(args)}",
            line=current_template_line(),
        )
    return SourceCall(str(args[0]), str(args[1]), current_template_line())


class MacroNamespace:
    """``dbt.<macro>`` and ``<project>.<macro>``: one package's macros."""

    def __init__(self, registry: MacroRegistry, package: str, ctx: LazyContext) -> None:
        self._registry = registry
        self._package = package
        self._ctx = ctx

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        macro = self._registry.lookup(self._package, name, self._ctx)
        if macro is None:
            if self._package == "dbt" and name in DBT_GLOBAL_MACROS:
                return unsupported_dbt_macro(name)  # dbt has it, dagwright not: say so when called
            raise AttributeError(f"'{self._package}' has no macro named '{name}'")
        return macro

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._registry.packages.get(self._package, {})

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default  # noqa: SIM401 - self.get would recurse

    def __repr__(self) -> str:
        return f"<macro namespace {self._package}>"


def _model_values(node: Node, batch: BatchWindow | None = None) -> dict[str, Any]:
    """``model``: the node as dbt's templates read it (the commonly used keys; ``batch`` while
    a microbatch model's batch compiles)."""
    values = {
        "name": node.name,
        "unique_id": node.unique_id,
        "resource_type": node.resource_type,
        "package_name": node.package_name,
        "path": node.path,
        "original_file_path": node.original_file_path,
        "fqn": list(node.fqn),
        "alias": node.alias,
        "schema": node.schema,
        "database": node.database,
        "config": dict(node.config),
        "tags": list(node.tags),
        "description": node.description,
        "meta": dict(node.meta),
        "raw_code": node.raw_code,
        "raw_sql": node.raw_code,
        "language": node.language,
        "refs": [{"name": r.name, "package": r.package, "version": r.version} for r in node.refs],
        "sources": [[s.source_name, s.table_name] for s in node.sources],
        "depends_on": {"nodes": list(node.depends_on), "macros": list(node.depends_on_macros)},
        "columns": {
            name: {"name": c.name, "description": c.description, "data_type": c.data_type, "meta": dict(c.meta)}
            for name, c in node.columns.items()
        },
    }
    if node.resource_type == "model":  # a post-hook may build a latest-version view (dbt's docs)
        values.update(version=node.version, latest_version=node.latest_version, deprecation_date=node.deprecation_date)
    if batch is not None:
        values["batch"] = batch.model_value()
    return values


def runtime_context(
    run: RunContext,
    values: dict[str, Any],
    *,
    manifest: Manifest | None,
    session: StatementSession | None,
    parsing: bool,
    package: str | None = None,
) -> LazyContext:
    """A LazyContext with everything dbt gives templates beyond the basics: ``adapter``,
    ``statement``/``load_result``, ``graph``, ``builtins``, the ``dbt`` and project macro
    namespaces, ``context``, ``render``."""
    results: dict[str, AttrDict | None] = {}

    def store_result(name: str, response: Any = None, agate_table: Table | None = None) -> str:
        table = agate_table if agate_table is not None else Table([], [])
        results[name] = AttrDict(response=response, data=[row.values() for row in table.rows], table=table)
        return ""

    def store_raw_result(
        name: str, message: Any = None, code: Any = None, rows_affected: Any = None, agate_table: Table | None = None
    ) -> str:
        return store_result(name, AdapterResponse(str(message or ""), code, rows_affected), agate_table)

    def load_result(name: str) -> AttrDict | None:
        if name not in results:
            return None
        if name == "main":
            return results["main"]
        value = results[name]
        if value is None:
            raise CompilationError(f"The 'statement' result named '{name}' has already been loaded into a variable")
        results[name] = None
        return value

    facade = AdapterFacade(
        adapter_type=run.adapter_type,
        registry=run.macros,
        dispatch_config=run.dispatch,
        quote=run.quote,
        make_relation=run.make_relation,
        default_database=run.target_database,
        session=session,
        parsing=parsing,
        quote_policy=run.quote_policy,
    )
    builtins = {k: values[k] for k in ("ref", "source", "config") if k in values}
    # A project macro named ref or source replaces the built-in one (builtins.ref stays).
    names = run.macros.namespace(package)
    for name in ("ref", "source"):
        if name in names:
            values.pop(name, None)
    values.update(
        adapter=facade,
        store_result=store_result,
        store_raw_result=store_raw_result,
        load_result=load_result,
        builtins=builtins,
        graph=run.graph(manifest) if manifest is not None and not parsing else {},
        write=lambda text: _write(session, text),
    )
    values.setdefault("execute", not parsing)
    ctx = LazyContext(values, run.macros, package)
    ctx.lenient = parsing
    facade.ctx = ctx
    ctx.package_namespace = lambda package: MacroNamespace(run.macros, package, ctx)

    def render(text: str) -> str:
        return render_template(compile_template(str(text), "<render>"), ctx)

    dict.__setitem__(ctx, "render", render)
    dict.__setitem__(ctx, "context", ctx)
    return ctx


def _write(session: StatementSession | None, text: Any) -> str:
    """dbt's ``write(payload)``: the node's target/run file (its ``statement('main')`` calls it)."""
    if session is not None:
        session.write_main(str(text))
    return ""


def _parse_is_incremental() -> bool:
    record_macro_call("macro.dbt.is_incremental")  # a macro in dbt: the node depends on it
    return False


def parse_context(run: RunContext, node: Node, recorder: ParseRecorder) -> LazyContext:
    """The context for rendering a model at parse time: records ref/source/config.

    As in dbt: ``execute`` is False, statements do not run, ``run_query`` returns nothing, the
    adapter answers without the database, and an undefined name renders as nothing.
    """

    def ref(*args: Any, **kwargs: Any) -> JinjaRelation:
        call = _ref_args(args, kwargs)
        recorder.refs.append(call)
        rel = Relation(node.database, node.schema, call.name)
        return run.make_relation(rel)

    def source(*args: Any) -> JinjaRelation:
        call = _source_args(args)
        recorder.sources.append(call)
        rel = Relation(node.database, call.source_name, call.table_name)
        return run.make_relation(rel)

    def function(*args: Any) -> JinjaRelation:
        recorder.functions.append(function_call(args))
        return run.make_relation(Relation(node.database, node.schema, str(args[-1])), "function")

    values = run.base_values(node.name, node.package_name)
    this = run.make_relation(node.relation)
    values.update(
        ref=ref,
        source=source,
        function=function,
        config=ConfigObject(recorder.config, recorder.config.update),
        this=this,
        model=_model_values(node),
        is_incremental=_parse_is_incremental,
        execute=False,
        sql="",
        database=node.database,
        schema=node.schema,
    )
    return runtime_context(run, values, manifest=None, session=None, parsing=True, package=node.package_name)


@dataclass
class CompileState:
    """Filled while a node compiles: ephemeral models it referenced, in first-use order.

    ``session`` is where the node's compile-time statements go (``run_query``, ``statement``,
    ``adapter.get_relation``...): the worker's guarded connection.
    """

    ephemerals: list[str] = field(default_factory=list)
    session: StatementSession | None = None
    #: a unit test's given inputs: the unique_id of a node or source -> the CTE of its rows
    fixtures: Mapping[str, str] | None = None
    #: the batch of a microbatch model being compiled: inputs with event_time are filtered to it
    batch: BatchWindow | None = None


def compile_context(
    run: RunContext,
    manifest: Manifest,
    node: Node,
    state: CompileState,
    *,
    is_incremental: Callable[[], bool],
    extra: Mapping[str, Any] | None = None,
) -> LazyContext:
    values = run.base_values(node.name, node.package_name)
    values.update(
        ref=lambda *a, **k: resolve_ref(run, manifest, node, state, _ref_args(a, k)),
        source=lambda *a: resolve_source(run, manifest, node, _source_args(a), state),
        function=lambda *a: resolve_function(run.make_relation, manifest, node, a),
        config=ConfigObject(node.config, None),
        this=run.make_relation(node.relation, node.materialized),
        model=_model_values(node, state.batch),
        is_incremental=is_incremental,
        execute=True,
        database=node.database,
        schema=node.schema,
    )
    if extra:
        values.update(extra)
    return runtime_context(
        run, values, manifest=manifest, session=state.session, parsing=False, package=node.package_name
    )


def operation_context(
    run: RunContext,
    manifest: Manifest,
    session: StatementSession | None,
    extra: Mapping[str, Any] | None = None,
) -> LazyContext:
    """The context of an on-run-start/on-run-end hook or a run-operation macro: no node,
    ``execute`` True, statements on ``session``."""
    values = run.base_values(None)
    values.update(this=None, execute=True, is_incremental=lambda: False, config=ConfigObject({}, None))
    if extra:
        values.update(extra)
    return runtime_context(run, values, manifest=manifest, session=session, parsing=False)


def ephemeral_cte_name(name: str) -> str:
    return f"__dbt__cte__{name}"


def resolve_ref(run: RunContext, manifest: Manifest, node: Node, state: CompileState, call: RefCall) -> JinjaRelation:
    unique_id = manifest.find_ref(call.name, call.package, node.package_name, call.version)
    target = manifest.nodes.get(unique_id) if unique_id else None
    if target is None:
        shown = f"'{call.name}', v={call.version!r}" if call.version else f"'{call.name}'"
        raise CompilationError(
            f"ref({shown}) does not name a model, seed or snapshot",
            line=call.line,
            hint=did_you_mean(call.name, manifest.by_name),
        )
    if target.unique_id not in node.depends_on and target.unique_id != node.unique_id:
        raise CompilationError(
            f"ref('{call.name}') was not found when the project was parsed "
            "(it is inside a block that only runs at execution time)",
            line=call.line,
            hint=f"add a line '-- depends_on: {{{{ ref('{call.name}') }}}}' at the top of the model",
        )
    if state.fixtures is not None:
        return _fixture(state.fixtures, target.unique_id, f"ref('{call.name}')", call.line)
    if target.materialized == "ephemeral" and target.resource_type == "model":
        if target.unique_id not in state.ephemerals:
            state.ephemerals.append(target.unique_id)
        name = ephemeral_cte_name(target.alias)
        relation = JinjaRelation(Relation(None, "", name), name, "cte")
    else:
        relation = run.make_relation(run.deferred.get(target.unique_id, target.relation), target.materialized)
    window = window_of(node.resource_type, state.batch, run.sample)
    return read_input(relation, target.config, target.columns, window, empty=run.empty, engine=run.adapter_type)


def _fixture(fixtures: Mapping[str, str], unique_id: str, what: str, line: int | None) -> JinjaRelation:
    """The CTE of a unit test's given rows, in place of a relation the model reads."""
    name = fixtures.get(unique_id)
    if name is None:
        raise CompilationError(
            f"the model reads {what}, which the unit test does not give",
            line=line,
            hint=f"add '- input: {what}' with its rows under 'given:'",
        )
    return JinjaRelation(Relation(None, "", name), name, "cte")


def resolve_source(
    run: RunContext, manifest: Manifest, node: Node, call: SourceCall, state: CompileState | None = None
) -> JinjaRelation:
    unique_id = manifest.find_source(call.source_name, call.table_name, node.package_name)
    source = manifest.sources.get(unique_id) if unique_id else None
    if source is None:
        known = [f"{s.source_name}.{s.name}" for s in manifest.sources.values()]
        raise CompilationError(
            f"source('{call.source_name}', '{call.table_name}') is not defined in any YAML file",
            line=call.line,
            hint=did_you_mean(f"{call.source_name}.{call.table_name}", known),
        )
    if state is not None and state.fixtures is not None:
        what = f"source('{call.source_name}', '{call.table_name}')"
        return _fixture(state.fixtures, source.unique_id, what, call.line)
    # the source's own quoting over the engine's default: dbt leaves the project's out here
    policy = source.relation.quote_policy or (None, None, None)
    explicit = tuple(d if p is None else p for p, d in zip(policy, run.default_quote_policy))
    relation = replace(source.relation, quote_policy=explicit)
    if source.external is not None:  # read from files (parse.external_sources)
        jinja = JinjaRelation(relation, source.external, "table", run.render_relation, run.quote_policy)
    else:
        jinja = run.make_relation(relation, "table")
    window = window_of(node.resource_type, state.batch if state is not None else None, run.sample)
    quoting = source.quoting.get("column")
    return read_input(
        jinja, source.config, source.columns, window, empty=run.empty, engine=run.adapter_type, column_quoting=quoting
    )
