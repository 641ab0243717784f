"""From project files to a linked ``Manifest``.

Per model: the static path (``parse.static``) when its Jinja is simple, a parse-time
render otherwise. Then names are resolved to unique_ids, with clear errors for unknown
refs, duplicates and cycles.
"""

from __future__ import annotations

import graphlib
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from dagwright.adapters.base import Relation
from dagwright.errors import CompilationError, DagwrightError, ProjectError, did_you_mean
from dagwright.parse.analyses import parse_analyses
from dagwright.parse.checksums import seed_checksum, text_checksum
from dagwright.parse.docs import load_docs, project_operations
from dagwright.parse.freshness import resolve_source_freshness
from dagwright.parse.nodes import (
    Macro,
    Manifest,
    Node,
    Operation,
    RefCall,
    SourceCall,
    SourceTable,
    evolve,
    new_node,
)
from dagwright.parse.snapshots import parse_snapshots
from dagwright.parse.static import Expr, analyze
from dagwright.parse.tests import TEST_CONFIG_DEFAULTS, TestBuilder, TestTarget
from dagwright.project.config import ProjectConfig, merge_config
from dagwright.project.files import (
    BUILTIN_MACROS,
    ProjectFile,
    ProjectFiles,
    builtin_macro_files,
    discover,
    read_bytes,
)
from dagwright.project.packages import InstalledPackage
from dagwright.project.properties import (
    Patch,
    Properties,
    SourceDefinition,
    TestDefinition,
    _columns,
    _test_list,
    load_properties,
)
from dagwright.rendering.context import ConfigObject, MacroNamespace, ParseRecorder, RunContext, parse_context
from dagwright.rendering.jinja import (
    LazyContext,
    MacroFile,
    MacroRegistry,
    MacroSource,
    compile_template,
    dependency_free_macros,
    macro_infos,
    render_error,
    render_template,
)

MATERIALIZATIONS = (
    "view",
    "table",
    "ephemeral",
    "incremental",
    "materialized_view",
    "snapshot",
    "seed",
    "test",
)

_MACRO_BLOCK = re.compile(r"{%-?\s*(macro|test)\s+(\w+)\b.*?{%-?\s*end(?:macro|test)\s*-?%}", re.S)


BUILTIN_PACKAGE = "dbt"
log = logging.getLogger(__name__)
__all__ = ["BUILTIN_MACROS", "ProjectFiles", "discover"]  # their home is project.files


def load_macros(
    project: ProjectConfig,
    files: list[ProjectFile],
    known_infos: Mapping[str, Any] | None = None,
    used_infos: dict[str, Any] | None = None,
    packages: Sequence[tuple[str, list[ProjectFile]]] = (),
) -> tuple[dict[str, Macro], MacroRegistry]:
    """The project's macros (and custom generic tests) over dagwright's built-in ones.

    A project macro replaces a built-in macro of the same name, as a root-project macro
    does in dbt. ``known_infos`` (file digest -> what the file defines, from the parse
    cache) saves parsing unchanged files with Jinja; ``used_infos`` receives this
    project's entries for the next cache. ``packages``: (name, macro files) of each
    installed package, reachable as ``<package>.<macro>`` (and by bare name from the
    package's own nodes).
    """
    from dagwright.parse.cache import file_digest
    from dagwright.parse.macro_index import builtin_macro_index

    known_infos = {**builtin_macro_index(), **(known_infos or {})}
    macros: dict[str, Macro] = {}
    by_name: dict[str, MacroFile] = {}
    by_package: dict[str, dict[str, MacroFile]] = {}
    reads: dict[str, frozenset[str]] = {}
    reads_by_package: dict[str, dict[str, frozenset[str]]] = {}
    sources = [(BUILTIN_PACKAGE, f) for f in builtin_macro_files()]
    for package_name, package_files in packages:
        sources += [(package_name, f) for f in package_files]
    sources += [(project.name, f) for f in files]
    for package, file in sources:
        text = file.path.read_text(encoding="utf-8")
        rel = file.original_file_path
        digest = file_digest(text.encode("utf-8"))
        infos = known_infos.get(digest)
        if infos is None:
            infos = macro_infos(text, rel)
        if used_infos is not None:
            used_infos[digest] = infos
        found = [(name, line, args) for name, line, args, _ in infos]
        for name, _, _, names_read in infos:
            reads_by_package.setdefault(package, {})[name] = names_read
            if package in (BUILTIN_PACKAGE, project.name):
                reads[name] = names_read
        if not found:
            continue
        blocks = {}
        for m in _MACRO_BLOCK.finditer(text):
            name = m.group(2) if m.group(1) == "macro" else f"test_{m.group(2)}"
            blocks[name] = m.group(0)
        macro_file = MacroFile(MacroSource(file.path, rel, text, tuple(n for n, _, _ in found)))
        for name, line, args in found:
            unique_id = f"macro.{package}.{name}"
            if unique_id in macros:
                raise ProjectError(
                    f"macro '{name}' is defined twice: in {macros[unique_id].original_file_path} and in {rel}",
                    path=rel,
                    line=line,
                )
            macros[unique_id] = Macro(
                unique_id=unique_id,
                name=name,
                package_name=package,
                path=file.relative if package != BUILTIN_PACKAGE else rel,
                original_file_path=rel,
                macro_sql=blocks.get(name, ""),
                line=line,
                arguments=args,
            )
            own = macro_file
            if package == BUILTIN_PACKAGE and name in blocks:
                # each built-in macro compiles alone, on first use (its lines kept for errors)
                own = MacroFile(MacroSource(file.path, rel, "\n" * (line - 1) + blocks[name], (name,)))
            if package in (BUILTIN_PACKAGE, project.name):
                by_name[name] = own  # an installed package's macros are not global names (dbt)
            by_package.setdefault(package, {})[name] = own
    registry = MacroRegistry(by_name, by_package, root=project.name)
    registry.installed = frozenset(name for name, _ in packages)
    registry.reads = reads_by_package
    registry.pure = dependency_free_macros(reads, frozenset({project.name, BUILTIN_PACKAGE, *registry.installed}))
    return macros, registry


class NameGenerator:
    """dbt's generate_schema_name / generate_alias_name / generate_database_name,
    or the project's own macros of those names."""

    def __init__(
        self, run: RunContext, target_schema: str, target_database: str | None, package: str | None = None
    ) -> None:
        self.run = run
        self.target_schema = target_schema
        self.target_database = target_database
        # dbt: a package's own generate_*_name for its nodes, else the root project's, else the default
        self.package = package
        names = run.macros.namespace(package)
        builtin = run.macros.packages.get(BUILTIN_PACKAGE, {})
        self._custom = {  # a project's (or package's) own macro, not the built-in default
            kind: names.get(kind) not in (None, builtin.get(kind))
            for kind in ("generate_schema_name", "generate_alias_name", "generate_database_name")
        }

    def _call(self, macro: str, value: Any, node: Node) -> str:
        ctx = LazyContext(self.run.base_values(node.name, self.package), self.run.macros, self.package)
        ctx.package_namespace = lambda package: MacroNamespace(self.run.macros, package, ctx)  # dbt.<macro>
        ctx["this"] = None
        try:
            result = ctx[macro](value, _NodeView(node))
        except DagwrightError:
            raise
        except Exception as exc:
            raise render_error(exc, node.original_file_path, node.unique_id) from None
        return str(result).strip()

    def schema(self, custom: Any, node: Node) -> str:
        if self._custom["generate_schema_name"]:
            return self._call("generate_schema_name", custom, node)
        if not custom:
            return self.target_schema
        return f"{self.target_schema}_{str(custom).strip()}"

    def alias(self, custom: Any, node: Node) -> str:
        if self._custom["generate_alias_name"]:
            return self._call("generate_alias_name", custom, node)
        return str(custom).strip() if custom else node.name

    def database(self, custom: Any, node: Node) -> str | None:
        if self._custom["generate_database_name"]:
            return self._call("generate_database_name", custom, node)
        return str(custom).strip() if custom else self.target_database


class _NodeView:
    """What generate_*_name macros see as ``node``."""

    def __init__(self, node: Node) -> None:
        self.name = node.name
        self.resource_type = node.resource_type
        self.unique_id = node.unique_id
        self.fqn = list(node.fqn)
        self.path = node.path
        self.original_file_path = node.original_file_path
        self.package_name = node.package_name
        self.config = ConfigObject(node.config, None)
        self.tags = list(node.tags)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


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
            version = str(version) if version is not None else None
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
    return refs, sources


class ManifestLoader:
    def __init__(
        self,
        project: ProjectConfig,
        run: RunContext,
        target_schema: str,
        target_database: str | None,
        root: ProjectConfig | None = None,
    ) -> None:
        self.project = project
        #: the root project, when ``project`` is an installed package: its folder config wins (dbt)
        self.root = root if root is not None and root.name != project.name else None
        package = project.name if self.root is not None else None
        self.run = run
        self.names = NameGenerator(run, target_schema, target_database, package)
        self.target_database = target_database
        self.templates: dict[str, Any] = {}
        self.static_parts: dict[str, tuple[Any, ...]] = {}
        self.static_overridden = bool({"ref", "source"} & set(run.macros.namespace(package)))
        #: file path -> bytes already read (to compute the parse cache's key)
        self.contents: dict[Path, bytes] = {}
        #: static analyses by digest of (pure macros, text): from the parse cache, and for the next one
        self.known_parts: Mapping[str, Any] = {}
        self.used_parts: dict[str, Any] = {}
        #: unique_id -> key of its static parts in used_parts
        self.part_keys: dict[str, str] = {}
        self.pure = run.macros.pure_for(package)
        self._pure_digest = hashlib.sha256("\0".join(sorted(self.pure)).encode()).digest()
        self.source_tests: list[tuple[TestTarget, list[TestDefinition]]] = []
        names = run.macros.namespace(package)
        self.tests = TestBuilder(
            project.name,
            project.tests,
            macro_exists=lambda name: name in names,
            macro_names=lambda: list(names),
            finish=self._finish,
            target_database=target_database,
            target_schema=target_schema,
            root_tests=self.root.tests if self.root is not None else None,
            package_macros=lambda package: run.macros.packages.get(package),
            installed=sorted(run.macros.installed),
            macro_config=self.test_macro_config,
        )

    def test_macro_config(self, node: Node) -> dict[str, Any]:
        """What ``config(...)`` calls in a generic test's macro set, found as dbt finds them: by
        rendering the test at parse time (``execute`` False). dagwright's own tests set none and
        are not rendered. A test whose macro fails here keeps its other config: compiling it
        later reports the error where it belongs, with the warehouse at hand."""
        metadata = node.test_metadata or {}
        namespace, name = metadata.get("namespace"), f"test_{metadata.get('name')}"
        macros = self.run.macros
        names = macros.packages.get(namespace, {}) if namespace else macros.namespace(self.names.package)
        if names.get(name) is macros.packages.get(BUILTIN_PACKAGE, {}).get(name):
            return {}
        from dagwright.execute.compile import test_kwargs

        recorder = ParseRecorder()
        try:
            ctx = parse_context(self.run, node, recorder)
            ctx["_dbt_generic_test_kwargs"] = test_kwargs(metadata.get("kwargs") or {}, ctx, node)
            render_template(compile_template(node.raw_code, node.original_file_path, node.unique_id), ctx)
        except Exception as exc:  # any failure: see the docstring
            log.debug("config of %s not read at parse time: %s", node.unique_id, exc)
            return {}
        return recorder.config

    # -- nodes ---------------------------------------------------------------------------
    def _finish(self, node: Node, config: dict[str, Any]) -> Node:
        node = evolve(node, config=config)
        database = self.names.database(config.get("database"), node)
        schema = self.names.schema(config.get("schema"), node)
        alias = self.names.alias(config.get("alias"), node)
        # the copy is this method's own: set the names on it rather than copying again
        node.__dict__.update(database=database, schema=schema, alias=alias)
        return node

    def _apply_patch(self, node: Node, patch: Patch | None) -> Node:
        if patch is None:
            return node
        return evolve(
            node,
            description=self.render_description(patch.description, patch.file),
            columns=self.render_columns(patch.columns, patch.file),
            patch_path=f"{self.project.name}://{patch.file}",
            meta=patch.meta,
        )

    def render_description(self, text: str, path: str) -> str:
        """A description with ``{{ doc('...') }}`` (or other Jinja) rendered, as dbt does."""
        if "{{" not in text and "{%" not in text:
            return text
        return str(self.render_yaml_value(text, path))

    def render_columns(self, columns: Mapping[str, Any], path: str) -> dict[str, Any]:
        return {
            name: replace(c, description=self.render_description(c.description, path)) if "{" in c.description else c
            for name, c in columns.items()
        }

    def template_calls(
        self, node: Node, text: str, config: dict[str, Any]
    ) -> tuple[list[RefCall], list[SourceCall], dict[str, Any], tuple[Any, ...] | None]:
        """(refs, sources, in-file config, static parts or None) of a node's template.

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
            return refs, sources, _static_config(parts), parts
        template = compile_template(text, rel, unique_id)
        self.templates[unique_id] = template
        recorder = ParseRecorder()
        provisional = self._finish(node, config)
        try:
            render_template(template, parse_context(self.run, provisional, recorder))
        except Exception as exc:
            raise render_error(exc, rel, unique_id) from None
        return recorder.refs, recorder.sources, recorder.config, None

    def _analyze(self, text: str) -> tuple[str, tuple[Any, ...] | None]:
        """(cache key, ``static.analyze``'s result), the result from the parse cache if it has the text."""
        digest = hashlib.sha256(self._pure_digest + text.encode("utf-8", "surrogatepass")).hexdigest()
        parts = self.known_parts[digest] if digest in self.known_parts else analyze(text, self.pure)
        self.used_parts[digest] = parts
        return digest, parts

    def parse_model(self, file: ProjectFile, patch: Patch | None, resource_type: str = "model") -> Node:
        project = self.project
        raw_bytes = self.contents.pop(file.path, None)
        if raw_bytes is None:
            raw_bytes = read_bytes(file.path)
        rel = file.original_file_path
        try:
            text = raw_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProjectError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=rel) from None
        raw = text.strip()
        name = file.stem
        fqn = (project.name, *file.folders, name)
        unique_id = f"{resource_type}.{project.name}.{name}"
        if resource_type == "test":
            config = merge_config(TEST_CONFIG_DEFAULTS, project.tests.resolve(fqn))
        else:
            config = project.models.resolve(fqn)
            config.setdefault("materialized", "view")
        if patch is not None:
            config = merge_config(config, patch.config)
        node = new_node(
            unique_id=unique_id,
            resource_type=resource_type,
            package_name=project.name,
            name=name,
            path=file.relative,
            original_file_path=rel,
            fqn=fqn,
            raw_code=raw,
            config=config,
            database=self.target_database,
            schema=self.names.target_schema,
            alias=name,
            checksum=text_checksum(raw),
        )
        node = self._apply_patch(node, patch)
        refs, sources, in_file, parts = self.template_calls(node, raw, config)
        config = merge_config(config, in_file)
        if self.root is not None:  # the root project's folder config, over the package's in-file config (dbt)
            root_tree = self.root.tests if resource_type == "test" else self.root.models
            config = merge_config(config, root_tree.resolve(fqn))
        if resource_type == "test":
            config["severity"] = str(config.get("severity") or "ERROR")  # as written, like dbt
        materialized = config.get("materialized")
        if materialized not in MATERIALIZATIONS:
            raise ProjectError(
                f"unknown materialization '{materialized}'",
                path=rel,
                node=unique_id,
                hint=did_you_mean(str(materialized), MATERIALIZATIONS[:5])
                or f"use one of: {', '.join(MATERIALIZATIONS[:5])}",
            )
        node = evolve(node, refs=tuple(refs), sources=tuple(sources), static=parts is not None)
        return self._finish(node, config)

    def parse_seed(self, file: ProjectFile, patch: Patch | None) -> Node:
        project = self.project
        name = file.stem
        fqn = (project.name, *file.folders, name)
        config = project.seeds.resolve(fqn)
        if patch is not None:
            config = merge_config(config, patch.config)
        if self.root is not None:
            config = merge_config(config, self.root.seeds.resolve(fqn))
        config["materialized"] = "seed"
        checksum_name, checksum = seed_checksum(file.path, file.original_file_path)
        node = Node(
            unique_id=f"seed.{project.name}.{name}",
            resource_type="seed",
            package_name=project.name,
            name=name,
            path=file.relative,
            original_file_path=file.original_file_path,
            fqn=fqn,
            raw_code="",
            config=config,
            database=self.target_database,
            schema=self.names.target_schema,
            alias=name,
            checksum=checksum,
            checksum_name=checksum_name,
            static=True,
        )
        return self._finish(self._apply_patch(node, patch), config)

    def render_yaml_value(self, value: Any, path: str) -> Any:
        """Strings in property files may use Jinja (target, var, env_var), as in dbt."""
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            package = self.names.package
            ctx = LazyContext(self.run.base_values(None, package), self.run.macros, package)
            try:
                return render_template(compile_template(value, path), ctx).strip()
            except Exception as exc:  # a DagwrightError gets the file it came from
                raise render_error(exc, path, "") from None
        if isinstance(value, Mapping):
            return {k: self.render_yaml_value(v, path) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render_yaml_value(v, path) for v in value]
        return value

    def parse_sources(self, definitions: list[SourceDefinition]) -> dict[str, SourceTable]:
        project = self.project
        out: dict[str, SourceTable] = {}
        for definition in definitions:
            rel = definition.file.original_file_path
            data = {k: (v if k == "tables" else self.render_yaml_value(v, rel)) for k, v in definition.data.items()}
            tables = data.get("tables") or []
            if not isinstance(tables, list):
                raise ProjectError(f"'tables' of source '{definition.name}' must be a list", path=rel)
            source_config = dict(data.get("config") or {})
            for table in tables:
                if not isinstance(table, Mapping) or "name" not in table:
                    raise ProjectError(f"each table of source '{definition.name}' needs a 'name'", path=rel)
                raw_table = table
                table = {k: (v if k == "columns" else self.render_yaml_value(v, rel)) for k, v in table.items()}
                tname = str(table["name"])
                unique_id = f"source.{project.name}.{definition.name}.{tname}"
                if unique_id in out:
                    raise ProjectError(
                        f"source table '{definition.name}.{tname}' is defined twice "
                        f"(in {out[unique_id].original_file_path} and {rel})",
                        path=rel,
                    )
                fqn = (project.name, *definition.file.folders, definition.name, tname)
                config = merge_config(project.sources.resolve(fqn), source_config)
                config = merge_config(config, dict(table.get("config") or {}))
                if self.root is not None:
                    config = merge_config(config, self.root.sources.resolve(fqn))
                where = f"source table '{definition.name}.{tname}'"
                fresh = resolve_source_freshness(
                    definition.data,
                    raw_table,
                    project.sources.resolve(fqn),
                    where=where,
                    path=rel,
                    render=lambda value, rel=rel: self.render_yaml_value(value, rel),
                )
                columns, column_tests = _columns(table.get("columns"), rel, where)
                columns = self.render_columns(columns, rel)
                table_tests = [TestDefinition(t, None, rel) for t in _test_list(table, rel, where)]
                self.source_tests.append(
                    (
                        TestTarget(
                            unique_id=unique_id,
                            name=f"source_{definition.name}_{tname}",
                            call=f"source('{definition.name}', '{tname}')",
                            ref=None,
                            source=SourceCall(definition.name, tname),
                            yml_path=rel,
                            yml_folders=definition.file.folders,
                            file_key_name=f"sources.{definition.name}",
                        ),
                        [*table_tests, *column_tests],
                    )
                )
                database = data.get("database") or data.get("catalog") or self.target_database
                out[unique_id] = SourceTable(
                    unique_id=unique_id,
                    package_name=project.name,
                    source_name=definition.name,
                    name=tname,
                    identifier=str(table.get("identifier") or tname),
                    database=str(database) if database is not None else None,
                    schema=str(data.get("schema") or definition.name),
                    path=rel,
                    original_file_path=rel,
                    fqn=fqn,
                    description=str(table.get("description") or ""),
                    source_description=str(data.get("description") or ""),
                    columns=columns,
                    config={
                        "enabled": True,
                        "tags": [],
                        **config,
                        "freshness": fresh.freshness,
                        "loaded_at_field": fresh.loaded_at_field,
                        "loaded_at_query": fresh.loaded_at_query,
                    },
                    loader=str(data.get("loader") or ""),
                    loaded_at_field=fresh.loaded_at_field,
                    freshness=fresh.freshness,
                    meta=dict(table.get("meta") or {}),
                )
        return out


def load_manifest(
    project: ProjectConfig,
    run: RunContext,
    target_schema: str,
    target_database: str | None,
    files: ProjectFiles | None = None,
    macros: tuple[dict[str, Macro], MacroRegistry] | None = None,
    contents: dict[Path, bytes] | None = None,
    file_parts: tuple[Mapping[str, Any], dict[str, Any]] | None = None,
    packages: Sequence[InstalledPackage] = (),
    ref_package_first: bool = False,
) -> tuple[Manifest, ManifestLoader]:
    """The linked manifest. ``contents`` holds files already read; ``file_parts`` is
    (static analyses from the parse cache, where to put this parse's). ``packages``: the
    installed packages, whose nodes join the root project's (each with its own config)."""
    files = files or discover(project)
    loader = ManifestLoader(project, run, target_schema, target_database)
    if contents is not None:
        loader.contents = contents
    if file_parts is not None:
        loader.known_parts, loader.used_parts = file_parts
    docs = load_docs(project)
    for package in packages:
        docs.update(load_docs(package.config))
    run.docs = {(d.package_name, d.name): d.block_contents for d in docs.values()}

    nodes: dict[str, Node] = {}
    disabled: dict[str, Node] = {}
    inactive_tests: dict[str, Node] = {}
    by_name: dict[str, str] = {}
    #: name -> {package: unique_id} of refable nodes
    ref_index: dict[str, dict[str, str]] = {}
    seen_files: dict[tuple[str, str], str] = {}

    def add(node: Node) -> None:
        if not node.enabled:
            disabled[node.unique_id] = node
            return
        other = seen_files.get((node.package_name, node.name))
        if other is not None:
            raise ProjectError(
                f"two resources are named '{node.name}': {other} and {node.original_file_path}",
                path=node.original_file_path,
                hint="rename one of them (names of models, seeds and snapshots must be unique)",
            )
        seen_files[(node.package_name, node.name)] = node.original_file_path
        nodes[node.unique_id] = node
        ref_index.setdefault(node.name, {})[node.package_name] = node.unique_id
        if node.package_name == project.name or node.name not in by_name:
            by_name[node.name] = node.unique_id

    def add_test(node: Node) -> None:
        if not node.enabled:
            disabled[node.unique_id] = node
            return
        if node.unique_id in nodes:
            raise ProjectError(
                f"two tests would be named '{node.name}' (the same test twice on one column?)",
                path=node.original_file_path,
                hint="give one of them a different 'name:'",
            )
        nodes[node.unique_id] = node

    # the root project first, then each package with a loader of its own sharing the caches
    projects: list[tuple[ManifestLoader, ProjectFiles]] = [(loader, files)]
    for package in packages:
        package_loader = ManifestLoader(package.config, run, target_schema, target_database, root=project)
        for shared in ("contents", "known_parts", "used_parts", "part_keys", "templates", "static_parts"):
            setattr(package_loader, shared, getattr(loader, shared))
        projects.append((package_loader, package.files))
    sources: dict[str, SourceTable] = {}
    properties: list[Properties] = []
    for project_loader, project_files in projects:
        props = load_properties(project_files.properties)
        properties.append(props)
        for file in project_files.seeds:
            add(project_loader.parse_seed(file, props.patches.get(("seed", file.stem))))
        for file in project_files.models:
            add(project_loader.parse_model(file, props.patches.get(("model", file.stem))))
        for node in parse_snapshots(project_loader, project_files.snapshots, props.snapshot_entries, props.patches):
            add(node)
        sources.update(project_loader.parse_sources(props.sources))
        nodes.update((n.unique_id, n) for n in parse_analyses(project_loader, project_files.analyses))

    for (project_loader, project_files), props in zip(projects, properties):
        package_name = project_loader.project.name
        for patch in props.patches.values():
            if not patch.tests:
                continue
            target_id = ref_index.get(patch.name, {}).get(package_name)
            active = target_id is not None and target_id.startswith(f"{patch.resource_type}.")
            if not active:
                # dbt still parses the tests of a missing or disabled node, and keeps them, disabled
                disabled_id = f"{patch.resource_type}.{package_name}.{patch.name}"
                target_id = disabled_id if disabled_id in disabled else ""
            target = TestTarget(
                unique_id=target_id,
                name=patch.name,
                call=f"ref('{patch.name}')",
                ref=RefCall(patch.name),
                source=None,
                yml_path=patch.file,
                yml_folders=_yml_folders(project_loader.project, patch.file),
                file_key_name=f"{patch.resource_type}s.{patch.name}",
            )
            for definition in patch.tests:
                test = project_loader.tests.generic(target, definition)
                if active or not test.enabled:
                    add_test(test)
                else:
                    inactive_tests[test.unique_id] = evolve(test, config={**test.config, "enabled": False})
        for target, definitions in project_loader.source_tests:
            if target.unique_id in sources:
                for definition in definitions:
                    add_test(project_loader.tests.generic(target, definition))
        for file in project_files.singular_tests:
            add_test(project_loader.parse_model(file, None, resource_type="test"))
    project_macros = macros[0] if macros else {}
    source_index: dict[str, dict[str, str]] = {}
    for source in sources.values():
        source_index.setdefault(f"{source.source_name}.{source.name}", {})[source.package_name] = source.unique_id
    manifest = Manifest(
        project_name=project.name,
        nodes=nodes,
        sources=sources,
        macros=project_macros,
        disabled=disabled,
        inactive_tests=inactive_tests,
        by_name=by_name,
        operations=_operations(project, packages),
        docs=docs,
        ref_index=ref_index,
        source_index=source_index,
        package_roots={p.name: str(p.install_dir) for p in packages},
        ref_package_first=ref_package_first,
    )
    check_relations_unique(nodes.values(), run.render_relation)
    return link(manifest), loader


def _operations(project: ProjectConfig, packages: Sequence[InstalledPackage]) -> tuple[Operation, ...]:
    """Every project's on-run-start/on-run-end hooks; dbt runs the packages' first (by name),
    the root project's last."""
    operations = [*project_operations(project)]
    for package in packages:
        operations.extend(project_operations(package.config))
    if not packages:
        return tuple(operations)
    return tuple(sorted(operations, key=lambda op: (op.package_name == project.name, op.package_name, op.index)))


def check_relations_unique(nodes: Iterable[Node], render: Callable[[Relation], str]) -> None:
    """Two nodes that would build the same table or view: dbt rejects the project (each run
    would overwrite the other's relation), naming both. Like dbt: models (ephemeral ones too),
    seeds and snapshots, compared as the engine writes their names."""
    seen: dict[str, Node] = {}
    # in dbt's parse order (models, snapshots, seeds), so the pair is named as dbt names it
    order = {"model": 0, "snapshot": 1, "seed": 2}
    for node in sorted((n for n in nodes if n.resource_type in order), key=lambda n: order[n.resource_type]):
        name = render(node.relation)
        first = seen.setdefault(name, node)
        if first is not node:
            raise CompilationError(
                f"two resources have the database representation {name}: "
                f"{first.unique_id} ({first.original_file_path}) and {node.unique_id} ({node.original_file_path})",
                path=node.original_file_path,
                node=node.unique_id,
                hint="change the alias, schema or database of one of them",
            )


def _yml_folders(project: ProjectConfig, yml_path: str) -> tuple[str, ...]:
    """Folders of a property file below its resource folder (they go into test fqns)."""
    for root in (*project.model_paths, *project.seed_paths, *project.snapshot_paths, *project.macro_paths):
        prefix = root.strip("/") + "/"
        if yml_path.startswith(prefix):
            return tuple(yml_path[len(prefix) :].split("/")[:-1])
    return ()


def link(manifest: Manifest) -> Manifest:
    """Resolve refs and sources to unique_ids; build parent/child maps; reject cycles."""
    nodes: dict[str, Node] = {}
    disabled_names = {n.name: n for n in manifest.disabled.values()}
    for unique_id, node in manifest.nodes.items():
        deps: list[str] = []
        for ref in node.refs:
            target = manifest.find_ref(ref.name, ref.package, node.package_name)
            if target is None:
                if ref.package is not None and ref.package not in manifest.package_names:
                    raise CompilationError(
                        f"ref('{ref.package}', '{ref.name}'): there is no package named '{ref.package}'",
                        path=node.original_file_path,
                        line=ref.line,
                        node=unique_id,
                        hint=did_you_mean(ref.package, manifest.package_names)
                        or "install it with 'dagwright deps' (list it in packages.yml)",
                    )
                if ref.name in disabled_names:
                    raise CompilationError(
                        f"ref('{ref.name}') names a disabled resource ({disabled_names[ref.name].original_file_path})",
                        path=node.original_file_path,
                        line=ref.line,
                        node=unique_id,
                        hint="enable it, or disable this model too",
                    )
                shown = f"'{ref.package}', '{ref.name}'" if ref.package else f"'{ref.name}'"
                where = f"package '{ref.package}'" if ref.package else "this project"
                if ref.package is not None:
                    candidates = [n for n, found in manifest.ref_index.items() if ref.package in found]
                else:
                    candidates = list(manifest.ref_index)
                raise CompilationError(
                    f"ref({shown}) does not name a model, seed or snapshot of {where}",
                    path=node.original_file_path,
                    line=ref.line,
                    node=unique_id,
                    hint=did_you_mean(ref.name, candidates),
                )
            if target not in deps:
                deps.append(target)
        for src in node.sources:
            source_id = manifest.find_source(src.source_name, src.table_name, node.package_name)
            if source_id is None:
                candidates = list(manifest.source_index)
                raise CompilationError(
                    f"source('{src.source_name}', '{src.table_name}') is not defined in any YAML file",
                    path=node.original_file_path,
                    line=src.line,
                    node=unique_id,
                    hint=did_you_mean(f"{src.source_name}.{src.table_name}", candidates),
                )
            if source_id not in deps:
                deps.append(source_id)
        nodes[unique_id] = evolve(node, depends_on=tuple(deps))

    parents = {uid: frozenset(n.depends_on) for uid, n in nodes.items()}
    for uid in manifest.sources:
        parents[uid] = frozenset()
    children_sets: dict[str, set[str]] = {uid: set() for uid in parents}
    for uid, deps in parents.items():
        for dep in deps:
            children_sets[dep].add(uid)
    check_cycles(parents, nodes)
    return replace(
        manifest,
        nodes=nodes,
        parents=parents,
        children={k: frozenset(v) for k, v in children_sets.items()},
    )


def check_cycles(parents: Mapping[str, frozenset[str]], nodes: Mapping[str, Node]) -> None:
    sorter = graphlib.TopologicalSorter(parents)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])
        first = nodes.get(cycle[0])
        raise CompilationError(
            "found a cycle: " + " -> ".join(cycle),
            path=first.original_file_path if first else None,
            hint="every node on the cycle: "
            + ", ".join(f"{u} ({nodes[u].original_file_path})" for u in dict.fromkeys(cycle) if u in nodes),
        ) from None


def relation_of(node: Node) -> Relation:
    return node.relation
