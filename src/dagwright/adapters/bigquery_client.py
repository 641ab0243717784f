"""The google-cloud-bigquery client of a ``type: bigquery`` target, built as dbt-bigquery builds it.

The driver is imported here, lazily (``pip install 'dagwright[bigquery]'``). Credentials come
from the profile's ``method``: ``oauth`` (application default credentials), ``service-account``
(``keyfile``), ``service-account-json`` (``keyfile_json``), ``oauth-secrets`` (``token``, or a
``refresh_token`` with ``client_id``/``client_secret``/``token_uri``); optionally impersonating
``impersonate_service_account``. ``api_endpoint`` points the client elsewhere (an emulator).
No secret appears in an error raised here: messages are scrubbed by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagwright.errors import ProfileError

#: dbt-bigquery's default OAuth scopes
DEFAULT_SCOPES = (
    "https://www.googleapis.com/auth/bigquery",
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/drive",
)

INSTALL_HINT = "pip install 'dagwright[bigquery]'  (or: pip install google-cloud-bigquery)"


def import_bigquery() -> Any:
    try:
        from google.cloud import bigquery
    except ImportError as exc:
        raise ProfileError(
            "the BigQuery adapter needs google-cloud-bigquery, which is not installed", hint=INSTALL_HINT
        ) from exc
    return bigquery


def google_credentials(creds: Mapping[str, Any], where: str) -> Any:
    """The google-auth credentials the profile's ``method`` describes."""
    method = str(creds.get("method"))
    scopes = list(creds.get("scopes") or DEFAULT_SCOPES)
    try:
        if method == "oauth":
            import google.auth

            credentials, _ = google.auth.default(scopes=scopes)
        elif method == "service-account":
            from google.oauth2 import service_account

            credentials = service_account.Credentials.from_service_account_file(str(creds["keyfile"]), scopes=scopes)
        elif method == "service-account-json":
            from google.oauth2 import service_account

            credentials = service_account.Credentials.from_service_account_info(
                dict(creds["keyfile_json"]), scopes=scopes
            )
        elif method == "oauth-secrets":
            from google.oauth2 import credentials as oauth2

            credentials = oauth2.Credentials(
                token=creds.get("token"),
                refresh_token=creds.get("refresh_token"),
                client_id=creds.get("client_id"),
                client_secret=creds.get("client_secret"),
                token_uri=creds.get("token_uri"),
                scopes=scopes,
            )
        else:  # profile_types/bigquery.py rejects it before
            raise ProfileError(f"{where}: unknown bigquery method {method!r}")
    except ImportError as exc:
        raise ProfileError(f"{where}: google-auth is not installed ({exc.name})", hint=INSTALL_HINT) from None
    except ProfileError:
        raise
    except Exception as exc:  # google.auth's errors, a missing or malformed key file
        raise ProfileError(
            f"{where}: cannot load the credentials of method {method}: {type(exc).__name__}: {exc}",
            hint="check the profile's key file, JSON key or tokens, or run `gcloud auth application-default login`",
        ) from None
    target = creds.get("impersonate_service_account")
    if target:
        try:
            from google.auth import impersonated_credentials
        except ImportError:
            raise ProfileError(
                f"{where}: `impersonate_service_account` needs google-auth's impersonated_credentials, "
                "which is not installed",
                hint="pip install 'google-auth>=2'  (it comes with google-cloud-bigquery)",
            ) from None
        credentials = impersonated_credentials.Credentials(
            source_credentials=credentials, target_principal=str(target), target_scopes=scopes
        )
    return credentials


def make_client(creds: Mapping[str, Any], project: str, location: str | None, where: str) -> Any:
    bigquery = import_bigquery()
    from google.api_core.client_options import ClientOptions

    options = ClientOptions(api_endpoint=str(creds["api_endpoint"])) if creds.get("api_endpoint") else None
    credentials = google_credentials(creds, where)
    quota = creds.get("quota_project")
    if quota:
        credentials = credentials.with_quota_project(str(quota))
    try:
        return bigquery.Client(
            project=str(creds.get("execution_project") or project),
            credentials=credentials,
            location=location,
            client_options=options,
        )
    except Exception as exc:
        raise ProfileError(f"{where}: cannot create the BigQuery client: {type(exc).__name__}: {exc}") from None
