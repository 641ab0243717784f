"""What a model's Jinja can see: dbt's context, for parsing and for compiling.

``RunContext`` holds what is the same for every node of an invocation (vars, target,
invocation_id, macros, ...). ``node_context`` adds what belongs to one node (``ref``,
``source``, ``config``, ``this``, ``is_incremental``) in one of two modes:
parse (record the calls; ``execute`` is False) or compile (resolve them).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from dagwright.adapters.base import Relation
from dagwright.errors import CompilationError, did_you_mean
from dagwright.parse.nodes import RefCall, SourceCall
from dagwright.rendering.jinja import LazyContext, MacroRegistry, current_template_line, do_return, environment

if TYPE_CHECKING:
    from dagwright.parse.nodes import Manifest, Node

log = logging.getLogger("dagwright")


class JinjaRelation:
    """A relation as Jinja sees it: prints as quoted SQL, has dbt's common attributes."""

    def __init__(self, relation: Relation, rendered: str, kind: str | None = None) -> None:
        self._relation = relation
        self._rendered = rendered
        self.type = kind

    database = property(lambda self: self._relation.database)
    schema = property(lambda self: self._relation.schema)
    identifier = property(lambda self: self._relation.identifier)
    name = property(lambda self: self._relation.identifier)
    table = property(lambda self: self._relation.identifier)
    is_table = property(lambda self: self.type == "table")
    is_view = property(lambda self: self.type == "view")
    is_cte = property(lambda self: self.type == "cte")

    def render(self) -> str:
        return self._rendered

    def __str__(self) -> str:
        return self._rendered

    def __html__(self) -> str:
        return self._rendered

    def __repr__(self) -> str:
        return f"<Relation {self._rendered}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JinjaRelation):
            return self._rendered == other._rendered
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._rendered)


class ConfigObject:
    """``config(...)`` in a model, plus ``config.get`` / ``config.require``."""

    def __init__(self, values: Mapping[str, Any], on_call: Callable[[dict[str, Any]], None] | None) -> None:
        self._values = values
        self._on_call = on_call

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        values: dict[str, Any] = {}
        for arg in args:
            if isinstance(arg, Mapping):
                values.update(arg)
        values.update(kwargs)
        if self._on_call is not None:
            self._on_call(values)
        return ""

    def get(self, key: str, default: Any = None, validator: Any = None) -> Any:
        value = self._values.get(key)
        return default if value is None else value

    def require(self, key: str, validator: Any = None) -> Any:
        if key not in self._values or self._values[key] is None:
            raise CompilationError(f"config '{key}' is required but was not set")
        return self._values[key]

    def set(self, key: str, value: Any) -> str:
        if self._on_call is not None:
            self._on_call({key: value})
        return ""

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self._values.get(key)


class _Exceptions:
    @staticmethod
    def raise_compiler_error(message: str, node: Any = None) -> None:
        raise CompilationError(str(message), line=current_template_line())

    @staticmethod
    def warn(message: str, node: Any = None) -> str:
        log.warning(str(message))
        return ""

    raise_not_implemented = raise_compiler_error


class _Modules:
    datetime = _dt
    re = re
    itertools = itertools
    json = json

    class pytz:
        utc = _dt.timezone.utc


def _tojson(value: Any, default: Any = None, sort_keys: bool = False) -> Any:
    try:
        return json.dumps(value, sort_keys=sort_keys)
    except (TypeError, ValueError):
        return default


def _fromjson(value: str, default: Any = None) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return default


def _fromyaml(value: str, default: Any = None) -> Any:
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return default


def _toyaml(value: Any, default: Any = None, sort_keys: bool = False) -> Any:
    try:
        return yaml.safe_dump(value, sort_keys=sort_keys)
    except yaml.YAMLError:
        return default


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
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    run_started_at: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc))
    flags: Mapping[str, Any] = field(default_factory=dict)
    on_log: Callable[[str], None] | None = None

    def var_lookup(self) -> dict[str, Any]:
        """Vars visible to the project's nodes: globals, then the project's scope, then --vars."""
        merged: dict[str, Any] = {}
        for key, value in self.project_vars.items():
            if key != self.project_name:
                merged[key] = value
        scoped = self.project_vars.get(self.project_name)
        if isinstance(scoped, Mapping):
            merged.update(scoped)
        merged.update(self.cli_vars)
        return merged

    def base_values(self, node_name: str | None) -> dict[str, Any]:
        vars_ = self.var_lookup()

        def var(name: str, default: Any = _MISSING) -> Any:
            if name in vars_:
                return vars_[name]
            if default is not _MISSING:
                return default
            where = f" used by {node_name}" if node_name else ""
            raise CompilationError(
                f"required var '{name}'{where} is not defined",
                line=current_template_line(),
                hint=(did_you_mean(name, vars_) or "") + " define it under 'vars:' in dbt_project.yml or pass --vars",
            )

        var.has_var = lambda name: name in vars_  # type: ignore[attr-defined]

        def env_var(name: str, default: Any = _MISSING) -> Any:
            if name in os.environ:
                return os.environ[name]
            if default is not _MISSING:
                return default
            raise CompilationError(
                f"env var '{name}' is not set and env_var() was called without a default",
                line=current_template_line(),
            )

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
            "print": lambda msg: print(msg) or "",
            "return": do_return,
            "modules": _Modules,
            "exceptions": _Exceptions,
            "tojson": _tojson,
            "fromjson": _fromjson,
            "fromyaml": _fromyaml,
            "toyaml": _toyaml,
            "zip": zip,
            "set": set,
            "flags": dict(self.flags),
            "local_md5": lambda s: __import__("hashlib").md5(str(s).encode()).hexdigest(),
            "dbt_version": "1.11.0",
        }


class _Missing:
    pass


_MISSING: Any = _Missing()


@dataclass
class ParseRecorder:
    """What a model's template called while it was parsed."""

    refs: list[RefCall] = field(default_factory=list)
    sources: list[SourceCall] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)


def _ref_args(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> RefCall:
    version = kwargs.get("version", kwargs.get("v"))
    if len(args) == 1:
        return RefCall(str(args[0]), None, str(version) if version is not None else None, current_template_line())
    if len(args) == 2:
        return RefCall(
            str(args[1]), str(args[0]), str(version) if version is not None else None, current_template_line()
        )
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


def parse_context(run: RunContext, node: Node, recorder: ParseRecorder) -> LazyContext:
    """The context for rendering a model at parse time: records ref/source/config."""

    def ref(*args: Any, **kwargs: Any) -> JinjaRelation:
        call = _ref_args(args, kwargs)
        recorder.refs.append(call)
        rel = Relation(node.database, node.schema, call.name)
        return JinjaRelation(rel, run.render_relation(rel))

    def source(*args: Any) -> JinjaRelation:
        call = _source_args(args)
        recorder.sources.append(call)
        rel = Relation(node.database, call.source_name, call.table_name)
        return JinjaRelation(rel, run.render_relation(rel))

    values = run.base_values(node.name)
    this = JinjaRelation(node.relation, run.render_relation(node.relation))
    values.update(
        ref=ref,
        source=source,
        config=ConfigObject(recorder.config, recorder.config.update),
        this=this,
        model={"name": node.name, "unique_id": node.unique_id, "config": dict(node.config)},
        is_incremental=lambda: False,
        execute=False,
        sql="",
    )
    return LazyContext(values, run.macros)


@dataclass
class CompileState:
    """Filled while a node compiles: ephemeral models it referenced, in first-use order."""

    ephemerals: list[str] = field(default_factory=list)


def compile_context(
    run: RunContext,
    manifest: Manifest,
    node: Node,
    state: CompileState,
    *,
    is_incremental: Callable[[], bool],
    extra: Mapping[str, Any] | None = None,
) -> LazyContext:
    values = run.base_values(node.name)
    values.update(
        ref=lambda *a, **k: resolve_ref(run, manifest, node, state, _ref_args(a, k)),
        source=lambda *a: resolve_source(run, manifest, node, _source_args(a)),
        config=ConfigObject(node.config, None),
        this=JinjaRelation(node.relation, run.render_relation(node.relation), node.materialized),
        model={"name": node.name, "unique_id": node.unique_id, "config": dict(node.config)},
        is_incremental=is_incremental,
        execute=True,
    )
    if extra:
        values.update(extra)
    return LazyContext(values, run.macros)


def ephemeral_cte_name(name: str) -> str:
    return f"__dbt__cte__{name}"


def resolve_ref(run: RunContext, manifest: Manifest, node: Node, state: CompileState, call: RefCall) -> JinjaRelation:
    unique_id = manifest.by_name.get(call.name)
    target = manifest.nodes.get(unique_id) if unique_id else None
    if target is None:
        raise CompilationError(
            f"ref('{call.name}') does not name a model, seed or snapshot",
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
    if target.materialized == "ephemeral" and target.resource_type == "model":
        if target.unique_id not in state.ephemerals:
            state.ephemerals.append(target.unique_id)
        name = ephemeral_cte_name(target.name)
        return JinjaRelation(Relation(None, "", name), name, "cte")
    return JinjaRelation(target.relation, run.render_relation(target.relation), target.materialized)


def resolve_source(run: RunContext, manifest: Manifest, node: Node, call: SourceCall) -> JinjaRelation:
    unique_id = f"source.{manifest.project_name}.{call.source_name}.{call.table_name}"
    source = manifest.sources.get(unique_id)
    if source is None:
        known = [f"{s.source_name}.{s.name}" for s in manifest.sources.values()]
        raise CompilationError(
            f"source('{call.source_name}', '{call.table_name}') is not defined in any YAML file",
            line=call.line,
            hint=did_you_mean(f"{call.source_name}.{call.table_name}", known),
        )
    return JinjaRelation(source.relation, run.render_relation(source.relation), "table")
