"""The ``JinjaEngine`` of each adapter type; a type without one gets the shared default."""

from __future__ import annotations

from collections.abc import Mapping

from dagwright.rendering.engines.base import JinjaEngine
from dagwright.rendering.engines.bigquery import BigQueryJinja
from dagwright.rendering.engines.duckdb import DuckDBJinja
from dagwright.rendering.engines.postgres import PostgresJinja
from dagwright.rendering.engines.spark import SparkJinja

JINJA_ENGINES: Mapping[str, JinjaEngine] = {
    "bigquery": BigQueryJinja(),
    "duckdb": DuckDBJinja(),
    "postgres": PostgresJinja(),
    "spark": SparkJinja(),
}
_DEFAULT = JinjaEngine()


def jinja_engine(adapter_type: str | None) -> JinjaEngine:
    """The engine part of ``adapter`` / ``api`` for ``adapter_type`` (chosen once per facade)."""
    return JINJA_ENGINES.get(adapter_type or "", _DEFAULT)
