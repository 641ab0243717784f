"""Render a dbt project as an Airflow DAG with Astronomer Cosmos, ``LoadMode.DBT_LS`` and a
given dbt executable, and (``run``) run it with ``dag.test()`` (local execution, no Airflow
services: a SQLite metadata database in $AIRFLOW_HOME). Prints one line ``RESULT <json>``: each
task's dbt node and upstream tasks, and with ``run`` each task's final state. Run by
tests/test_cosmos.py with a Python that has Cosmos and Airflow (argv: project dir, executable,
``render`` or ``run``)."""

import datetime as dt
import json
import sys
from pathlib import Path

project = Path(sys.argv[1])
executable = sys.argv[2]
action = sys.argv[3] if len(sys.argv) > 3 else "render"

if action == "run":
    from airflow.utils.db import initdb

    initdb()  # the SQLite metadata database dag.test() records its task instances in

from cosmos import DbtDag, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig  # noqa: E402
from cosmos.constants import InvocationMode, LoadMode  # noqa: E402

profile = ProfileConfig(profile_name="proj", target_name="dev", profiles_yml_filepath=project / "profiles.yml")
dag = DbtDag(
    dag_id="proj",
    # Cosmos then passes --no-partial-parse to ls and to every task's command (dagwright accepts it)
    project_config=ProjectConfig(project, partial_parse=False),
    profile_config=profile,
    execution_config=ExecutionConfig(dbt_executable_path=executable, invocation_mode=InvocationMode.SUBPROCESS),
    render_config=RenderConfig(
        load_method=LoadMode.DBT_LS, dbt_executable_path=executable, invocation_mode=InvocationMode.SUBPROCESS
    ),
    # Airflow 2.10's dag.test() cannot record the datasets Cosmos declares as outlets (a
    # FlushError on DatasetModel.aliases): not about dbt, so not emitted
    operator_args={"emit_datasets": False},
    schedule=None,
    start_date=dt.datetime(2024, 1, 1),
    catchup=False,
)
tasks = {
    task.task_id: {
        "node": (getattr(task, "extra_context", None) or {}).get("dbt_node_config", {}).get("unique_id"),
        "upstream": sorted(task.upstream_task_ids),
    }
    for task in dag.tasks
}
result = {"tasks": tasks}
if action == "run":
    run = dag.test()
    result["states"] = {ti.task_id: ti.state for ti in run.get_task_instances()}
print("RESULT " + json.dumps(result, default=str))
