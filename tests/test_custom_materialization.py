"""Custom materializations (``{% materialization %}`` blocks, materialize/custom.py): which
block dbt 1.11 picks, the honest stop through the block's statements, and what the outcome
says. Their results against dbt itself: tests/compat/projects/custom_materializations."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_project
from dagwright.parse.materializations import MaterializationBlock, resolve

PROFILES_2_THREADS = """\
proj:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('DAGWRIGHT_DEMO_DB') }}"
      threads: 2
"""

#: about 3 s of DuckDB work on one core (see examples/article/macros/burn.sql)
SLOW = "select cast(sum((a.i * b.j) % 7) * 0 as integer) as burned from range(16000) a(i), range(16000) b(j)"

SLOW_BLOCK = f"""\
{{% materialization slow_table, default %}}
  {{% call statement('before', auto_begin=False) -%}}
    create table {{{{ this.schema }}}}.committed_before as select 1 as x
  {{%- endcall %}}
  {{% call statement('slow') -%}} {SLOW} {{%- endcall %}}
  {{% call statement('after', auto_begin=False) -%}}
    create table {{{{ this.schema }}}}.never_run as select 1 as x
  {{%- endcall %}}
  {{% call statement('main') -%}} create table {{{{ this }}}} as {{{{ sql }}}} {{%- endcall %}}
  {{{{ adapter.commit() }}}}
  {{{{ return({{'relations': [this.incorporate(type='table')]}}) }}}}
{{% endmaterialization %}}
"""


def _block(name: str, adapter: str, package: str) -> MaterializationBlock:
    return MaterializationBlock(name, adapter, package, f"materialization_{name}_{adapter}")


@pytest.mark.parametrize(
    ("blocks", "name", "overrides", "expect"),
    [
        # the root project's default block replaces dbt's default view
        ([("view", "default", "root")], "view", False, ("root", "default")),
        # ... but not dbt-duckdb's own table: an adapter's block beats a default one
        ([("table", "default", "root")], "table", False, "core"),
        ([("table", "duckdb", "root")], "table", False, ("root", "duckdb")),
        # a package's block for the adapter beats the root's default one
        ([("m", "default", "root"), ("m", "duckdb", "pkg")], "m", False, ("pkg", "duckdb")),
        ([("m", "default", "root"), ("m", "default", "pkg")], "m", False, ("root", "default")),
        # a package's block replacing a built-in: only under the legacy flag
        ([("view", "default", "pkg")], "view", False, "core"),
        ([("view", "default", "pkg")], "view", True, ("pkg", "default")),
        # a block for another engine is not searched; nothing defines the name
        ([("m", "snowflake", "root")], "m", False, None),
        ([], "nothing", False, None),
    ],
)
def test_search_order_is_dbts(blocks: list[tuple[str, str, str]], name: str, overrides: bool, expect: object) -> None:
    found = resolve(name, [_block(*b) for b in blocks], "duckdb", "root", overrides)
    if isinstance(found, MaterializationBlock):
        assert (found.package, found.adapter) == expect
    else:
        assert found == expect


def test_block_runs_with_dbts_contract_and_its_outcome(tmp_path: Path) -> None:
    block = """\
{% materialization plain, default %}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% call statement('main') -%} create table {{ this }} as {{ sql }} {%- endcall %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% if config.get('keep', true) %}{{ adapter.commit() }}{% endif %}
  {{ return({'relations': [this.incorporate(type='table')]}) }}
{% endmaterialization %}
{% materialization python_only, default, supported_languages=['python'] %}
  {% call statement('main') -%} create table {{ this }} as {{ sql }} {%- endcall %}
  {{ return({'relations': [this]}) }}
{% endmaterialization %}
{% materialization bad_return, default %}
  {% call statement('main') -%} select 1 {%- endcall %}
  {{ return({'relations': ['not a relation']}) }}
{% endmaterialization %}
"""
    files = {
        "macros/m.sql": block,
        "models/kept.sql": "{{ config(materialized='plain', post_hook='insert into {{ this }} values (2)') }}"
        "select 1 as x",
        "models/dropped.sql": "{{ config(materialized='plain', keep=false) }}select 1 as x",
        "models/bad.sql": "{{ config(materialized='bad_return') }}select 1 as x",
        "models/typo.sql": "{{ config(materialized='tabel') }}select 1 as x",
        "models/sql_model.sql": "{{ config(materialized='python_only') }}select 1 as x",
    }
    project = write_project(tmp_path, files)
    result = project.run("run")
    assert result.code == 1, str(result)
    statuses = {"kept": "success", "dropped": "success", "bad": "error", "typo": "error", "sql_model": "error"}
    assert project.statuses() == statuses
    assert project.query("select x from kept order by x") == [(1,), (2,)]
    # never committed: rolled back as dbt's connection release does; dbt says success too
    assert ("main", "dropped") not in project.tables()
    messages = {r["unique_id"].split(".")[-1]: r["message"] for r in project.run_results()["results"]}
    assert messages["kept"] == "OK"
    assert "never committed, rolled back" in messages["dropped"]
    assert '"relations" contains non-Relation: not a relation' in messages["bad"]
    assert "No materialization 'tabel' was found for adapter duckdb!" in messages["typo"]
    assert "only supports languages ['python']; got \"sql\"" in messages["sql_model"]
    assert ("main", "sql_model") not in project.tables()
    macros = project.manifest()["macros"]
    assert macros["macro.proj.materialization_python_only_default"]["supported_languages"] == ["python"]
    assert macros["macro.proj.materialization_plain_default"]["supported_languages"] == ["sql"]


@pytest.mark.parametrize("commits_first", [True, False], ids=["committed-before", "nothing-committed"])
def test_stop_runs_no_further_statement_and_reports_what_was_committed(tmp_path: Path, commits_first: bool) -> None:
    block = SLOW_BLOCK
    if not commits_first:
        start = block.index("  {% call statement('before'")
        block = block[:start] + block[block.index("  {% call statement('slow')") :]
    files = {
        "profiles.yml": PROFILES_2_THREADS,
        "macros/slow.sql": block,
        "models/slow.sql": "{{ config(materialized='slow_table') }}select 1 as x",
        # fails after about half a second, while the block's slow statement runs
        "models/boom.sql": "{{ config(materialized='table') }}select case when burned = 0 then error('boom') end as x "
        "from (select cast(sum((a.i * b.j) % 7) * 0 as integer) as burned from range(4000) a(i), range(4000) b(j))",
    }
    project = write_project(tmp_path, files)
    result = project.run("run", "--fail-fast")
    assert result.code == 1, str(result)
    slow = next(r for r in project.run_results()["results"] if r["unique_id"].endswith(".slow"))
    assert slow["adapter_response"].get("dagwright_outcome") == "cancelled", str(result)
    tables = project.tables()
    assert (("main", "committed_before") in tables) == commits_first  # committed before the stop: kept
    assert ("main", "never_run") not in tables and ("main", "slow") not in tables
    message = slow["message"]
    assert message.startswith("cancelled: "), message
    if commits_first:  # ... and said
        assert "had committed 1 statement before that" in message, message
        assert "CANCELLED" in result.stdout and "had committed 1 statement" in result.stdout
    else:
        assert message.endswith('"warehouse"."main"."slow" was not changed'), message
    assert "rolled back: a statement() block" not in result.output  # the stop's rollback is no lost work


def test_package_override_of_a_builtin_under_the_legacy_flag_is_used_and_warned(tmp_path: Path) -> None:
    block = """\
{% materialization view, default %}
  {% call statement('main') -%} create table {{ this }} as {{ sql }} {%- endcall %}
  {{ adapter.commit() }}
  {{ return({'relations': [this.incorporate(type='table')]}) }}
{% endmaterialization %}
"""
    flag = "flags:\n  require_explicit_package_overrides_for_builtin_materializations: {}\n"
    files = {
        "dbt_project.yml": "name: proj\nprofile: proj\n" + flag.format("false"),
        "packages.yml": "packages:\n  - local: pkg\n",
        "pkg/dbt_project.yml": "name: pkg\n",
        "pkg/macros/view.sql": block,
        "models/v.sql": "select 1 as x",
    }
    project = write_project(tmp_path, files)
    project.ok("deps")
    result = project.ok("run")
    assert project.tables()[("main", "v")] == "BASE TABLE"  # the package's view block built it
    assert "package 'pkg' replaces the built-in materialization 'view'" in result.output, str(result)
    (project.root / "dbt_project.yml").write_text("name: proj\nprofile: proj\n" + flag.format("true"))
    result = project.ok("run")
    assert project.tables()[("main", "v")] == "VIEW" and "replaces the built-in" not in result.output


def test_should_full_refresh_and_hooks_as_the_block_sees_them(tmp_path: Path) -> None:
    block = """\
{% materialization probe, default %}
  {{ drop_relation_if_exists(load_cached_relation(this)) }}
  {% call statement('main') -%}
    create table {{ this }} as select {{ should_full_refresh() }} as full_refresh,
      {{ pre_hooks | length }} as pre_hooks, {{ post_hooks | selectattr('transaction') | list | length }} as inside
  {%- endcall %}
  {{ adapter.commit() }}
  {{ return({'relations': [this]}) }}
{% endmaterialization %}
"""
    model = "{{ config(materialized='probe', pre_hook=['select 1', before_begin('select 2')], post_hook='select 3') }}1"
    project = write_project(tmp_path, {"macros/probe.sql": block, "models/p.sql": model})
    project.ok("run")
    assert project.query("select * from p") == [(False, 2, 1)]
    project.ok("run", "--full-refresh")
    assert project.query("select * from p") == [(True, 2, 1)]


@pytest.mark.parametrize("engine", ["bigquery"])  # Spark runs them: tests/spark/test_spark_custom_materialization.py
def test_refused_before_anything_runs_on_engines_not_modelled(tmp_path: Path, engine: str) -> None:
    profile = {
        "spark": "type: spark\n      method: session\n      host: localhost\n      schema: main\n",
        "bigquery": "type: bigquery\n      method: oauth\n      project: p\n      dataset: main\n",
    }[engine]
    block = "{% materialization mine, default %}{{ return({'relations': []}) }}{% endmaterialization %}\n"
    files = {
        "profiles.yml": f"proj:\n  target: dev\n  outputs:\n    dev:\n      {profile}",
        "macros/mine.sql": block,
        "models/a.sql": "{{ config(materialized='mine') }}\nselect 1 as id\n",
    }
    result = write_project(tmp_path, files).run("run")
    assert result.code == 2, str(result)
    assert "models/a.sql" in result.stderr and "materialized 'mine' with a custom materialization" in result.stderr
    assert "macros/mine.sql:1" in result.stderr and "nothing was run" in str(result)


@pytest.mark.parametrize(
    ("adapter", "materialized", "used"),
    [
        ("spark", "table", "core"),  # dbt-spark's own block beats a project's default one
        ("spark", "seed", "project"),  # dbt-spark has no seed block: the project's beats dbt-core's
        ("bigquery", "view", "core"),
        ("bigquery", "copy", "core"),  # dbt-bigquery's; dagwright refuses it at parse
        ("duckdb", "view", "project"),
    ],
)
def test_engine_blocks_take_part_in_the_search(adapter: str, materialized: str, used: str) -> None:
    from dagwright.parse.materializations import MaterializationBlock, resolve

    block = MaterializationBlock(materialized, "default", "proj", f"materialization_{materialized}_default")
    found = resolve(materialized, [block], adapter, "proj", package_overrides=False)
    assert (found if found == "core" else "project") == used
