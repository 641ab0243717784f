"""Which keys of a BigQuery target dagwright reads, and the warning for the others.

Never silent: every key dbt-bigquery's profile takes is either used (the adapter builds its
client and jobs from it) or named in the command's "ignored: ..." warning line, and so is a
key dbt-bigquery does not know (dbt-bigquery ignores it without a word; it is most often a
typo). None of the keys here changes what a run builds: the ones that would are used, or
stop the load with an error (``method: external-oauth-wif``, bigquery.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagwright.errors import did_you_mean
from dagwright.project.profile_types.base import TargetProblems

#: the keys dagwright reads (bigquery.py, adapters/bigquery.py, adapters/bigquery_client.py)
USED_KEYS = frozenset(
    {
        "type",
        "threads",
        "method",
        "project",
        "database",
        "dataset",
        "schema",
        "execution_project",
        "quota_project",
        "location",
        "api_endpoint",
        "priority",
        "maximum_bytes_billed",
        "reservation",
        "impersonate_service_account",
        "scopes",
        "job_execution_timeout_seconds",
        "timeout_seconds",
        "job_creation_timeout_seconds",
        "job_retries",
        "retries",
        "job_retry_deadline_seconds",
    }
)

#: keys each method reads to authenticate; set under another method, dbt-bigquery ignores them too
METHOD_KEYS: dict[str, tuple[str, ...]] = {
    "keyfile": ("service-account",),
    "keyfile_json": ("service-account-json",),
    "token": ("oauth-secrets",),
    "refresh_token": ("oauth-secrets",),
    "client_id": ("oauth-secrets",),
    "client_secret": ("oauth-secrets",),
    "token_uri": ("oauth-secrets",),
    "workload_pool_provider_path": ("external-oauth-wif",),
    "service_account_impersonation_url": ("external-oauth-wif",),
    "token_endpoint": ("external-oauth-wif",),
}

#: dbt-bigquery's keys dagwright does not use, with why that changes no outcome
UNUSED_KEYS: dict[str, str] = {
    # dbt-bigquery logs each job's link at info level: dagwright names every node's job in
    # run_results.json, the JSON log and the timeline instead
    "job_link_info_level_log": "job links are in run_results.json and the timeline",
    # where dbt-bigquery runs Python models: dagwright runs none (a selected one is an error)
    "compute_region": "Python models only",
    "dataproc_region": "Python models only",
    "dataproc_cluster_name": "Python models only",
    "gcs_bucket": "Python models only",
    "submission_method": "Python models only",
    "dataproc_batch": "Python models only",
}


def _set(value: Any) -> bool:
    return value not in (None, "", False, [], {})


def _keys(names: list[str]) -> str:
    return ("profile key " if len(names) == 1 else "profile keys ") + ", ".join(names)


def report_unused_keys(values: Mapping[str, Any], method: str, problems: TargetProblems) -> None:
    """Note (``problems.ignored``) each key of the target that nothing reads: dbt-bigquery's
    keys dagwright does not use, another method's credentials, keys unknown to dbt-bigquery."""
    by_reason: dict[str, list[str]] = {}
    other_method: list[str] = []
    unknown: list[str] = []
    for key, value in values.items():
        if key in USED_KEYS:
            continue
        if key in METHOD_KEYS:
            if method not in METHOD_KEYS[key] and _set(value):
                other_method.append(key)
        elif key in UNUSED_KEYS:
            if _set(value):
                by_reason.setdefault(UNUSED_KEYS[key], []).append(key)
        else:
            unknown.append(key)
    for reason, names in by_reason.items():
        problems.ignored(f"{_keys(names)} ({reason})")
    if other_method:
        problems.ignored(f"{_keys(other_method)} (not read by method {method}; dbt-bigquery ignores them too)")
    for key in unknown:
        known = [*USED_KEYS, *METHOD_KEYS, *UNUSED_KEYS]
        guess = did_you_mean(key, known, n=1)
        problems.ignored(f"unknown profile key {key} (dbt-bigquery ignores it too{'; ' + guess if guess else ''})")
