"""A custom materialization on PostgreSQL (materialize/custom.py): dbt-postgres' transactions
around the block's statements, and the honest stop through them. Its results against
dbt-postgres: the custom_materializations compat case (tests/postgres/test_pg_compat.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import proj_workspace as project

pytestmark = pytest.mark.postgres

BLOCK = """\
{% materialization slow_table, default %}
  {% call statement('before', auto_begin=False) -%}
    create table {{ this.schema }}.committed_before as select 1 as x
  {%- endcall %}
  {% call statement('work') -%} create table {{ this.schema }}.in_transaction as select 1 as x {%- endcall %}
  {% call statement('slow') -%} select pg_sleep({{ var('sleep', 0) }}) {%- endcall %}
  {% call statement('main') -%} create table {{ this }} as {{ sql }} {%- endcall %}
  {{ adapter.commit() }}
  {{ return({'relations': [this.incorporate(type='table')]}) }}
{% endmaterialization %}
"""


def test_block_statements_are_guarded_and_its_transaction_rolled_back_on_a_stop(
    tmp_path: Path, pg_server, pg_db: str
) -> None:
    ws = project(
        tmp_path,
        pg_server,
        pg_db,
        {
            "macros/slow.sql": BLOCK,
            "models/slow.sql": "{{ config(materialized='slow_table') }}\nselect 1 as x\n",
            # fails after half a second, while the block sleeps
            "models/boom.sql": "{{ config(materialized='table') }}\n"
            "select 1 / (n - 1) as x from (select 1 as n, pg_sleep(0.5)) as s\n",
        },
    )
    result = ws.run("run", "--fail-fast", "--vars", "{sleep: 20}")
    assert result.code == 1, str(result)
    assert result.seconds < 15, str(result)  # the sleep was cancelled, not waited for
    slow = next(r for r in ws.run_results()["results"] if r["unique_id"].endswith(".slow"))
    assert slow["adapter_response"].get("dagwright_outcome") == "cancelled", str(result)
    assert "had committed 1 statement before that" in slow["message"], slow["message"]
    relations = ws.relations()
    assert ("main", "committed_before") in relations  # auto_begin=False: committed on its own
    assert ("main", "in_transaction") not in relations and ("main", "slow") not in relations  # rolled back

    ws.query("drop table main.committed_before")
    ws.ok("run", "-s", "slow")  # no stop: the block's transaction committed
    assert {("main", "in_transaction"), ("main", "slow")} <= set(ws.relations())
    assert ws.query("select x from main.slow") == [(1,)]
