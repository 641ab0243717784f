"""Snapshots: ``{% snapshot %}`` blocks and YAML-defined snapshots as nodes, the ``snapshot``
command, snapshots in ``build``/``ls``/selection/artifacts, and the one-transaction update
(a failure or a stop leaves the previous snapshot table exactly as it was).

Values against dbt itself are checked by the compat suite (tests/compat/projects/snapshot_*).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

import dagwright.api
import dagwright.materialize.snapshot as snapshot_module
from conftest import Project

SRC = """\
{{ config(materialized='table') }}
{%- if var('batch', 1) == 1 %}
select * from (values
    (1, 'new', timestamp '2024-01-01 10:00:00'),
    (2, 'new', timestamp '2024-01-01 11:00:00')
) as t(id, status, updated_at)
{%- else %}
select * from (values
    (1, 'shipped', timestamp '2024-01-02 10:00:00'),
    (3, 'new', timestamp '2024-01-02 11:00:00')
) as t(id, status, updated_at)
{%- endif %}
"""

SNAPSHOTS = """\
ignored text before the blocks

{% snapshot orders_ts %}
{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at') }}
select * from {{ ref('src') }}
{% endsnapshot %}

{% snapshot orders_check %}
{{ config(schema='hist', unique_key='id', strategy='check', check_cols=['status'], invalidate_hard_deletes=True) }}
select id, status from {{ ref('src') }}
{% endsnapshot %}
"""

PROPERTIES = """\
version: 2
snapshots:
  - name: orders_ts
    description: orders by version
    columns:
      - name: dbt_scd_id
        data_tests: [unique]
  - name: orders_yaml
    relation: ref('src')
    config:
      strategy: timestamp
      unique_key: [id, status]
      updated_at: updated_at
"""

DOWNSTREAM = "select id, count(*) as versions from {{ ref('orders_ts') }} group by id\n"


def snapshot_project(make_project: Any, **extra: str | None) -> Project:
    files: dict[str, str | None] = {
        "models/src.sql": SRC,
        "models/versions.sql": DOWNSTREAM,
        "snapshots/orders.sql": SNAPSHOTS,
        "snapshots/props.yml": PROPERTIES,
    }
    files.update(extra)
    return make_project(files)


def rows(project: Project, relation: str, columns: str = "*") -> list[tuple[Any, ...]]:
    return sorted(project.query(f"select {columns} from {relation}"), key=repr)


def statuses(project: Project) -> dict[str, str]:
    return {r["unique_id"]: r["status"] for r in project.run_results()["results"]}


# -- parsing ------------------------------------------------------------------------------------
def test_blocks_and_yaml_snapshots_are_nodes(make_project: Any) -> None:
    project = snapshot_project(make_project)
    listed = project.ok("ls", "--resource-type", "snapshot").stdout.split()
    assert listed == ["proj.orders.orders_check", "proj.orders.orders_ts", "proj.orders_yaml"]
    selected = project.ok("ls", "-s", "resource_type:snapshot", "--output", "name").stdout.split()
    # as in dbt, the tests of what is selected come along (indirect selection)
    assert selected == ["orders_check", "orders_ts", "orders_yaml", "unique_orders_ts_dbt_scd_id"]
    everything = project.ok("ls").stdout.split()
    assert "proj.orders.orders_ts" in everything and "proj.src" in everything

    project.ok("parse")
    nodes = project.manifest()["nodes"]
    ts = nodes["snapshot.proj.orders_ts"]
    text = (project.root / "snapshots/orders.sql").read_text()
    assert ts["resource_type"] == "snapshot"
    assert ts["fqn"] == ["proj", "orders", "orders_ts"]  # a block's fqn includes its file's name
    assert ts["path"] == "orders.sql" and ts["original_file_path"] == "snapshots/orders.sql"
    assert ts["schema"] == "snapshots"  # target_schema, as it is
    assert ts["relation_name"].endswith('"snapshots"."orders_ts"')
    assert ts["raw_code"].startswith("\n{{ config(target_schema='snapshots'") and ts["raw_code"].endswith(
        "ref('src') }}\n"
    )
    assert ts["checksum"] == {"name": "sha256", "checksum": hashlib.sha256(text.strip().encode()).hexdigest()}
    assert ts["depends_on"]["nodes"] == ["model.proj.src"]
    assert ts["description"] == "orders by version"
    config = ts["config"]
    assert config["materialized"] == "snapshot" and config["strategy"] == "timestamp"
    assert config["unique_key"] == "id" and config["updated_at"] == "updated_at" and config["check_cols"] is None
    assert config["snapshot_meta_column_names"]["dbt_scd_id"] is None
    assert "access" not in ts and "access" not in config

    check = nodes["snapshot.proj.orders_check"]
    assert check["schema"] == "main_hist"  # schema goes through generate_schema_name
    assert check["config"]["check_cols"] == ["status"] and check["config"]["invalidate_hard_deletes"] is True

    yaml_node = nodes["snapshot.proj.orders_yaml"]
    assert yaml_node["fqn"] == ["proj", "orders_yaml"]
    assert yaml_node["path"] == "props.yml/orders_yaml.sql"
    assert yaml_node["original_file_path"] == "snapshots/props.yml"
    assert yaml_node["raw_code"] == "select * from {{ ref('src') }}"
    assert yaml_node["schema"] == "main"
    assert yaml_node["patch_path"] == "proj://snapshots/props.yml"

    tests = [n for n in nodes.values() if n["resource_type"] == "test"]
    assert [t["depends_on"]["nodes"] for t in tests] == [["snapshot.proj.orders_ts"]]
    manifest = project.manifest()
    assert "snapshot.proj.orders_ts" in manifest["child_map"]["model.proj.src"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("strategy='timestamp', updated_at='u'", "Snapshots must be configured with a 'strategy' and 'unique_key'."),
        ("strategy='check', unique_key='id'", "must specify a check_cols configuration"),
        ("strategy='check', unique_key='id', check_cols='status'", "Invalid value for 'check_cols': status."),
        ("strategy='timestamp', unique_key='id'", "must specify an updated_at configuration"),
        ("strategy='timestamp', unique_key='id', updated_at='u', materialized='table'", "materialized value of"),
    ],
)
def test_invalid_config_is_a_parse_error(make_project: Any, config: str, message: str) -> None:
    project = make_project(
        {"snapshots/s.sql": f"{{% snapshot s %}}\n{{{{ config({config}) }}}}\nselect 1 as id\n{{% endsnapshot %}}\n"}
    )
    result = project.run("snapshot")
    assert result.code == 2, str(result)
    assert message in result.output and "snapshots/s.sql" in result.output


def test_errors_name_the_file_line(make_project: Any) -> None:
    text = "{% snapshot a %}\nselect 1 as id\n{% endsnapshot %}\n\n"
    text += "{% snapshot b %}\nselect {{ nope( }}\n{% endsnapshot %}\n"
    result = make_project({"snapshots/s.sql": text}).run("parse")
    assert result.code == 2 and "snapshots/s.sql:6:" in result.output, str(result)

    text = "{% snapshot a %}\n{{ config(strategy='timestamp', unique_key='id', updated_at='u') }}\n\n"
    text += "select {{ var('missing') }} as id\n{% endsnapshot %}\n"
    result = make_project({"snapshots/s.sql": text}).run("snapshot")
    assert result.code == 1 and "line 4" in result.output, str(result)

    nested = "{% if true %}{% snapshot a %}select 1{% endsnapshot %}{% endif %}\n"
    result = make_project({"snapshots/s.sql": nested}).run("parse")
    assert result.code == 2 and "top level" in result.output, str(result)


# -- running ------------------------------------------------------------------------------------
def test_snapshot_command_records_history(make_project: Any) -> None:
    project = snapshot_project(make_project)
    project.ok("run", "-s", "src")
    first = project.ok("snapshot")
    assert "OK snapshotted snapshots.orders_ts" in first.stdout
    assert "START snapshot main_hist.orders_check" in first.stdout
    assert statuses(project) == {
        "snapshot.proj.orders_ts": "success",
        "snapshot.proj.orders_check": "success",
        "snapshot.proj.orders_yaml": "success",
    }
    result = {r["unique_id"]: r for r in project.run_results()["results"]}["snapshot.proj.orders_ts"]
    assert result["relation_name"].endswith('"snapshots"."orders_ts"')
    assert project.run_results()["args"]["which"] == "snapshot"

    project.ok("run", "-s", "src", "--vars", "{batch: 2}")
    project.ok("snapshot", "--vars", "{batch: 2}")
    md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731
    assert rows(project, "snapshots.orders_ts", "id, status, dbt_scd_id, cast(dbt_valid_to as varchar)") == sorted(
        [
            (1, "new", md5("1|2024-01-01 10:00:00"), "2024-01-02 10:00:00"),
            (1, "shipped", md5("1|2024-01-02 10:00:00"), None),
            (2, "new", md5("2|2024-01-01 11:00:00"), None),  # gone from the source: hard deletes ignored
            (3, "new", md5("3|2024-01-02 11:00:00"), None),
        ],
        key=repr,
    )
    # check strategy: versions stamped with the run's time; id 2 invalidated (hard delete)
    check = rows(project, "main_hist.orders_check", "id, status, dbt_valid_to is null, dbt_valid_from = dbt_updated_at")
    assert check == sorted(
        [(1, "new", False, True), (1, "shipped", True, True), (2, "new", False, True), (3, "new", True, True)],
        key=repr,
    )
    assert project.query(
        "select count(*) from main_hist.orders_check where dbt_scd_id <> "
        "md5(cast(id as varchar) || '|' || cast(dbt_updated_at as varchar))"
    ) == [(0,)]
    # composite unique_key: the yaml snapshot's scd_id hashes both key columns and updated_at
    assert (1, "new", md5("1|new|2024-01-01 10:00:00")) in rows(project, "main.orders_yaml", "id, status, dbt_scd_id")
    assert not [t for t in project.tables() if t[1].endswith(("__dbt_tmp", "__dbt_backup"))]


def test_build_runs_snapshots_in_dag_order_with_their_tests(make_project: Any) -> None:
    project = snapshot_project(make_project)
    out = project.ok("build").stdout
    starts = [line for line in out.splitlines() if " START " in line and " START test " not in line]
    order = [re.search(r" START .*?(\S+\.\S+) \.", line).group(1) for line in starts]
    assert order.index("main.src") < order.index("snapshots.orders_ts") < order.index("main.versions")
    assert "Found 2 models, 3 snapshots" in out
    assert "3 snapshots" in out.split("Finished running")[1]
    assert set(statuses(project).values()) == {"success", "pass"}
    assert project.query("select * from main.versions order by id") == [(1, 1), (2, 1)]
    # a failing test on a snapshot skips what is downstream of it
    project.ok("run", "-s", "src", "--vars", "{batch: 2}")
    broken = PROPERTIES.replace("data_tests: [unique]", "data_tests: [not_null, {accepted_values: {values: [x]}}]")
    (project.root / "snapshots/props.yml").write_text(broken.replace("dbt_scd_id", "status"))
    result = project.run("build", "--vars", "{batch: 2}")
    assert result.code == 1, str(result)
    got = statuses(project)
    assert got["snapshot.proj.orders_ts"] == "success"
    assert [s for uid, s in got.items() if uid.startswith("test.proj.accepted_values")] == ["fail"]
    assert got["model.proj.versions"] == "skipped"


def test_runtime_config_errors_are_node_errors(make_project: Any) -> None:
    bad = SNAPSHOTS.replace("invalidate_hard_deletes=True", "invalidate_hard_deletes=True, hard_deletes='ignore'")
    project = snapshot_project(make_project, **{"snapshots/orders.sql": bad})
    result = project.run("build")
    assert result.code == 1
    assert "You cannot set both the invalidate_hard_deletes and hard_deletes" in result.output
    assert "ERROR snapshotting main_hist.orders_check" in result.output
    assert statuses(project)["snapshot.proj.orders_check"] == "error"
    assert statuses(project)["snapshot.proj.orders_ts"] == "success"


def test_a_view_in_the_way_is_an_error(make_project: Any) -> None:
    project = snapshot_project(make_project)
    project.ok("run", "-s", "src")
    project.ok("snapshot")
    with duckdb.connect(str(project.db)) as conn:
        conn.execute("drop table main.orders_yaml")
        conn.execute("create view main.orders_yaml as select 1 as x")
    result = project.run("snapshot", "-s", "orders_yaml")
    assert result.code == 1 and "currently exists as a view" in result.output, str(result)


# -- one transaction ------------------------------------------------------------------------------
def _history(project: Project) -> list[tuple[Any, ...]]:
    return rows(project, "snapshots.orders_ts")


@pytest.fixture
def second_run(make_project: Any, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project whose orders_ts holds one snapshot, and whose source changed since."""
    project = snapshot_project(make_project)
    project.ok("run", "-s", "src")
    project.ok("snapshot", "-s", "orders_ts")
    project.ok("run", "-s", "src", "--vars", "{batch: 2}")
    monkeypatch.setenv("DAGWRIGHT_DEMO_DB", str(project.db))
    return project


def _start(project: Project) -> dagwright.api.RunHandle:
    return dagwright.api.start(
        "snapshot",
        project_dir=str(project.root),
        profiles_dir=str(project.root),
        vars={"batch": 2},
        select=["orders_ts"],
    )


def test_a_failure_after_the_merge_leaves_the_previous_snapshot(
    second_run: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _history(second_run)
    merge = snapshot_module.merge_sql

    def failing_merge(*args: Any, **kwargs: Any) -> list[str]:
        # the versions are closed and inserted, then a statement fails before COMMIT
        return [*merge(*args, **kwargs), "select error('boom after the merge')"]

    monkeypatch.setattr(snapshot_module, "merge_sql", failing_merge)
    summary = _start(second_run).wait(timeout=60)
    (result,) = summary.results
    assert result.status == "error" and "boom after the merge" in (result.message or "")
    assert _history(second_run) == before
    assert not [t for t in second_run.tables() if t[1].endswith("__dbt_tmp")]


def test_a_stop_during_the_merge_leaves_the_previous_snapshot(
    second_run: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _history(second_run)
    merge = snapshot_module.merge_sql
    slow = "select count(*) from range(30000) a(i), range(30000) b(j) where (i * j) % 7 = 3"

    def slow_merge(*args: Any, **kwargs: Any) -> list[str]:
        return [*merge(*args, **kwargs), slow]

    monkeypatch.setattr(snapshot_module, "merge_sql", slow_merge)
    handle = _start(second_run)
    deadline = time.monotonic() + 30
    while "START snapshot" not in handle.output:
        assert time.monotonic() < deadline, handle.output
        time.sleep(0.01)
    time.sleep(0.5)  # the update and insert are done; the slow statement runs
    handle.cancel()
    summary = handle.wait(timeout=60)
    (result,) = summary.results
    assert result.status == "cancelled", result
    assert "cancelled by cancel()" in (result.message or "")
    assert _history(second_run) == before
    assert not [t for t in second_run.tables() if t[1].endswith("__dbt_tmp")]
    # the next run records the change once
    second_run.ok("snapshot", "-s", "orders_ts", "--vars", "{batch: 2}")
    assert len(_history(second_run)) == len(before) + 2


def test_retry_repeats_a_failed_snapshot(make_project: Any) -> None:
    project = snapshot_project(make_project)
    result = project.run("snapshot")  # src was never built: every snapshot fails
    assert result.code == 1
    assert set(statuses(project).values()) == {"error"}
    with duckdb.connect(str(project.db)) as conn:  # the source appears (not through a run)
        conn.execute("create table main.src as select 1 as id, 'new' as status, now()::timestamp as updated_at")
    project.ok("retry")
    assert set(statuses(project).values()) == {"success"}
    assert json.loads((project.target / "run_results.json").read_text())["args"]["which"] == "snapshot"
    assert Path(project.target / "manifest.json").exists()
