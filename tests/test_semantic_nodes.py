"""Semantic models, metrics and saved queries (issue 18): in manifest.json, the ``graph``
variable, ``ls`` and selection as dbt-core has them; bad definitions are clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oracle import Twins, needs_dbt

SEMANTIC_YML = """\
    version: 2
    semantic_models:
      - name: orders_sm
        description: orders
        model: ref('orders')
        defaults: {agg_time_dimension: ordered_at}
        entities: [{name: order, type: primary, expr: order_id}]
        dimensions: [{name: ordered_at, type: time, type_params: {time_granularity: day}}]
        measures:
          - {name: revenue, agg: sum, expr: amount}
          - {name: order_count, agg: count, expr: order_id}
    metrics:
      - {name: revenue, label: Revenue, type: simple, type_params: {measure: revenue}}
      - {name: order_count, label: Orders, type: simple, type_params: {measure: order_count}}
      - name: avg_order
        label: Avg
        type: ratio
        type_params: {numerator: revenue, denominator: order_count}
      - name: revenue_plus
        label: Plus
        type: derived
        type_params: {expr: revenue + 1, metrics: [{name: revenue}]}
    saved_queries:
      - name: daily_revenue
        query_params:
          metrics: [revenue]
          group_by: ["TimeDimension('order__ordered_at', 'day')"]
"""

FILES = {
    "models/orders.sql": "select 1 as order_id, 10.0 as amount, current_date as ordered_at",
    "models/other.sql": "select 1 as id",
    "models/uses_graph.sql": (
        "select '{{ graph.metrics | list | sort | join(\",\") }}' as metrics,"
        " '{{ graph.semantic_models | list | join(\",\") }}' as sms,"
        " '{{ graph.saved_queries | list | join(\",\") }}' as sqs"
    ),
    "models/metricflow_time_spine.sql": "select current_date as date_day",
    "models/time_spine.yml": """\
        version: 2
        models:
          - name: metricflow_time_spine
            time_spine: {standard_granularity_column: date_day}
            columns: [{name: date_day, granularity: day}]
    """,
    "models/marts/semantic.yml": SEMANTIC_YML,
    "models/marts/exposures.yml": """\
        version: 2
        exposures:
          - {name: dash, type: dashboard, owner: {name: me}, depends_on: ["ref('orders')", "metric('revenue')"]}
    """,
}

pytestmark = needs_dbt


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Twins:
    twins = Twins(tmp_path_factory.mktemp("semantic"), FILES)
    twins.both("parse")
    return twins


def _ls(twins: Twins, *args: str) -> tuple[list[str], list[str]]:
    theirs, ours = twins.dbt("-q", "ls", *args), twins.dagwright("ls", *args)
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    assert ours.returncode == 0, ours.stdout + ours.stderr
    return sorted(theirs.stdout.splitlines()), sorted(ours.stdout.splitlines())


@pytest.mark.parametrize(
    "args",
    [
        ("--resource-type", "all"),
        (),
        ("--resource-type", "metric"),
        ("--resource-type", "semantic_model", "saved_query"),
        ("-s", "+metric:avg_order"),
        ("-s", "+exposure:dash"),
        ("-s", "+saved_query:daily_revenue"),
        ("-s", "orders+"),
        ("-s", "semantic_model:orders_sm+1"),
        ("-s", "metric:rev*"),
        ("-s", "resource_type:metric", "--exclude", "metric:revenue"),
        ("--output", "name", "--resource-type", "all"),
        ("--output", "path", "--resource-type", "all"),
    ],
    ids=lambda args: " ".join(args) or "default",
)
def test_ls_lists_and_selects_as_dbt(twins: Twins, args: tuple[str, ...]) -> None:
    theirs, ours = _ls(twins, *args)
    assert theirs
    assert ours == theirs


def test_ls_json_is_dbts(twins: Twins) -> None:
    theirs, ours = _ls(twins, "--output", "json", "--resource-type", "metric", "semantic_model", "saved_query")
    assert [json.loads(x) for x in ours] == [json.loads(x) for x in theirs]


_FIELDS = (
    "name",
    "resource_type",
    "package_name",
    "path",
    "original_file_path",
    "unique_id",
    "fqn",
    "description",
    "label",
    "depends_on",
    "config",
    "group",
    "refs",
)
_OWN = {
    "semantic_models": ("model", "node_relation", "defaults"),
    "metrics": ("type", "meta", "tags"),
    "saved_queries": ("query_params", "tags"),
    # an exposure's metric('...') calls: in depends_on and metrics, as dbt records them
    "exposures": ("depends_on", "metrics", "refs"),
}


def test_manifest_entries_are_dbts(twins: Twins) -> None:
    theirs, ours = twins.artifact("dbt", "manifest.json"), twins.artifact("dagwright", "manifest.json")
    for section, own in _OWN.items():
        assert set(ours[section]) == set(theirs[section]), section
        assert theirs[section], section
        for uid, want in theirs[section].items():
            mine = ours[section][uid]
            for key in (*_FIELDS, *own):
                if key in want:
                    got = mine.get(key)
                    if key == "node_relation":  # each tool has its own DuckDB file (database)
                        got = json.loads(json.dumps(got).replace('"dagwright"', '"dbt"').replace("dagwright", "dbt"))
                    assert got == want[key], (uid, key)
        for uid in theirs[section]:
            assert sorted(ours["parent_map"][uid]) == sorted(theirs["parent_map"][uid]), uid
            assert sorted(ours["child_map"][uid]) == sorted(theirs["child_map"][uid]), uid
    assert ours["child_map"]["model.proj.orders"] == theirs["child_map"]["model.proj.orders"]
    # dbt spells out every default of a measure or a metric's type_params; the given ones agree
    mine = ours["semantic_models"]["semantic_model.proj.orders_sm"]["measures"][0]
    want = theirs["semantic_models"]["semantic_model.proj.orders_sm"]["measures"][0]
    assert {k: want[k] for k in mine} == mine


def test_graph_variable_has_them(twins: Twins) -> None:
    twins.both("compile", "-s", "uses_graph")
    compiled = "target/compiled/proj/models/uses_graph.sql"
    ours = (twins.roots["dagwright"] / compiled).read_text()
    assert (twins.roots["dbt"] / compiled).read_text() == ours
    assert "metric.proj.avg_order" in ours and "saved_query.proj.daily_revenue" in ours


def test_found_line_counts_them(twins: Twins) -> None:
    done = twins.dagwright("parse")
    assert "1 exposure, 4 metrics, " in done.stdout and ", 1 semantic model, 1 saved query" in done.stdout
    assert "semantic_manifest" not in done.stdout  # written, as dbt writes it (test_semantic_manifest.py)


BAD = [
    ("metrics:\n  - {name: m, label: M, type: simple, type_params: {measure: nope}}\n", "uses the measure 'nope'"),
    ("metrics:\n  - {name: m, label: M, type: simpel, type_params: {measure: x}}\n", "'type' of metric 'm' must be"),
    ("metrics:\n  - {name: m, label: M, type: ratio, type_params: {numerator: a}}\n", "needs 'type_params: {denom"),
    ("metrics:\n  - {name: m, type: simple, type_params: {measure: x}}\n", "metric 'm' needs a 'label'"),
    ("semantic_models:\n  - {name: s, model: ref('missing')}\n", "refers to ref('missing')"),
    ("semantic_models:\n  - {name: s, model: orders}\n", "must be ref('<model>')"),
    ("saved_queries:\n  - {name: q, query_params: {metrics: [nope]}}\n", "uses the metric 'nope'"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_definitions_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    twins = Twins(tmp_path, {"models/orders.sql": "select 1 as id", "models/s.yml": "version: 2\n" + text})
    done = twins.dagwright("parse")
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "models/s.yml" in done.stderr
    assert "Traceback" not in done.stderr
