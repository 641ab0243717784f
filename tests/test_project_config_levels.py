"""Folder-level config in dbt_project.yml read as dbt reads it: a mapping without ``+`` is a
level (a folder or a node's name) whatever its name, so a project or folder called like a
config key (``grants``, ``docs``, ``meta``) is still a project or folder, and ``meta: {...}``
without ``+`` configures nothing; scalars and lists configure with or without ``+``."""

from __future__ import annotations

from typing import Any

from oracle import Twins, needs_dbt

pytestmark = needs_dbt

PROJECT = """\
name: grants
version: '1.0.0'
config-version: 2
profile: proj
models:
  grants:
    meta: {owner: nobody}
    docs:
      materialized: table
      persist_docs:
        +relation: true
    +tags: [a]
    schema_less:
      tags: [b]
      +meta: {owner: team}
"""

FILES = {
    "dbt_project.yml": PROJECT,
    "models/docs/m.sql": "select 1 as a",
    "models/schema_less/n.sql": "select 1 as a",
    "models/o.sql": "select 1 as a",
}
KEYS = ("materialized", "meta", "tags", "docs", "persist_docs", "grants")


def test_levels_named_like_config_keys_are_levels(tmp_path: Any) -> None:
    twins = Twins(tmp_path, FILES)
    twins.both("parse")
    for uid in ("model.grants.m", "model.grants.n", "model.grants.o"):
        theirs = twins.artifact("dbt", "manifest.json")["nodes"][uid]["config"]
        ours = twins.artifact("dagwright", "manifest.json")["nodes"][uid]["config"]
        assert {k: ours.get(k) for k in KEYS} == {k: theirs.get(k) for k in KEYS}, uid
    m = twins.artifact("dagwright", "manifest.json")["nodes"]["model.grants.m"]["config"]
    assert m["materialized"] == "table" and m["meta"] == {} and m["tags"] == ["a"]
