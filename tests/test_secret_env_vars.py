"""dbt's secret environment variables (``DBT_ENV_SECRET*``) are readable in profiles.yml and
packages.yml only: a model, macro or hook that reads one is an error at parse (exit 2, as
dbt-core 1.11 gives), and the secret reaches neither target/ nor the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SECRET = "hunter2-secret-value"

CASES = {
    # the static path (no Jinja beyond env_var) and the Jinja path
    "static model": {"models/a.sql": "select '{{ env_var(\"DBT_ENV_SECRET_TOKEN\") }}' as t"},
    "jinja model": {"models/a.sql": "{% if true %}select '{{ env_var('DBT_ENV_SECRET_TOKEN') }}' as t{% endif %}"},
    # a name built at render time, in a macro the model calls
    "macro": {
        "macros/tok.sql": "{% macro tok() %}{{ env_var('DBT_ENV_' ~ 'SECRET_TOKEN') }}{% endmacro %}",
        "models/a.sql": "select '{{ tok() }}' as t",
    },
    # dbt's prefix has no trailing underscore
    "prefix without underscore": {"models/a.sql": "select '{{ env_var(\"DBT_ENV_SECRETTOKEN\") }}' as t"},
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_secret_read_outside_profiles_is_an_error(make_project: Any, case: str) -> None:
    project = make_project({"models/ok.sql": "select 1 as id", **CASES[case]})
    project.env.update(DBT_ENV_SECRET_TOKEN=SECRET, DBT_ENV_SECRETTOKEN=SECRET)
    result = project.run("run")
    assert result.code == 2, str(result)
    assert "DBT_ENV_SECRET" in result.stderr and "profiles.yml" in result.stderr and "models/a.sql" in result.stderr
    assert SECRET not in result.output
    assert not project.db.exists() or project.query("select count(*) from information_schema.tables") == [(0,)]
    written = [p for p in Path(project.target).rglob("*") if p.is_file()] if project.target.exists() else []
    assert not any(SECRET.encode() in p.read_bytes() for p in written)
