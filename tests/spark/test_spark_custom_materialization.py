"""A project's ``{% materialization %}`` block on Spark (materialize/custom.py), against dbt-spark
(the oracle) on the same Spark.

The block is a table that also writes a log row: a temporary view of the model's rows
(``make_temp_relation``, ``create_table_as(True, ...)``: dbt-spark's ``create or replace
temporary view``), the old table dropped (``adapter.get_relation``, ``adapter.drop_relation``),
the table created from the view (``create_table_as(False, ...)`` with the model's
``partition_by``, as dbt-spark writes it), then one row appended to a log table. dbt's search
is followed: dbt-spark's own ``table`` block beats the project's ``table, default`` block
(which would fail), so a ``table`` model is built as dagwright's ``table``.

Both tools run the project twice, into schemas of their own; statuses, exit codes, rows and
the tables' partition columns are compared.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from .harness import SparkServer, drop_schemas, run_tool, write_twin_project
from .test_spark_compat import BIN_DIR, oracle

pytestmark = [pytest.mark.spark, pytest.mark.compat]

BLOCK = """\
{% materialization logged_table, default %}
  {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
  {%- set log = api.Relation.create(schema=this.schema, identifier='build_log', type='table') -%}
  {%- set staged = make_temp_relation(this) -%}
  {{ run_hooks(pre_hooks) }}
  {% call statement('stage') -%} {{ create_table_as(True, staged, sql) }} {%- endcall %}
  {% if existing is not none %}{% do adapter.drop_relation(existing) %}{% endif %}
  {% call statement('main') -%} {{ create_table_as(False, this, 'select * from ' ~ staged) }} {%- endcall %}
  {% call statement('make_log') -%}
    create table if not exists {{ log }} (model string, n bigint)
  {%- endcall %}
  {% call statement('log_row') -%}
    insert into {{ log }} select '{{ this.identifier }}', count(*) from {{ this }}
  {%- endcall %}
  {{ run_hooks(post_hooks) }}
  {{ return({'relations': [this.incorporate(type='table')]}) }}
{% endmaterialization %}

{% materialization table, default %}
  {{ exceptions.raise_compiler_error('the project table block was used') }}
{% endmaterialization %}
"""

FILES = {
    "dbt_project.yml": "name: proj\nversion: '1.0'\nconfig-version: 2\nprofile: proj\n",
    "macros/blocks.sql": BLOCK,
    "models/plain.sql": "{{ config(materialized='table') }}\nselect 1 as id",
    "models/logged.sql": "{{ config(materialized='logged_table', post_hook='select 1') }}\n"
    "select id, id % 2 as part from {{ ref('plain') }} union all select 2, 0",
    "models/logged_parts.sql": "{{ config(materialized='logged_table', partition_by='part') }}\n"
    "select id, part from {{ ref('logged') }}",
}


def _run(executable: str, root: Path, env: dict[str, str]) -> tuple[int, str]:
    return run_tool(executable, root, env, "run", "--threads", "1")


def _statuses(root: Path) -> dict[str, str]:
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1]: r["status"] for r in results}


def _partition_columns(server: SparkServer, schema: str, name: str) -> list[str]:
    rows = server.sql(f"describe table `{schema}`.`{name}`")
    names = [str(r[0] or "") for r in rows]
    if "# Partition Information" not in names:
        return []
    after = names[names.index("# Partition Information") + 2 :]
    return [n for n in after[: next((i for i, n in enumerate(after) if not n.strip()), len(after))]]


def _tool_runs(tool: str, executable: str, root: Path, server: SparkServer, schema: str) -> list[dict[str, Any]]:
    env = write_twin_project(tool, root, server, schema, FILES)
    steps = []
    for _ in range(2):
        code, output = _run(executable, root, env)
        rows = {
            name: server.sql(f"select * from `{schema}`.`{name}` order by all")
            for name in ("plain", "logged", "logged_parts", "build_log")
        }
        tables = sorted(str(r[1]) for r in server.sql(f"show tables in `{schema}`") if not r[2])
        parts = _partition_columns(server, schema, "logged_parts")
        steps.append({"code": code, "output": output, "statuses": _statuses(root), "rows": rows, "tables": tables})
        steps[-1]["partitions"] = parts
    return steps


def test_custom_materialization_builds_what_dbt_spark_builds(tmp_path: Path, spark_server: SparkServer) -> None:
    tools = {"dbt": oracle(), "dagwright": shutil.which("dagwright", path=str(BIN_DIR))}
    schemas = {"dbt": "dbt_custom_mat", "dagwright": "dw_custom_mat"}
    drop_schemas(spark_server, list(schemas.values()))
    steps: dict[str, list[dict[str, Any]]] = {}
    try:
        for tool, executable in tools.items():
            assert executable
            steps[tool] = _tool_runs(tool, executable, tmp_path / tool, spark_server, schemas[tool])
    finally:
        drop_schemas(spark_server, list(schemas.values()))
    dbt, dw = steps["dbt"], steps["dagwright"]
    for number in range(2):
        assert dbt[number]["code"] == dw[number]["code"] == 0, (dbt[number]["output"], dw[number]["output"])
        assert dw[number]["statuses"] == dbt[number]["statuses"]
        assert dw[number]["statuses"] == {"plain": "success", "logged": "success", "logged_parts": "success"}
        assert dw[number]["rows"] == dbt[number]["rows"]
        assert dw[number]["tables"] == dbt[number]["tables"]
        assert dw[number]["partitions"] == dbt[number]["partitions"] == ["part"]
    assert dw[0]["rows"]["logged"] == [(1, 1), (2, 0)]
    # one log row per build of each model: two runs
    assert dw[1]["rows"]["build_log"] == [("logged", 2), ("logged", 2), ("logged_parts", 2), ("logged_parts", 2)]
    assert dw[1]["tables"] == ["build_log", "logged", "logged_parts", "plain"]


SLOW_BLOCK = """\
{% materialization slow_table, default %}
  {% call statement('before') -%} create table {{ this.schema }}.committed_before as select 1 as x {%- endcall %}
  {% call statement('slow') -%}
    select reflect('java.lang.Thread', 'sleep', cast({{ var('sleep', 0) }} as bigint))
  {%- endcall %}
  {% call statement('main') -%} {{ create_table_as(False, this, sql) }} {%- endcall %}
  {{ return({'relations': [this.incorporate(type='table')]}) }}
{% endmaterialization %}
"""


def test_block_statements_are_guarded_on_a_stop(spark_project: Any) -> None:
    """--fail-fast while the block's slow statement runs: that statement is cancelled and the
    block's next one (its table) never runs; what it had done before is said (Spark has no
    transactions to roll it back)."""
    spark_project.write(
        {
            "macros/slow.sql": SLOW_BLOCK,
            "models/slow.sql": "{{ config(materialized='slow_table') }}\nselect 1 as x\n",
            # fails after a second and a half, while the block sleeps
            "models/boom.sql": "{{ config(materialized='table') }}\nselect raise_error(concat('boom', "
            "coalesce(reflect('java.lang.Thread', 'sleep', cast(1500 as bigint)), ''))) as x\n",
        }
    )
    started = time.monotonic()
    result = spark_project.run("run", "--threads", "2", "--fail-fast", "--vars", "{sleep: 30000}")
    assert result.code == 1, str(result)
    assert time.monotonic() - started < 25, str(result)  # the sleep was cancelled, not waited for
    slow = next(r for r in spark_project.run_results()["results"] if r["unique_id"].endswith(".slow"))
    assert slow["adapter_response"].get("dagwright_outcome") == "cancelled", str(result)
    assert "had committed 1 statement before that" in slow["message"], slow["message"]
    assert spark_project.relations() == {"committed_before"}

    spark_project.spark.sql(f"drop table `{spark_project.schema}`.committed_before")
    assert spark_project.run("run", "-s", "slow").code == 0  # no stop: the block ran to its end
    assert spark_project.relations() == {"committed_before", "slow"}
    assert spark_project.table("slow") == [(1,)]
