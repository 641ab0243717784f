"""Source tables from the ``sources:`` of property files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagwright.errors import ProjectError
from dagwright.parse.external_sources import external_location
from dagwright.parse.freshness import resolve_source_freshness
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind
from dagwright.parse.nodes import SourceCall, SourceTable, source_config_extras
from dagwright.parse.tests import TestTarget
from dagwright.project.config import merge_config
from dagwright.project.files import ProjectFiles
from dagwright.project.properties import Properties, SourceDefinition, TestDefinition, _columns, _test_list


def parse_source_tables(
    scope: ProjectScope, definitions: list[SourceDefinition], disabled: dict[str, SourceTable]
) -> dict[str, SourceTable]:
    """The source tables of ``definitions``, with their config, freshness and columns; their
    tests wait in ``scope.source_tests`` until every node is known. A table whose config
    says ``enabled: false`` goes to ``disabled`` (dbt lists it as disabled)."""
    project = scope.project
    out: dict[str, SourceTable] = {}
    for definition in definitions:
        rel = definition.file.original_file_path
        data = definition.data  # rendered as dbt renders it (parse.yaml_render), descriptions aside
        tables = data.get("tables") or []
        if not isinstance(tables, list):
            raise ProjectError(f"'tables' of source '{definition.name}' must be a list", path=rel)
        source_config = dict(data.get("config") or {})
        for table in tables:
            if not isinstance(table, Mapping) or "name" not in table:
                raise ProjectError(f"each table of source '{definition.name}' needs a 'name'", path=rel)
            tname = str(table["name"])
            unique_id = f"source.{project.name}.{definition.name}.{tname}"
            if unique_id in out or unique_id in disabled:
                raise ProjectError(
                    f"source table '{definition.name}.{tname}' is defined twice "
                    f"(in {(out.get(unique_id) or disabled[unique_id]).original_file_path} and {rel})",
                    path=rel,
                )
            fqn = (project.name, *definition.file.folders, definition.name, tname)
            config = merge_config(project.sources.resolve(fqn), source_config)
            config = merge_config(config, dict(table.get("config") or {}))
            if scope.root is not None:
                config = merge_config(config, scope.root.sources.resolve(fqn))
            where = f"source table '{definition.name}.{tname}'"
            fresh = resolve_source_freshness(
                definition.data, table, project.sources.resolve(fqn), where=where, path=rel
            )
            columns, column_tests = _columns(table.get("columns"), rel, where)
            columns = scope.render_columns(columns, rel)
            table_tests = [TestDefinition(t, None, rel) for t in _test_list(table, rel, where)]
            scope.source_tests.append(
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
                        quote_columns=bool({**_quoting(data, rel), **_quoting(table, rel)}.get("column")),
                    ),
                    [*table_tests, *column_tests],
                )
            )
            database = data.get("database") or data.get("catalog") or scope.target_database
            database = str(database) if database is not None else None
            identifier = str(table.get("identifier") or tname)
            schema = str(data.get("schema") or definition.name)
            # dbt's precedence: the project's, the source's, then the table's (each meta, then config.meta)
            source_meta = {**_mapping(data.get("meta")), **_mapping(source_config.get("meta"))}
            meta = {
                **_mapping(project.sources.resolve(fqn).get("meta")),
                **source_meta,
                **_mapping(table.get("meta")),
                **_mapping((table.get("config") or {}).get("meta")),
            }
            external = None
            if scope.run.adapter_type == "duckdb":
                fields = {"name": tname, "identifier": identifier, "schema": schema, "database": database}
                fields["tags"] = list(config.get("tags") or [])
                external = external_location(fields, meta, source_config_extras(config), where=where, path=rel)
            out[unique_id] = SourceTable(
                unique_id=unique_id,
                package_name=project.name,
                source_name=definition.name,
                name=tname,
                identifier=identifier,
                database=database,
                schema=schema,
                path=rel,
                original_file_path=rel,
                fqn=fqn,
                description=scope.render_description(str(table.get("description") or ""), rel),
                source_description=scope.render_description(str(data.get("description") or ""), rel),
                columns=columns,
                config={
                    "enabled": True,
                    "tags": [],
                    **config,
                    "meta": meta,
                    "freshness": fresh.freshness,
                    "loaded_at_field": fresh.loaded_at_field,
                    "loaded_at_query": fresh.loaded_at_query,
                },
                loader=str(data.get("loader") or ""),
                loaded_at_field=fresh.loaded_at_field,
                freshness=fresh.freshness,
                meta=meta,
                quoting={**_quoting(data, rel), **_quoting(table, rel)},
                source_meta=source_meta,
                external=external,
            )
            if out[unique_id].config.get("enabled") is False:
                disabled[unique_id] = out.pop(unique_id)
    return out


def parse_sources(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    out.sources.update(parse_source_tables(scope, props.sources, out.disabled_sources))


SOURCES = ResourceKind("source", parse_sources)


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _quoting(entry: Mapping[str, Any], path: str) -> dict[str, Any]:
    """A source's or table's ``quoting:`` (the keys it sets)."""
    quoting = entry.get("quoting")
    if quoting is None:
        return {}
    if not isinstance(quoting, Mapping):
        raise ProjectError(f"'quoting' of source '{entry.get('name')}' must be a mapping", path=path)
    unknown = set(quoting) - {"database", "schema", "identifier", "column"}
    if unknown:
        raise ProjectError(
            f"unknown key(s) {sorted(unknown)} in 'quoting' of source '{entry.get('name')}'",
            path=path,
            hint="quoting takes database, schema, identifier and column",
        )
    return {k: v for k, v in quoting.items() if v is not None}
