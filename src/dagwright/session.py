"""What every command starts from: flags, project, profile target, adapter, manifest."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import gc
import logging
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagwright.adapters import ADAPTER_TYPES, check_adapter_type, create_adapter
from dagwright.adapters.base import Adapter, Relation
from dagwright.adapters.sql import SQLDialect
from dagwright.errors import DagwrightError, did_you_mean
from dagwright.flags import Flags, parse_vars
from dagwright.guard import StatementRegistry, Stop
from dagwright.parse.cache import CACHE_FILE, ParseCache, file_digest, inputs_key
from dagwright.parse.deprecations import warn_deprecated_models
from dagwright.parse.microbatch import check_microbatch_models
from dagwright.parse.nodes import Macro, Manifest
from dagwright.project import environ
from dagwright.project.config import ProjectConfig, bind_target, load_project
from dagwright.project.dbt_version import check_required_version
from dagwright.project.files import ProjectFiles, builtin_macro_files, discover, read_bytes
from dagwright.project.packages import InstalledPackage, installed_packages, root_flag
from dagwright.project.profile import Target, load_target
from dagwright.project.state import load_state
from dagwright.project.warn_error import WarnErrorPolicy, resolve_policy, warn_or_error
from dagwright.rendering.sample import SampleError, SampleWindow, sample_window

if TYPE_CHECKING:
    from dagwright.graph.selector import ExtraMethods
    from dagwright.graph.selector_definitions import Spec

    # the parser, Jinja and the selector are imported when used: a warm parse needs none
    from dagwright.parse.project_parser import ParseState
    from dagwright.project.selectors_yml import SelectorsFile
    from dagwright.rendering.context import RunContext
    from dagwright.rendering.jinja import MacroRegistry
    from dagwright.rendering.query_comment import QueryComments


log = logging.getLogger("dagwright")

#: engines whose adapters quote and name relations as SQLDialect does
PLAIN_SQL_NAMES = ("duckdb", "postgres")


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while parsing builds or serialises many small objects.

    They are all kept, so each full collection walks a growing heap for nothing: with the
    collector on, 10,000 models took twice as long as 10 times 1,000.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # what was built lives as long as the command: later collections need not walk it
        gc.freeze()
        _unfreeze_at_exit()
        if was_enabled:
            gc.enable()


@functools.cache
def _unfreeze_at_exit() -> None:
    atexit.register(_release_frozen)


def _release_frozen() -> None:
    """Frozen objects are never collected, not even at shutdown, and duckdb's bindings
    (nanobind) print a "leaked instances" report for those they own. With duckdb loaded,
    the shutdown collection gets them back; parse and ls, which never load it, skip that
    final walk over every object."""
    if "duckdb" in sys.modules:
        gc.unfreeze()


RESOURCE_TYPES = (
    "model",
    "seed",
    "snapshot",
    "test",
    "source",
    "analysis",
    "exposure",
    "metric",
    "semantic_model",
    "saved_query",
    "unit_test",
    "function",
)


def with_project_flags(flags: Flags, project: ProjectConfig) -> Flags:
    """``flags`` with the options not given on the command line (or in their environment
    variables) taken from dbt_project.yml's ``flags:`` block, as dbt takes them."""
    changes: dict[str, Any] = {}
    if flags.fail_fast is None:
        changes["fail_fast"] = bool(root_flag(project, "fail_fast"))
    if flags.indirect_selection is None:
        changes["indirect_selection"] = str(root_flag(project, "indirect_selection") or "eager")
    if flags.version_check is None:
        changes["version_check"] = root_flag(project, "version_check") is not False
    return replace(flags, **changes) if changes else flags


class Session:
    def __init__(self, flags: Flags) -> None:
        self.started = time.perf_counter()
        self.cli_vars = parse_vars(flags.vars)
        self.project: ProjectConfig = load_project(flags.project_dir, self.cli_vars)
        self.flags = flags = with_project_flags(flags, self.project)
        flags_block = self.project.raw.get("flags")
        #: which warnings stop as errors (--warn-error, --warn-error-options, flags:)
        self.warn_error: WarnErrorPolicy = resolve_policy(
            flags.warn_error, flags.warn_error_options, flags_block if isinstance(flags_block, Mapping) else {}
        )
        #: dbt's warnings met so far (a selection criterion that matches nothing), shown before the
        #: warning line of what the command ignores
        self.warnings: list[str] = []
        check_required_version(self.project.raw, self.project.name, self.project.path, bool(flags.version_check))
        self.target: Target = load_target(
            flags.profile or self.project.profile,
            flags.target,
            profiles_dir=flags.profiles_dir,
            project_dir=self.project.root,
            cli_vars=self.cli_vars,
            threads=flags.threads,
            adapter_types=ADAPTER_TYPES,
        )
        check_adapter_type(self.target)
        self.project = bind_target(self.project, self._target_values)  # dbt_project.yml may read target
        self.target_path = flags.target_path or self.project.target_path
        self.target_dir = (self.project.root / self.target_path).resolve()
        self._manifest: Manifest | None = None
        #: the selectors.yml selector used because it is the default (for the "Using" line)
        self.default_selector: str | None = None
        self._loader: ParseState | CachedParse | None = None
        #: macro file digest -> macros it defines, for the parse cache
        self._used_macro_infos: dict[str, Any] = {}
        self.invocation_id = str(uuid.uuid4())
        self.run_started_at = dt.datetime.now(dt.timezone.utc)

    @cached_property
    def adapter(self) -> Adapter:
        """Created on first use: importing an engine's module costs more than a warm parse."""
        adapter = create_adapter(self.target)
        adapter.configure_quoting(self.project.quoting)
        return adapter

    @cached_property
    def files(self) -> ProjectFiles:
        return discover(self.project)

    @cached_property
    def parse_cache(self) -> ParseCache:
        return ParseCache(self.target_dir / CACHE_FILE)

    @cached_property
    def _macros(self) -> tuple[dict[str, Macro], MacroRegistry]:
        from dagwright.parse.macros import load_macros

        return load_macros(
            self.project,
            self.files.macros,
            self.parse_cache.macro_infos,
            self._used_macro_infos,
            packages=[(p.name, p.files.macros) for p in self.packages],
        )

    @cached_property
    def packages(self) -> tuple[InstalledPackage, ...]:
        """The installed packages (dbt_packages/*), each a project of its own."""
        packages = installed_packages(self.project, self.cli_vars, self._target_values)
        verify = bool(self.flags.version_check)
        for package in packages:
            check_required_version(package.config.raw, package.name, package.config.path, verify)
        return packages

    @cached_property
    def run_context(self) -> RunContext:
        from dagwright.rendering.context import RunContext

        registry = self._macros[1]
        run = RunContext(
            project_name=self.project.name,
            project_vars=self.project.vars,
            cli_vars=self.cli_vars,
            target=self._target_values,
            macros=registry,
            quote=lambda identifier: self.dialect.quote(identifier),
            render_relation=self.render_relation,
            quote_policy=self.dialect.quote_policy,
            default_quote_policy=self.dialect.default_quote_policy,
            flags=self._flag_values,
            dispatch=tuple(self.project.dispatch),
            package_vars={p.name: p.config.vars for p in self.packages},
            invocation_args={**self.flags.as_args_safe(), **dict(self.flags.extra)},
            invocation_id=self.invocation_id,
            run_started_at=self.run_started_at,
            warn_error=self.warn_error,
            # --empty / DBT_EMPTY: every input read as no rows (dbt: run, build, compile, snapshot)
            empty=bool(self.flags.extra.get("empty")) and self.flags.command in EMPTY_COMMANDS,
            sample=self.sample,
        )
        if self._manifest is not None:
            run.docs = docs_lookup(self._manifest)
        return run

    @cached_property
    def sample(self) -> SampleWindow | None:
        """--sample / DBT_SAMPLE's window, from the run's start (dbt: run and build only)."""
        if not self.flags.sample or self.flags.command not in SAMPLE_COMMANDS:
            return None
        try:
            return sample_window(self.flags.sample, self.run_started_at)
        except SampleError as exc:
            raise DagwrightError(
                f"--sample: {exc}", hint="as '3 days' or \"{'start': '2024-01-01', 'end': '2024-01-08'}\""
            ) from None

    @property
    def _flag_values(self) -> dict[str, Any]:
        """``flags`` as templates see it."""
        return {
            "FULL_REFRESH": self.flags.full_refresh,
            "FAIL_FAST": self.flags.fail_fast,
            "WHICH": self.flags.command,
            "DEBUG": self.flags.debug,
            "STORE_FAILURES": self.flags.store_failures,
        }

    @property
    def _target_values(self) -> dict[str, Any]:
        """The target as templates see it (no secrets: they print as ****)."""
        return {k: v for k, v in self.target.safe_dict().items() if v != "****"}

    def write_manifest(self, compiled: Mapping[str, str] | None = None) -> None:
        """target/manifest.json for this session's project (compiled code where given); not
        under ``--no-write-json`` (``DBT_WRITE_JSON``, ``flags: {write_json: false}``), as dbt."""
        from dagwright.artifacts.files import artifact_error

        if not self.writes_json:
            return
        try:
            with collection_paused():
                self._write_manifest(compiled)
        except OSError as exc:  # target/ read-only, a file, a full disk: said, not a crash
            raise artifact_error(exc, self.target_dir / "manifest.json") from None

    @property
    def writes_json(self) -> bool:
        """Whether the command writes its JSON artifacts. The commands that do not follow the
        flag (docs generate, clone...: their warning line reports it) always do."""
        from dagwright.parse.unsupported_options import WITHOUT_WRITE_JSON

        if self.flags.command in WITHOUT_WRITE_JSON:
            return True
        value = self.flags.extra.get("write_json")
        if value is None:
            flags = self.project.raw.get("flags")
            value = flags.get("write_json") if isinstance(flags, Mapping) else None
        return value is None or bool(value)

    def _write_manifest(self, compiled: Mapping[str, str] | None) -> None:
        from dagwright.artifacts.manifest import write_manifest

        write_manifest(self.target_dir / "manifest.json", self.manifest_data(compiled, stream_nodes=True))
        from dagwright.artifacts.semantic_manifest import write_semantic_manifest

        write_semantic_manifest(self.target_dir / "semantic_manifest.json", self.manifest, self.render_relation)

    def manifest_data(self, compiled: Mapping[str, str] | None = None, stream_nodes: bool = False) -> dict[str, Any]:
        """The manifest as manifest.json holds it (``stream_nodes``: see ``manifest_dict``)."""
        from dagwright.artifacts.manifest import manifest_dict
        from dagwright.graph.selector_definitions import manifest_selectors, parse_selectors

        if self.selectors_file is not None:
            parse_selectors(self.selectors_file)  # a bad selectors.yml fails here, as in dbt
        return manifest_dict(
            self.manifest,
            render_relation=self.render_relation,
            invocation_id=self.invocation_id,
            adapter_type=self.target.type,
            root_path=self.project.root,
            target_path=self.target_path,
            run_started_at=self.run_started_at,
            compiled=compiled,
            quote_policy=self.dialect.quote_policy,
            store_failures=self.flags.store_failures,
            selectors=manifest_selectors(self.selectors_file),
            stream_nodes=stream_nodes,
        )

    def render_relation(self, relation: Relation) -> str:
        return self.dialect.render(relation)

    @cached_property
    def dialect(self) -> SQLDialect:
        """The engine's quoting and relation names. parse and ls need no connection, and
        importing an engine's module (duckdb, psycopg) costs more than a warm parse, so the
        engines whose adapters keep SQLDialect's names are served without it (a test checks
        that they still do)."""
        if "adapter" not in self.__dict__ and self.target.type in PLAIN_SQL_NAMES:
            dialect = SQLDialect()
            dialect.configure_quoting(self.project.quoting)
            return dialect
        return self.adapter

    @cached_property
    def query_comments(self) -> QueryComments:
        """dbt_project.yml's ``query-comment``, for every guarded connection of a command."""
        from dagwright.rendering.query_comment import DEFAULT, QueryComments

        return QueryComments(self.project.raw.get("query-comment", DEFAULT), self.run_context, self.manifest)

    def statement_registry(self, stop: Stop) -> StatementRegistry:
        """A registry of in-flight statements whose connections carry the query comment."""
        registry = StatementRegistry(stop)
        registry.comments = self.query_comments
        return registry

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            with collection_paused():
                self._manifest = self._load_manifest()
            if "run_context" in self.__dict__:
                self.run_context.docs = docs_lookup(self._manifest)
        return self._manifest

    def _load_manifest(self) -> Manifest:
        """The parse cache's manifest when nothing it came from changed, else a fresh parse (then cached)."""
        contents: dict[Path, bytes] = {}
        key = self._inputs_key(contents)
        cached = self.parse_cache.project(key, self._flag_values)
        if cached is not None:
            manifest, static_parts = cached
            self._loader = CachedParse(static_parts)
            warn_deprecated_models(manifest)  # as after a fresh parse (dbt warns on every parse)
            check_microbatch_models(manifest, self.run_context.adapter_type)  # its warning, likewise
            return manifest
        from dagwright.parse.loader import load_manifest

        run = self.run_context
        used_parts: dict[str, Any] = {}
        manifest, loader = load_manifest(
            self.project,
            run,
            self.target.schema,
            self.target.database or None,
            files=self.files,
            macros=self._macros,
            contents=contents,
            file_parts=(self.parse_cache.static_parts, used_parts),
            packages=self.packages,
            ref_package_first=bool(root_flag(self.project, "require_ref_searches_node_package_before_root")),
        )
        self._loader = loader
        from dagwright.artifacts.semantic_validation import check_semantic_layer

        # before the parse is cached: a project dbt would refuse fails every time
        check_semantic_layer(
            manifest, self.render_relation, bool(root_flag(self.project, "require_nested_cumulative_type_params"))
        )
        flags = self._flag_values
        read_flags = {name: flags.get(name) for name in environ.FLAGS_READ}
        self.parse_cache.store(
            key, environ.READ, read_flags, manifest, loader.part_keys, self._used_macro_infos, used_parts
        )
        return manifest

    def _inputs_key(self, contents: dict[Path, bytes]) -> str:
        """The parse cache's key for this project as it is now; the files read are kept in ``contents``."""
        from dagwright.parse.docs import docs_files

        pairs = []

        def add(path: Path) -> None:
            data = read_bytes(path)
            contents[path] = data
            pairs.append((str(path), file_digest(data)))

        # the root project, then each installed package: the same kinds of files
        projects = [(self.project, self.files), *((p.config, p.files) for p in self.packages)]
        for config, files in projects:
            for group in (
                files.models,
                files.python_models,
                files.seeds,
                files.macros,
                files.properties,
                files.singular_tests,
                files.snapshots,
                files.analyses,
                docs_files(config),
            ):
                for file in group:
                    add(file.path)
            add(config.path)
        for file in builtin_macro_files():
            add(file.path)
        settings = {
            "target": self._target_values,
            "cli_vars": self.cli_vars,
            "project_vars": self.project.vars,
            "target_path": self.target_path,
        }
        return inputs_key(pairs, settings)

    @property
    def loader(self) -> ParseState | CachedParse:
        _ = self.manifest
        assert self._loader is not None
        return self._loader

    def select(self, resource_types: Sequence[str], *, include_empty: bool = False) -> list[str]:
        """unique_ids selected by --select/--exclude, restricted to ``resource_types`` (and to
        --resource-type, without --exclude-resource-type, where given).

        Like dbt, models whose file is empty (only whitespace) are left out unless
        ``include_empty`` (``ls`` lists them): there is nothing to build. Unit tests are
        selected with their model, as dbt selects them (where ``resource_types`` has them).
        """
        from dagwright.graph.manifest_selection import select_nodes

        return select_nodes(
            self.manifest,
            self._resource_types(resource_types),
            select=list(self.flags.select) or None,
            exclude=list(self.flags.exclude) or None,
            project_root=str(self.project.root),
            project_name=self.project.name,
            indirect_selection=self.flags.indirect_selection or "eager",
            include_empty=include_empty,
            on_empty=self._matched_nothing,
            definition=self.selector_definition,
            extra_methods=self._state_methods(),
        )

    def _state_methods(self) -> ExtraMethods:
        """``state:``, ``result:`` and ``source_status:``: against --state's artifacts (DBT_STATE)."""
        from dagwright.graph.state_methods import StateMethods

        folder = self.flags.extra.get("state")
        state = (lambda: load_state(folder, self.project.root)) if folder else (lambda: None)
        return StateMethods(state, self.manifest_data, self.target_dir, self.warnings.append).methods()

    def _matched_nothing(self, criterion: str) -> None:
        """dbt's warning NoNodesForSelectionCriteria (an error under --warn-error)."""
        text = f"The selection criterion '{criterion}' does not match any enabled nodes"
        shown = warn_or_error(self.warn_error, "NoNodesForSelectionCriteria", text)
        if shown is not None and shown not in self.warnings:
            self.warnings.append(shown)

    @cached_property
    def selectors_file(self) -> SelectorsFile | None:
        from dagwright.project.selectors_yml import read_selectors

        return read_selectors(self.project.root, self.cli_vars, self._target_values)

    @cached_property
    def selector_definition(self) -> Spec | None:
        """The selectors.yml definition this command selects with: ``--selector NAME``, else
        the ``default: true`` selector when neither --select nor --exclude is given (as dbt:
        ``--selector`` wins over --select/--exclude, which are then ignored, said here).
        A selectors.yml that is there is checked whole, as dbt checks it."""
        from dagwright.graph.selector_definitions import parse_selectors, selector_spec

        source = self.selectors_file
        name = self.flags.extra.get("selector")
        if name:
            spec = selector_spec(source, str(name))
            if self.flags.select or self.flags.exclude:
                log.warning("--select/--exclude are ignored: --selector %s decides the selection (as in dbt)", name)
            return spec
        specs = parse_selectors(source) if source is not None else {}
        default = source.default if source is not None else None
        if default is None or self.flags.select or self.flags.exclude:
            return None
        self.default_selector = default.name
        return specs[default.name]

    def _resource_types(self, types: Sequence[str]) -> set[str]:
        """``types`` narrowed by --resource-type and --exclude-resource-type."""
        wanted = set(types)
        given = set(self.flags.resource_types) - {"all", "default"}
        if given:
            wanted &= given
        return wanted - set(self.flags.exclude_resource_types)

    def check_resource_types(self, types: Sequence[str]) -> None:
        known = (*RESOURCE_TYPES, "all", "default")
        for t in (*types, *self.flags.exclude_resource_types):
            if t not in known:
                raise DagwrightError(f"unknown resource type '{t}'", hint=did_you_mean(t, known))

    def check_unsupported(self, selected: Sequence[str] | None = None) -> str | None:
        """Stop (exit 2, before anything runs) when this command would ignore a dbt feature that
        changes its outcome; else the lines to show before it runs, if any: dbt's warnings met
        while selecting, then the warning line of what it ignores (``parse.unsupported``).
        ``selected``: what the command selected (None: no selection)."""
        from dagwright.parse.unsupported import Scope, check_command, warning_line

        self.check_resource_types(self.flags.resource_types)
        scope = Scope(
            command=self.flags.command,
            manifest=self.manifest,
            selected=list(selected or ()),
            project=self.project,
            projects=[(self.project, self.files), *((p.config, p.files) for p in self.packages)],
            adapter_type=self.target.type,
            has_selection=bool(self.flags.select or self.flags.exclude),
            profile_ignored=self.target.ignored,
        )
        items = check_command(scope)
        undetected = self.warn_error.undetected()
        ignored = warning_line([*items, undetected] if undetected else items)
        return "\n".join([*self.warnings, *([ignored] if ignored else [])]) or None


#: dbt options dagwright accepts on its command line only to report them (``Flags.extra``)
#: the commands whose --empty builds models from inputs with no rows, as dbt's
EMPTY_COMMANDS = ("run", "build", "compile", "snapshot")
#: the commands with dbt's --sample
SAMPLE_COMMANDS = ("run", "build")


def target_dir_of(flags: Flags) -> Path:
    """The project's target folder (--target-path, else dbt_project.yml's ``target-path``),
    for the commands that only read or write artifacts (no profile, no parse)."""
    project = load_project(flags.project_dir)
    return project.root / (flags.target_path or project.target_path)


class CachedParse:
    """What compile needs from a parse that came from the cache: static parts, no templates yet."""

    def __init__(self, static_parts: dict[str, Any]) -> None:
        self.static_parts = static_parts
        self.templates: dict[str, Any] = {}


def docs_lookup(manifest: Manifest) -> dict[tuple[str, str], str]:
    """(package, name) -> text of each {% docs %} block, for doc()."""
    return {(d.package_name, d.name): d.block_contents for d in manifest.docs.values()}
