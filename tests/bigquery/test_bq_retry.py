"""Issue 16: what ``job_retries`` retries, decided on google.api_core's own exceptions as
dbt-bigquery decides it; the loop itself runs end to end in test_bq_retry_e2e.py, through a
proxy that injects the failures."""

from __future__ import annotations

import pytest

pytest.importorskip("google.cloud.bigquery")

import requests
from google.api_core import exceptions as api_errors
from google.auth import exceptions as auth_errors

from dagwright.adapters.bigquery_retry import is_transient, is_transient_job_error, retry_wait


@pytest.mark.parametrize(
    "error",
    [
        api_errors.TooManyRequests("slow down"),
        api_errors.InternalServerError("oops"),
        api_errors.BadGateway("bad gateway"),
        api_errors.ServiceUnavailable("unavailable"),
        api_errors.BadRequest("x", errors=[{"reason": "backendError", "message": "try again"}]),
        api_errors.Forbidden("x", errors=[{"reason": "rateLimitExceeded", "message": "quota"}]),
        api_errors.Forbidden("x", errors=[{"reason": "jobRateLimitExceeded", "message": "quota"}]),
        api_errors.RetryError("gave up", cause=api_errors.ServiceUnavailable("down")),
        requests.exceptions.ConnectionError("reset"),
        requests.exceptions.ReadTimeout("timed out"),
        auth_errors.TransportError("token endpoint unreachable"),
        ConnectionResetError("reset by peer"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_transient_errors_are_retried(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        api_errors.BadRequest("Syntax error", errors=[{"reason": "invalidQuery", "message": "Syntax error"}]),
        api_errors.NotFound("Not found: Table p:d.t", errors=[{"reason": "notFound", "message": "nope"}]),
        api_errors.Forbidden("x", errors=[{"reason": "accessDenied", "message": "no"}]),
        api_errors.Forbidden("x", errors=[{"reason": "quotaExceeded", "message": "bytes billed"}]),
        api_errors.Conflict("Already Exists: Job p:US.dagwright_x"),
        api_errors.BadRequest("Query exceeded limit for bytes billed"),
        requests.exceptions.SSLError("bad certificate"),
        ValueError("not an API error"),
        TimeoutError("dagwright's own execution timeout"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_other_errors_are_not_retried(error: BaseException) -> None:
    assert not is_transient(error)


def test_job_error_results() -> None:
    for reason in ("backendError", "internalError", "jobBackendError", "jobInternalError", "rateLimitExceeded"):
        assert is_transient_job_error({"reason": reason, "message": "x"})
    for reason in ("stopped", "invalidQuery", "notFound", "timeout", "resourcesExceeded", "dontRetry"):
        assert not is_transient_job_error({"reason": reason, "message": "x"})
    assert not is_transient_job_error(None) and not is_transient_job_error({})


def test_waits_grow_to_three_seconds() -> None:
    assert [retry_wait(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 3.0, 3.0]
