"""dbt-duckdb's external sources: a source table read straight from files.

On DuckDB, a source table whose meta (or config) sets ``external_location`` is not a table in
the database: ``source()`` renders to the location itself, a quoted path
(``'data/orders.parquet'``, which DuckDB reads by its extension) or a table function call
(``read_csv('data/people.csv', header=true)``), and so does the source's ``relation_name``.
The location is a format string over the source's fields (``name``, ``identifier``,
``schema``, ``database``, ``tags``) and every meta/config key, formatted as its ``formatter``
says: ``newstyle`` (``str.format``, the default), ``oldstyle`` (``%``) or ``template``
(``string.Template``). The result is computed once, at parse, and kept on the node.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Template
from typing import Any

from dagwright.errors import ProjectError

_FORMATTERS = ("newstyle", "oldstyle", "template")


def external_location(
    fields: Mapping[str, Any], meta: Mapping[str, Any], extras: Mapping[str, Any], *, where: str, path: str
) -> str | None:
    """What ``source()`` renders to for a DuckDB source with ``external_location``, or None.

    ``fields``: the table's name, identifier, schema, database and tags; ``meta`` its merged
    meta; ``extras`` its config's own keys (they win over meta)."""
    settings = {**meta, **extras}
    if "plugin" in settings:
        raise ProjectError(
            f"{where} is loaded by the dbt-duckdb plugin {settings['plugin']!r} (meta 'plugin'): "
            "dagwright does not run dbt-duckdb plugins",
            path=path,
            hint="load the data another way (an external_location, or a model reading the file) or use dbt",
        )
    location = settings.get("external_location")
    if location is None:
        return None
    values = {**fields, **settings}
    formatter = settings.get("formatter", "newstyle")
    if formatter not in _FORMATTERS:
        raise ProjectError(
            f"{where}: formatter {formatter!r} of its external_location is not one of {', '.join(_FORMATTERS)}",
            path=path,
            hint="use formatter: newstyle ({name}), oldstyle (%(name)s) or template ($name)",
        )
    text = str(location)
    try:
        if formatter == "newstyle":
            text = text.format_map(values)
        elif formatter == "oldstyle":
            text = text % values
        else:
            text = Template(text).substitute(values)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise ProjectError(
            f"{where}: cannot format its external_location {location!r} ({type(exc).__name__}: {exc})",
            path=path,
            hint="name only the source's fields (name, identifier, schema, database, tags) or its meta keys",
        ) from None
    # a table function call or an already quoted path is used as written (as dbt-duckdb does)
    if "(" not in text and not text.startswith("'"):
        text = f"'{text}'"
    return text
