"""The database, schema and alias of a node's relation: dbt's ``generate_database_name``,
``generate_schema_name`` and ``generate_alias_name``, or the project's (or package's) own macros
of those names, rendered with the node as they see it."""

from __future__ import annotations

from typing import Any

from dagwright.errors import DagwrightError
from dagwright.parse.macros import BUILTIN_PACKAGE
from dagwright.parse.nodes import Node
from dagwright.rendering.context import ConfigObject, MacroNamespace, RunContext
from dagwright.rendering.jinja import LazyContext, render_error


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
        if custom:
            return str(custom).strip()
        if node.version:  # dbt's default: a version's relation is <name>_v<version>
            return f"{node.name}_v{str(node.version).replace('.', '_')}"
        return node.name

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
        self.version = node.version
        self.latest_version = node.latest_version

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)
