"""Data tests: generic tests from YAML property files and singular tests from test-paths.

Generic tests get dbt's names and unique_ids (``test.<project>.<name>.<hash>``), so
selectors, artifacts and tools built on them keep working.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dagwright.errors import ProjectError, did_you_mean
from dagwright.parse.nodes import TEST_CONFIG_DEFAULTS, Node, RefCall, SourceCall
from dagwright.parse.static import Expr, _expression, _NotStatic
from dagwright.project.config import ConfigTree, merge_config
from dagwright.project.properties import TestDefinition

#: keys of a test's definition that are config, not arguments (the legacy, flat form)
CONFIG_KEYS = (
    "severity",
    "tags",
    "enabled",
    "where",
    "limit",
    "warn_if",
    "error_if",
    "fail_calc",
    "store_failures",
    "store_failures_as",
    "meta",
    "database",
    "schema",
    "alias",
)


#: what ``store_failures`` becomes when only ``store_failures_as`` is set (another value: True,
#: and the test fails when it runs, as in dbt)
_STORES_AS = {"ephemeral": False, "table": True, "view": True}


def settle_store_failures(config: dict[str, Any]) -> None:
    """dbt's final test config: ``store_failures_as``, where set, decides ``store_failures``;
    otherwise ``store_failures`` sets it (True: table, False: ephemeral)."""
    stores, stores_as = config.get("store_failures"), config.get("store_failures_as")
    if stores_as is None:
        if stores is not None:
            config["store_failures_as"] = "table" if stores else "ephemeral"
    else:
        config["store_failures"] = _STORES_AS.get(stores_as, True) if isinstance(stores_as, str) else True


_FUNCTION_LIKE = re.compile(r"^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$", re.S)
_NOT_WORD = re.compile(r"[^0-9a-zA-Z_]+")


def synthesized_names(test_type: str, target_name: str, args: Mapping[str, Any]) -> tuple[str, str]:
    """(short name for the file, full name for the unique_id), as dbt names generic tests."""
    flat: list[str] = []
    for key in sorted(args):
        if key == "model":
            continue
        value = args[key]
        if isinstance(value, dict):
            flat.extend(str(v) for v in value.values())
        elif isinstance(value, (list, tuple)):
            flat.extend(str(v) for v in value)
        else:
            flat.append(str(value))
    suffix = "__".join(_NOT_WORD.sub("_", part) for part in flat)
    identifier = f"{test_type}_{target_name}"
    full = f"{identifier}_{suffix}"
    short = f"{identifier[:30]}_{hashlib.md5(full.encode()).hexdigest()}" if len(full) >= 64 else full
    return short, full


def _hashable(value: Any) -> Any:
    if type(value) is dict:
        return {k: _hashable(value[k]) for k in sorted(value)}
    if type(value) is list:
        return [_hashable(v) for v in value]
    return str(value)


def test_hash(name: str, metadata: Mapping[str, Any]) -> str:
    """The 10-character suffix of a generic test's unique_id (stable across tools)."""
    text = name + repr(_hashable(dict(metadata)))
    return hashlib.md5(text.encode()).hexdigest()[-10:]


@dataclass(frozen=True)
class TestTarget:
    """What a generic test is attached to."""

    unique_id: str  # the node or source it tests ("" for a missing model)
    name: str  # used in the test's name: model name, or source_<source>_<table>
    call: str  # "ref('orders')" or "source('raw', 'orders')"
    ref: RefCall | None
    source: SourceCall | None
    yml_path: str  # the property file
    yml_folders: tuple[str, ...]
    file_key_name: str  # "models.orders"
    #: quote the names of columns whose ``quote:`` is unset (``quote_columns``, a source's ``quoting.column``)
    quote_columns: bool | None = None


def _split_definition(
    definition: Any, where: str, path: str, render: Callable[[Mapping[str, Any], str], dict[str, Any]] | None = None
) -> tuple[str, str | None, dict[str, Any], dict[str, Any], str | None]:
    """(test type, namespace, arguments, config, custom name) of one entry under data_tests.
    ``render`` renders the config's own values (before they are layered)."""
    render = render or (lambda config, path: dict(config))
    if isinstance(definition, str):
        body: Mapping[str, Any] = {}
        test_type = definition
    elif isinstance(definition, Mapping):
        if "test_name" in definition:
            body = definition
            test_type = str(definition["test_name"])
        elif len(definition) == 1:
            test_type, raw = next(iter(definition.items()))
            test_type = str(test_type)
            if raw is None:
                raw = {}
            if not isinstance(raw, Mapping):
                raise ProjectError(f"the arguments of test '{test_type}' on {where} must be a mapping", path=path)
            body = raw
        else:
            raise ProjectError(
                f"a test on {where} must be a name or a mapping with one key (the test's name), "
                f"got keys {sorted(map(str, definition))}",
                path=path,
            )
    else:
        raise ProjectError(f"a test on {where} must be a name or a mapping, got {definition!r}", path=path)
    namespace = None
    if "." in test_type:
        namespace, test_type = test_type.split(".", 1)
    args: dict[str, Any] = {}
    config: dict[str, Any] = {}
    name = None
    for key, value in body.items():
        if key == "arguments":
            if not isinstance(value, Mapping):
                raise ProjectError(f"'arguments' of test '{test_type}' on {where} must be a mapping", path=path)
            args.update(value)
        elif key == "config":
            if not isinstance(value, Mapping):
                raise ProjectError(f"'config' of test '{test_type}' on {where} must be a mapping", path=path)
            config = merge_config(config, render(value, path))
        elif key == "name":
            name = str(value)
        elif key in ("test_name", "description"):
            continue
        elif key in CONFIG_KEYS:
            config = merge_config(config, render({key: value}, path))
        else:
            args[key] = value
    return test_type, namespace, args, config, name


def _calls_in(value: Any, refs: list[RefCall], sources: list[SourceCall]) -> None:
    """ref()/source() calls inside test arguments (e.g. relationships' ``to``)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{{") and text.endswith("}}"):
            text = text[2:-2]
        if not _FUNCTION_LIKE.match(text):
            return
        try:
            expr = _expression(text, 1)
        except _NotStatic:
            return
        _record(expr, refs, sources)
    elif isinstance(value, Mapping):
        for v in value.values():
            _calls_in(v, refs, sources)
    elif isinstance(value, list):
        for v in value:
            _calls_in(v, refs, sources)


def _record(expr: Expr, refs: list[RefCall], sources: list[SourceCall]) -> None:
    if expr.kind == "ref" and expr.args:
        if len(expr.args) == 1:
            refs.append(RefCall(str(expr.args[0])))
        else:
            refs.append(RefCall(str(expr.args[1]), str(expr.args[0])))
    elif expr.kind == "source" and len(expr.args) == 2:
        sources.append(SourceCall(str(expr.args[0]), str(expr.args[1])))


class TestBuilder:
    def __init__(
        self,
        project_name: str,
        tests_tree: ConfigTree,
        macro_exists: Callable[[str], bool],
        macro_names: Callable[[], list[str]],
        finish: Callable[[Node, dict[str, Any]], Node],
        target_database: str | None,
        target_schema: str,
        root_tests: ConfigTree | None = None,
        package_macros: Callable[[str], Mapping[str, Any] | None] | None = None,
        installed: Sequence[str] = (),
        macro_config: Callable[[Node], tuple[Mapping[str, Any], tuple[str, ...]]] | None = None,
        render_config: Callable[[Mapping[str, Any], str], dict[str, Any]] | None = None,
        quote: Callable[[str], str] = lambda name: f'"{name}"',
    ) -> None:
        #: the engine's identifier quoting, for columns whose tests quote their name
        self.quote = quote
        self.project_name = project_name
        self.tests_tree = tests_tree
        #: the root project's ``data_tests:`` config, applied last when this is an installed package
        self.root_tests = root_tests
        #: a package's macros by name (None for an unknown package), for ``<package>.<test>``
        self.package_macros = package_macros or (lambda package: None)
        #: the installed packages' names
        self.installed = tuple(installed)
        #: a generic test node -> what ``config(...)`` calls in its macro set, and the macros it calls
        self.macro_config = macro_config or (lambda node: ({}, ()))
        #: renders the Jinja in a test's config (strings directly under it), as dbt does when parsing
        self.render_config = render_config or (lambda config, path: dict(config))
        self.macro_exists = macro_exists
        self.macro_names = macro_names
        self.finish = finish
        self.target_database = target_database
        self.target_schema = target_schema

    def generic(self, target: TestTarget, definition: TestDefinition, tags: tuple[str, ...] = ()) -> Node:
        where = target.file_key_name.replace("s.", " '", 1) + "'"
        test_type, namespace, args, config, custom_name = _split_definition(
            definition.definition, where, target.yml_path, self.render_config
        )
        if namespace is not None:
            package_macros = self.package_macros(namespace)
            if package_macros is None:
                raise ProjectError(
                    f"test '{namespace}.{test_type}' on {where}: there is no package named '{namespace}'",
                    path=target.yml_path,
                    hint="install it with 'dagwright deps' (list it in packages.yml)",
                )
            if f"test_{test_type}" not in package_macros:
                known = [n[5:] for n in package_macros if n.startswith("test_")]
                raise ProjectError(
                    f"unknown test '{namespace}.{test_type}' on {where}: package '{namespace}' has no such test",
                    path=target.yml_path,
                    hint=did_you_mean(test_type, known) or None,
                )
        elif not self.macro_exists(f"test_{test_type}"):
            known = [n[5:] for n in self.macro_names() if n.startswith("test_")]
            # a package's tests are not global names (dbt): they are named with their package
            owners = [p for p in self.installed if f"test_{test_type}" in (self.package_macros(p) or {})]
            raise ProjectError(
                f"unknown test '{test_type}' on {where}",
                path=target.yml_path,
                hint=(f"package '{owners[0]}' has it: write '{owners[0]}.{test_type}'" if owners else None)
                or did_you_mean(test_type, known)
                or "define it with {% test " + test_type + "(model, column_name) %} in tests/generic or macros",
            )
        kwargs = dict(args)
        column_name = definition.column_name
        if column_name is not None:
            quote = definition.column_quote
            if quote or (quote is None and target.quote_columns):
                column_name = self.quote(column_name)
            kwargs["column_name"] = column_name
        # dbt names a source's tests source_<test>_<source>_<table>_..., a namespaced test <namespace>_<test>_...
        name_type, target_name = test_type, target.name
        if target.ref is None and target.source is not None:
            name_type = f"source_{test_type}"
            target_name = f"{target.source.source_name}_{target.source.table_name}"
        if namespace is not None:
            name_type = f"{namespace}_{name_type}"
        short, full = synthesized_names(name_type, target_name, kwargs)
        name = custom_name or full
        path_name = custom_name or short
        if path_name != name and "alias" not in config:
            # dbt: a long name's relation (store_failures) and files take the hashed short name
            config["alias"] = path_name
        kwargs["model"] = "{{ get_where_subquery(" + target.call + ") }}"
        metadata = {"name": test_type, "kwargs": kwargs, "namespace": namespace}
        fqn = (self.project_name, *target.yml_folders, name)
        merged = merge_config(TEST_CONFIG_DEFAULTS, self.tests_tree.resolve(fqn))
        merged = merge_config(merged, config)
        macro_name = f"{namespace}.test_{test_type}" if namespace else f"test_{test_type}"
        refs: list[RefCall] = [target.ref] if target.ref else []
        sources: list[SourceCall] = [target.source] if target.source else []
        _calls_in(args, refs, sources)
        node = Node(
            unique_id=f"test.{self.project_name}.{name}.{test_hash(name, metadata)}",
            resource_type="test",
            package_name=self.project_name,
            name=name,
            path=f"{path_name}.sql",
            original_file_path=target.yml_path,
            fqn=fqn,
            raw_code="{{ " + macro_name + "(**_dbt_generic_test_kwargs) }}",
            config=merged,
            database=self.target_database,
            schema=self.target_schema,
            alias=name,
            refs=tuple(refs),
            sources=tuple(sources),
            test_metadata=metadata,
            # dbt: none for sources, nor for a missing model
            attached_node=(target.unique_id or None) if target.ref is not None else None,
            column_name=column_name,
            file_key_name=target.file_key_name,
        )
        # config() calls in the test's macro, as dbt renders it at parse time (dbt_utils' fail_calc)
        macro_config, called = self.macro_config(node)
        merged = merge_config(merged, macro_config)
        node.__dict__["depends_on_macros"] = called  # the node was made here: no copy needed
        if self.root_tests is not None:
            merged = merge_config(merged, self.root_tests.resolve(fqn))
        if tags:
            merged = merge_config(merged, {"tags": list(tags)})
        # kept as written (dbt's manifest shows 'warn' in lower case); compared case-insensitively
        merged["severity"] = str(merged.get("severity") or "ERROR")
        return self.finish(node, dict(merged))
