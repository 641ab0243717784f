"""``docs generate`` against dbt-core: the same project through both tools writes the same
target/catalog.json (tables, views, columns and their types, comments, the nodes and sources
they belong to), with and without a selection, ``--no-compile`` and ``--empty-catalog``; dbt's
site is replaced by dagwright's own (tests/test_docs_site.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from oracle import Twins, needs_dbt

pytestmark = needs_dbt

FILES = {
    "seeds/raw_people.csv": "id,name,born\n1,Ann,2001-02-03\n2,Bo,1999-12-31\n",
    "models/sources.yml": """
        version: 2
        sources:
          - name: raw
            schema: main
            tables:
              - name: raw_people
              - name: not_built
    """,
    "models/people.sql": """
        -- depends_on: {{ ref('raw_people') }}
        select id, upper(name) as name, born from {{ source('raw', 'raw_people') }}
    """,
    "models/eph.sql": "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('people') }}",
    "models/marts/ages.sql": """
        {{ config(materialized='table', schema='marts', persist_docs={'relation': true, 'columns': true}) }}
        select id, cast(2024 - year(born) as integer) as age, 1.5::decimal(6, 2) as score
        from {{ ref('people') }} join {{ ref('eph') }} using (id)
    """,
    "models/marts/schema.yml": """
        version: 2
        models:
          - name: ages
            description: Age of each person.
            columns:
              - name: age
                description: Years since birth.
                data_tests: [not_null]
    """,
    "models/nothing.sql": "select 1 as x",
}


def _normalized(catalog: dict[str, Any], database: str) -> dict[str, Any]:
    """The parts both tools must agree on, with the DuckDB file's name (each tool has its own)
    written as DB."""
    text = json.dumps({"nodes": catalog["nodes"], "sources": catalog["sources"], "errors": catalog["errors"]})
    return json.loads(text.replace(f'"{database}"', '"DB"'))


@pytest.fixture(scope="module")
def twins(tmp_path_factory: Any) -> Twins:
    twins = Twins(tmp_path_factory.mktemp("docs"), FILES)
    twins.both("build")
    return twins


def _catalogs(twins: Twins, *args: str) -> tuple[dict[str, Any], dict[str, Any]]:
    _, ours = twins.both("docs", "generate", *args)
    assert "Catalog written to" in ours.stdout
    assert "Documentation site written to" in ours.stdout  # dagwright's own site, not dbt's
    read = [json.loads((twins.roots[tool] / "target" / "catalog.json").read_text()) for tool in ("dbt", "dagwright")]
    return _normalized(read[0], "dbt"), _normalized(read[1], "dagwright")


@pytest.mark.parametrize(
    "args",
    [(), ("--select", "ages"), ("--select", "source:raw"), ("--no-compile",), ("--empty-catalog",)],
    ids=lambda a: " ".join(a) or "all",
)
def test_catalog_is_dbts(twins: Twins, args: tuple[str, ...]) -> None:
    theirs, ours = _catalogs(twins, *args)
    assert ours == theirs


def test_catalog_content(twins: Twins) -> None:
    _, ours = _catalogs(twins)
    assert sorted(ours["nodes"]) == [
        "model.proj.ages",
        "model.proj.nothing",
        "model.proj.people",
        "seed.proj.raw_people",
    ]
    ages = ours["nodes"]["model.proj.ages"]
    assert ages["metadata"]["type"] == "BASE TABLE"
    assert ages["metadata"]["comment"] == "Age of each person."
    assert ages["columns"]["age"]["comment"] == "Years since birth."
    assert ages["columns"]["score"]["type"] == "DECIMAL(6,2)"
    assert ours["nodes"]["model.proj.people"]["metadata"]["type"] == "VIEW"
    assert list(ours["sources"]) == ["source.proj.raw.raw_people"]  # not_built has no table


def test_generate_writes_run_results_and_manifest(twins: Twins) -> None:
    twins.dagwright("docs", "generate", "--select", "ages")
    target = twins.roots["dagwright"] / "target"
    results = json.loads((target / "run_results.json").read_text())
    assert results["args"]["which"] == "generate"
    assert {r["unique_id"] for r in results["results"]} >= {"model.proj.ages"}
    manifest = json.loads((target / "manifest.json").read_text())
    assert "model.proj.ages" in manifest["nodes"]


def test_serve_without_artifacts_is_a_clear_error(tmp_path: Any) -> None:
    twins = Twins(tmp_path, {"models/m.sql": "select 1 as x"})
    done = twins.dagwright("docs", "serve", "--no-browser")
    assert done.returncode == 2
    assert "no manifest.json" in done.stderr and "docs generate" in done.stderr
