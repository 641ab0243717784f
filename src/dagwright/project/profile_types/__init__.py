"""Each kind of target's rules while a profile loads, one module per type, registered here.

A type not registered gets ``ProfileType``'s defaults. PostgreSQL and Spark have no rules of
their own at this stage: their adapters check the keys they connect with.
"""

from __future__ import annotations

from dagwright.project.profile_types.base import ProfileType
from dagwright.project.profile_types.bigquery import BigQueryProfile
from dagwright.project.profile_types.duckdb import DuckDBProfile

PROFILE_TYPES: dict[str, ProfileType] = {"duckdb": DuckDBProfile(), "bigquery": BigQueryProfile()}
_DEFAULT = ProfileType()


def profile_type(name: str) -> ProfileType:
    """The rules of targets of ``type: name``."""
    return PROFILE_TYPES.get(name, _DEFAULT)
