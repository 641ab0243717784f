"""docs generate on BigQuery: dagwright and dbt-bigquery (the oracle) build the same project into
datasets of their own on the emulator; the catalog.json each writes must be the same but for
the dataset's name — types as INFORMATION_SCHEMA gives them, nested fields as columns of their
own, "" for a column without description, row counts and sizes of tables, partitioning and
clustering, date-sharded tables as one ``name*`` entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .bq_helpers import new_dataset, new_project
from .conftest import run_dbt_bigquery, write_bq_profile

FILES = {
    "models/t.sql": "{{ config(materialized='table', partition_by={'field': 'd', 'data_type': 'date'}, "
    "cluster_by=['name']) }}\nselect 1 as id, 'a' as name, date '2024-01-02' as d, struct(1 as x, 'y' as z) as s",
    "models/v.sql": "select id, name from {{ ref('t') }}",
    "models/schema.yml": "version: 2\nmodels:\n  - name: t\n    description: The t table.\n"
    "    columns:\n      - name: id\n        description: the id\n",
    "models/sources.yml": "version: 2\nsources:\n  - name: raw\n    schema: '{{ target.dataset }}'\n"
    "    tables:\n      - name: events\n        identifier: 'events_*'\n      - name: missing\n",
    "seeds/events_20240101.csv": "id\n1\n",
    "seeds/events_20240102.csv": "id\n2\n3\n",
}


def test_catalog_matches_dbt_bigquery(tmp_path: Path, bq_emulator: Any, bq_oracle: Path) -> None:
    ours = new_project(tmp_path / "dagwright", bq_emulator)
    ours.write(FILES)
    theirs = tmp_path / "dbt"
    theirs_dataset = new_dataset()
    for rel, text in {"dbt_project.yml": "name: bq_project\nversion: '1.0'\nprofile: bq\n", **FILES}.items():
        (theirs / rel).parent.mkdir(parents=True, exist_ok=True)
        (theirs / rel).write_text(text)
    write_bq_profile(theirs, "bq", theirs_dataset, emulator=bq_emulator, location="US")
    for args in (("build",), ("docs", "generate")):
        done = ours.run(*args)
        assert done.returncode == 0, done.stdout + done.stderr
        done = run_dbt_bigquery(bq_oracle, theirs, theirs, *args)
        assert done.returncode == 0, done.stdout + done.stderr

    def catalog(root: Path, dataset: str) -> dict[str, Any]:
        data = json.loads((root / "target" / "catalog.json").read_text())
        return json.loads(json.dumps({k: data[k] for k in ("nodes", "sources", "errors")}).replace(dataset, "DS"))

    mine = catalog(ours.root, ours.dataset)
    assert mine == catalog(theirs, theirs_dataset)
    table = mine["nodes"]["model.bq_project.t"]
    assert table["columns"]["s.x"]["type"] == "INT64"
    assert table["columns"]["id"]["comment"] == ""  # no persist_docs: BigQuery holds no description
    assert table["stats"]["num_rows"]["value"] == 1
    assert table["stats"]["partitioning_type"]["value"] == "d"
    assert table["stats"]["clustering_fields"]["value"] == "name"
    assert mine["nodes"]["model.bq_project.v"]["metadata"]["type"] == "view"
