"""What the Jinja ``adapter`` reads of BigQuery's catalog, through the tables and datasets API
(metadata calls, no jobs), as dbt-bigquery reads it: a table's schema fields, the relations of
a dataset, whether a dataset exists, the datasets of a project. A dataset or table that does
not exist is an empty answer, never an error."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwright.adapters.base import DatabaseError, Relation, RelationKind

if TYPE_CHECKING:
    from dagwright.adapters.bigquery import BigQueryAdapter

#: seconds a metadata call may take
_TIMEOUT = 60


def _api_error(adapter: BigQueryAdapter, exc: Exception) -> DatabaseError:
    return DatabaseError(adapter.scrub(getattr(exc, "message", None) or str(exc)))


def table_fields(adapter: BigQueryAdapter, relation: Relation) -> list[Any] | None:
    """The ``SchemaField``s of the table or view at ``relation``, None when it does not exist."""
    table = adapter.get_table(relation)
    return None if table is None else list(table.schema or [])


def dataset_relations(adapter: BigQueryAdapter, database: str, schema: str) -> list[tuple[str, RelationKind]]:
    """The tables and views of a dataset (none when it does not exist), as (name, kind)."""
    from google.api_core import exceptions as api_errors
    from google.cloud import bigquery

    from dagwright.adapters.bigquery import relation_kind

    try:
        tables = adapter.client.list_tables(
            bigquery.DatasetReference(database, schema), max_results=100_000, timeout=_TIMEOUT
        )
        return [(str(t.table_id), relation_kind(str(t.table_type))) for t in tables]
    except (api_errors.NotFound, api_errors.Forbidden):
        return []
    except api_errors.GoogleAPICallError as exc:
        raise _api_error(adapter, exc) from None


def dataset_exists(adapter: BigQueryAdapter, database: str, schema: str) -> bool:
    """Whether the dataset exists (its tables listed: as dbt-bigquery, so that datasets whose
    name starts with an underscore count too)."""
    from google.api_core import exceptions as api_errors
    from google.cloud import bigquery

    try:
        next(iter(adapter.client.list_tables(bigquery.DatasetReference(database, schema), max_results=1)), None)
    except api_errors.NotFound:
        return False
    except api_errors.GoogleAPICallError as exc:
        raise _api_error(adapter, exc) from None
    return True


def project_datasets(adapter: BigQueryAdapter, database: str) -> list[str]:
    """The datasets of a project."""
    from google.api_core import exceptions as api_errors

    try:
        return [str(d.dataset_id) for d in adapter.client.list_datasets(project=database, timeout=_TIMEOUT)]
    except api_errors.GoogleAPICallError as exc:
        raise _api_error(adapter, exc) from None
