"""An exposure's config as dbt-core 1.11 layers it (the oracle): the projects' ``exposures:``
config first, then the entry's own ``config:``, which replaces a key rather than merging it
(its tags or meta drop the project's), with the entry's top-level ``tags``/``meta`` joined."""

from __future__ import annotations

import json
from pathlib import Path

from oracle import PROJECT_YML, Twins, needs_dbt

pytestmark = needs_dbt

EXPOSURES = """
version: 2
exposures:
  - name: own_config
    type: dashboard
    owner: {email: a@b.c}
    depends_on: ["ref('a')"]
    meta: {a: top, c: top}
    tags: [toptag]
    config: {meta: {a: conf, d: conf}, tags: [conftag]}
  - name: project_only
    type: notebook
    owner: {email: a@b.c}
    depends_on: ["ref('a')"]
  - name: top_level_only
    type: ml
    owner: {email: a@b.c}
    meta: {c: top}
    tags: [toptag]
  - name: switched_off
    type: ml
    owner: {email: a@b.c}
    config: {enabled: false}
"""

PROJECT = PROJECT_YML + "exposures:\n  proj:\n    +meta: {a: proj, b: proj}\n    +tags: [ptag]\n"

FIELDS = ("config", "meta", "tags", "unrendered_config")


def test_exposure_config_layers_as_dbts(tmp_path: Path) -> None:
    files = {"dbt_project.yml": PROJECT, "models/a.sql": "select 1 as id", "models/e.yml": EXPOSURES}
    twins = Twins(tmp_path, files)
    twins.both("parse")
    manifests = {t: json.loads((root / "target" / "manifest.json").read_text()) for t, root in twins.roots.items()}
    theirs, ours = manifests["dbt"], manifests["dagwright"]
    assert sorted(ours["exposures"]) == sorted(theirs["exposures"])
    for unique_id, exposure in theirs["exposures"].items():
        assert {f: ours["exposures"][unique_id][f] for f in FIELDS} == {f: exposure[f] for f in FIELDS}, unique_id
    assert "exposure.proj.switched_off" in ours["disabled"] and "exposure.proj.switched_off" in theirs["disabled"]
