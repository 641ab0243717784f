"""BigQuery's Jinja ``adapter``, as dbt-bigquery's: relations and columns from the tables API
(a column's type as the API labels it, ``INT64`` for ``INTEGER``, with its mode and nested
fields), a query's columns from the result schema of the query limited to no rows (struct
fields flattened to ``a.b``), datasets listed through the datasets API, schemas named
``project``.``dataset``. No transactions; string columns need no widening; no
``truncate_relation`` (dbt-bigquery raises)."""

from __future__ import annotations

from typing import Any

from dagwright.adapters.base import Relation
from dagwright.errors import CompilationError
from dagwright.rendering.engines.base import EngineCalls, JinjaEngine
from dagwright.rendering.relation_api import DbColumn


class BigQueryDbColumn(DbColumn):
    """dbt-bigquery's ``BigQueryColumn``: the API's type labels, a ``mode`` (NULLABLE,
    REQUIRED, REPEATED) and the nested ``fields`` of a RECORD; ``data_type`` spells a record
    ``STRUCT<...>`` and a repeated column ``ARRAY<...>``; no sizes or precisions."""

    TYPE_LABELS = {"TEXT": "STRING", "FLOAT": "FLOAT64", "INTEGER": "INT64"}

    def __init__(self, column: str, dtype: str, fields: Any = None, mode: str = "NULLABLE") -> None:
        super().__init__(column, dtype)
        self.fields: list[BigQueryDbColumn] = [
            f if isinstance(f, BigQueryDbColumn) else self.from_field(f) for f in fields or ()
        ]
        self.mode = mode or "NULLABLE"

    @classmethod
    def from_field(cls, field: Any) -> BigQueryDbColumn:
        """A column from a google-cloud-bigquery ``SchemaField``."""
        return cls(str(field.name), cls.translate_type(str(field.field_type)), field.fields, str(field.mode))

    @classmethod
    def numeric_type(cls, dtype: str, precision: Any, scale: Any) -> str:
        return dtype

    @property
    def quoted(self) -> str:
        return f"`{self.column}`"

    @property
    def data_type(self) -> str:
        if self.dtype.upper() == "RECORD":
            inner = ", ".join(f"{f.quoted} {f.data_type}" for f in self.fields)
            shown = f"STRUCT<{inner}>"
        else:
            shown = self.dtype
        return f"ARRAY<{shown}>" if self.mode.upper() == "REPEATED" else shown

    def is_string(self) -> bool:
        return self.dtype.lower() == "string"

    def is_integer(self) -> bool:
        return self.dtype.lower() == "int64"

    def is_numeric(self) -> bool:
        return self.dtype.lower() == "numeric"

    def is_float(self) -> bool:
        return self.dtype.lower() == "float64"

    def can_expand_to(self, other: DbColumn) -> bool:
        return self.is_string() and other.is_string()

    def literal(self, value: Any) -> str:
        return f"cast({value} as {self.dtype})"

    def flatten(self, prefix: tuple[str, ...] = ()) -> list[BigQueryDbColumn]:
        """The leaf columns of a record, named ``parent.child``; a plain column is itself."""
        path = (*prefix, self.column)
        if not self.fields:
            return [BigQueryDbColumn(".".join(path), self.dtype, None, self.mode)]
        return [leaf for f in self.fields for leaf in f.flatten(path)]

    def __repr__(self) -> str:
        return f"<BigQueryColumn {self.name} ({self.data_type}, {self.mode})>"


def _adapter(calls: EngineCalls) -> Any:
    """The BigQuery adapter behind the template's connection, after the run's stop check."""
    connection = calls.live().connection
    connection.check_stop()
    return connection.raw.adapter


class BigQueryJinja(JinjaEngine):
    column = BigQueryDbColumn
    event_time_cast = "timestamp"
    subquery_alias = False  # dbt-bigquery's relations do not require one

    def find_relation(self, calls: EngineCalls, database: str | None, schema: Any, identifier: Any) -> Any:
        """The run's relation cache where it listed the dataset, else the tables API."""
        relation = Relation(calls.database(database), str(schema), str(identifier))
        kind = calls.live().connection.relation_kind(relation)
        return None if kind is None else calls.make(relation, kind)

    def columns(self, calls: EngineCalls, relation: Relation) -> list[DbColumn]:
        from dagwright.adapters.bigquery_catalog import table_fields

        fields = table_fields(_adapter(calls), relation)
        return [BigQueryDbColumn.from_field(f) for f in fields or ()]

    def query_columns(self, calls: EngineCalls, sql: str) -> list[DbColumn]:
        """The result schema of the query made to return no rows (as dbt-bigquery's
        ``get_empty_subquery_sql``), records flattened."""
        statements = calls.live()
        empty = "where false and current_timestamp() = current_timestamp()\nlimit 0"
        statements.execute(f"select * from (\n{sql}\n) as __dbt_sbq\n{empty}")
        fields = getattr(statements.connection.raw, "last_schema", [])
        return [leaf for f in fields for leaf in BigQueryDbColumn.from_field(f).flatten()]

    def schema_exists(self, calls: EngineCalls, database: str | None, schema: str) -> bool:
        from dagwright.adapters.bigquery_catalog import dataset_exists

        return dataset_exists(_adapter(calls), str(calls.database(database)), schema)

    def schemas(self, calls: EngineCalls, database: str | None) -> list[str]:
        from dagwright.adapters.bigquery_catalog import project_datasets

        return project_datasets(_adapter(calls), str(calls.database(database)))

    def relations(self, calls: EngineCalls, database: str | None, schema: Any) -> list[Any]:
        """The dataset's tables and views, named with the project they are in (dbt-bigquery
        names them from the API's answer)."""
        from dagwright.adapters.bigquery_catalog import dataset_relations

        project = str(calls.database(database))
        listing = dataset_relations(_adapter(calls), project, str(schema))
        return [calls.make(Relation(project, str(schema), name), kind) for name, kind in listing]

    def schema_name(self, database: str, schema: str) -> str:
        return f"{database}.{schema}"

    def drop_relation_sql(self, relation: str, kind: str) -> str:
        # BigQuery's DROP TABLE / DROP VIEW take no CASCADE (dbt-bigquery deletes through the API)
        return f"drop {kind} if exists {relation}"

    def truncate_relation_sql(self, relation: str) -> str:
        raise CompilationError(
            "`truncate` is not implemented for this adapter!",
            hint="dbt-bigquery has no adapter.truncate_relation: run `truncate table ...` with run_query",
        )
