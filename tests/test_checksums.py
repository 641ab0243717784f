"""manifest.json ``checksum`` of every node as dbt-core computes it (issue 14, item 9), so that
``dbt ls -s state:modified --state <dagwright's target>`` sees an unchanged project as unchanged."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from dagwright.parse.checksums import SEED_HASH_LIMIT, seed_checksum, text_checksum
from oracle import Twins, needs_dbt

pytestmark = needs_dbt

BIG_SEED = "id,name\n" + "".join(f"{i},name number {i}\n" for i in range(SEED_HASH_LIMIT // 18))

FILES = {
    "dbt_project.yml": """\
        name: proj
        version: '1.0.0'
        config-version: 2
        profile: proj
        on-run-start: ["select 1"]
        on-run-end: ["select 2"]
    """,
    # whitespace around the SQL: dbt hashes the stripped text
    "models/staging/stg_a.sql": "\n\n  select * from {{ ref('small') }}   \n\n",
    "models/staging/sub/stg_b.sql": "select 1 as id\r\n-- windows line ends\r\n",
    "models/final.sql": "{{ config(materialized='table') }}\nselect * from {{ ref('stg_a') }}\u00a0\n",
    "models/schema.yml": """\
        version: 2
        models:
          - name: final
            columns:
              - name: id
                data_tests: [unique]
        snapshots:
          - name: yaml_snap
            relation: ref('stg_a')
            config: {unique_key: id, strategy: check, check_cols: all}
    """,
    "seeds/small.csv": "id,name\n1,a\n2,b\n\n",
    "seeds/more/big.csv": BIG_SEED,
    "snapshots/snap.sql": """\

        {% snapshot block_snap %}
        {{ config(target_schema='main', unique_key='id', strategy='check', check_cols='all') }}
        select * from {{ ref('small') }}
        {% endsnapshot %}

    """,
    "tests/sing/assert_none.sql": "  select * from {{ ref('final') }} where id < 0  \n",
    "macros/m.sql": "{% macro m() %}1{% endmacro %}\n",
}


def test_every_checksum_is_dbts_and_state_modified_lists_nothing(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    assert (twins.roots["dbt"] / "seeds/more/big.csv").stat().st_size > SEED_HASH_LIMIT
    twins.both("parse")
    theirs, ours = twins.artifact("dbt", "manifest.json"), twins.artifact("dagwright", "manifest.json")
    kinds = set()
    for uid, node in theirs["nodes"].items():
        if node["resource_type"] == "analysis":
            continue  # compared in tests/test_compile_command.py
        assert uid in ours["nodes"], uid
        assert ours["nodes"][uid]["checksum"] == node["checksum"], uid
        kinds.add((node["resource_type"], node["checksum"]["name"]))
    assert kinds >= {
        ("model", "sha256"),
        ("seed", "sha256"),
        ("seed", "path"),
        ("snapshot", "sha256"),
        ("test", "sha256"),
        ("test", "none"),
        ("operation", "sha256"),
    }, kinds

    # dbt compares a seed's checksum, a model's or snapshot's code: all unchanged
    state = tmp_path / "dagwright-state"
    subprocess.run(["cp", "-r", str(twins.roots["dagwright"] / "target"), str(state)], check=True)
    listed = twins.dbt("ls", "-q", "-s", "state:modified.body", "--state", str(state))
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert listed.stdout.strip() == "", listed.stdout


def test_checksum_helpers() -> None:
    assert text_checksum("select 1") == hashlib.sha256(b"select 1").hexdigest()


def test_a_big_seed_is_checksummed_by_path(tmp_path: Path) -> None:
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    small.write_text(" a\n1\n ", encoding="utf-8")
    big.write_text("x" * (SEED_HASH_LIMIT + 1), encoding="utf-8")
    assert seed_checksum(small, "seeds/small.csv") == ("sha256", hashlib.sha256(b"a\n1").hexdigest())
    assert seed_checksum(big, "seeds/big.csv") == ("path", "seeds/big.csv")
