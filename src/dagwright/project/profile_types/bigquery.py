"""BigQuery targets (``type: bigquery``): ``project`` is the database, as dbt-bigquery reads it.

dagwright has no BigQuery engine yet (a command refuses the type), but a target loaded through
the API reads its database as dbt does.
"""

from __future__ import annotations

from dagwright.project.profile_types.base import ProfileType


class BigQueryProfile(ProfileType):
    database_aliases = ("project",)
