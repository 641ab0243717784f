"""Immutable values for what a project holds: nodes, sources, macros, the manifest."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from types import MappingProxyType
from typing import Any, TypeVar

from dagwright.adapters.base import Relation

EMPTY: Mapping[str, Any] = MappingProxyType({})

_T = TypeVar("_T")


def evolve(value: _T, **changes: Any) -> _T:
    """``dataclasses.replace`` for this module's frozen dataclasses, without re-running
    ``__init__``: a shallow copy with ``changes`` applied. Parsing copies each node a few
    times, and ``replace`` was a tenth of a 10,000-model parse."""
    new = object.__new__(type(value))
    new.__dict__.update(value.__dict__)
    new.__dict__.update(changes)
    return new


@dataclass(frozen=True, slots=True)
class RefCall:
    name: str
    package: str | None = None
    #: ``v=``/``version=`` as written (an int, a float or a string: dbt's manifest keeps it so)
    version: Any = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class SourceCall:
    source_name: str
    table_name: str
    line: int | None = None


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    description: str = ""
    data_type: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    quote: bool | None = None
    constraints: tuple[Mapping[str, Any], ...] = ()
    #: a time spine column's ``granularity`` (MetricFlow)
    granularity: str | None = None


@dataclass(frozen=True)
class Node:
    """A model, seed, snapshot, test, ... as parsed. Compiled SQL is a separate value."""

    unique_id: str
    resource_type: str
    package_name: str
    name: str
    path: str  # relative to its resource folder (e.g. "staging/orders.sql")
    original_file_path: str  # relative to the project root
    fqn: tuple[str, ...]
    raw_code: str
    config: Mapping[str, Any]
    database: str | None
    schema: str
    alias: str
    refs: tuple[RefCall, ...] = ()
    sources: tuple[SourceCall, ...] = ()
    depends_on: tuple[str, ...] = ()
    depends_on_macros: tuple[str, ...] = ()
    description: str = ""
    columns: Mapping[str, ColumnInfo] = field(default_factory=dict)
    patch_path: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    #: True when the SQL holds only simple ``{{ ref() }}``-style expressions: compiled without Jinja.
    static: bool = False
    checksum: str = ""
    #: how ``checksum`` was made: ``sha256`` of the stripped file, or ``path`` (a seed over 1 MiB)
    checksum_name: str = "sha256"
    language: str = "sql"
    #: For tests: what they are attached to and their generic-test metadata.
    test_metadata: Mapping[str, Any] | None = None
    attached_node: str | None = None
    column_name: str | None = None
    file_key_name: str | None = None
    #: model-level ``constraints:`` from its properties
    constraints: tuple[Mapping[str, Any], ...] = ()
    #: the group of a test's attached model (dbt shows it on the test; its config has none)
    attached_group: str | None = None
    #: a versioned model's version and its model's latest version (as written in YAML), and
    #: its ``deprecation_date`` (ISO 8601); None for everything else (``parse.versions``)
    version: Any = None
    latest_version: Any = None
    deprecation_date: str | None = None
    #: a model's ``time_spine:`` as written (MetricFlow's time spine), None when it is not one
    time_spine: Mapping[str, Any] | None = None
    #: the ``function()`` calls of its code, as dbt's manifest keeps them ([name] or [package, name]);
    #: a function's own ``arguments`` and ``returns`` (``parse.kinds.functions``)
    functions: tuple[tuple[str, ...], ...] = ()
    arguments: tuple[Mapping[str, Any], ...] = ()
    returns: Mapping[str, Any] | None = None
    #: the config keys a function's own entry and file set (its ``unrendered_config``: dbt
    #: leaves dbt_project.yml's out of a function's)
    own_config_keys: tuple[str, ...] = ()

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.config.get("tags") or ())

    @property
    def materialized(self) -> str:
        return str(self.config.get("materialized") or "view")

    @property
    def enabled(self) -> bool:
        return bool(self.config.get("enabled", True))

    @property
    def relation(self) -> Relation:
        return Relation(self.database, self.schema, self.alias)

    @property
    def is_relational(self) -> bool:
        """Whether the node names a relation (dbt's relation_name): a test only when its config
        stores its failures (``stores_failures`` adds the --store-failures flag)."""
        if self.resource_type == "test":
            return bool(self.config.get("store_failures"))
        return self.resource_type in ("model", "seed", "snapshot") and self.materialized != "ephemeral"

    def has_relation(self, store_failures: bool = False) -> bool:
        """``is_relational`` under the run's --store-failures flag: a test whose config does not
        say it stores its failures names its audit relation under the flag, as in dbt (whose
        ``store_failures_as: ephemeral`` then still stores nothing)."""
        if store_failures and self.resource_type == "test":
            return True
        return self.is_relational


def ref_key(name: str, version: Any) -> str:
    """A versioned model's key in ``Manifest.ref_index`` (dbt's ``<name>.v<version>``)."""
    return f"{name}.v{version}"


_NODE_DEFAULTS = {f.name: f.default for f in fields(Node) if f.default is not MISSING}


def written_file_path(node: Node) -> str:
    """Where a node's compiled and run files go under ``target/<folder>/<package>/`` (dbt's layout).

    A node with a file of its own uses that file's path; one of several nodes from one file (a
    generic test, a YAML snapshot) gets a folder named after the file, holding its own ``path``.
    """
    if node.path.rsplit("/", 1)[-1] == node.original_file_path.rsplit("/", 1)[-1]:
        return node.original_file_path
    return f"{node.original_file_path}/{node.path}"


def new_node(**values: Any) -> Node:
    """``Node(**values)`` without the frozen dataclass's ``__init__`` (one ``object.__setattr__``
    per field, seven times the cost): models are built by the thousand. Every field without
    a plain default must be given."""
    attributes = {**_NODE_DEFAULTS, "columns": {}, "meta": {}, **values}
    node = object.__new__(Node)
    object.__setattr__(node, "__dict__", attributes)
    return node


#: the config keys dbt knows for a source; it keeps any other as an extra (dbt-duckdb reads them as meta)
SOURCE_CONFIG_KEYS = frozenset(
    {"enabled", "tags", "meta", "freshness", "loaded_at_field", "loaded_at_query", "event_time", "docs"}
)


def source_config_extras(config: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of a source's config that are not one of dbt's own settings."""
    return {k: v for k, v in config.items() if k not in SOURCE_CONFIG_KEYS}


@dataclass(frozen=True)
class SourceTable:
    unique_id: str
    package_name: str
    source_name: str
    name: str  # the table's name in the YAML
    identifier: str
    database: str | None
    schema: str
    path: str
    original_file_path: str
    fqn: tuple[str, ...]
    description: str = ""
    source_description: str = ""
    columns: Mapping[str, ColumnInfo] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    loader: str = ""
    loaded_at_field: str | None = None
    freshness: Mapping[str, Any] | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    resource_type: str = "source"
    #: the source's and the table's ``quoting:`` (database, schema, identifier, column), merged
    quoting: Mapping[str, Any] = field(default_factory=dict)
    #: the source's own meta (its ``meta`` and ``config.meta``), before the table's
    source_meta: Mapping[str, Any] = field(default_factory=dict)
    #: on DuckDB, what ``source()`` renders to when the table is read from files
    #: (``parse.external_sources``); None: the relation
    external: str | None = None

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.config.get("tags") or ())

    def relation_name(self, render: Callable[[Relation], str]) -> str:
        """dbt's ``relation_name``: the relation, rendered; on DuckDB the files it is read from."""
        return self.external if self.external is not None else render(self.relation)

    @property
    def relation(self) -> Relation:
        """Named with the source's quoting over the project's (dbt's relation_name); source()
        in a template leaves the project's out (``rendering.context.resolve_source``)."""
        q = self.quoting
        policy = None
        if q:
            policy = tuple(
                v if isinstance(v, bool) else None for v in (q.get("database"), q.get("schema"), q.get("identifier"))
            )
        return Relation(self.database, self.schema, self.identifier, policy)


@dataclass(frozen=True)
class Macro:
    unique_id: str
    name: str
    package_name: str
    path: str
    original_file_path: str
    macro_sql: str
    line: int = 1
    arguments: tuple[str, ...] = ()
    description: str = ""
    #: what its body calls, by name (``rendering.calls``), and those calls as macro unique_ids
    calls: tuple[str, ...] = ()
    depends_on_macros: tuple[str, ...] = ()


@dataclass(frozen=True)
class Operation:
    """An ``on-run-start``/``on-run-end`` hook of dbt_project.yml, a node of its own in dbt
    (``operation.<project>.<project>-on-run-start-0``)."""

    unique_id: str
    name: str  # "<project>-on-run-start-0"
    package_name: str
    hook_type: str  # "on-run-start" or "on-run-end"
    index: int  # position among the hooks of its type, from 0
    raw_code: str
    #: dbt's: the checksum of dbt_project.yml, where the hook is written
    checksum: str = ""
    #: as dbt fills them at parse time: the target's names, the macros the hook calls, and the
    #: root project's ``models:`` config for ``<project>.hooks.<name>``
    database: str | None = None
    schema: str | None = None
    depends_on_macros: tuple[str, ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How dbt's terminal names it: ``<project>.on-run-start.0``."""
        return f"{self.package_name}.{self.hook_type}.{self.index}"


@dataclass(frozen=True)
class DocBlock:
    """A ``{% docs name %}...{% enddocs %}`` block of a .md file."""

    unique_id: str
    name: str
    package_name: str
    path: str
    original_file_path: str
    block_contents: str


@dataclass(frozen=True)
class Exposure:
    """An ``exposures:`` entry of a property file: a downstream use of the project (a dashboard,
    a notebook...). Never run; selectable (``+exposure:name``) and listed in the manifest."""

    unique_id: str
    name: str
    package_name: str
    path: str  # the property file, relative to its resource folder
    original_file_path: str
    fqn: tuple[str, ...]
    type: str
    owner: Mapping[str, Any]
    description: str = ""
    label: str | None = None
    maturity: str | None = None
    url: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    unrendered_config: Mapping[str, Any] = field(default_factory=dict)
    refs: tuple[RefCall, ...] = ()
    sources: tuple[SourceCall, ...] = ()
    #: its ``metric('name')`` / ``metric('package', 'name')`` calls: (name,) or (package, name)
    metrics: tuple[tuple[str, ...], ...] = ()
    depends_on: tuple[str, ...] = ()
    resource_type: str = "exposure"

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.config.get("tags") or ())


@dataclass(frozen=True)
class Group:
    """A ``groups:`` entry: an owner for models, which ``access: private`` confines refs to."""

    unique_id: str
    name: str
    package_name: str
    path: str
    original_file_path: str
    owner: Mapping[str, Any]
    description: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    resource_type: str = "group"


@dataclass(frozen=True)
class UnitTest:
    """A ``unit_tests:`` entry of a property file (dbt 1.8+): the model's SQL run on given
    rows in place of its inputs, its output compared with the expected rows
    (``execute.unit_test``). ``given`` and ``expect`` are kept as written (their ``rows`` read
    from ``fixture`` files when the test runs)."""

    unique_id: str
    name: str
    package_name: str
    path: str  # the property file, relative to its resource folder
    original_file_path: str
    fqn: tuple[str, ...]
    #: the tested model's name and unique_id
    model: str
    model_id: str
    given: tuple[Mapping[str, Any], ...]
    expect: Mapping[str, Any]
    overrides: Mapping[str, Any] | None = None
    description: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)
    checksum: str = ""
    schema: str = ""
    #: the folder of the project (or package) it comes from, where ``tests/fixtures`` are
    root: str = ""
    #: the project's test-paths, where fixture files are looked up
    test_paths: tuple[str, ...] = ("tests",)
    #: ``versions: {include: [...], exclude: [...]}`` as written
    versions: Any = None
    #: the tested version of a versioned model (dbt makes one unit test per version tested,
    #: ``<name>_v<version>`` in its unique_id); None for a model without versions
    version: Any = None
    resource_type: str = "unit_test"
    patch_path: str | None = None

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.config.get("tags") or ())

    @property
    def run_name(self) -> str:
        """Its name where it runs (terminal, compiled file): a version's test is ``<name>_v<version>``."""
        return self.name if self.version is None else f"{self.name}_v{self.version}"

    @property
    def depends_on(self) -> tuple[str, ...]:
        return (self.model_id,)


@dataclass(frozen=True)
class SemanticNode:
    """A semantic model, metric or saved query of a property file: never run, but in the
    manifest, the parent and child maps and ``ls``, and selectable (``+metric:revenue``).
    ``body`` holds its kind's own fields as manifest.json has them; ``needs`` what it depends on
    by name (``("model", name)``, ``("measure", name)``, ``("metric", name)``), resolved into
    ``depends_on`` when the manifest is linked."""

    unique_id: str
    name: str
    resource_type: str
    package_name: str
    path: str
    original_file_path: str
    fqn: tuple[str, ...]
    description: str | None = None
    label: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    unrendered_config: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)
    needs: tuple[tuple[str, str], ...] = ()
    refs: tuple[RefCall, ...] = ()
    depends_on: tuple[str, ...] = ()

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.config.get("tags") or ())


@dataclass(frozen=True)
class Manifest:
    project_name: str
    nodes: Mapping[str, Node]
    sources: Mapping[str, SourceTable]
    macros: Mapping[str, Macro]
    #: unique_id -> unique_ids it depends on (nodes and sources)
    parents: Mapping[str, frozenset[str]] = field(default_factory=dict)
    children: Mapping[str, frozenset[str]] = field(default_factory=dict)
    disabled: Mapping[str, Node] = field(default_factory=dict)
    #: generic tests of a missing or disabled model: never run, but dbt lists them in the
    #: manifest's nodes with ``enabled: false`` (a test disabled itself is in ``disabled``)
    inactive_tests: Mapping[str, Node] = field(default_factory=dict)
    #: model name -> unique_id (the project's models only)
    by_name: Mapping[str, str] = field(default_factory=dict)
    #: on-run-start / on-run-end hooks, in the order they run
    operations: tuple[Operation, ...] = ()
    #: ``{% docs %}`` blocks by unique_id
    docs: Mapping[str, DocBlock] = field(default_factory=dict)
    #: model/seed/snapshot name -> {package: unique_id}, over the root project and installed
    #: packages; a versioned model's versions under ``<name>.v<version>``, its latest under ``<name>``
    ref_index: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: "source.table" -> {package: unique_id}
    source_index: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: installed package name -> its folder (dbt_packages/<name>)
    package_roots: Mapping[str, str] = field(default_factory=dict)
    #: dbt's ``require_ref_searches_node_package_before_root`` flag
    ref_package_first: bool = False
    #: dbt features found while parsing that dagwright does not implement (``parse.unsupported``)
    unsupported: tuple[Mapping[str, Any], ...] = ()
    #: ``exposures:`` and ``groups:`` of the property files, by unique_id; disabled exposures apart
    exposures: Mapping[str, Exposure] = field(default_factory=dict)
    disabled_exposures: Mapping[str, Exposure] = field(default_factory=dict)
    disabled_sources: Mapping[str, SourceTable] = field(default_factory=dict)
    groups: Mapping[str, Group] = field(default_factory=dict)
    #: ``unit_tests:`` of the property files, by unique_id (enabled ones)
    unit_tests: Mapping[str, UnitTest] = field(default_factory=dict)
    #: semantic models, metrics and saved queries, by unique_id
    semantic_nodes: Mapping[str, SemanticNode] = field(default_factory=dict)

    def get(self, unique_id: str) -> Node | SourceTable | None:
        return self.nodes.get(unique_id) or self.sources.get(unique_id)

    def _search(self, found: Mapping[str, str], package: str | None, node_package: str | None) -> str | None:
        """dbt's order: the named package only; else the root project, then the node's own
        package (the other way round with ``ref_package_first``), then any package."""
        if package is not None:
            return found.get(package)
        root = self.project_name
        if node_package is None or node_package == root:
            order: tuple[str, ...] = (root,)
        elif self.ref_package_first:
            order = (node_package, root)
        else:
            order = (root, node_package)
        for name in order:
            if name in found:
                return found[name]
        return next(iter(found.values()), None)

    def find_ref(
        self, name: str, package: str | None = None, node_package: str | None = None, version: Any = None
    ) -> str | None:
        """The unique_id ``ref([package,] name[, v=version])`` names from a node of
        ``node_package``; without a version, a versioned model's latest version."""
        found = self.ref_index.get(ref_key(name, version) if version else name)
        if found is None:
            return None
        return self._search(found, package, node_package)

    def find_source(self, source_name: str, table_name: str, node_package: str | None = None) -> str | None:
        found = self.source_index.get(f"{source_name}.{table_name}")
        if found is None:
            return None
        return self._search(found, None, node_package)

    @property
    def package_names(self) -> tuple[str, ...]:
        """The root project and the installed packages."""
        return (self.project_name, *self.package_roots)


#: a data test's configuration when nothing sets it (dbt's defaults)
TEST_CONFIG_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "materialized": "test",
    "severity": "ERROR",
    "store_failures": None,
    "store_failures_as": None,
    "where": None,
    "limit": None,
    "fail_calc": "count(*)",
    "warn_if": "!= 0",
    "error_if": "!= 0",
    "tags": [],
    "meta": {},
    "schema": "dbt_test__audit",
}
