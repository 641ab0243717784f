"""BigQuery targets (``type: bigquery``), as dbt-bigquery reads them.

``project`` is the database and ``dataset`` the schema (dbt-bigquery's names; ``database`` /
``schema`` win where both are set). ``method`` says how to authenticate, and each method
needs its own keys: ``service-account`` a ``keyfile`` (a path), ``service-account-json`` a
``keyfile_json`` (the key itself), ``oauth-secrets`` a ``token`` or a ``refresh_token`` with
``client_id``/``client_secret``/``token_uri``; ``oauth`` uses the machine's application
default credentials. Key files, JSON keys, tokens and client secrets are secrets (masked by
``project.credentials``). The job settings are checked here, so a typo fails before anything
runs; the adapter (adapters/bigquery.py) builds the client from them.
"""

from __future__ import annotations

from typing import Any

from dagwright.project.profile_types.base import CommonFields, ProfileType, TargetProblems
from dagwright.project.profile_types.bigquery_keys import report_unused_keys

METHODS = ("oauth", "service-account", "service-account-json", "oauth-secrets")
#: dbt-bigquery's methods dagwright cannot authenticate with
UNSUPPORTED_METHODS = {"external-oauth-wif": "workload identity federation"}
PRIORITIES = ("interactive", "batch")

#: integer job settings of dbt-bigquery's profile, and the smallest value each takes
_INTEGER_KEYS = {
    "maximum_bytes_billed": 1,
    "job_execution_timeout_seconds": 1,
    "job_creation_timeout_seconds": 1,
    "job_retries": 0,
    "job_retry_deadline_seconds": 1,
    "timeout_seconds": 1,  # dbt-bigquery's old name of job_execution_timeout_seconds
    "retries": 0,  # and of job_retries
}


class BigQueryProfile(ProfileType):
    database_aliases = ("project",)

    def complete(self, values: dict[str, Any], fields: CommonFields, problems: TargetProblems) -> None:
        if fields.schema is None:
            raise problems.error(
                f"{problems.where} (type bigquery) has no `dataset`",
                hint="add `dataset:` (or `schema:`) naming the dataset models are built in",
            )
        if fields.database is None:
            raise problems.error(
                f"{problems.where} (type bigquery) has no `project`",
                hint="add `project:` (or `database:`) naming the Google Cloud project models are built in",
            )
        method = values.get("method")
        if method is None:
            raise problems.error(
                f"{problems.where} (type bigquery) has no `method`",
                hint=f"add `method:` with one of: {', '.join(METHODS)}",
            )
        if method in UNSUPPORTED_METHODS:
            raise problems.error(
                f"{problems.where}: bigquery `method` {method} ({UNSUPPORTED_METHODS[str(method)]}) "
                "is not implemented in dagwright yet",
                "method",
                hint=f"authenticate with one of: {', '.join(METHODS)}",
            )
        if method not in METHODS:
            raise problems.error(
                f"{problems.where}: bigquery `method` {problems.shown('method', method)} is not one dbt-bigquery has",
                "method",
                hint=f"one of: {', '.join(METHODS)}",
            )
        needed = {
            "service-account": [("keyfile",)],
            "service-account-json": [("keyfile_json",)],
            "oauth-secrets": [("token",), ("refresh_token", "client_id", "client_secret", "token_uri")],
        }.get(str(method), [])
        if needed and not any(all(values.get(k) not in (None, "") for k in keys) for keys in needed):
            wanted = " or ".join("`" + "`, `".join(keys) + "`" for keys in needed)
            raise problems.error(
                f"{problems.where} (bigquery, method {method}) needs {wanted}",
                hint="see dbt-bigquery's profile documentation for the method's keys",
            )
        if method == "service-account-json" and not isinstance(values.get("keyfile_json"), dict):
            raise problems.error(
                f"{problems.where}: `keyfile_json` must be a mapping (the service account key's JSON fields)",
                "keyfile_json",
            )
        for key, least in _INTEGER_KEYS.items():
            value = values.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise problems.error(
                    f"{problems.where}: `{key}` must be a whole number of at least {least}, "
                    f"not {problems.shown(key, value)}",
                    key,
                )
        priority = values.get("priority")
        if priority is not None and str(priority).lower() not in PRIORITIES:
            raise problems.error(
                f"{problems.where}: `priority` must be one of {', '.join(PRIORITIES)}, "
                f"not {problems.shown('priority', priority)}",
                "priority",
            )
        scopes = values.get("scopes")
        if scopes is not None and not (isinstance(scopes, list) and all(isinstance(s, str) for s in scopes)):
            raise problems.error(f"{problems.where}: `scopes` must be a list of OAuth scope URLs", "scopes")
        report_unused_keys(values, str(method), problems)
