"""Engines, one module each, behind ``dagwright.adapters.base.Adapter``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwright.errors import ProfileError, did_you_mean

if TYPE_CHECKING:
    from dagwright.adapters.base import Adapter
    from dagwright.project.profile import Target

ADAPTER_TYPES = ("duckdb", "postgres", "spark", "bigquery")

#: engine -> (the distribution of its driver, the extra that installs it; None: always installed)
ENGINE_DRIVERS: dict[str, tuple[str, str | None]] = {
    "duckdb": ("duckdb", None),
    "postgres": ("psycopg", "postgres"),
    "spark": ("pyspark", "spark"),
    "bigquery": ("google-cloud-bigquery", "bigquery"),
}


def create_adapter(target: Target) -> Adapter:
    """The adapter for a profile target; imports only the engine that is used."""
    if target.type == "duckdb":
        from dagwright.adapters.duckdb import DuckDBAdapter

        return DuckDBAdapter(target.credentials, target.database)
    if target.type == "postgres":
        from dagwright.adapters.postgres import PostgresAdapter

        return PostgresAdapter(target)
    if target.type == "spark":
        from dagwright.adapters.spark import SparkAdapter

        return SparkAdapter(target)
    if target.type == "bigquery":
        from dagwright.adapters.bigquery import BigQueryAdapter

        return BigQueryAdapter(target)
    raise ProfileError(
        f"unknown adapter type '{target.type}' in target '{target.target_name}' "
        f"of profile '{target.profile_name}'; dagwright supports: {', '.join(ADAPTER_TYPES)}",
        path=target.profiles_path,
        hint=did_you_mean(target.type, ADAPTER_TYPES),
    )


def check_adapter_type(target: Target) -> None:
    """Fail early (before anything runs) on an adapter type dagwright does not have."""
    if target.type not in ADAPTER_TYPES:
        create_adapter(target)
