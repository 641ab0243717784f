"""Provisional: the ``bq_emulator`` fixture from the environment (DAGWRIGHT_BQ_ENDPOINT,
DAGWRIGHT_BQ_PROJECT) of an emulator started by hand; skipped when they are unset. The
fixture that installs and starts the emulator replaces this file."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    project: str


@pytest.fixture(scope="session")
def bq_emulator() -> Emulator:
    endpoint = os.environ.get("DAGWRIGHT_BQ_ENDPOINT")
    if not endpoint:
        pytest.skip("no BigQuery emulator: set DAGWRIGHT_BQ_ENDPOINT (and DAGWRIGHT_BQ_PROJECT)")
    return Emulator(endpoint, os.environ.get("DAGWRIGHT_BQ_PROJECT", "dw-test"))
