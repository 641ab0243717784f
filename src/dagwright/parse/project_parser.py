"""One project's parse (the root project's, or an installed package's): the steps every
node kind shares, as ``parse.kinds.base.ProjectScope`` describes them, and what compile
reuses (templates, static parts).

Per node: the static path (``parse.static``) when its Jinja is simple, a parse-time render
otherwise.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from dagwright.errors import CompilationError
from dagwright.parse.macro_calls import MacroResolver
from dagwright.parse.macros import BUILTIN_PACKAGE
from dagwright.parse.materializations import blocks_of
from dagwright.parse.names import NameGenerator
from dagwright.parse.nodes import ColumnInfo, Node, RefCall, SourceCall, evolve
from dagwright.parse.static import Expr, analyze
from dagwright.parse.tests import TestBuilder, TestTarget, settle_store_failures
from dagwright.parse.versions import normalize_date
from dagwright.parse.yaml_render import YamlRenderer, check_enabled
from dagwright.project.config import ProjectConfig, as_list
from dagwright.project.files import ProjectFile, read_bytes
from dagwright.project.native_jinja import SECRET_ENV_PREFIX
from dagwright.project.properties import Patch, TestDefinition
from dagwright.project.property_shapes import config_call_problem
from dagwright.rendering.context import ParseRecorder, RunContext, parse_context
from dagwright.rendering.generic_test_kwargs import test_kwargs
from dagwright.rendering.jinja import compile_template, recording_macro_calls, render_error, render_template

log = logging.getLogger(__name__)


def _static_config(parts: tuple[Any, ...]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for part in parts:
        if isinstance(part, Expr) and part.kind == "config":
            for arg in part.args:
                if isinstance(arg, Mapping):
                    config.update(arg)
            config.update(dict(part.kwargs))
    return config


def _static_calls(parts: tuple[Any, ...]) -> tuple[list[RefCall], list[SourceCall]]:
    refs: list[RefCall] = []
    sources: list[SourceCall] = []
    for part in parts:
        if not isinstance(part, Expr):
            continue
        if part.kind == "ref":
            kwargs = dict(part.kwargs)
            version = kwargs.get("version", kwargs.get("v"))
            if len(part.args) == 1:
                refs.append(RefCall(str(part.args[0]), None, version, part.line))
            elif len(part.args) == 2:
                refs.append(RefCall(str(part.args[1]), str(part.args[0]), version, part.line))
            else:
                raise CompilationError("ref() takes one or two arguments", line=part.line)
        elif part.kind == "source":
            if len(part.args) != 2:
                raise CompilationError("source() takes two arguments", line=part.line)
            sources.append(SourceCall(str(part.args[0]), str(part.args[1]), part.line))
        elif part.kind == "env_var" and part.args and str(part.args[0]).startswith(SECRET_ENV_PREFIX):
            # what the rendering context refuses when Jinja renders it (rendering.context)
            raise CompilationError(
                f"secret environment variables ({SECRET_ENV_PREFIX}*) are allowed only in profiles.yml "
                f"and packages.yml, and this reads {part.args[0]!r}",
                line=part.line,
                hint=f"pass the value some other way (a variable whose name does not start with "
                f"{SECRET_ENV_PREFIX}, or a credential of the profile)",
            )
    return refs, sources


class ParseState:
    """What the parsers of the root project and its packages share, and what compile reuses."""

    def __init__(
        self,
        contents: dict[Path, bytes] | None = None,
        known_parts: Mapping[str, Any] | None = None,
        used_parts: dict[str, Any] | None = None,
    ) -> None:
        #: file path -> bytes already read (to compute the parse cache's key)
        self.contents = {} if contents is None else contents
        #: static analyses by digest of (pure macros, text): from the parse cache, and for the next one
        self.known_parts: Mapping[str, Any] = {} if known_parts is None else known_parts
        self.used_parts = {} if used_parts is None else used_parts
        #: unique_id -> key of its static parts in used_parts
        self.part_keys: dict[str, str] = {}
        #: unique_id -> compiled template, for compile (none kept: see ``template_calls``)
        self.templates: dict[str, Any] = {}
        self.static_parts: dict[str, tuple[Any, ...]] = {}


class ProjectParser:
    """The parse of one project: ``parse.kinds.base.ProjectScope`` for the kinds."""

    def __init__(
        self,
        project: ProjectConfig,
        run: RunContext,
        target_schema: str,
        target_database: str | None,
        state: ParseState,
        root: ProjectConfig | None = None,
    ) -> None:
        self.project = project
        #: the root project, when ``project`` is an installed package: its folder config wins (dbt)
        self.root = root if root is not None and root.name != project.name else None
        package = project.name if self.root is not None else None
        self.run = run
        self.names = NameGenerator(run, target_schema, target_database, package)
        self.target_database = target_database
        self.target_schema = target_schema
        # the shared state's dictionaries, as attributes: looked up per node
        self.contents = state.contents
        self.known_parts = state.known_parts
        self.used_parts = state.used_parts
        self.part_keys = state.part_keys
        self.templates = state.templates
        self.static_parts = state.static_parts
        self.static_overridden = bool({"ref", "source"} & set(run.macros.namespace(package)))
        self.pure = run.macros.pure_for(package)
        self._pure_digest = hashlib.sha256("\0".join(sorted(self.pure)).encode()).digest()
        self.source_tests: list[tuple[TestTarget, list[TestDefinition]]] = []
        #: function() calls of nodes rendered at parse time, until ``finish`` sets them on the node
        self.function_calls: dict[str, tuple[tuple[str, ...], ...]] = {}
        #: Jinja in the project's property files
        self.yaml = YamlRenderer(run, package, project.root)
        #: macro names as this project's nodes see them, for depends_on.macros
        self.macro_resolver = MacroResolver(run.macros, package, run.adapter_type, run.dispatch)
        names = run.macros.namespace(package)
        self.tests = TestBuilder(
            project.name,
            project.tests,
            macro_exists=lambda name: name in names,
            macro_names=lambda: list(names),
            finish=self.finish,
            target_database=target_database,
            target_schema=target_schema,
            root_tests=self.root.tests if self.root is not None else None,
            package_macros=lambda package: run.macros.packages.get(package),
            installed=sorted(run.macros.installed),
            macro_config=self.test_macro_config,
            render_config=self.yaml.test_config,
            quote=run.quote,
        )

    @cached_property
    def custom_materializations(self) -> frozenset[str]:
        """What the project's and packages' ``{% materialization %}`` blocks are named (a model
        using one parses; ``parse.unsupported`` stops a command that would build it)."""
        return frozenset(b.name for b in blocks_of(self.run.macros.packages))

    def test_macro_config(self, node: Node) -> tuple[dict[str, Any], tuple[str, ...]]:
        """What ``config(...)`` calls in a generic test's macro set, found as dbt finds them: by
        rendering the test at parse time (``execute`` False), and the macros the test calls
        itself (dbt's depends_on.macros: its test macro, then ``get_where_subquery`` and what
        its arguments call). dagwright's own tests set no config and are not rendered. A test
        whose macro fails here keeps its other config: compiling it later reports the error
        where it belongs, with the warehouse at hand."""
        metadata = node.test_metadata or {}
        namespace, name = metadata.get("namespace"), f"test_{metadata.get('name')}"
        macros = self.run.macros
        names = macros.packages.get(namespace, {}) if namespace else macros.namespace(self.names.package)
        test_macro = names.get(name)
        own = (macros.unique_id(name, test_macro),) if test_macro is not None else ()
        if test_macro is macros.packages.get(BUILTIN_PACKAGE, {}).get(name):
            if name in ("test_not_null", "test_unique"):
                return {}, own  # dbt does not render these two
            where = self.macro_resolver.resolve("get_where_subquery", None)
            return {}, (*own, *((where,) if where else ()))
        recorder = ParseRecorder()
        with recording_macro_calls() as calls:
            try:
                ctx = parse_context(self.run, node, recorder)
                ctx["_dbt_generic_test_kwargs"] = test_kwargs(metadata.get("kwargs") or {}, ctx, node)
                render_template(compile_template(node.raw_code, node.original_file_path, node.unique_id), ctx)
            except Exception as exc:  # any failure: see the docstring
                log.debug("config of %s not read at parse time: %s", node.unique_id, exc)
                recorder.config.clear()
        return recorder.config, tuple(dict.fromkeys((*own, *calls)))

    # -- nodes ---------------------------------------------------------------------------
    @property
    def root_project(self) -> ProjectConfig:
        return self.root if self.root is not None else self.project

    def read_bytes(self, file: ProjectFile) -> bytes:
        data = self.contents.pop(file.path, None)
        return read_bytes(file.path) if data is None else data

    def finish(self, node: Node, config: dict[str, Any]) -> Node:
        if type(config.get("enabled", True)) is not bool:
            check_enabled(config, node.original_file_path, node.unique_id)
        if node.resource_type == "test":
            settle_store_failures(config)
        node = evolve(node, config=config)
        if node.unique_id in self.function_calls:
            node.__dict__["functions"] = self.function_calls.pop(node.unique_id)
        database = self.names.database(config.get("database"), node)
        schema = self.names.schema(config.get("schema"), node)
        alias = self.names.alias(config.get("alias"), node)
        # the copy is this method's own: set the names on it rather than copying again
        node.__dict__.update(database=database, schema=schema, alias=alias)
        return node

    def apply_patch(self, node: Node, patch: Patch | None) -> Node:
        if patch is None:
            return node
        return evolve(
            node,
            description=self.render_description(patch.description, patch.file),
            columns=self.render_columns(patch.columns, patch.file),
            patch_path=f"{self.project.name}://{patch.file}",
            meta=patch.meta,
            constraints=patch.constraints,
            time_spine=patch.time_spine,
            # a version's own date is set already (parse.versions); dbt reads a naive one as local time
            deprecation_date=node.deprecation_date
            if node.deprecation_date is not None or patch.deprecation_date is None
            else normalize_date(patch.deprecation_date, f"model '{node.name}'", patch.file),
        )

    def render_description(self, text: str, path: str) -> str:
        """A description with ``{{ doc('...') }}`` (or other Jinja) rendered, as dbt does."""
        if "{{" not in text and "{%" not in text:
            return text
        return str(self.render_yaml_value(text, path))

    def render_columns(self, columns: Mapping[str, ColumnInfo], path: str) -> dict[str, ColumnInfo]:
        return {
            name: replace(c, description=self.render_description(c.description, path)) if "{" in c.description else c
            for name, c in columns.items()
        }

    def template_calls(
        self, node: Node, text: str, config: dict[str, Any]
    ) -> tuple[list[RefCall], list[SourceCall], dict[str, Any], tuple[Any, ...] | None, tuple[str, ...]]:
        """(refs, sources, in-file config, static parts or None, macros called) of a node's template.

        The static path when the Jinja is simple (and no project macro replaces ``ref`` or
        ``source``), a parse-time render otherwise; the template or parts are kept for compile.
        """
        rel, unique_id = node.original_file_path, node.unique_id
        digest, parts = (None, None) if self.static_overridden else self._analyze(text)
        if parts is not None:
            self.part_keys[unique_id] = digest
            try:
                refs, sources = _static_calls(parts)
            except CompilationError as exc:
                exc.path, exc.node = rel, unique_id
                raise
            self.static_parts[unique_id] = parts
            names = [p.name for p in parts if type(p) is Expr and p.kind == "call"]
            called = self.macro_resolver.calls(names) if names else ()
            return refs, sources, _checked(_static_config(parts), rel, unique_id), parts, called
        # not kept for compile (``ParseState.templates``): ~6 KB each, held by a large project's
        # every Jinja model for the whole command; compile makes it again, as after a parse
        # read from the cache
        template = compile_template(text, rel, unique_id)
        recorder = ParseRecorder()
        provisional = self.finish(node, config)
        with recording_macro_calls() as calls:
            try:
                render_template(template, parse_context(self.run, provisional, recorder))
            except Exception as exc:
                raise render_error(exc, rel, unique_id) from None
        if recorder.functions:  # the node's function() calls: ``finish`` sets them on the node
            self.function_calls[unique_id] = tuple(dict.fromkeys(recorder.functions))
        return recorder.refs, recorder.sources, _checked(recorder.config, rel, unique_id), None, tuple(calls)

    def hook_macros(self, config: Mapping[str, Any]) -> tuple[str, ...]:
        """The macros a node's pre- and post-hooks call (dbt renders them at parse time)."""
        if not config.get("pre-hook") and not config.get("post-hook"):
            return ()
        hooks = [*as_list(config.get("pre-hook")), *as_list(config.get("post-hook"))]
        if not hooks:
            return ()
        return self.macro_resolver.calls_in(str(h.get("sql", "")) if isinstance(h, Mapping) else str(h) for h in hooks)

    def _analyze(self, text: str) -> tuple[str, tuple[Any, ...] | None]:
        """(cache key, ``static.analyze``'s result), the result from the parse cache if it has the text."""
        digest = hashlib.sha256(self._pure_digest + text.encode("utf-8", "surrogatepass")).hexdigest()
        parts = self.known_parts[digest] if digest in self.known_parts else analyze(text, self.pure)
        self.used_parts[digest] = parts
        return digest, parts

    def render_yaml_value(self, value: Any, path: str) -> Any:
        """Strings in property files may use Jinja (target, var, env_var), as in dbt."""
        if isinstance(value, str):
            return self.yaml.value(value, path)
        if isinstance(value, Mapping):
            return {k: self.render_yaml_value(v, path) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render_yaml_value(v, path) for v in value]
        return value


def _checked(config: dict[str, Any], rel: str, unique_id: str) -> dict[str, Any]:
    """``config``, a node's in-file config, when dbt would accept its values' shapes."""
    problem = config_call_problem(config) if config else None
    if problem is not None:
        raise CompilationError(problem, path=rel, node=unique_id)
    return config
