"""Which BigQuery failures ``job_retries`` retries, and how long a retry waits.

dbt-bigquery retries a job when its error is transient by google-cloud-bigquery's rules: an
error reason of the API (``rateLimitExceeded``, ``backendError``, ``internalError``,
``badGateway``) or of the job (``jobRateLimitExceeded``, ``jobBackendError``,
``jobInternalError``), or an HTTP/transport failure with no reason (429, 500, 502, 503, a
dropped connection, a timeout; never an SSL error). It counts every error, and the first one
that is not transient, or one past ``job_retries``, is the node's error. Waits start at 1 s and
double up to 3 s. dagwright decides the same, with the exception classes of google.api_core.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: the error reasons BigQuery uses for a failure that may not happen again
TRANSIENT_REASONS = frozenset(
    {
        "rateLimitExceeded",
        "backendError",
        "internalError",
        "badGateway",
        "jobRateLimitExceeded",
        "jobBackendError",
        "jobInternalError",
    }
)
FIRST_WAIT, MAX_WAIT = 1.0, 3.0


def _transient_types() -> tuple[type[BaseException], ...]:
    from google.api_core import exceptions as api_errors

    types: list[type[BaseException]] = [
        ConnectionError,
        api_errors.TooManyRequests,
        api_errors.InternalServerError,
        api_errors.BadGateway,
        api_errors.ServiceUnavailable,
    ]
    try:
        import requests

        types += [requests.exceptions.ConnectionError, requests.exceptions.Timeout]
        types.append(requests.exceptions.ChunkedEncodingError)
    except ImportError:  # pragma: no cover - requests comes with google-cloud-bigquery
        pass
    try:
        from google.auth import exceptions as auth_errors

        types.append(auth_errors.TransportError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(types)


def _first_reason(errors: Any) -> str | None:
    try:
        reason = errors[0]["reason"]
    except (TypeError, IndexError, KeyError):
        return None
    return str(reason) if reason else None


def is_transient(error: BaseException) -> bool:
    """Whether a call to the BigQuery API that raised ``error`` may succeed if made again."""
    try:
        import requests

        if isinstance(error, requests.exceptions.SSLError):
            return False
    except ImportError:  # pragma: no cover
        pass
    from google.api_core import exceptions as api_errors

    if isinstance(error, api_errors.RetryError) and error.cause is not None:
        error = error.cause
    reason = _first_reason(getattr(error, "errors", None))
    if reason is not None and reason in TRANSIENT_REASONS:
        return True
    return isinstance(error, _transient_types())


def is_transient_job_error(error_result: Mapping[str, Any] | None) -> bool:
    """Whether a job that ended with ``error_result`` failed for a reason that may not recur
    (``stopped``, a cancelled job, never is)."""
    if not error_result:
        return False
    return str(error_result.get("reason") or "") in TRANSIENT_REASONS


def retry_wait(attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (from 1)."""
    return min(FIRST_WAIT * 2 ** (attempt - 1), MAX_WAIT)
