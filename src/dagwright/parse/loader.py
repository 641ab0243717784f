"""From project files to a linked ``Manifest``.

Per model: the static path (``parse.static``) when its Jinja is simple, a parse-time
render otherwise. Then names are resolved to unique_ids, with clear errors for unknown
refs, duplicates and cycles.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from dagwright.errors import CompilationError, DagwrightError, ProjectError, did_you_mean
from dagwright.parse.analyses import parse_analyses
from dagwright.parse.checksums import seed_checksum, text_checksum
from dagwright.parse.docs import load_docs
from dagwright.parse.exposures import check_groups_and_access, link_exposures, parse_exposures, parse_groups
from dagwright.parse.link import check_relations_unique, link, operations_of, with_macro_dependencies
from dagwright.parse.macro_calls import MacroResolver
from dagwright.parse.macros import BUILTIN_PACKAGE, load_macros
from dagwright.parse.materializations import BUILTIN as MATERIALIZATIONS
from dagwright.parse.materializations import blocks_of
from dagwright.parse.nodes import (
    Exposure,
    Group,
    Macro,
    Manifest,
    Node,
    RefCall,
    SourceCall,
    SourceTable,
    evolve,
    new_node,
)
from dagwright.parse.python_models import parse_python_model
from dagwright.parse.set_aside import collect_unsupported
from dagwright.parse.snapshots import parse_snapshots
from dagwright.parse.static import Expr, analyze
from dagwright.parse.tests import TEST_CONFIG_DEFAULTS, TestBuilder, TestTarget
from dagwright.parse.yaml_render import YamlRenderer, check_enabled
from dagwright.project.config import ProjectConfig, as_list, merge_config
from dagwright.project.files import (
    BUILTIN_MACROS,
    ProjectFile,
    ProjectFiles,
    discover,
    read_bytes,
)
from dagwright.project.packages import InstalledPackage
from dagwright.project.properties import (
    Patch,
    Properties,
    SourceDefinition,
    TestDefinition,
    load_properties,
)
from dagwright.rendering.context import ConfigObject, MacroNamespace, ParseRecorder, RunContext, parse_context
from dagwright.rendering.generic_test_kwargs import test_kwargs
from dagwright.rendering.jinja import (
    LazyContext,
    MacroRegistry,
    compile_template,
    recording_macro_calls,
    render_error,
    render_template,
)

log = logging.getLogger(__name__)
# their homes are project.files and parse.macros
__all__ = ["BUILTIN_MACROS", "BUILTIN_PACKAGE", "ProjectFiles", "discover", "load_macros"]


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
        #: source tables whose config disables them
        self.disabled_sources: dict[str, SourceTable] = {}
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
            finish=self._finish,
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
    def _finish(self, node: Node, config: dict[str, Any]) -> Node:
        if type(config.get("enabled", True)) is not bool:
            check_enabled(config, node.original_file_path, node.unique_id)
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
            constraints=patch.constraints,
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
            return refs, sources, _static_config(parts), parts, called
        template = compile_template(text, rel, unique_id)
        self.templates[unique_id] = template
        recorder = ParseRecorder()
        provisional = self._finish(node, config)
        with recording_macro_calls() as calls:
            try:
                render_template(template, parse_context(self.run, provisional, recorder))
            except Exception as exc:
                raise render_error(exc, rel, unique_id) from None
        return recorder.refs, recorder.sources, recorder.config, None, tuple(calls)

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
        refs, sources, in_file, parts, called = self.template_calls(node, raw, config)
        config = merge_config(config, in_file)
        if self.root is not None:  # the root project's folder config, over the package's in-file config (dbt)
            root_tree = self.root.tests if resource_type == "test" else self.root.models
            config = merge_config(config, root_tree.resolve(fqn))
        if resource_type == "test":
            config["severity"] = str(config.get("severity") or "ERROR")  # as written, like dbt
        materialized = config.get("materialized")
        if materialized not in MATERIALIZATIONS and materialized not in self.custom_materializations:
            raise ProjectError(
                f"unknown materialization '{materialized}'",
                path=rel,
                node=unique_id,
                hint=did_you_mean(str(materialized), MATERIALIZATIONS[:5])
                or f"use one of: {', '.join(MATERIALIZATIONS[:5])}",
            )
        if resource_type != "test" and (hook_calls := self.hook_macros(config)):
            called = tuple(dict.fromkeys((*called, *hook_calls)))
        node = evolve(
            node, refs=tuple(refs), sources=tuple(sources), static=parts is not None, depends_on_macros=called
        )
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
        if isinstance(value, str):
            return self.yaml.value(value, path)
        if isinstance(value, Mapping):
            return {k: self.render_yaml_value(v, path) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render_yaml_value(v, path) for v in value]
        return value

    def parse_sources(self, definitions: list[SourceDefinition]) -> dict[str, SourceTable]:
        from dagwright.parse.sources import parse_sources

        return parse_sources(self, definitions)


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
    exposures: dict[str, Exposure] = {}
    disabled_exposures: dict[str, Exposure] = {}
    groups: dict[str, Group] = {}
    for project_loader, project_files in projects:
        props = load_properties(project_files.properties, project_loader.yaml.entry)
        properties.append(props)
        groups.update(parse_groups(project_loader.project, props.group_entries))
        enabled, off = parse_exposures(project_loader.project, project, props.exposure_entries)
        exposures.update(enabled)
        disabled_exposures.update(off)
        for file in project_files.seeds:
            add(project_loader.parse_seed(file, props.patches.get(("seed", file.stem))))
        for file in project_files.models:
            add(project_loader.parse_model(file, props.patches.get(("model", file.stem))))
        for file in project_files.python_models:
            add(parse_python_model(project_loader, file, props.patches.get(("model", file.stem))))
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
                quote_columns=patch.quote_columns,
            )
            group = nodes[target_id].config.get("group") if active else None
            for definition in patch.tests:
                test = project_loader.tests.generic(target, definition)
                if group:
                    test = evolve(test, attached_group=group)
                if active or not test.enabled:
                    add_test(test)
                else:
                    inactive_tests[test.unique_id] = evolve(test, config={**test.config, "enabled": False})
        for target, definitions in project_loader.source_tests:
            if target.unique_id in sources:
                for definition in definitions:
                    add_test(project_loader.tests.generic(target, definition))
        for file in project_files.singular_tests:
            add_test(project_loader.parse_model(file, props.patches.get(("test", file.stem)), resource_type="test"))
    project_macros = with_macro_dependencies(macros[0], run) if macros else {}
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
        operations=operations_of(project, packages, loader, projects),
        docs=docs,
        ref_index=ref_index,
        source_index=source_index,
        package_roots={p.name: str(p.install_dir) for p in packages},
        ref_package_first=ref_package_first,
        unsupported=collect_unsupported([(pl.project, pf, p) for (pl, pf), p in zip(projects, properties)], nodes),
        exposures=exposures,
        disabled_exposures=disabled_exposures,
        disabled_sources={uid: s for each, _ in projects for uid, s in each.disabled_sources.items()},
        groups=groups,
    )
    check_relations_unique(nodes.values(), run.render_relation)
    manifest = link_exposures(link(manifest))
    restricted = frozenset(p.name for p in packages if p.config.raw.get("restrict-access") is True)
    check_groups_and_access(manifest, restricted)
    return manifest, loader


def _yml_folders(project: ProjectConfig, yml_path: str) -> tuple[str, ...]:
    """Folders of a property file below its resource folder (they go into test fqns)."""
    for root in (
        *project.model_paths,
        *project.seed_paths,
        *project.snapshot_paths,
        *project.macro_paths,
        *project.test_paths,
        *project.analysis_paths,
    ):
        prefix = root.strip("/") + "/"
        if yml_path.startswith(prefix):
            return tuple(yml_path[len(prefix) :].split("/")[:-1])
    return ()
