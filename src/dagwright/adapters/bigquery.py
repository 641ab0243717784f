"""Google BigQuery, through google-cloud-bigquery (``pip install 'dagwright[bigquery]'``): the adapter.

Its profile keys are dbt-bigquery's (project_types/bigquery.py checks them, bigquery_client.py
builds the client). One client per run, shared by the workers; each worker's statements are
jobs with ids set before submission, polled and cancelled by bigquery_connection.py. The SQL is
dbt-bigquery's (bigquery_sql.py, bigquery_ddl.py).

BigQuery has no transactions across jobs, but one job is atomic: a table or view is published by
one ``create or replace`` job (``single-job replace``). The relation cache lists each dataset a
run builds into once, through the tables API.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from dagwright.adapters.base import CsvFile, DatabaseError, ExecResult, Publishing, Relation, RelationKind
from dagwright.adapters.bigquery_client import make_client
from dagwright.adapters.bigquery_connection import CANCEL_WAIT, BigQueryConnection
from dagwright.adapters.bigquery_ddl import Partitioning
from dagwright.adapters.bigquery_docs import set_descriptions
from dagwright.adapters.bigquery_sql import BigQuerySQL
from dagwright.adapters.cache import RelationCache
from dagwright.adapters.docs_catalog import bigquery_catalog_sql, renamed_stats, rows_as_dicts

if TYPE_CHECKING:
    from dagwright.guard import GuardedConnection
    from dagwright.project.profile import Target

#: the tables API's types, as relation kinds (a materialized view or a snapshot is replaced as a table)
_KINDS: dict[str, RelationKind] = {
    "TABLE": "table",
    "VIEW": "view",
    "MATERIALIZED_VIEW": "view",
    "EXTERNAL": "table",
    "SNAPSHOT": "table",
}


def relation_kind(table_type: str) -> RelationKind:
    """The relation kind of a table type of the tables API."""
    return _KINDS.get(table_type, "table")


def _unquoted(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == "`":
        return name[1:-1].replace("\\`", "`").replace("\\\\", "\\")
    return name


class BigQueryAdapter(BigQuerySQL):
    type: ClassVar[str] = "bigquery"
    publishing: ClassVar[Publishing] = "single-job replace"
    max_identifier_length: ClassVar[int | None] = None
    #: docs generate asks for at most 100 selected relations by name, as its dbt adapter does
    catalog_by_relations: ClassVar[bool] = True
    #: a date-sharded table's catalog entry ends with this (``events_*``)
    catalog_shard_suffix: ClassVar[str] = "*"
    #: dbt-bigquery's table, view and incremental materializations run only in-transaction hooks
    model_hooks_outside_transaction = False
    #: dbt-bigquery drops a seed's table and loads the file as new: an existing table's types
    #: are not kept (nor read: they are BigQuery's names)
    seed_reload_is_new = True
    #: a function's body is ``( sql )`` and it has no volatility (dbt-bigquery's macros)
    function_body_in_parentheses = True

    def __init__(self, target: Target) -> None:
        creds = target.credentials
        self._target = target
        self.where = f"target '{target.target_name}' of profile '{target.profile_name}'"
        self.project = target.database
        self.dataset = target.schema
        self.location = str(creds["location"]) if creds.get("location") else None
        self.execution_project = str(creds.get("execution_project") or target.database)
        self.priority = str(creds.get("priority") or "interactive").lower()
        self.maximum_bytes_billed = creds.get("maximum_bytes_billed") or None
        self.reservation = str(creds["reservation"]) if creds.get("reservation") else None
        timeout = creds.get("job_execution_timeout_seconds") or creds.get("timeout_seconds")
        self.job_execution_timeout = float(timeout) if timeout else None
        # dbt-bigquery's defaults: a minute to create a job, one retry of a transient failure
        self.job_creation_timeout = float(creds.get("job_creation_timeout_seconds") or 60)
        self.job_retries = int(creds.get("job_retries", creds.get("retries", 1)) or 0)
        deadline = creds.get("job_retry_deadline_seconds")
        self.job_retry_deadline = float(deadline) if deadline else None
        self.cancel_wait = CANCEL_WAIT
        self._lock = threading.Lock()
        self._client: Any = None
        self._connections: list[BigQueryConnection] = []
        self.relations = RelationCache(case_sensitive=True)
        #: materialized views at the names of models (needs_drop): dropped as such
        self._materialized_views: set[Relation] = set()
        #: (project, dataset, name) the run's listing showed as a plain view, or a table without
        #: partitioning or clustering: needs_drop answers from it instead of a tables.get
        self._plain_listed: dict[tuple[str, str, str], str] = {}

    # -- secrets -----------------------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        for secret in sorted(self._target.secret_values(), key=len, reverse=True):
            if len(secret) >= 3:
                text = text.replace(secret, "****")
        return text

    # -- the client --------------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                try:
                    self._client = make_client(self._target.credentials, self.project, self.location, self.where)
                except Exception as exc:
                    from dagwright.errors import ProfileError

                    if isinstance(exc, ProfileError):
                        exc.message = self.scrub(exc.message)
                        exc.args = (exc.message,)
                        exc.path = str(self._target.profiles_path)
                        raise
                    raise
            return self._client

    def job_config(self, parameters: list[Any] | None = None) -> Any:
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(
            priority=bigquery.QueryPriority.BATCH if self.priority == "batch" else bigquery.QueryPriority.INTERACTIVE,
        )
        if self.maximum_bytes_billed:
            config.maximum_bytes_billed = int(self.maximum_bytes_billed)
        if self.job_execution_timeout:  # BigQuery ends the job itself too (dagwright cancels it as well)
            config.job_timeout_ms = int(self.job_execution_timeout * 1000)
        if self.reservation:
            config.reservation = self.reservation
        if parameters:
            config.query_parameters = parameters
        return config

    def open(self, worker: str) -> BigQueryConnection:
        self.client  # noqa: B018 - build the client in the caller's thread: its errors are the profile's
        conn = BigQueryConnection(self, worker)
        with self._lock:
            self._connections.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
            client, self._client = self._client, None
        for conn in connections:
            conn.close()
        if client is not None:
            try:
                client.close()
            except Exception:
                pass

    # -- catalog -----------------------------------------------------------------------------------
    def _table_ref(self, relation: Relation) -> Any:
        from google.cloud import bigquery

        return bigquery.TableReference(
            bigquery.DatasetReference(relation.database or self.project, relation.schema), relation.identifier
        )

    def get_table(self, relation: Relation) -> Any:
        """The tables API's view of ``relation`` (a metadata call: no job), None if absent."""
        from google.api_core import exceptions as api_errors

        try:
            return self.client.get_table(self._table_ref(relation), timeout=60)
        except api_errors.NotFound:
            return None
        except api_errors.GoogleAPICallError as exc:
            raise DatabaseError(self.scrub(getattr(exc, "message", None) or str(exc))) from None

    def set_descriptions(
        self, relation: Relation, description: str | None, columns: Mapping[str, tuple[str, bool]]
    ) -> list[str]:
        """``persist_docs`` through the tables API (bigquery_docs.py); the missing columns."""
        return set_descriptions(self, relation, description, columns)

    def lookup_kind(self, relation: Relation) -> RelationKind | None:
        table = self.get_table(relation)
        return None if table is None else _KINDS.get(str(table.table_type), "table")

    def cache_schemas(self, conn: Any, schemas: list[tuple[str | None, str]]) -> None:
        """List the tables and views of the datasets a run builds into, once each (adapters.cache)."""
        from google.api_core import exceptions as api_errors
        from google.cloud import bigquery

        for database, schema in schemas:
            dataset = bigquery.DatasetReference(database or self.project, schema)
            try:
                tables = list(self.client.list_tables(dataset, max_results=100_000, timeout=60))
            except api_errors.NotFound:
                tables = []
            listing = [(str(t.table_id), _KINDS.get(str(t.table_type), "table")) for t in tables]
            self.relations.add_schema(database, schema, listing)
            plain = {
                (database or self.project, schema, str(t.table_id)): str(t.table_type) for t in tables if _plain(t)
            }
            with self._lock:
                self._plain_listed.update(plain)

    def catalog_rows(self, conn: Any, database: str | None, schemas: Sequence[str]) -> list[dict[str, Any]]:
        """``docs generate``: each dataset's tables, views and columns with the stats
        dbt-bigquery reads (one query job per dataset; a dataset that does not exist has none)."""
        from google.api_core import exceptions as api_errors
        from google.cloud import bigquery

        project = database or self.project
        rows: list[dict[str, Any]] = []
        for schema in schemas:
            try:
                self.client.get_dataset(bigquery.DatasetReference(project, schema), timeout=60)
            except api_errors.NotFound:
                continue
            result = conn.execute(bigquery_catalog_sql(project, schema))
            rows.extend(rows_as_dicts(result.rows, renamed_stats(result.column_names)))
        return rows

    def table_rows(self, job: Any) -> int | None:
        """Rows of the table a CTAS job built (dbt-bigquery reports them)."""
        destination = job.destination or getattr(job, "ddl_target_table", None)
        if destination is None:
            return None
        try:
            return self.client.get_table(destination, timeout=60).num_rows
        except Exception:
            return None

    def existing_layout(self, relation: Relation, table: Any = None) -> tuple[str | None, tuple[str, ...]] | None:
        """The partitioning clause and clustering columns of the table at ``relation`` (None: no
        table); ``table``: its tables API answer, when the caller has it."""
        table = table if table is not None else self.get_table(relation)
        if table is None or table.table_type != "TABLE":
            return None
        clause = None
        if table.range_partitioning is not None:
            bounds = table.range_partitioning.range_
            clause = Partitioning(
                table.range_partitioning.field, "int64", range=(bounds.start, bounds.end, bounds.interval)
            ).clause()
        elif table.time_partitioning is not None:
            field = table.time_partitioning.field
            types = {f.name: f.field_type.lower() for f in table.schema}
            data_type = {"timestamp": "timestamp", "datetime": "datetime"}.get(types.get(field or "", ""), "date")
            granularity = str(table.time_partitioning.type_ or "DAY").lower()
            clause = Partitioning(field or "_PARTITIONTIME", data_type, granularity).clause()
        return clause, tuple(c.lower() for c in table.clustering_fields or ())

    def needs_drop(self, relation: Relation, config: Any) -> str | None:
        """Why replacing the table at ``relation`` with one built from ``config`` needs DROP then
        CREATE (BigQuery cannot replace a table across a partitioning or clustering change), or None.
        A relation the run's listing showed plain needs no tables.get when ``config`` asks for
        no partitioning or clustering either (used once: a later call asks the API)."""
        key = (relation.database or self.project, relation.schema, relation.identifier)
        with self._lock:
            listed = self._plain_listed.pop(key, None)
        if listed == "VIEW" or (listed == "TABLE" and self.layout(config) == (None, ())):
            return None
        table = self.get_table(relation)
        if table is not None and table.table_type == "MATERIALIZED_VIEW":
            with self._lock:
                self._materialized_views.add(relation)
            return "a materialized view held its name (BigQuery replaces none)"
        existing = self.existing_layout(relation, table)
        if existing is None:
            return None
        wanted = self.layout(config)
        if existing[0] != wanted[0]:
            return f"its partitioning changes ({existing[0] or 'none'} -> {wanted[0] or 'none'})"
        if existing[1] != wanted[1]:
            return f"its clustering changes ({', '.join(existing[1]) or 'none'} -> {', '.join(wanted[1]) or 'none'})"
        return None

    def drop_sql(self, relation: Relation, kind: RelationKind) -> str:
        """A materialized view found by ``needs_drop`` is dropped as one (DROP VIEW refuses it)."""
        with self._lock:
            materialized = relation in self._materialized_views
            self._materialized_views.discard(relation)
        if materialized:
            return f"drop materialized view if exists {self.render(relation)}"
        return super().drop_sql(relation, kind)

    # -- seeds -------------------------------------------------------------------------------------
    def load_csv_file(self, conn: GuardedConnection, relation: Relation, seed: CsvFile) -> ExecResult:
        """A seed's file into the table ``relation`` as dbt-bigquery loads it: the file itself
        uploaded to one load job (CSV, its header skipped, the seed's delimiter and column
        types as the job's schema), so BigQuery converts every value, as for dbt-bigquery."""
        target = (relation.database or self.project, relation.schema, relation.identifier)
        return conn.executemany(f"load into {self.render(relation)}", [(seed, *target)])

    def run_load(self, connection: BigQueryConnection, relation: Relation, payload: CsvFile) -> ExecResult:
        from google.cloud import bigquery

        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.CSV,
            skip_leading_rows=1,
            field_delimiter=payload.delimiter,
            schema=[bigquery.SchemaField(name, sql_type) for name, sql_type in payload.columns],
            write_disposition=bigquery.WriteDisposition.WRITE_APPEND,
        )

        def submit(job_id: str) -> Any:
            with payload.path.open("rb") as upload:  # opened again for each try
                return self.client.load_table_from_file(
                    upload,
                    self._table_ref(relation),
                    job_id=job_id,
                    job_config=config,
                    location=self.location,
                    project=self.execution_project,
                    timeout=self.job_creation_timeout,
                )

        job = connection.run_with_retries(submit)
        return ExecResult(
            message="LOAD",
            code="LOAD",
            rows_affected=job.output_rows,
            extra={"job_id": job.job_id, "location": job.location, "project_id": job.project},
        )

    def describe(self) -> dict[str, Any]:
        creds = self._target.credentials
        out: dict[str, Any] = {
            "type": self.type,
            "method": creds.get("method"),
            "project": self.project,
            "dataset": self.dataset,
            "execution_project": self.execution_project,
            "priority": self.priority,
        }
        for key in ("location", "api_endpoint", "impersonate_service_account", "maximum_bytes_billed", "reservation"):
            if creds.get(key):
                out[key] = creds.get(key)
        return out


def _plain(item: Any) -> bool:
    """A listed view, or table without partitioning or clustering (the tables.list answer
    carries ``timePartitioning``, ``rangePartitioning`` and ``clustering`` where they are set)."""
    properties = getattr(item, "_properties", None) or {}
    if properties.get("type") == "VIEW":
        return True
    layout = ("timePartitioning", "rangePartitioning", "clustering")
    return properties.get("type") == "TABLE" and not any(properties.get(key) for key in layout)
