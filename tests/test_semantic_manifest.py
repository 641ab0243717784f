"""target/semantic_manifest.json (issue 18): written beside manifest.json as dbt 1.11 writes it,
compared field by field with dbt's own file on projects with semantic models, metrics of every
type, saved queries with exports, a time spine or the legacy one, and none of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oracle import Twins, needs_dbt
from test_semantic_nodes import FILES

pytestmark = needs_dbt

MORE_YML = """\
    version: 2
    semantic_models:
      - name: visits_sm
        model: ref('other')
        primary_entity: visit
        defaults: {agg_time_dimension: visited_at}
        entities:
          - {name: user, type: foreign, expr: id, description: who, label: User, config: {meta: {a: 1}}}
        dimensions:
          - {name: visited_at, type: time, expr: "current_date", type_params: {time_granularity: day}}
          - {name: channel, type: categorical, expr: "'web'", label: Channel}
        measures:
          - {name: visits, agg: count, expr: id, create_metric: true}
          - name: balance
            agg: sum
            expr: id
            agg_time_dimension: visited_at
            non_additive_dimension: {name: visited_at, window_choice: max, window_groupings: [user]}
          - {name: p50, agg: percentile, expr: id, agg_params: {percentile: 0.5, use_discrete_percentile: true}}
    metrics:
      - {name: cum_visits, label: Cum, type: cumulative, type_params: {measure: visits, window: 7 days}}
      - name: cum_visits_mtd
        label: MTD
        type: cumulative
        type_params:
          measure: {name: visits, fill_nulls_with: 0, join_to_timespine: true}
          grain_to_date: month
          cumulative_type_params: {period_agg: first}
      - name: web_visits
        label: Web
        type: simple
        filter: "{{ Dimension('visit__channel') }} = 'web'"
        type_params: {measure: {name: visits, filter: "{{ Dimension('visit__channel') }} = 'web'", alias: vv}}
      - name: conv
        label: Conv
        type: conversion
        type_params:
          conversion_type_params:
            {base_measure: visits, conversion_measure: {name: visits}, entity: user, window: 3 days}
      - name: offset_rev
        label: Offset
        type: derived
        time_granularity: week
        type_params:
          expr: r_cur - r_prev
          metrics:
            - {name: revenue, alias: r_cur, filter: ["{{ Dimension('order__ordered_at') }} > '2020-01-01'"]}
            - {name: revenue, alias: r_prev, offset_window: 1 month}
            - {name: revenue, alias: r_g, offset_to_grain: month}
    saved_queries:
      - name: with_export
        description: d
        label: L
        tags: [x]
        query_params:
          metrics: [revenue]
          where: ["{{ Dimension('order__ordered_at') }} > '2020-01-01'"]
          order_by: ["Metric('revenue').descending(True)"]
          limit: 10
        exports:
          - name: exp1
            config: {export_as: table, schema: exports}
"""

PROJECTS = {
    "every_type": {**FILES, "models/marts/more.yml": MORE_YML},
    "none": {"models/a.sql": "select 1 as x"},
    "legacy_time_spine": {
        **{k: v for k, v in FILES.items() if k != "models/time_spine.yml"},
    },
}


def _by_name(items: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in items]


@pytest.mark.parametrize("case", sorted(PROJECTS))
def test_semantic_manifest_is_dbts(tmp_path: Path, case: str) -> None:
    twins = Twins(tmp_path, PROJECTS[case])
    twins.both("parse")
    theirs = twins.artifact("dbt", "semantic_manifest.json")
    # each tool has its own database file, named after it
    ours = json.loads(json.dumps(twins.artifact("dagwright", "semantic_manifest.json")).replace("dagwright", "dbt"))
    assert list(ours) == list(theirs)
    for section in ("semantic_models", "metrics", "saved_queries"):
        # the same entries in the same order, each equal to dbt's
        assert _by_name(ours[section]) == _by_name(theirs[section]), section
        for mine, dbts in zip(ours[section], theirs[section]):
            assert mine == dbts, mine["name"]
    assert ours["project_configuration"] == theirs["project_configuration"]


def test_semantic_models_without_a_time_spine_fail_the_parse_as_in_dbt(tmp_path: Path) -> None:
    files = {k: v for k, v in FILES.items() if k not in ("models/time_spine.yml", "models/metricflow_time_spine.sql")}
    twins = Twins(tmp_path, files)
    theirs, ours = twins.both("parse", code=None)
    assert theirs.returncode == ours.returncode == 2, ours.stdout + ours.stderr
    assert "needs a time spine model" in ours.stdout + ours.stderr


def test_semantic_layer_dbt_refuses_is_refused_at_parse(tmp_path: Path) -> None:
    """dbt validates the semantic manifest with dbt-semantic-interfaces at parse: a metric of a
    measure no semantic model has fails the parse (exit 2), before anything runs."""
    bad = "version: 2\nmetrics:\n  - {name: bad_metric, label: Bad, type: simple, type_params: {measure: no_such}}\n"
    twins = Twins(tmp_path, {**FILES, "models/bad_metric.yml": bad})
    theirs, ours = twins.both("parse", code=None)
    assert theirs.returncode == ours.returncode == 2, ours.stdout + ours.stderr
    assert "no_such" in ours.stderr and "Traceback" not in ours.stderr
    assert not (twins.roots["dagwright"] / "target" / "manifest.json").exists()
