"""Run ``build`` of a dbt project through dagster-dbt with a given dbt executable; print what
dagster recorded as JSON: the materialized assets, the checks and whether they passed, and
whether the run succeeded. Run by tests/test_dagster_dbt.py with a Python that has
dagster-dbt (argv: project dir, executable, then the dbt arguments)."""

import json
import sys
from pathlib import Path

from dagster import AssetExecutionContext, materialize
from dagster_dbt import DbtCliResource, dbt_assets

project = Path(sys.argv[1])
executable = sys.argv[2]
dbt_args = sys.argv[3:] or ["build"]


@dbt_assets(manifest=project / "target" / "manifest.json")
def project_assets(context: AssetExecutionContext, dbt: DbtCliResource):  # type: ignore[no-untyped-def]
    yield from dbt.cli(dbt_args, context=context, raise_on_error=False).stream()


resource = DbtCliResource(project_dir=str(project), profiles_dir=str(project), dbt_executable=executable)
result = materialize([project_assets], resources={"dbt": resource}, raise_on_error=False)
materialized = sorted(
    e.asset_key.to_user_string() for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"
)
checks = {
    e.event_specific_data.check_name: e.event_specific_data.passed
    for e in result.all_events
    if e.event_type_value == "ASSET_CHECK_EVALUATION"
}
print("RESULT " + json.dumps({"success": result.success, "materialized": materialized, "checks": checks}))
