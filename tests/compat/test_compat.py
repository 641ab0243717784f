"""dagwright against dbt-core + dbt-duckdb: every project under tests/compat/projects/ is run by
both tools and must leave the same relations, columns, types, rows and node statuses.
See conftest.py for the case format (compat.yml) and the comparison."""

from __future__ import annotations

import pytest


@pytest.mark.compat
def test_builds_the_same_as_dbt(compat_case, compat_runner, compat_compare) -> None:
    compat_compare(compat_runner(compat_case))
